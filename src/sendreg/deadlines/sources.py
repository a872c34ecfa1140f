"""Deadlines from what the other registers already keep: census days, monitoring reviews,
exam access arrangements expiring, healthcare plan and Personal Education Plan reviews.

Each source reads its app's models downward, read-only, one query per kind, for the
pupils on roll; the status of every deadline comes from ``rules.deadline_status``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from functools import partial

from django.urls import reverse

from sendreg.accounts.models import School
from sendreg.deadlines.rules import deadline_status, long_date
from sendreg.lib.dates import due_soon_until
from sendreg.lib.extensions import Deadline, DeadlineSource
from sendreg.pupils.models import Pupil
from sendreg.pupils.selectors import of_school_on_roll
from sendreg.records.models import ExamArrangement, LookedAfterRecord, MedicalCondition
from sendreg.records.rules import ARRANGEMENT_KS2_NOT_CARRIED
from sendreg.register.models import MonitoringEntry
from sendreg.register.rules import Term, upcoming_censuses
from sendreg.register.selectors import census_overrides

CENSUS = "census"
MONITORING_REVIEW = "monitoring_review"
EXAM_ARRANGEMENT_EXPIRY = "exam_arrangement_expiry"
IHP_REVIEW = "ihp_review"
PEP_REVIEW = "pep_review"

#: How many census days ahead the list shows (a year's worth).
CENSUS_DAYS_AHEAD = 3

CENSUS_DETAIL = (
    "{label}: the school census is returned from the MIS. Check that the MIS and the SEN "
    "register agree before the day{spring}."
)
SPRING_NOTE = "; need types are collected only in this (spring) census, so check them too"
MONITORING_DETAIL = (
    "Monitoring review: on the monitoring list since {started} ({reason}). Decide whether to "
    "keep monitoring, end it, or add the pupil to the SEN register."
)
EXAM_DETAIL = (
    "Exam access arrangement ({arrangement}, {key_stage}) expires: renew it with new evidence "
    "or let it end."
)
IHP_DETAIL = "Review the Individual Healthcare Plan for {condition}."
PEP_DETAIL = "Personal Education Plan (PEP) review, with {authority} as the responsible authority."


def _deadline(kind: str, due: dt.date, today: dt.date, detail: str, pupil: Pupil) -> Deadline:
    return Deadline(
        kind=kind,
        due=due,
        status=deadline_status(due=due, today=today).value,
        detail=detail,
        upn=pupil.upn,
        name=str(pupil),
        pupil_id=pupil.pk,
        url=pupil.get_absolute_url(),
    )


#: What a deadline shows of its pupil.
PUPIL_FIELDS = (
    "pupil__id", "pupil__upn", "pupil__legal_forename", "pupil__legal_surname",
    "pupil__preferred_forename", "pupil__preferred_surname",
)  # fmt: skip


def _due_by(field: str, today: dt.date, attention: bool) -> dict[str, object]:
    """With ``attention``, only records whose date is overdue or due soon on ``today``: the
    same as ``rules.needs_attention`` of the deadline, for a source that is never done."""
    return {f"{field}__lte": due_soon_until(today)} if attention else {}


def census_deadlines(school: School, today: dt.date) -> Iterator[Deadline]:
    for census in upcoming_censuses(today, CENSUS_DAYS_AHEAD, census_overrides()):
        spring = SPRING_NOTE if census.term == Term.SPRING else ""
        yield Deadline(
            kind=CENSUS,
            due=census.date,
            status=deadline_status(due=census.date, today=today).value,
            detail=CENSUS_DETAIL.format(label=census.label, spring=spring),
            url=f"{reverse('census')}?date={census.date.isoformat()}",
        )


def monitoring_deadlines(
    school: School, today: dt.date, *, attention: bool = False
) -> Iterator[Deadline]:
    entries = (
        MonitoringEntry.objects.filter(
            of_school_on_roll(school.pk, today),
            ended_on__isnull=True,
            **_due_by("review_date", today, attention),
        )
        .select_related("pupil")
        .only("pupil", "reason", "started_on", "review_date", *PUPIL_FIELDS)
    )
    for entry in entries:
        detail = MONITORING_DETAIL.format(
            started=long_date(entry.started_on), reason=entry.reason.strip()
        )
        yield _deadline(MONITORING_REVIEW, entry.review_date, today, detail, entry.pupil)


def exam_deadlines(
    school: School, today: dt.date, *, attention: bool = False
) -> Iterator[Deadline]:
    arrangements = ExamArrangement.objects.filter(
        of_school_on_roll(school.pk, today),
        ended_on__isnull=True,
        expires_on__isnull=False,
        **_due_by("expires_on", today, attention),
    ).select_related("pupil")
    for arrangement in arrangements:
        assert arrangement.expires_on is not None
        # A Key Stage 2 arrangement has already lapsed for a pupil in Year 7 or above,
        # whatever its date says: that is for the register to show, not a date to meet.
        if arrangement.status(today).reason == ARRANGEMENT_KS2_NOT_CARRIED:
            continue
        detail = EXAM_DETAIL.format(
            arrangement=arrangement.label, key_stage=arrangement.get_key_stage_display()
        )
        yield _deadline(
            EXAM_ARRANGEMENT_EXPIRY, arrangement.expires_on, today, detail, arrangement.pupil
        )


def ihp_deadlines(school: School, today: dt.date, *, attention: bool = False) -> Iterator[Deadline]:
    conditions = (
        MedicalCondition.objects.filter(
            of_school_on_roll(school.pk, today),
            ended_on__isnull=True,
            has_ihp=True,
            **_due_by("ihp_review_date", today, attention),
        )
        .select_related("pupil")
        .only("pupil", "condition", "ihp_review_date", *PUPIL_FIELDS)
    )
    for condition in conditions:
        assert condition.ihp_review_date is not None
        detail = IHP_DETAIL.format(condition=condition.condition)
        yield _deadline(IHP_REVIEW, condition.ihp_review_date, today, detail, condition.pupil)


def pep_deadlines(school: School, today: dt.date, *, attention: bool = False) -> Iterator[Deadline]:
    records = (
        LookedAfterRecord.objects.filter(
            of_school_on_roll(school.pk, today),
            pep_review_date__isnull=False,
            pupil__looked_after=True,
            **_due_by("pep_review_date", today, attention),
        )
        .select_related("pupil")
        .only("pupil", "responsible_authority", "pep_review_date", *PUPIL_FIELDS)
    )
    for record in records:
        assert record.pep_review_date is not None
        detail = PEP_DETAIL.format(authority=record.responsible_authority)
        yield _deadline(PEP_REVIEW, record.pep_review_date, today, detail, record.pupil)


def _attention(
    collect: Callable[..., Iterator[Deadline]],
) -> Callable[[School, dt.date], Iterator[Deadline]]:
    return partial(collect, attention=True)


SOURCES: Iterable[DeadlineSource] = (
    DeadlineSource(
        "census",
        {CENSUS: "School census day"},
        census_deadlines,
        order=10,
    ),
    DeadlineSource(
        "monitoring",
        {MONITORING_REVIEW: "Monitoring list review"},
        monitoring_deadlines,
        attention=_attention(monitoring_deadlines),
        order=20,
    ),
    DeadlineSource(
        "exam_arrangements",
        {EXAM_ARRANGEMENT_EXPIRY: "Exam access arrangement expires"},
        exam_deadlines,
        attention=_attention(exam_deadlines),
        order=30,
    ),
    DeadlineSource(
        "healthcare_plans",
        {IHP_REVIEW: "Individual Healthcare Plan review"},
        ihp_deadlines,
        attention=_attention(ihp_deadlines),
        order=40,
    ),
    DeadlineSource(
        "personal_education_plans",
        {PEP_REVIEW: "Personal Education Plan (PEP) review"},
        pep_deadlines,
        attention=_attention(pep_deadlines),
        order=50,
    ),
)
