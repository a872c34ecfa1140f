"""``sendreg ehc record``: script a pupil's EHC history in, one event at a time; and
``sendreg ehc keep-clocks``: work out again what each record has due, after an upgrade.

It exists so that a school moving from a spreadsheet tracker can key in its history. It
goes through the same service as the pages, so it checks the order of events the same
way and writes the same audit events.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import Any

from sendreg.accounts.selectors import school_from_urn
from sendreg.lib.cli import CommandError, add_school_argument, print_json

#: The events the command records; the others need details only the pages collect.
CLI_EVENTS = (
    "request", "assessment_agreed", "assessment_refused", "draft_issued", "draft_response",
    "plan_refused", "plan_issued", "review_scheduled", "advice_circulated", "review_held",
    "report_sent", "review_decision", "plan_ceased",
)  # fmt: skip
ACTOR = "sendreg command line"
NO_SUCH_PUPIL = "No pupil with UPN {upn} at {school}."
BAD_DATE = "--date must be a date written YYYY-MM-DD, such as 2026-03-02, not {value!r}."
REGISTER_OFFER = (
    "{name} has an EHC plan in force but is not E on the SEN register. Change the register on "
    "the pupil's SEN page, which also makes the letter to parents; sendreg never changes it "
    "from here."
)


def add_ehc(sub: argparse._SubParsersAction[Any]) -> None:
    ehc = sub.add_parser("ehc", help="EHC plans: record events of a pupil's EHC process")
    actions = ehc.add_subparsers(dest="action", required=True, metavar="ACTION")
    record = actions.add_parser(
        "record",
        help="record one event of a pupil's EHC process (the order of events is checked)",
        description=(
            "Record one event of a pupil's EHC process. For review_scheduled, --date is the "
            "date of the meeting."
        ),
    )
    record.add_argument("upn", metavar="UPN")
    record.add_argument("--event", required=True, choices=CLI_EVENTS)
    record.add_argument("--date", required=True, metavar="YYYY-MM-DD")
    record.add_argument(
        "--requested-by", choices=["school", "parent", "young_person"], help="with request"
    )
    record.add_argument(
        "--outcome", choices=["maintain", "amend", "cease"], help="with review_decision"
    )
    record.add_argument("--notes", default="", help="anything to keep with the event")
    add_school_argument(record)
    record.add_argument("--json", action="store_true")
    record.set_defaults(handler=cmd_ehc_record)
    clocks = actions.add_parser(
        "keep-clocks",
        help="work out again what each EHC record has due (after an upgrade; changes no record)",
        description=(
            "Work out again, from its events, what each pupil's EHC record has due, as sendreg "
            "does after every change to it. Run it after upgrading to a release that works out "
            "deadlines differently: until then the home page works those records out on every "
            "visit. No record changes."
        ),
    )
    clocks.add_argument("--school", metavar="URN", help="one school (default: every school)")
    clocks.add_argument("--json", action="store_true")
    clocks.set_defaults(handler=cmd_ehc_keep_clocks)


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(BAD_DATE.format(value=value)) from None


def cmd_ehc_record(args: argparse.Namespace) -> int:
    from django.core.exceptions import ValidationError

    from sendreg.deadlines.rules import long_date
    from sendreg.ehc.rules import EventKind
    from sendreg.ehc.selectors import ehc_record
    from sendreg.ehc.services import ehc_event_record
    from sendreg.lib.dates import today
    from sendreg.pupils.models import Pupil
    from sendreg.pupils.rules import normalise_upn

    school = school_from_urn(args.school)
    upn = normalise_upn(args.upn)
    pupil = Pupil.objects.filter(school=school, upn=upn).select_related("school").first()
    if pupil is None:
        raise CommandError(NO_SUCH_PUPIL.format(upn=upn, school=school.name))
    day = today()
    when = _date(args.date)
    details: dict[str, Any] = {"notes": args.notes}
    on = when
    if args.event == EventKind.REVIEW_SCHEDULED:
        # The tracker knows the meeting's date; it was arranged by today at the latest.
        details["meeting_on"] = when
        on = min(when, day)
    if args.requested_by:
        details["requested_by"] = args.requested_by
    if args.outcome:
        details["outcome"] = args.outcome
    try:
        ehc_event_record(
            pupil=pupil,
            kind=args.event,
            on=on,
            details=details,
            by=None,
            today=day,
            source="command line",
            actor_label=ACTOR,
        )
    except ValidationError as exc:
        message = " ".join(exc.messages)
        if args.json:
            print_json({"refused": message})
        else:
            print(f"sendreg: {message}", file=sys.stderr)
        return 1
    record = ehc_record(pupil, today=day)
    deadlines = [deadline.as_json() for deadline in record.all_deadlines()]
    if args.json:
        print_json(
            {
                "upn": pupil.upn,
                "name": str(pupil),
                "event": args.event,
                "date": when.isoformat(),
                "stage": record.stage.value,
                "register_status": record.sen_status or "",
                "register_change_offered": record.register_offer,
                "deadlines": deadlines,
            }
        )
        return 0
    print(
        f"Recorded for {pupil} ({pupil.upn}): {EventKind(args.event).label} on {long_date(when)}."
    )
    print(f"Now: {record.stage.label}.")
    for row in record.open_rows:
        print(f"  {row.duty.due.isoformat()}  {row.status.label:<22} {row.label}")
    if record.register_offer:
        print(REGISTER_OFFER.format(name=pupil))
    return 0


def cmd_ehc_keep_clocks(args: argparse.Namespace) -> int:
    from sendreg.ehc.services import ehc_clocks_keep

    school = school_from_urn(args.school) if args.school else None
    kept = ehc_clocks_keep(school=school)
    if args.json:
        print_json({"kept": kept})
    else:
        where = school.name if school else "every school"
        print(f"EHC records whose deadlines were worked out again: {kept} ({where}).")
    return 0
