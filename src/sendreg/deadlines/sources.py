"""Deadlines from what the other registers already keep: census days, monitoring reviews,
exam access arrangements expiring, healthcare plan and Personal Education Plan reviews.

Each source reads its app's models downward, read-only, one query per kind, for the
pupils on roll; the status of every deadline comes from ``rules.deadline_status``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from sendreg.accounts.models import School
from sendreg.deadlines.rules import deadline_status, long_date
from sendreg.lib.compiled import compiled
from sendreg.lib.dates import due_soon_until
from sendreg.lib.extensions import Deadline, DeadlineSource
from sendreg.lib.urls import url_pattern
from sendreg.pupils.rules import shown_name
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


def _deadline(
    kind: str, due: dt.date, today: dt.date, detail: str, *, pupil_id: int, upn: str, name: str
) -> Deadline:
    return Deadline(
        kind=kind,
        due=due,
        status=deadline_status(due=due, today=today).value,
        detail=detail,
        upn=upn,
        name=name,
        pupil_id=pupil_id,
        url=url_pattern("pupil_detail").format(pupil_id),
    )


def _row_deadline(
    kind: str, due: dt.date, today: dt.date, detail: str, row: dict[str, Any]
) -> Deadline:
    """A pupil's deadline from a row read with ``PUPIL_FIELDS``."""
    name = shown_name(
        row["pupil__legal_forename"], row["pupil__legal_surname"],
        row["pupil__preferred_forename"], row["pupil__preferred_surname"],
    )  # fmt: skip
    return _deadline(
        kind, due, today, detail, pupil_id=row["pupil_id"], upn=row["pupil__upn"], name=name
    )


#: What a deadline shows of its pupil.
PUPIL_FIELDS = (
    "pupil_id", "pupil__upn", "pupil__legal_forename", "pupil__legal_surname",
    "pupil__preferred_forename", "pupil__preferred_surname",
)  # fmt: skip

#: The last due date a source lists: with ``attention``, the end of the "due soon" window
#: (``rules.needs_attention`` of the deadline, for a source that is never done); otherwise
#: none (the latest date the databases hold).
EVERY_DATE = dt.date.max


def _due_until(today: dt.date, attention: bool) -> dt.date:
    return due_soon_until(today) if attention else EVERY_DATE


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


@compiled
def _monitoring_reviews(school_id: int, today: dt.date, until: dt.date) -> QuerySet[Any]:
    return MonitoringEntry.objects.filter(
        of_school_on_roll(school_id, today), ended_on__isnull=True, review_date__lte=until
    ).values("reason", "started_on", "review_date", *PUPIL_FIELDS)


def monitoring_deadlines(
    school: School, today: dt.date, *, attention: bool = False
) -> Iterator[Deadline]:
    for entry in _monitoring_reviews(school.pk, today, _due_until(today, attention)):
        detail = MONITORING_DETAIL.format(
            started=long_date(entry["started_on"]), reason=entry["reason"].strip()
        )
        yield _row_deadline(MONITORING_REVIEW, entry["review_date"], today, detail, entry)


@compiled
def _exam_expiries(school_id: int, today: dt.date, until: dt.date) -> QuerySet[ExamArrangement]:
    """Arrangements in use that expire by ``until``, with their pupils (whose year group says
    whether a Key Stage 2 arrangement still applies)."""
    return ExamArrangement.objects.filter(
        of_school_on_roll(school_id, today),
        ended_on__isnull=True,
        expires_on__isnull=False,
        expires_on__lte=until,
    ).select_related("pupil")


def exam_deadlines(
    school: School, today: dt.date, *, attention: bool = False
) -> Iterator[Deadline]:
    for arrangement in _exam_expiries(school.pk, today, _due_until(today, attention)):
        assert arrangement.expires_on is not None
        # A Key Stage 2 arrangement has already lapsed for a pupil in Year 7 or above,
        # whatever its date says: that is for the register to show, not a date to meet.
        if arrangement.status(today).reason == ARRANGEMENT_KS2_NOT_CARRIED:
            continue
        detail = EXAM_DETAIL.format(
            arrangement=arrangement.label, key_stage=arrangement.get_key_stage_display()
        )
        pupil = arrangement.pupil
        yield _deadline(
            EXAM_ARRANGEMENT_EXPIRY, arrangement.expires_on, today, detail,
            pupil_id=pupil.pk, upn=pupil.upn, name=str(pupil),
        )  # fmt: skip


@compiled
def _healthcare_plan_reviews(school_id: int, today: dt.date, until: dt.date) -> QuerySet[Any]:
    return MedicalCondition.objects.filter(
        of_school_on_roll(school_id, today),
        ended_on__isnull=True,
        has_ihp=True,
        ihp_review_date__lte=until,
    ).values("condition", "ihp_review_date", *PUPIL_FIELDS)


def ihp_deadlines(school: School, today: dt.date, *, attention: bool = False) -> Iterator[Deadline]:
    for condition in _healthcare_plan_reviews(school.pk, today, _due_until(today, attention)):
        detail = IHP_DETAIL.format(condition=condition["condition"])
        yield _row_deadline(IHP_REVIEW, condition["ihp_review_date"], today, detail, condition)


@compiled
def _pep_reviews(school_id: int, today: dt.date, until: dt.date) -> QuerySet[Any]:
    return LookedAfterRecord.objects.filter(
        of_school_on_roll(school_id, today),
        pupil__looked_after=True,
        pep_review_date__lte=until,
    ).values("responsible_authority", "pep_review_date", *PUPIL_FIELDS)


def pep_deadlines(school: School, today: dt.date, *, attention: bool = False) -> Iterator[Deadline]:
    for record in _pep_reviews(school.pk, today, _due_until(today, attention)):
        detail = PEP_DETAIL.format(authority=record["responsible_authority"])
        yield _row_deadline(PEP_REVIEW, record["pep_review_date"], today, detail, record)


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
