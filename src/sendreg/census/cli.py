"""``sendreg census dates|check|export``: the census calendar, the check and the extract."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
from pathlib import Path
from typing import Any

from sendreg.accounts.selectors import school_from_urn
from sendreg.lib.cli import CommandError, add_school_argument
from sendreg.lib.extensions import COMMANDS, Command


def cmd_census_dates(args: argparse.Namespace) -> int:
    from django.core.exceptions import ValidationError

    from sendreg.lib.dates import today
    from sendreg.register import rules
    from sendreg.register.selectors import census_overrides
    from sendreg.register.services import census_date_set

    year = args.year if args.year is not None else rules.academic_year_of(today())
    for item in args.set or []:
        term, _, value = item.partition("=")
        try:
            chosen = rules.Term(term.strip().lower())
            day = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise CommandError(
                f"{item!r} should look like autumn=2026-10-08 (autumn, spring or summer)."
            ) from None
        try:
            census_date_set(
                academic_year=year,
                term=chosen,
                date=day,
                by=None,
                actor_label=f"sendreg census dates on the command line ({getpass.getuser()})",
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
    days = rules.census_days(year, census_overrides())
    if args.json:
        print(json.dumps([{"term": d.term.value, "date": d.date.isoformat()} for d in days]))
    else:
        for d in days:
            print(f"{d.label}: {d.date:%A %d %B %Y}")
    return 0


def _census_date(value: str | None) -> Any:
    from sendreg.lib.dates import today
    from sendreg.register import rules
    from sendreg.register.selectors import census_overrides

    if not value:
        return rules.next_census(today(), census_overrides()).date
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date {value!r} is not a date like 2026-01-15.") from None


def cmd_census_check(args: argparse.Namespace) -> int:
    """Exit 0 when the check passes (no errors), 1 when it found errors. Records the run."""
    from sendreg.census.rulebook import SEVERITY_PLURALS
    from sendreg.census.selectors import census_check
    from sendreg.census.services import census_check_record

    school = school_from_urn(args.school)
    check = census_check(school=school, census_date=_census_date(args.date))
    census_check_record(
        check=check,
        by=None,
        by_label=f"sendreg census check on the command line ({getpass.getuser()})",
    )
    if args.json:
        print(json.dumps([f.as_json() for f in check.findings], indent=2))
        return 0 if check.passed else 1
    counts = check.counts
    print(
        f"{check.census.label}, {check.census.date:%A %d %B %Y}, {school.name}: "
        f"{check.roll} pupils on roll. "
        + ", ".join(
            f"{n} {severity.value if n == 1 else SEVERITY_PLURALS[severity].lower()}"
            for severity, n in counts.items()
        )
        + "."
    )
    for f in check.findings:
        who = f"{f.name or 'Whole school'}{f' ({f.upn})' if f.upn else ''}"
        print(f"\n{f.severity.label} {f.code}, {who}: {f.message}\n  What to do: {f.action}")
    print("\nThe check passed." if check.passed else "\nThe check has not passed.")
    return 0 if check.passed else 1


def cmd_census_export(args: argparse.Namespace) -> int:
    from sendreg.census import exports
    from sendreg.census.selectors import census_day_for, census_extract
    from sendreg.lib.spreadsheets import csv_text

    school = school_from_urn(args.school)
    out = Path(args.out)
    kind = out.suffix.lower()
    if kind not in {".csv", ".xml"}:
        raise CommandError(f"--out {args.out!r} should end .csv or .xml, which says the format.")
    day = _census_date(args.date)
    rows = census_extract(school=school, census_date=day)
    if kind == ".csv":
        # A BOM makes Excel read the file as UTF-8, as in the web page's downloads.
        text = "\ufeff" + csv_text(exports.EXTRACT_HEADER, exports.extract_rows(rows))
        data = text.encode("utf-8")
    else:
        data = exports.census_extract_xml(school=school, census=census_day_for(day), rows=rows)
    try:
        out.write_bytes(data)
    except OSError as exc:
        raise CommandError(f"Cannot write {out}: {exc.strerror}.") from None
    print(f"Wrote the census extract for {day:%d/%m/%Y} ({len(rows)} pupils on roll) to {out}.")
    return 0


def add_census_parser(sub: argparse._SubParsersAction[Any]) -> None:
    census = sub.add_parser(
        "census", help="census days, the census check and extract"
    ).add_subparsers(dest="action", required=True, metavar="ACTION")
    dates = census.add_parser("dates", help="show, or override, a year's census days")
    dates.add_argument("--year", type=int, help="academic year by its first year: 2026 is 2026/27")
    dates.add_argument(
        "--set", action="append", metavar="TERM=DATE", help="override a day: autumn=2026-10-08"
    )
    dates.add_argument("--json", action="store_true")
    dates.set_defaults(handler=cmd_census_dates)
    check = census.add_parser(
        "check", help="check the MIS's SEN values against the census rules and the register"
    )
    add_school_argument(check)
    check.add_argument("--date", help="the census day, e.g. 2026-01-15 (default: the next one)")
    check.add_argument("--json", action="store_true")
    check.set_defaults(handler=cmd_census_check)
    export = census.add_parser(
        "export", help="write what the register says each pupil carries in the census"
    )
    add_school_argument(export)
    export.add_argument("--date", help="the census day, e.g. 2026-01-15 (default: the next one)")
    export.add_argument("--out", required=True, metavar="FILE", help="a .csv or .xml file")
    export.set_defaults(handler=cmd_census_export)


def register_commands() -> None:
    COMMANDS.register(Command("census", add_census_parser, order=50))
