"""Every change to plans, reviews, meetings, specialists and passports.

Each service is keyword-only, takes the acting user as ``by``, runs in one
transaction, validates through ``rules`` and ``full_clean()``, and writes its audit
event. A reviewed plan is frozen: the services refuse to change it, its outcomes
or its assessment, so the history a pupil builds up is never overwritten.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, models, transaction
from django.db.models import Max

from sendreg.accounts.models import School, User
from sendreg.audit.services import audit_record
from sendreg.lib.diff import changed, jsonable
from sendreg.pupils.models import Pupil
from sendreg.register.models import MonitoringEntry
from sendreg.register.selectors import on_register
from sendreg.support import rules
from sendreg.support.models import (
    AssessmentEntry,
    Outcome,
    OutcomeReview,
    ParentMeeting,
    Passport,
    PassportSuggestion,
    PlanReview,
    SpecialistInvolvement,
    SpecialistReport,
    SpecialistVisit,
    SupportEvent,
    SupportPlan,
    SupportSettings,
)

PLAN_FIELDS = [
    "opened_on",
    "review_date",
    "strategies",
    "support",
    "expected_impact",
    "parents_told_on",
    "staff_told_on",
]
#: What can change on an open plan (the opening date is part of the history from the start).
PLAN_EDITABLE = [f for f in PLAN_FIELDS if f != "opened_on"]
OUTCOME_FIELDS = ["text", "measure", "baseline", "target", "by_when"]
REVIEW_FIELDS = [
    "reviewed_on",
    "similar_to_peers",
    "matches_previous_rate",
    "closes_gap",
    "stops_gap_widening",
    "pupil_views",
    "parent_views",
    "decision",
    "decision_notes",
]
MEETING_FIELDS = ["held_on", "attendees", "parents_said", "pupil_said", "actions"]
SPECIALIST_FIELDS = [
    "service",
    "other_service",
    "consent_on",
    "consent_by",
    "referred_on",
    "report_received_on",
    "recommendations",
    "shared_with_parents_on",
    "shared_with_staff_on",
]
PASSPORT_FIELDS = [f.value for f in rules.PassportField]


def _snapshot(instance: models.Model, fields: Sequence[str]) -> dict[str, Any]:
    return {name: jsonable(getattr(instance, name)) for name in fields}


def _audit(
    type: SupportEvent,
    target: models.Model,
    pupil: Pupil,
    by: User,
    *,
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
    reason: str = "",
) -> None:
    audit_record(
        type=type,  # type: ignore[arg-type]
        school_id=pupil.school_id,
        target=target,
        pupil=pupil,
        by=by,
        old=old,
        new=new,
        reason=reason,
    )


def _check_open(plan: SupportPlan) -> None:
    rules.validate_plan_open(reviewed_on=plan.reviewed_on)


# --- Settings ---------------------------------------------------------------------------------


def support_settings_for(school: School) -> SupportSettings:
    """The school's settings, or the defaults (unsaved) until the SENCO changes them."""
    found = SupportSettings.objects.filter(school=school).first()
    return found or SupportSettings(school=school)


@transaction.atomic
def support_settings_update(*, school: School, meetings_per_year: int, by: User) -> bool:
    current = support_settings_for(school)
    before = current.meetings_per_year
    if before == meetings_per_year and current.pk is not None:
        return False
    current.meetings_per_year = meetings_per_year
    current.full_clean()
    if current.pk is None:
        current.save()
    else:
        current.save(update_fields=["meetings_per_year"])
    audit_record(
        type=SupportEvent.SETTINGS_CHANGED,  # type: ignore[arg-type]
        school_id=school.pk,
        target=current,
        by=by,
        old={"meetings_per_year": before},
        new={"meetings_per_year": meetings_per_year},
    )
    return True


# --- Plans ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutcomeData:
    text: str
    measure: str
    baseline: str
    target: str
    by_when: dt.date | None = None
    carried_from: Outcome | None = None


def plan_eligibility(pupil: Pupil, *, day: dt.date) -> tuple[bool, bool]:
    """Whether the pupil is on the register, and on the monitoring list, on ``day``."""
    registered = on_register(Pupil.objects.filter(pk=pupil.pk), day=day).exists()
    monitored = MonitoringEntry.objects.filter(pupil=pupil, ended_on__isnull=True).exists()
    return registered, monitored


