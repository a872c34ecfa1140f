"""``sendreg provision costs`` and ``sendreg provision impact``.

Their ``--json`` shapes are a public interface, documented in the README: money is a
string with two decimals ("10545.00"), never a float.
"""

from __future__ import annotations

import argparse
from typing import Any

from sendreg.accounts.selectors import school_from_urn
from sendreg.lib.cli import CommandError, add_school_argument, print_json


def add_parser(sub: argparse._SubParsersAction[Any]) -> None:
    provision = sub.add_parser(
        "provision", help="the provision map: what provision costs and whether it works"
    ).add_subparsers(dest="action", required=True, metavar="ACTION")

    costs = provision.add_parser(
        "costs", help="each pupil's costed provision in a school year, most expensive first"
    )
    add_school_argument(costs)
    costs.add_argument(
        "--year",
        type=int,
        metavar="YYYY",
        help="the school year by its first year: 2025 is 2025/26 (default: this one)",
    )
    costs.add_argument("--json", action="store_true")
    costs.set_defaults(handler=cmd_costs)

    impact = provision.add_parser("impact", help="each intervention's impact over all its runs")
    add_school_argument(impact)
    impact.add_argument("--json", action="store_true")
    impact.set_defaults(handler=cmd_impact)


def cmd_costs(args: argparse.Namespace) -> int:
    from sendreg.lib.dates import today
    from sendreg.provision import rules
    from sendreg.provision.selectors import pupil_costs, topup_threshold

    school = school_from_urn(args.school)
    day = today()
    year = rules.school_year_of(day) if args.year is None else args.year
    if not 1900 <= year <= 2999:
        raise CommandError(f"--year {year} is not a school year such as 2025 (for 2025/26).")
    costs = pupil_costs(school, year=year, today=day)
    if args.json:
        print_json([c.as_json() for c in costs])
        return 0
    threshold = topup_threshold(school)
    print(
        f"{school.name}, school year {rules.school_year_label(year)}: {len(costs)} pupil"
        f"{'' if len(costs) == 1 else 's'} with costed provision; top-up threshold "
        f"{rules.format_pounds(threshold)}."
    )
    for c in costs:
        flag = "  ABOVE THRESHOLD" if c.over_threshold else ""
        print(f"{c.upn}  {c.name:<30} {c.status}  {rules.format_pounds(c.cost):>12}{flag}")
        for run in c.runs:
            print(f"    {run.intervention:<40} {rules.format_pounds(run.cost_in_year):>12}")
    over = sum(1 for c in costs if c.over_threshold)
    print(f"{over} pupil{'' if over == 1 else 's'} above the threshold.")
    return 0


def cmd_impact(args: argparse.Namespace) -> int:
    from sendreg.provision import rules
    from sendreg.provision.selectors import impact_rows

    school = school_from_urn(args.school)
    rows = impact_rows(school)
    if args.json:
        print_json([r.as_json() for r in rows])
        return 0
    for r in rows:
        i = r.impact
        effect = f"{i.effect_size:.2f}" if i.effect_size is not None else i.effect_size_note
        gain = f"{i.mean_gain:.2f}" if i.mean_gain is not None else "none measured"
        print(
            f"{r.intervention.name}: {i.pupils} pupils, {i.pupils_with_scores} with both scores; "
            f"mean gain {gain}; effect size {effect}; "
            f"cost per pupil {rules.format_pounds(i.cost_per_pupil) or 'none'}"
        )
    if not rows:
        print("The catalogue has no interventions yet.")
    else:
        print("\n" + rules.EFFECT_SIZE_METHOD)
    return 0
