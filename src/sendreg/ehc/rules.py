"""The rules of the EHC (education, health and care) process: which event may follow which.

A pupil's EHC record is a list of dated events: a request for an EHC needs assessment,
the local authority's decisions, draft and final plans, annual reviews, the plan
ceasing. ``history`` reads the events in date order into the shape of the process
(assessments, plans, reviews) and refuses an order that cannot happen, with a message
that says what is missing. The deadline engine (``ehc.deadlines``) and every page,
command and import use it. Pure: no database, no request.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.db import models

from sendreg.deadlines.rules import long_date


class EventKind(models.TextChoices):
    REQUEST = "request", "Request for an EHC needs assessment"
    ASSESSMENT_AGREED = "assessment_agreed", "The local authority agreed to assess"
    ASSESSMENT_REFUSED = "assessment_refused", "The local authority decided not to assess"
    DRAFT_ISSUED = "draft_issued", "Draft plan received"
    DRAFT_RESPONSE = "draft_response", "The school's response to the draft plan sent"
    PLAN_REFUSED = "plan_refused", "The local authority decided not to issue a plan"
    PLAN_ISSUED = "plan_issued", "Final plan issued"
    REVIEW_SCHEDULED = "review_scheduled", "Annual review meeting arranged"
    ADVICE_CIRCULATED = "advice_circulated", "Advice circulated to those invited"
    REVIEW_HELD = "review_held", "Annual review meeting held"
    REPORT_SENT = "report_sent", "Review report sent"
    REVIEW_DECISION = "review_decision", "The local authority's decision after the review"
    PLAN_CEASED = "plan_ceased", "Plan ceased"


#: On one day, events happen in this order (a request comes before the decision on it).
KIND_ORDER: dict[str, int] = {kind.value: order for order, kind in enumerate(EventKind)}


class Requester(models.TextChoices):
    SCHOOL = "school", "The school"
    PARENT = "parent", "A parent"
    YOUNG_PERSON = "young_person", "The young person"


class ReviewOutcome(models.TextChoices):
    MAINTAIN = "maintain", "Keep the plan as it is"
    AMEND = "amend", "Amend the plan"
    CEASE = "cease", "Cease the plan"


class Section(models.TextChoices):
    """The sections of an EHC plan (SEND Code of Practice 9.62)."""

    A = "A", "A: the views, interests and aspirations of the child and their parents"
    B = "B", "B: special educational needs"
    C = "C", "C: health needs related to the special educational needs"
    D = "D", "D: social care needs related to the special educational needs"
    E = "E", "E: outcomes sought"
    F = "F", "F: special educational provision"
    G = "G", "G: health provision"
    H1 = "H1", "H1: social care provision under the Chronically Sick and Disabled Persons Act"
    H2 = "H2", "H2: other social care provision"
    I = "I", "I: the school or other placement"  # noqa: E741 - the plan's own letter
    J = "J", "J: personal budget"
    K = "K", "K: the advice and information gathered"


class InviteeRole(models.TextChoices):
    PARENT = "parent", "Parent or carer"
    PUPIL = "pupil", "The pupil"
    LA = "la", "Local authority SEN officer"
    HEALTH = "health", "Health"
    SOCIAL_CARE = "social_care", "Social care"
    SCHOOL = "school", "School staff"
    OTHER = "other", "Other professional"


#: Events that happen before a plan: none of them can follow the plan ceasing without a request.
_ASSESSMENT_DECISIONS = {EventKind.ASSESSMENT_AGREED, EventKind.ASSESSMENT_REFUSED}

# Messages -------------------------------------------------------------------------------

REQUEST_ALREADY_OPEN = (
    "A request for an EHC needs assessment is already open (made on {date}): record the "
    "local authority's decision on it first."
)
DECISION_NEEDS_REQUEST = (
    "The local authority's decision on {date} has no open request for an EHC needs assessment "
    "before it: record the request first, or check the dates."
)
DECISION_ALREADY_MADE = (
    "The local authority's decision on the request of {date} is already recorded ({decision})."
)
DECISION_AFTER_DRAFT = (
    "A draft plan came on {draft} for the request of {date}, so the local authority had "
    "already agreed to assess: check the dates."
)
DRAFT_NEEDS_ASSESSMENT = (
    "A draft plan on {date} needs an EHC needs assessment the local authority agreed to, or a "
    "final plan in force being amended: record the request (or the plan) first."
)
DRAFT_AFTER_REFUSAL = (
    "The local authority decided not to assess on {refused}: a draft plan on {date} needs a new "
    "request first."
)
RESPONSE_NEEDS_DRAFT = (
    "The school's response on {date} answers a draft plan: record the draft plan first, or "
    "check the dates."
)
RESPONSE_ALREADY_SENT = "The school's response to the draft plan of {date} is already recorded."
PLAN_REFUSED_NEEDS_ASSESSMENT = (
    "A decision not to issue a plan on {date} follows an EHC needs assessment: record the "
    "request first, or check the dates."
)
PLAN_NEEDS_REQUEST_AFTER_REFUSAL = (
    "The local authority decided not to assess on {refused}: a final plan on {date} needs a "
    "new request first."
)
PLAN_NEEDS_REQUEST_AFTER_CEASING = (
    "The plan ceased on {ceased}: a new final plan on {date} needs a new request for an EHC "
    "needs assessment first."
)
REVIEW_NEEDS_PLAN = (
    "An annual review ({event} on {date}) is a review of a final EHC plan, and there is no "
    "final plan in force on that date: record the final plan first, or check the dates."
)
ADVICE_NEEDS_SCHEDULE = (
    "Advice is circulated before a review meeting that has been arranged, and none is on {date}: "
    "record the review meeting's date first."
)
MEETING_BEFORE_ARRANGED = "The review meeting ({meeting}) cannot be before the day it was arranged."
REPORT_NEEDS_MEETING = (
    "A review report on {date} follows a review meeting held: record the meeting first, or "
    "check the dates."
)
REPORT_ALREADY_SENT = "The report of the review meeting held on {date} is already recorded."
REVIEW_DECISION_NEEDS_MEETING = (
    "The local authority's decision after a review on {date} follows a review meeting held: "
    "record the meeting first, or check the dates."
)
REVIEW_DECISION_ALREADY_MADE = (
    "The local authority's decision after the review meeting held on {date} is already recorded."
)
CEASE_NEEDS_PLAN = (
    "Only a final plan in force can cease, and there is none on {date}: record the final plan "
    "first, or check the dates."
)
IN_THE_FUTURE = "{event} is dated {date}, which is in the future: record it once it has happened."
OUT_OF_ORDER_LATER = "Recording this would leave a later event out of order: {problem}"
WITHDRAW_BREAKS = "Withdrawing this would leave the record out of order: {problem}"
MEETING_DATE_REQUIRED = "Give the date of the review meeting."
MEETING_DATE_ONLY_FOR_REVIEWS = "Only an arranged review meeting has a meeting date."


# The events, read into the shape of the process ------------------------------------------

#: The id a new event carries before it is saved: on its day, it comes after those recorded.
NEW = sys.maxsize


@dataclass(frozen=True)
class Event:
    kind: str
    on: dt.date
    id: int = NEW
    #: For an arranged review: the meeting's date (``on`` is the day it was arranged).
    meeting_on: dt.date | None = None
    #: For an arranged review: when each person invited was sent their invitation.
    invited: tuple[dt.date | None, ...] = ()

    @property
    def label(self) -> str:
        return EventKind(self.kind).label

    def sort_key(self) -> tuple[dt.date, int, int]:
        return (self.on, KIND_ORDER[self.kind], self.id)


@dataclass
class Draft:
    issued: Event
    response: Event | None = None


@dataclass
class Assessment:
    """One request for an EHC needs assessment and what came of it."""

    request: Event
    decision: Event | None = None  # agreed or refused
    drafts: list[Draft] = field(default_factory=list)
    #: The final plan issued, or the decision not to issue one.
    outcome: Event | None = None

    @property
    def refused(self) -> bool:
        return self.decision is not None and self.decision.kind == EventKind.ASSESSMENT_REFUSED

    @property
    def closed(self) -> bool:
        return self.refused or self.outcome is not None


@dataclass
class Review:
    """One annual review: arranged (perhaps), then held, reported and decided on."""

    scheduled: Event | None = None
    advice: Event | None = None
    held: Event | None = None
    report: Event | None = None
    decision: Event | None = None


@dataclass
class Plan:
    """One EHC plan from its issue to its ceasing.

    A plan amended after a review stays the same plan, and its annual review clock runs
    on; a plan issued again after a re-assessment is made afresh and restarts the clock.
    """

    issued: Event
    #: Issued again after a re-assessment: each restarts the 12 months to the annual review.
    remade: list[Event] = field(default_factory=list)
    #: Issued again after a review, amended.
    amendments: list[Event] = field(default_factory=list)
    drafts: list[Draft] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)
    #: A meeting arranged and not yet held (the latest arrangement, if it was moved).
    pending: Review | None = None
    #: Meetings arranged and then moved before they were held.
    moved: list[Review] = field(default_factory=list)
    ceased: Event | None = None

    @property
    def in_force(self) -> bool:
        return self.ceased is None

    @property
    def held_reviews(self) -> list[Review]:
        return [review for review in self.reviews if review.held is not None]

    @property
    def made_on(self) -> Event:
        """The latest issue that started the annual review clock."""
        return (self.remade or [self.issued])[-1]

    @property
    def issues(self) -> list[Event]:
        return in_order([self.issued, *self.remade, *self.amendments])


class Stage(StrEnum):
    NONE = "none"
    REQUESTED = "requested"
    ASSESSING = "assessing"
    DRAFT = "draft"
    NOT_ASSESSED = "not_assessed"
    NOT_ISSUED = "not_issued"
    PLAN = "plan"
    CEASED = "ceased"

    @property
    def label(self) -> str:
        return STAGE_LABELS[self]


STAGE_LABELS: dict[Stage, str] = {
    Stage.NONE: "No EHC needs assessment or plan recorded",
    Stage.REQUESTED: "Assessment requested: waiting for the local authority's decision",
    Stage.ASSESSING: "Being assessed by the local authority",
    Stage.DRAFT: "Draft plan received",
    Stage.NOT_ASSESSED: "The local authority decided not to assess",
    Stage.NOT_ISSUED: "Assessed: the local authority decided not to issue a plan",
    Stage.PLAN: "EHC plan in force",
    Stage.CEASED: "EHC plan ceased",
}


@dataclass
class History:
    events: list[Event]
    assessments: list[Assessment] = field(default_factory=list)
    plans: list[Plan] = field(default_factory=list)

    @property
    def open_assessment(self) -> Assessment | None:
        latest = self.assessments[-1] if self.assessments else None
        return latest if latest is not None and not latest.closed else None

    @property
    def plan(self) -> Plan | None:
        """The plan in force, if there is one."""
        latest = self.plans[-1] if self.plans else None
        return latest if latest is not None and latest.in_force else None

    @property
    def stage(self) -> Stage:
        """Where the pupil is now; a re-assessment under a plan in force leaves it in force."""
        if self.plan is not None:
            return Stage.PLAN
        assessment = self.assessments[-1] if self.assessments else None
        last_plan = self.plans[-1] if self.plans else None
        if last_plan is not None and last_plan.ceased is not None:
            if assessment is None or last_plan.ceased.sort_key() > assessment.request.sort_key():
                return Stage.CEASED
        if assessment is None:
            return Stage.NONE
        if assessment.refused:
            return Stage.NOT_ASSESSED
        if assessment.outcome is not None:
            return Stage.NOT_ISSUED
        if assessment.drafts:
            return Stage.DRAFT
        if assessment.decision is not None:
            return Stage.ASSESSING
        return Stage.REQUESTED


def in_order(events: Iterable[Event]) -> list[Event]:
    return sorted(events, key=Event.sort_key)


def history(events: Iterable[Event]) -> History:
    """Read events into assessments, plans and reviews, in date order.

    Raises ``ValidationError`` with the first event that cannot happen where it is,
    saying what is missing. A request while a plan is in force is a re-assessment; a
    final plan issued while one is in force (and no assessment is open) is an amended
    plan, which stays the same plan.
    """
    ordered = in_order(events)
    built = History(events=ordered)
    for event in ordered:
        _apply(built, event)
    return built


def _apply(built: History, event: Event) -> None:
    assessment = built.open_assessment
    plan = built.plan
    kind = event.kind
    if kind == EventKind.REQUEST:
        if assessment is not None:
            raise ValidationError(
                REQUEST_ALREADY_OPEN.format(date=long_date(assessment.request.on))
            )
        built.assessments.append(Assessment(request=event))
    elif kind in _ASSESSMENT_DECISIONS:
        if assessment is None:
            raise ValidationError(DECISION_NEEDS_REQUEST.format(date=long_date(event.on)))
        requested = long_date(assessment.request.on)
        if assessment.decision is not None:
            raise ValidationError(
                DECISION_ALREADY_MADE.format(
                    date=requested, decision=assessment.decision.label.lower()
                )
            )
        if assessment.drafts:
            raise ValidationError(
                DECISION_AFTER_DRAFT.format(
                    draft=long_date(assessment.drafts[0].issued.on), date=requested
                )
            )
        assessment.decision = event
    elif kind == EventKind.DRAFT_ISSUED:
        if assessment is not None:
            assessment.drafts.append(Draft(issued=event))
        elif plan is not None:
            plan.drafts.append(Draft(issued=event))
        else:
            if built.stage == Stage.NOT_ASSESSED:
                refused = built.assessments[-1].decision
                assert refused is not None
                raise ValidationError(
                    DRAFT_AFTER_REFUSAL.format(
                        refused=long_date(refused.on), date=long_date(event.on)
                    )
                )
            raise ValidationError(DRAFT_NEEDS_ASSESSMENT.format(date=long_date(event.on)))
    elif kind == EventKind.DRAFT_RESPONSE:
        draft = _open_draft(built)
        if draft is None:
            raise ValidationError(RESPONSE_NEEDS_DRAFT.format(date=long_date(event.on)))
        if draft.response is not None:
            raise ValidationError(RESPONSE_ALREADY_SENT.format(date=long_date(draft.issued.on)))
        draft.response = event
    elif kind == EventKind.PLAN_REFUSED:
        if assessment is None or assessment.refused:
            raise ValidationError(PLAN_REFUSED_NEEDS_ASSESSMENT.format(date=long_date(event.on)))
        assessment.outcome = event
    elif kind == EventKind.PLAN_ISSUED:
        _issue_plan(built, event, assessment, plan)
    elif kind in (EventKind.REVIEW_SCHEDULED, EventKind.REVIEW_HELD):
        if plan is None:
            raise ValidationError(
                REVIEW_NEEDS_PLAN.format(event=event.label.lower(), date=long_date(event.on))
            )
        if kind == EventKind.REVIEW_SCHEDULED:
            if event.meeting_on is None:
                raise ValidationError(MEETING_DATE_REQUIRED)
            if event.meeting_on < event.on:
                raise ValidationError(
                    MEETING_BEFORE_ARRANGED.format(meeting=long_date(event.meeting_on))
                )
            if plan.pending is not None:
                plan.moved.append(plan.pending)
            plan.pending = Review(scheduled=event)
        else:
            review = plan.pending or Review()
            review.held = event
            plan.pending = None
            plan.reviews.append(review)
    elif kind == EventKind.ADVICE_CIRCULATED:
        if plan is None:
            raise ValidationError(
                REVIEW_NEEDS_PLAN.format(event=event.label.lower(), date=long_date(event.on))
            )
        if plan.pending is None:
            raise ValidationError(ADVICE_NEEDS_SCHEDULE.format(date=long_date(event.on)))
        plan.pending.advice = event
    elif kind in (EventKind.REPORT_SENT, EventKind.REVIEW_DECISION):
        _after_review(plan, event)
    elif kind == EventKind.PLAN_CEASED:
        if plan is None:
            raise ValidationError(CEASE_NEEDS_PLAN.format(date=long_date(event.on)))
        plan.ceased = event
    else:  # pragma: no cover - the model's choices allow nothing else
        raise ValueError(f"Unknown EHC event {kind!r}")


def _issue_plan(
    built: History, event: Event, assessment: Assessment | None, plan: Plan | None
) -> None:
    if assessment is not None:
        assessment.outcome = event
        if plan is not None:
            plan.remade.append(event)
        else:
            built.plans.append(Plan(issued=event))
        return
    if plan is not None:
        plan.amendments.append(event)
        return
    when = long_date(event.on)
    if built.stage == Stage.NOT_ASSESSED:
        refused = built.assessments[-1].decision
        assert refused is not None
        raise ValidationError(
            PLAN_NEEDS_REQUEST_AFTER_REFUSAL.format(refused=long_date(refused.on), date=when)
        )
    if built.stage == Stage.CEASED:
        ceased = built.plans[-1].ceased
        assert ceased is not None
        raise ValidationError(
            PLAN_NEEDS_REQUEST_AFTER_CEASING.format(ceased=long_date(ceased.on), date=when)
        )
    # A plan with no open request: made before the school kept its record here, or
    # ordered by the tribunal after the local authority decided not to issue one.
    built.plans.append(Plan(issued=event))


def _after_review(plan: Plan | None, event: Event) -> None:
    report = event.kind == EventKind.REPORT_SENT
    held = plan.held_reviews[-1] if plan is not None and plan.held_reviews else None
    if held is None:
        message = REPORT_NEEDS_MEETING if report else REVIEW_DECISION_NEEDS_MEETING
        raise ValidationError(message.format(date=long_date(event.on)))
    assert held.held is not None
    if report:
        if held.report is not None:
            raise ValidationError(REPORT_ALREADY_SENT.format(date=long_date(held.held.on)))
        held.report = event
    else:
        if held.decision is not None:
            raise ValidationError(REVIEW_DECISION_ALREADY_MADE.format(date=long_date(held.held.on)))
        held.decision = event


def _open_draft(built: History) -> Draft | None:
    """The latest draft still waiting for its final plan."""
    assessment = built.open_assessment
    if assessment is not None:
        return assessment.drafts[-1] if assessment.drafts else None
    plan = built.plan
    if plan is None or not plan.drafts:
        return None
    draft = plan.drafts[-1]
    last_issue = plan.issues[-1]
    return draft if draft.issued.sort_key() > last_issue.sort_key() else None


def validate_new_event(existing: Sequence[Event], new: Event, *, today: dt.date) -> History:
    """The history with ``new`` added, or ``ValidationError`` saying why it cannot be.

    A new event may be dated before others (a decision keyed in late); it must still
    leave every event, its own and the later ones, in an order that can happen.
    """
    validate_event_date(new, today=today)
    try:
        return history([*existing, new])
    except ValidationError as exc:
        try:
            history(existing)
        except ValidationError:
            raise exc from None
        # The existing record was in order: is the problem the new event, or a later one?
        try:
            history([e for e in existing if e.sort_key() < new.sort_key()] + [new])
        except ValidationError:
            raise exc from None
        raise ValidationError(OUT_OF_ORDER_LATER.format(problem=" ".join(exc.messages))) from None


def validate_withdrawal(existing: Sequence[Event], withdrawn: Event) -> History:
    """The history without ``withdrawn``, or ``ValidationError`` if that leaves it out of order."""
    try:
        return history([e for e in existing if e.id != withdrawn.id])
    except ValidationError as exc:
        raise ValidationError(WITHDRAW_BREAKS.format(problem=" ".join(exc.messages))) from None


def validate_event_date(event: Event, *, today: dt.date) -> None:
    """Every event has happened by the day it is recorded; only a meeting is arranged ahead."""
    if event.on > today:
        raise ValidationError(IN_THE_FUTURE.format(event=event.label, date=long_date(event.on)))
    if event.kind == EventKind.REVIEW_SCHEDULED and event.meeting_on is None:
        raise ValidationError(MEETING_DATE_REQUIRED)
    if event.kind != EventKind.REVIEW_SCHEDULED and event.meeting_on is not None:
        raise ValidationError(MEETING_DATE_ONLY_FOR_REVIEWS)


def next_events(built: History) -> list[EventKind]:
    """The events that can be recorded next, in the order they usually come (for the page)."""
    assessment = built.open_assessment
    plan = built.plan
    kinds: list[EventKind] = []
    if assessment is not None:
        if assessment.decision is None and not assessment.drafts:
            kinds += [EventKind.ASSESSMENT_AGREED, EventKind.ASSESSMENT_REFUSED]
        kinds.append(EventKind.DRAFT_ISSUED)
        draft = _open_draft(built)
        if draft is not None and draft.response is None:
            kinds.append(EventKind.DRAFT_RESPONSE)
        kinds += [EventKind.PLAN_ISSUED, EventKind.PLAN_REFUSED]
    else:
        kinds.append(EventKind.REQUEST)
    if plan is not None:
        kinds.append(EventKind.REVIEW_SCHEDULED)
        if plan.pending is not None:
            kinds.append(EventKind.ADVICE_CIRCULATED)
        kinds.append(EventKind.REVIEW_HELD)
        held = plan.held_reviews[-1] if plan.held_reviews else None
        if held is not None and held.report is None:
            kinds.append(EventKind.REPORT_SENT)
        if held is not None and held.decision is None:
            kinds.append(EventKind.REVIEW_DECISION)
        if assessment is None:
            kinds.append(EventKind.DRAFT_ISSUED)
            draft = _open_draft(built)
            if draft is not None and draft.response is None:
                kinds.append(EventKind.DRAFT_RESPONSE)
            kinds.append(EventKind.PLAN_ISSUED)
        kinds.append(EventKind.PLAN_CEASED)
    elif assessment is None and built.stage in (Stage.NONE, Stage.NOT_ISSUED):
        # A pupil who arrived with a plan made before the school kept its record here, or
        # a plan the tribunal ordered after the local authority decided not to issue one.
        kinds.append(EventKind.PLAN_ISSUED)
    seen: list[EventKind] = []
    for kind in kinds:
        if kind not in seen:
            seen.append(kind)
    return sorted(seen, key=lambda k: KIND_ORDER[k])


# The school's age range, for phase transfer --------------------------------------------

#: The last year group a school teaches, with what it means for the pupils who leave it.
FINAL_YEAR_CHOICES: list[tuple[int, str]] = [
    (-1, "Nursery: pupils leave for Reception"),
    (2, "Infant school: pupils leave after Year 2"),
    (4, "First school: pupils leave after Year 4"),
    (6, "Primary or junior school: pupils leave after Year 6"),
    (7, "Middle school: pupils leave after Year 7"),
    (8, "Middle school: pupils leave after Year 8"),
    (9, "Middle school: pupils leave after Year 9"),
    (11, "Secondary school without a sixth form: pupils leave after Year 11"),
    (13, "School with a sixth form: pupils leave after Year 13"),
]
FINAL_YEARS = frozenset(year for year, _ in FINAL_YEAR_CHOICES)
#: The year in which a pupil moves on to post-16 education, with its own later deadline.
POST_16_MOVE_YEAR = 11
#: From this year a school keeps its pupils into post-16: no phase transfer while here.
SIXTH_FORM_YEAR = 12

#: The school census phase, as ``School.phase`` holds it, to the usual last year group.
_DEFAULT_FINAL_YEAR: dict[str, int] = {
    "NS": -1,
    "PS": 6,
    "MS": 8,
    "SS": 11,
    "AT": 13,
    "SP": 13,
    "PR": 11,
}
FINAL_YEAR_UNKNOWN = "Choose the last year group your school teaches."


def default_final_year(phase: str) -> int:
    """The last year group a school of this census phase usually teaches.

    The phase does not say whether a primary is infant or junior, or whether a
    secondary has a sixth form, so the SENCO can change it on the EHC settings page.
    A secondary is taken to have no sixth form (the safer guess: it lists the earlier
    deadline); an all-through or special school to keep its pupils to Year 13.
    """
    return _DEFAULT_FINAL_YEAR.get(phase, 11)


def validate_final_year(year: int) -> None:
    if year not in FINAL_YEARS:
        raise ValidationError(FINAL_YEAR_UNKNOWN)


def final_year_label(year: int) -> str:
    return dict(FINAL_YEAR_CHOICES).get(year, f"Pupils leave after Year {year}")


# What is recorded with each event ----------------------------------------------------------

#: The details each kind of event keeps beside its date (the model's field names).
DETAIL_FIELDS: dict[str, tuple[str, ...]] = {
    EventKind.REQUEST: ("requested_by", "evidence", "notes"),
    EventKind.ASSESSMENT_AGREED: ("notes",),
    EventKind.ASSESSMENT_REFUSED: ("notes",),
    EventKind.DRAFT_ISSUED: ("notes",),
    EventKind.DRAFT_RESPONSE: ("notes",),
    EventKind.PLAN_REFUSED: ("notes",),
    EventKind.PLAN_ISSUED: (
        "local_authority",
        "named_school",
        "sections",
        "adulthood",
        "notes",
    ),  # fmt: skip
    EventKind.REVIEW_SCHEDULED: ("meeting_on", "notes"),
    EventKind.ADVICE_CIRCULATED: ("notes",),
    EventKind.REVIEW_HELD: ("attendees", "pupil_views", "parent_views", "notes"),
    EventKind.REPORT_SENT: ("notes",),
    EventKind.REVIEW_DECISION: ("outcome", "notes"),
    EventKind.PLAN_CEASED: ("notes",),
}
DETAIL_NOT_KEPT = "{field} is not kept with “{event}”."
#: From this year group a plan should say how the pupil is being prepared for adulthood.
ADULTHOOD_FROM_YEAR = 9
ADULTHOOD_MISSING = (
    "The pupil is in Year {year}: from Year 9 the plan should include preparation for "
    "adulthood (employment, independent living, friends and community, good health)."
)


def validate_details(kind: str, details: dict[str, object]) -> None:
    """Refuse details that the kind of event does not keep (a script's typing mistake)."""
    allowed = DETAIL_FIELDS[kind]
    for name, value in details.items():
        if name not in allowed and value not in ("", None, [], ()):
            raise ValidationError(
                DETAIL_NOT_KEPT.format(
                    field=name.replace("_", " ").capitalize(), event=EventKind(kind).label
                )  # fmt: skip
            )


def adulthood_missing(*, pupil_year: int | None, adulthood: str) -> str | None:
    """A prompt when a plan for a pupil in Year 9 or above says nothing on adulthood."""
    if pupil_year is not None and pupil_year >= ADULTHOOD_FROM_YEAR and not adulthood.strip():
        return ADULTHOOD_MISSING.format(year=pupil_year)
    return None