def _outcome(plan: SupportPlan, position: int, data: OutcomeData) -> Outcome:
    outcome = Outcome(
        plan=plan,
        position=position,
        text=data.text.strip(),
        measure=data.measure.strip(),
        baseline=data.baseline.strip(),
        target=data.target.strip(),
        by_when=data.by_when,
        carried_from=data.carried_from,
    )
    outcome.full_clean()
    return outcome


@transaction.atomic
def plan_open(
    *,
    pupil: Pupil,
    opened_on: dt.date,
    review_date: dt.date | None,
    strategies: str = "",
    support: str = "",
    expected_impact: str = "",
    parents_told_on: dt.date | None = None,
    staff_told_on: dt.date | None = None,
    outcomes: Sequence[OutcomeData] = (),
    previous: SupportPlan | None = None,
    by: User,
    today: dt.date,
) -> SupportPlan:
    """Open the pupil's next plan, with its outcomes.

    The pupil must be on the register or the monitoring list today and have no open
    plan. ``previous`` is the reviewed plan this one follows; outcomes carried from it
    name the outcome they came from.
    """
    # Lock the pupil's row so that two people opening a plan at once cannot both succeed.
    Pupil.objects.select_for_update().filter(pk=pupil.pk).first()
    registered, monitored = plan_eligibility(pupil, day=today)
    if not rules.plan_eligible(on_register=registered, on_monitoring=monitored):
        raise ValidationError(rules.NOT_ELIGIBLE.format(pupil=pupil))
    if SupportPlan.objects.filter(pupil=pupil, reviewed_on__isnull=True).exists():
        raise ValidationError(rules.ALREADY_OPEN.format(pupil=pupil))
    if previous is not None and previous.pupil_id != pupil.pk:
        raise ValueError("The previous plan is another pupil's.")
    last_review = SupportPlan.objects.filter(pupil=pupil).aggregate(last=Max("reviewed_on"))["last"]
    rules.validate_plan_dates(
        opened_on=opened_on,
        review_date=review_date,
        today=today,
        previous_reviewed_on=last_review,
    )
    number = (SupportPlan.objects.filter(pupil=pupil).aggregate(n=Max("number"))["n"] or 0) + 1
    plan = SupportPlan(
        pupil=pupil,
        number=number,
        previous=previous,
        opened_on=opened_on,
        review_date=review_date,  # type: ignore[misc]
        strategies=strategies.strip(),
        support=support.strip(),
        expected_impact=expected_impact.strip(),
        parents_told_on=parents_told_on,
        staff_told_on=staff_told_on,
        opened_by=by,
    )
    plan.full_clean()
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError:
        raise ValidationError(rules.ALREADY_OPEN.format(pupil=pupil)) from None
    made = [_outcome(plan, position, data) for position, data in enumerate(outcomes, 1)]
    Outcome.objects.bulk_create(made)
    new = _snapshot(plan, PLAN_FIELDS)
    new["number"] = plan.number
    new["outcomes"] = [o.text for o in made]
    if previous is not None:
        new["follows_plan"] = previous.number
        new["carried_over"] = [o.text for o in made if o.carried_from is not None]
    _audit(SupportEvent.PLAN_OPENED, plan, pupil, by, new=new)
    return plan


@transaction.atomic
def plan_update(*, plan: SupportPlan, data: Mapping[str, Any], by: User) -> bool:
    """Change an open plan; save and audit only what changed (and say whether anything did)."""
    _check_open(plan)
    before = _snapshot(plan, PLAN_EDITABLE)
    for name, value in data.items():
        if name not in PLAN_EDITABLE:
            raise ValueError(f"{name} cannot be changed here")
        setattr(plan, name, value.strip() if isinstance(value, str) else value)
    rules.validate_plan_dates(opened_on=plan.opened_on, review_date=plan.review_date)
    plan.full_clean()
    old, new = changed(before, _snapshot(plan, PLAN_EDITABLE))
    if not new:
        return False
    plan.save(update_fields=list(new))
    _audit(SupportEvent.PLAN_CHANGED, plan, plan.pupil, by, old=old, new=new)
    return True


@transaction.atomic
def assessment_add(
    *,
    plan: SupportPlan,
    source: str,
    recorded_on: dt.date,
    text: str,
    by: User,
    today: dt.date,
) -> AssessmentEntry:
    _check_open(plan)
    rules.validate_not_future(
        day=recorded_on, today=today, message=rules.ASSESSMENT_IN_FUTURE, field="recorded_on"
    )
    entry = AssessmentEntry(
        plan=plan, source=source, recorded_on=recorded_on, text=text.strip(), added_by=by
    )
    entry.full_clean()
    entry.save()
    _audit(
        SupportEvent.ASSESSMENT_ADDED,
        entry,
        plan.pupil,
        by,
        new={"plan": plan.number, **_snapshot(entry, ["source", "recorded_on", "text"])},
    )
    return entry


