"""``sendreg deadlines`` (the one list) and ``sendreg digest`` (the weekly email, from cron)."""

from __future__ import annotations

import argparse
from typing import Any

from sendreg.accounts.selectors import school_from_urn
from sendreg.lib.cli import add_school_argument, print_json
from sendreg.lib.dates import DUE_SOON_DAYS


def add_deadlines(sub: argparse._SubParsersAction[Any]) -> None:
    parser = sub.add_parser("deadlines", help="list every dated duty in the school, soonest first")
    add_school_argument(parser)
    parser.add_argument("--kind", help="only this kind, e.g. ehc_annual_review")
    parser.add_argument(
        "--status", choices=["done", "overdue", "due_soon", "upcoming"], help="only this status"
    )
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(handler=cmd_deadlines)


def add_digest(sub: argparse._SubParsersAction[Any]) -> None:
    parser = sub.add_parser(
        "digest",
        help=f"email each SENCO what is overdue or due in the next {DUE_SOON_DAYS} days "
        "(run weekly from cron)",
    )
    parser.add_argument("--school", metavar="URN", help="one school only (default: every school)")
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(handler=cmd_digest)


def cmd_deadlines(args: argparse.Namespace) -> int:
    from sendreg.deadlines import selectors
    from sendreg.lib.cli import CommandError
    from sendreg.lib.dates import today

    school = school_from_urn(args.school)
    labels = selectors.kinds()
    if args.kind and args.kind not in labels:
        raise CommandError(f"No kind {args.kind!r}. The kinds are: {', '.join(labels)}.")
    deadlines = selectors.school_deadlines(
        school,
        today(),
        only_kinds={args.kind} if args.kind else (),
        only_statuses={args.status} if args.status else (),
    )
    if args.json:
        print_json([deadline.as_json() for deadline in deadlines])
        return 0
    if not deadlines:
        print(f"No deadlines at {school.name}.")
        return 0
    for deadline in deadlines:
        who = f"{deadline.name} ({deadline.upn})" if deadline.upn else "the whole school"
        label = labels.get(deadline.kind, deadline.kind)
        print(f"{deadline.due.isoformat()}  {deadline.status:<8}  {label}: {who}")
    return 0


def cmd_digest(args: argparse.Namespace) -> int:
    from sendreg.deadlines.services import digest_send
    from sendreg.lib.dates import today

    school = school_from_urn(args.school) if args.school else None
    outcomes = digest_send(today=today(), school=school)
    if args.json:
        print_json([outcome.as_json() for outcome in outcomes])
        return 0
    if not outcomes:
        print("Nobody receives the deadlines email: no SENCO or deputy SENCO has an account.")
    for outcome in outcomes:
        if outcome.sent:
            print(f"Sent to {outcome.email} ({outcome.school}): {outcome.deadlines} deadlines.")
        else:
            print(f"Not sent to {outcome.email} ({outcome.school}): {outcome.reason}.")
    return 0
