"""``sendreg plans``: the open support plans, for scripts (``--json``) and people."""

from __future__ import annotations

import argparse
from typing import Any

from sendreg.accounts.selectors import school_from_urn
from sendreg.lib.cli import add_school_argument, print_json


def plan_records(school: Any) -> list[dict[str, Any]]:
    """One object per open plan of a pupil on roll, soonest review first (the ``--json`` shape)."""
    from sendreg.lib.dates import today
    from sendreg.support.selectors import open_plans_for_school

    return [
        {
            "upn": row.upn,
            "name": row.name,
            "opened": row.opened_on.isoformat(),
            "review_due": row.review_date.isoformat(),
            "outcomes": [
                {"text": o.text, "measure": o.measure, "baseline": o.baseline, "target": o.target}
                for o in row.outcomes
            ],
            "status": "open",
        }
        for row in open_plans_for_school(school, day=today())
    ]


def cmd_plans(args: argparse.Namespace) -> int:
    records = plan_records(school_from_urn(args.school))
    if args.json:
        print_json(records)
        return 0
    for r in records:
        print(
            f"{r['upn']}  {r['name']}  opened {r['opened']}  review {r['review_due']}  "
            f"{len(r['outcomes'])} outcome{'s' if len(r['outcomes']) != 1 else ''}"
        )
    print(f"{len(records)} open support plan{'s' if len(records) != 1 else ''}.")
    return 0


def add_plans_command(sub: argparse._SubParsersAction[Any]) -> None:
    parser = sub.add_parser("plans", help="list the open support plans")
    add_school_argument(parser)
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(handler=cmd_plans)