@transaction.atomic
def outcome_add(*, plan: SupportPlan, data: OutcomeData, by: User) -> Outcome:
    _check_open(plan)
    position = (plan.outcomes.aggregate(p=Max("position"))["p"] or 0) + 1
    outcome = _outcome(plan, position, data)
    outcome.save()
    _audit(
        SupportEvent.OUTCOME_ADDED,
        outcome,
        plan.pupil,
        by,
        new={"plan": plan.number, **_snapshot(outcome, OUTCOME_FIELDS)},
    )
    return outcome


@transaction.atomic
def outcome_update(*, outcome: Outcome, data: Mapping[str, Any], by: User) -> bool:
    _check_open(outcome.plan)
    before = _snapshot(outcome, OUTCOME_FIELDS)
    for name, value in data.items():
        if name not in OUTCOME_FIELDS:
            raise ValueError(f"{name} cannot be changed here")
        setattr(outcome, name, value.strip() if isinstance(value, str) else value)
    outcome.full_clean()
    old, new = changed(before, _snapshot(outcome, OUTCOME_FIELDS))
    if not new:
        return False
    outcome.save(update_fields=list(new))
    _audit(SupportEvent.OUTCOME_CHANGED, outcome, outcome.plan.pupil, by, old=old, new=new)
    return True


@transaction.atomic
def plan_review(
    *,
    plan: SupportPlan,
    reviewed_on: dt.date,
    tests: rules.ProgressTests,
    pupil_views: str,
    parent_views: str,
    decision: str,
    decision_notes: str = "",
    results: Mapping[int, tuple[str, str]],
    by: User,
    today: dt.date,
) -> PlanReview:
    """Record the review and freeze the plan.

    ``results`` maps each outcome's id to (result, evidence); every outcome needs one.
    The decision is recorded here; what it leads to (a new plan, the monitoring list,
    a specialist, coming off the register) is done by the SENCO next, through the
    services that own those changes.
    """
    locked = SupportPlan.objects.select_for_update().get(pk=plan.pk)
    rules.validate_plan_open(reviewed_on=locked.reviewed_on)
    outcomes = list(plan.outcomes.order_by("position", "pk"))
    rules.validate_review(
        reviewed_on=reviewed_on,
        opened_on=plan.opened_on,
        today=today,
        outcome_ids=[o.pk for o in outcomes],
        results=dict(results),
    )
    registered, monitored = plan_eligibility(plan.pupil, day=today)
    rules.validate_decision(
        decision=decision, on_register=registered, on_monitoring=monitored, pupil=str(plan.pupil)
    )
    review = PlanReview(
        plan=plan,
        reviewed_on=reviewed_on,
        similar_to_peers=tests.similar_to_peers,
        matches_previous_rate=tests.matches_previous_rate,
        closes_gap=tests.closes_gap,
        stops_gap_widening=tests.stops_gap_widening,
        pupil_views=pupil_views.strip(),
        parent_views=parent_views.strip(),
        decision=decision,
        decision_notes=decision_notes.strip(),
        reviewed_by=by,
    )
    review.full_clean()
    review.save()
    made = []
    for outcome in outcomes:
        result, evidence = results[outcome.pk]
        row = OutcomeReview(
            review=review, outcome=outcome, result=result, evidence=evidence.strip()
        )
        row.full_clean(exclude=["review", "outcome"])
        made.append(row)
    OutcomeReview.objects.bulk_create(made)
    plan.reviewed_on = reviewed_on
    plan.save(update_fields=["reviewed_on"])
    new = _snapshot(review, REVIEW_FIELDS)
    new["plan"] = plan.number
    new["adequate_progress"] = review.adequate
    new["results"] = {o.text: results[o.pk][0] for o in outcomes}
    _audit(SupportEvent.PLAN_REVIEWED, review, plan.pupil, by, new=new)
    return review


# --- Parent meetings --------------------------------------------------------------------------


