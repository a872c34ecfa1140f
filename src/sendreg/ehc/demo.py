"""EHC records for a demo school, in every state the clock can be in, some overdue.

Pupils with E on the register get a plan, each at a different point of its annual review
cycle; a few pupils on SEN support (K) are going through an EHC needs assessment. Every
event goes through the same service as the pages, so the demo's records are ones the
pages could have made, with their audit trail.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from sendreg.accounts.models import User
from sendreg.accounts.permissions import Role
from sendreg.ehc import services
from sendreg.ehc.rules import EventKind, InviteeRole, ReviewOutcome, Section
from sendreg.lib.extensions import DemoSchool
from sendreg.pupils.models import Pupil
from sendreg.register.selectors import with_sen_status

LOCAL_AUTHORITY = "Oakshire County Council"
ALL_SECTIONS = [s.value for s in Section]
SOURCE = "demo"
VIEWS = {
    "pupil": "Likes working with the same adult each day. Finds the dinner hall too loud.",
    "parents": "Pleased with the reading progress; worried about the move to the next key stage.",
}
INVITEES = [
    ("Parent or carer", InviteeRole.PARENT, ""),
    ("Sam Patel", InviteeRole.LA, LOCAL_AUTHORITY),
    ("Dr Jo Hughes", InviteeRole.HEALTH, "Oakshire Children's Therapy Service"),
    ("Form tutor", InviteeRole.SCHOOL, ""),
]

Step = tuple[str, int, dict[str, object]]


def _weeks(n: float) -> int:
    return round(n * 7)


class _Recorder:
    def __init__(self, demo: DemoSchool, senco: User) -> None:
        self.demo = demo
        self.senco = senco
        self.today = demo.today

    def day(self, days_ago: int) -> dt.date:
        return self.today - dt.timedelta(days=days_ago)

    def event(self, pupil: Pupil, kind: str, days_ago: int, **details: object) -> int:
        event = services.ehc_event_record(
            pupil=pupil,
            kind=kind,
            on=self.day(days_ago),
            details=details,
            by=self.senco,
            today=self.today,
            source=SOURCE,
        )
        return event.pk

    def plan(self, pupil: Pupil, days_ago: int, *, after_request: bool = True) -> None:
        if after_request:
            self.event(
                pupil, EventKind.REQUEST, days_ago + _weeks(20), requested_by="school",
                evidence="Support plans for two years; the educational psychologist's report.",
            )  # fmt: skip
            self.event(pupil, EventKind.ASSESSMENT_AGREED, days_ago + _weeks(14))
            self.event(pupil, EventKind.DRAFT_ISSUED, days_ago + _weeks(5))
            self.event(
                pupil, EventKind.DRAFT_RESPONSE, days_ago + _weeks(4),
                notes="The school agrees to be named and can make the provision in section F.",
            )  # fmt: skip
        adulthood = ""
        if (pupil.year_group or 0) >= 9:
            adulthood = "Work experience in Year 10; travel training; a careers adviser."
        self.event(
            pupil, EventKind.PLAN_ISSUED, days_ago, local_authority=LOCAL_AUTHORITY,
            named_school=self.demo.school.name, sections=ALL_SECTIONS, adulthood=adulthood,
        )  # fmt: skip

    def held(self, pupil: Pupil, days_ago: int) -> None:
        self.event(
            pupil, EventKind.REVIEW_HELD, days_ago,
            attendees="Parent, SENCO, form tutor, local authority officer",
            pupil_views=VIEWS["pupil"], parent_views=VIEWS["parents"],
            notes="Outcomes in section E mostly met; recommend keeping the plan.",
        )  # fmt: skip

    def scheduled(self, pupil: Pupil, days_ago: int, meeting_in: int, invited: int) -> None:
        review = services.ehc_event_record(
            pupil=pupil,
            kind=EventKind.REVIEW_SCHEDULED,
            on=self.day(days_ago),
            details={
                "meeting_on": self.today + dt.timedelta(days=meeting_in),
                "notes": "In the SENCO's office, 3.30pm.",
            },  # fmt: skip
            by=self.senco,
            today=self.today,
            source=SOURCE,
        )
        added = [
            services.ehc_invitee_add(
                review=review, name=name, role=role, organisation=org, by=self.senco
            )
            for name, role, org in INVITEES
        ]
        if invited:
            services.ehc_invitations_sent(
                review=review,
                invitees=added[:invited],
                on=review.on,
                by=self.senco,
                today=self.today,
            )


def _plan_states(r: _Recorder) -> list[Callable[[Pupil], None]]:
    """Plans at every point of the annual review cycle."""

    def fresh(p: Pupil) -> None:  # annual review months away
        r.plan(p, 150)

    def review_due_soon(p: Pupil) -> None:  # last review nearly a year ago; meeting arranged
        r.plan(p, 800, after_request=False)
        r.held(p, 355)
        r.event(p, EventKind.REPORT_SENT, 345)
        r.event(p, EventKind.REVIEW_DECISION, 330, outcome=ReviewOutcome.MAINTAIN)
        r.scheduled(p, 20, 9, invited=2)  # invitations overdue: two of four sent

    def review_overdue(p: Pupil) -> None:  # no review for over a year
        r.plan(p, 900, after_request=False)
        r.held(p, 400)
        r.event(p, EventKind.REPORT_SENT, 390)
        r.event(p, EventKind.REVIEW_DECISION, 375, outcome=ReviewOutcome.MAINTAIN)

    def report_overdue(p: Pupil) -> None:  # met three weeks ago; no report yet
        r.plan(p, 500, after_request=False)
        r.held(p, 21)

    def decision_overdue(p: Pupil) -> None:  # report sent; the LA has not decided
        r.plan(p, 600, after_request=False)
        r.held(p, 35)
        r.event(p, EventKind.REPORT_SENT, 25)

    def complete(p: Pupil) -> None:  # a whole cycle, done on time
        r.plan(p, 430, after_request=False)
        r.scheduled(p, 100, -60, invited=4)
        r.event(p, EventKind.ADVICE_CIRCULATED, 78)
        r.held(p, 60)
        r.event(p, EventKind.REPORT_SENT, 50)
        r.event(p, EventKind.REVIEW_DECISION, 35, outcome=ReviewOutcome.MAINTAIN)

    def amending(p: Pupil) -> None:  # review asked for amendments: the draft is in
        r.plan(p, 700, after_request=False)
        r.held(p, 50)
        r.event(p, EventKind.REPORT_SENT, 40)
        r.event(p, EventKind.REVIEW_DECISION, 30, outcome=ReviewOutcome.AMEND)
        r.event(p, EventKind.DRAFT_ISSUED, 6)

    def arranged(p: Pupil) -> None:  # meeting in five weeks, everyone invited
        r.plan(p, 320, after_request=False)
        r.scheduled(p, 3, 35, invited=4)

    return [fresh, review_due_soon, review_overdue, report_overdue, decision_overdue, complete,
            amending, arranged]  # fmt: skip


def _assessment_states(r: _Recorder) -> list[Callable[[Pupil], None]]:
    """Pupils on SEN support going through an EHC needs assessment."""

    def requested(p: Pupil) -> None:
        r.event(p, EventKind.REQUEST, 14, requested_by="parent")

    def decision_overdue(p: Pupil) -> None:
        r.event(p, EventKind.REQUEST, 50, requested_by="school")

    def assessing(p: Pupil) -> None:
        r.event(p, EventKind.REQUEST, 84, requested_by="school")
        r.event(p, EventKind.ASSESSMENT_AGREED, 49)

    def draft_in(p: Pupil) -> None:  # response due within days; final plan due soon
        r.event(p, EventKind.REQUEST, _weeks(18), requested_by="school")
        r.event(p, EventKind.ASSESSMENT_AGREED, _weeks(13))
        r.event(p, EventKind.DRAFT_ISSUED, 8)

    def final_plan_overdue(p: Pupil) -> None:
        r.event(p, EventKind.REQUEST, _weeks(22), requested_by="school")
        r.event(p, EventKind.ASSESSMENT_AGREED, _weeks(16))
        r.event(p, EventKind.DRAFT_ISSUED, _weeks(6))
        r.event(p, EventKind.DRAFT_RESPONSE, _weeks(5), notes="Agreed to be named.")

    def not_assessed(p: Pupil) -> None:
        r.event(p, EventKind.REQUEST, 90, requested_by="parent")
        r.event(
            p, EventKind.ASSESSMENT_REFUSED, 55, notes="Needs can be met from the school's own."
        )

    def plan_just_issued(p: Pupil) -> None:  # still K: the SENCO is offered the register change
        r.plan(p, 2)

    def ceased(p: Pupil) -> None:
        r.plan(p, 1100, after_request=False)
        r.event(p, EventKind.PLAN_CEASED, 120, notes="Outcomes met; needs now met at SEN support.")

    return [requested, decision_overdue, assessing, draft_in, final_plan_overdue, not_assessed,
            plan_just_issued, ceased]  # fmt: skip


def fill(demo: DemoSchool) -> None:
    senco = demo.staff.get(Role.SENCO)
    if senco is None:
        return
    rng = random.Random(f"ehc-{demo.seed}")  # noqa: S311 - demo data
    ids = [p.pk for p in demo.pupils if p.leaving_date is None or p.leaving_date > demo.today]
    statuses = {
        pupil.pk: getattr(pupil, "sen_status", None)
        for pupil in with_sen_status(Pupil.objects.filter(pk__in=ids), demo.today).only("id")
    }
    by_pk = {p.pk: p for p in demo.pupils}
    on_e = [by_pk[pk] for pk, status in statuses.items() if status == "E"]
    on_k = [by_pk[pk] for pk, status in statuses.items() if status == "K"]
    rng.shuffle(on_e)
    rng.shuffle(on_k)
    recorder = _Recorder(demo, senco)
    plans = _plan_states(recorder)
    for number, pupil in enumerate(on_e):
        plans[number % len(plans)](pupil)
    assessments = _assessment_states(recorder)
    for pupil, state in zip(on_k, assessments, strict=False):
        state(pupil)
    demo.report.append(
        f"EHC records: {len(on_e)} plans in force, "
        f"{min(len(on_k), len(assessments))} pupils on SEN support in an assessment or after one."
    )