@transaction.atomic
def meeting_record(
    *,
    pupil: Pupil,
    held_on: dt.date,
    attendees: str,
    parents_said: str = "",
    pupil_said: str = "",
    actions: str = "",
    by: User,
    today: dt.date,
) -> ParentMeeting:
    """Record a meeting held with the parents; it belongs to the plan open on that day."""
    rules.validate_not_future(
        day=held_on, today=today, message=rules.MEETING_IN_FUTURE, field="held_on"
    )
    if not attendees.strip():
        raise ValidationError({"attendees": rules.ATTENDEES_REQUIRED})
    plan = (
        SupportPlan.objects.filter(pupil=pupil, opened_on__lte=held_on)
        .filter(models.Q(reviewed_on__isnull=True) | models.Q(reviewed_on__gte=held_on))
        .order_by("-number")
        .first()
    )
    meeting = ParentMeeting(
        pupil=pupil,
        plan=plan,
        held_on=held_on,
        attendees=attendees.strip(),
        parents_said=parents_said.strip(),
        pupil_said=pupil_said.strip(),
        actions=actions.strip(),
        recorded_by=by,
    )
    meeting.full_clean()
    meeting.save()
    _audit(
        SupportEvent.MEETING_RECORDED, meeting, pupil, by, new=_snapshot(meeting, MEETING_FIELDS)
    )
    return meeting


# --- Specialists --------------------------------------------------------------------------------


def _validate_specialist(involvement: SpecialistInvolvement, today: dt.date) -> None:
    rules.validate_specialist(
        service=involvement.service,
        other_service=involvement.other_service,
        consent_on=involvement.consent_on,
        consent_by=involvement.consent_by,
        referred_on=involvement.referred_on,
        report_received_on=involvement.report_received_on,
        shared_with_parents_on=involvement.shared_with_parents_on,
        shared_with_staff_on=involvement.shared_with_staff_on,
        today=today,
    )


@transaction.atomic
def specialist_add(
    *, pupil: Pupil, data: Mapping[str, Any], by: User, today: dt.date
) -> SpecialistInvolvement:
    involvement = SpecialistInvolvement(pupil=pupil, added_by=by)
    for name, value in data.items():
        if name not in SPECIALIST_FIELDS:
            raise ValueError(f"{name} cannot be set here")
        setattr(involvement, name, value.strip() if isinstance(value, str) else value)
    _validate_specialist(involvement, today)
    involvement.full_clean()
    involvement.save()
    _audit(
        SupportEvent.SPECIALIST_ADDED,
        involvement,
        pupil,
        by,
        new=_snapshot(involvement, SPECIALIST_FIELDS),
    )
    return involvement


@transaction.atomic
def specialist_update(
    *, involvement: SpecialistInvolvement, data: Mapping[str, Any], by: User, today: dt.date
) -> bool:
    before = _snapshot(involvement, SPECIALIST_FIELDS)
    for name, value in data.items():
        if name not in SPECIALIST_FIELDS:
            raise ValueError(f"{name} cannot be changed here")
        setattr(involvement, name, value.strip() if isinstance(value, str) else value)
    _validate_specialist(involvement, today)
    involvement.full_clean()
    old, new = changed(before, _snapshot(involvement, SPECIALIST_FIELDS))
    if not new:
        return False
    involvement.save(update_fields=list(new))
    _audit(SupportEvent.SPECIALIST_CHANGED, involvement, involvement.pupil, by, old=old, new=new)
    return True


@transaction.atomic
def specialist_visit_add(
    *,
    involvement: SpecialistInvolvement,
    visited_on: dt.date,
    note: str = "",
    by: User,
    today: dt.date,
) -> SpecialistVisit:
    rules.validate_visit(visited_on=visited_on, referred_on=involvement.referred_on, today=today)
    visit = SpecialistVisit(involvement=involvement, visited_on=visited_on, note=note.strip())
    visit.full_clean()
    visit.save()
    _audit(
        SupportEvent.SPECIALIST_VISIT_ADDED,
        visit,
        involvement.pupil,
        by,
        new={
            "service": involvement.label,
            "visited_on": visited_on.isoformat(),
            "note": visit.note,
        },
    )
    return visit


def report_limit_bytes() -> int:
    return int(settings.SENDREG_REPORT_MAX_MB * 1024 * 1024)


@transaction.atomic
def specialist_report_add(
    *,
    involvement: SpecialistInvolvement,
    content: bytes,
    name: str,
    received_on: dt.date,
    by: User,
    today: dt.date,
    size: int | None = None,
) -> SpecialistReport:
    """Keep a specialist's report, checked by its content (PDF or DOCX) and its size.

    The file goes through Django's storage under a random name; it is served only
    by the permission-checked download view. If the row cannot be saved, the file
    is removed again.
    """
    try:
        kind = rules.validate_report(data=content, limit_bytes=report_limit_bytes(), size=size)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from None
    rules.validate_not_future(
        day=received_on, today=today, message=rules.DATE_IN_FUTURE, field="received_on"
    )
    report = SpecialistReport(
        involvement=involvement,
        kind=kind.value,
        original_name=name[-255:] or f"report.{kind.value}",
        size=len(content),
        received_on=received_on,
        uploaded_by=by,
    )
    report.file.save(f"report.{kind.value}", ContentFile(content), save=False)
    try:
        report.full_clean()
        report.save()
        if involvement.report_received_on is None:
            involvement.report_received_on = received_on
            involvement.save(update_fields=["report_received_on"])
        _audit(
            SupportEvent.SPECIALIST_REPORT_ADDED,
            report,
            involvement.pupil,
            by,
            new={
                "service": involvement.label,
                "file": report.original_name,
                "size": report.size,
                "received_on": received_on.isoformat(),
            },
        )
    except Exception:
        # Nothing of a report that could not be recorded stays in storage.
        report.file.storage.delete(report.file.name)
        raise
    return report


# --- Passports --------------------------------------------------------------------------------


def passport_for(pupil: Pupil) -> Passport:
    """The pupil's passport, or an empty one (unsaved) until someone writes it."""
    return Passport.objects.filter(pupil=pupil).first() or Passport(pupil=pupil)


@transaction.atomic
def passport_save(*, pupil: Pupil, data: Mapping[str, str], by: User, today: dt.date) -> bool:
    """Write the passport (the SENCO's words with the pupil). The old words stay in the
    audit trail."""
    passport = passport_for(pupil)
    before = _snapshot(passport, PASSPORT_FIELDS)
    for name, value in data.items():
        if name not in PASSPORT_FIELDS:
            raise ValueError(f"{name} is not part of the passport")
        setattr(passport, name, value.strip())
    old, new = changed(before, _snapshot(passport, PASSPORT_FIELDS))
    if not new:
        return False
    passport.updated_on = today
    passport.full_clean()
    if passport.pk is None:
        passport.save()
    else:
        passport.save(update_fields=[*new, "updated_on"])
    _audit(SupportEvent.PASSPORT_CHANGED, passport, pupil, by, old=old, new=new)
    return True


@transaction.atomic
def passport_suggest(
    *, pupil: Pupil, field: str, text: str, by: User, today: dt.date
) -> PassportSuggestion:
    """A teacher or assistant suggests new wording for one part; the SENCO decides."""
    current = getattr(passport_for(pupil), field, None)
    if current is None:
        raise ValidationError({"field": "Choose a part of the passport."})
    rules.validate_suggestion(text=text, current=current)
    suggestion = PassportSuggestion(
        pupil=pupil, field=field, text=text.strip(), suggested_by=by, suggested_on=today
    )
    suggestion.full_clean()
    suggestion.save()
    _audit(
        SupportEvent.PASSPORT_SUGGESTED,
        suggestion,
        pupil,
        by,
        new={"field": field, "text": suggestion.text},
    )
    return suggestion


@transaction.atomic
def passport_suggestion_decide(
    *, suggestion: PassportSuggestion, accept: bool, by: User, today: dt.date
) -> PassportSuggestion:
    """Accept (the wording goes into the passport) or decline a suggestion. Either way it
    is kept, with who decided and when."""
    locked = PassportSuggestion.objects.select_for_update().get(pk=suggestion.pk)
    rules.validate_suggestion_pending(state=locked.state)
    if accept:
        passport_save(
            pupil=suggestion.pupil, data={suggestion.field: suggestion.text}, by=by, today=today
        )
    suggestion.state = rules.SuggestionState.ACCEPTED if accept else rules.SuggestionState.DECLINED
    suggestion.decided_by = by
    suggestion.decided_on = today
    suggestion.full_clean()
    suggestion.save(update_fields=["state", "decided_by", "decided_on"])
    _audit(
        SupportEvent.PASSPORT_SUGGESTION_ACCEPTED
        if accept
        else SupportEvent.PASSPORT_SUGGESTION_DECLINED,
        suggestion,
        suggestion.pupil,
        by,
        old={"state": rules.SuggestionState.PENDING.value},
        new={"state": suggestion.state, "field": suggestion.field},
    )
    return suggestion
