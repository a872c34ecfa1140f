"""Every change to the provision map: validated by the rules, audited, in one transaction.

None of these services changes a pupil's SEN status or needs: being in an intervention
does not put a pupil on the SEN register.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction

from sendreg.accounts.models import School, User
from sendreg.audit.services import audit_record
from sendreg.lib.diff import changed, jsonable
from sendreg.lib.extensions import settings_kept_with
from sendreg.provision import rules
from sendreg.provision.models import (
    SCHOOL_SETTINGS_KEY,
    Enrolment,
    Intervention,
    ProvisionEvent,
    ProvisionSettings,
    Run,
    TrainingRecord,
)
from sendreg.pupils.models import Pupil

COST_FIELDS = [
    "group_size", "sessions_per_week", "minutes_per_session", "hourly_rate",
    "resources_per_pupil",
]  # fmt: skip
INTERVENTION_FIELDS = [
    "name", "description", "need_codes", "areas", "wave", "staff_role", *COST_FIELDS,
    "typical_weeks", "measure", "scale_name", "scale_min", "scale_max",
]  # fmt: skip
RUN_FIELDS = ["start_date", "end_date", "weeks", *COST_FIELDS, "other_staff", "notes"]
ENROLMENT_FIELDS = [
    "start_date", "end_date", "sessions_attended", "entry_score", "exit_score", "target_score",
    "outcome",
]  # fmt: skip
TRAINING_FIELDS = ["user", "name", "what", "level", "need_area", "on"]

ALREADY_IN_RUN = "{pupil} is already in this run."
NOT_IN_SCHOOL = "{pupil} is not a pupil of this school."
STAFF_NOT_IN_SCHOOL = "{name} is not a member of staff at this school."
RETIRED = "{name} is retired: put it back in use before setting up a new run."


def _snapshot(instance: models.Model, fields: Sequence[str]) -> dict[str, Any]:
    """Field values as JSON, a person by name (the audit trail has no foreign keys)."""
    values: dict[str, Any] = {}
    for name in fields:
        value = getattr(instance, name)
        values[name] = str(value) if isinstance(value, models.Model) else jsonable(value)
    return values


def _audit(
    type: ProvisionEvent,
    target: models.Model,
    school_id: int,
    by: User | None,
    *,
    pupil: Pupil | None = None,
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
    reason: str = "",
    source: str = "",
) -> None:
    audit_record(
        type=type,  # type: ignore[arg-type]
        school_id=school_id,
        target=target,
        by=by,
        old=old,
        new=new,
        pupil=pupil,
        reason=reason,
        source=source,
    )


def _apply(instance: models.Model, data: Mapping[str, Any], fields: Sequence[str]) -> None:
    for name, value in data.items():
        if name not in fields:
            raise ValueError(f"{name} cannot be changed here")
        setattr(instance, name, _as_stored(instance, name, value))


def _as_stored(instance: models.Model, name: str, value: Any) -> Any:
    """A decimal as the database will give it back (18 as 18.00), so that comparing before and
    after, and the audit trail, see the same value. A value with too many places is left as it
    is, for validation to refuse."""
    field = instance._meta.get_field(name)
    if isinstance(field, models.DecimalField) and isinstance(value, Decimal):
        stored = value.quantize(Decimal(1).scaleb(-field.decimal_places))
        if stored == value:
            return stored
    return value


def normalise_name(name: str) -> str:
    """An intervention's name with its spacing tidied, so "Lexia  " and "Lexia" are one."""
    return " ".join(name.split())


def _check_name(school: School, name: str, *, exclude: int | None = None) -> None:
    others = Intervention.objects.filter(school=school, name__iexact=name)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    if others.exists():
        raise ValidationError({"name": rules.NAME_TAKEN.format(name=name)})


def _check_staff(school: School, staff: Iterable[User]) -> None:
    staff = list(staff)
    known = set(
        User.objects.filter(pk__in=[u.pk for u in staff], memberships__school=school).values_list(
            "pk", flat=True
        )
    )
    for user in staff:
        if user.pk not in known:
            raise ValidationError({"staff": STAFF_NOT_IN_SCHOOL.format(name=user.name)})


# --- The catalogue --------------------------------------------------------------------------


@transaction.atomic
def intervention_create(*, school: School, by: User | None, **fields: Any) -> Intervention:
    """Add an intervention to the school's catalogue."""
    intervention = Intervention(school=school)
    _apply(intervention, fields, INTERVENTION_FIELDS)
    intervention.name = normalise_name(intervention.name)
    _check_name(school, intervention.name)
    intervention.full_clean()
    intervention.save()
    new = _snapshot(intervention, INTERVENTION_FIELDS)
    _audit(ProvisionEvent.INTERVENTION_ADDED, intervention, school.pk, by, new=new)
    return intervention


@transaction.atomic
def intervention_update(
    *, intervention: Intervention, data: Mapping[str, Any], by: User | None
) -> bool:
    """Change the catalogue entry; runs already set up keep their own costs. Says if anything
    changed."""
    before = _snapshot(intervention, INTERVENTION_FIELDS)
    _apply(intervention, data, INTERVENTION_FIELDS)
    intervention.name = normalise_name(intervention.name)
    _check_name(intervention.school, intervention.name, exclude=intervention.pk)
    intervention.full_clean()
    old, new = changed(before, _snapshot(intervention, INTERVENTION_FIELDS))
    if not new:
        return False
    intervention.save(update_fields=list(new))
    _audit(
        ProvisionEvent.INTERVENTION_CHANGED,
        intervention,
        intervention.school_id,
        by,
        old=old,
        new=new,
    )
    return True


@transaction.atomic
def intervention_set_active(
    *, intervention: Intervention, active: bool, by: User | None
) -> Intervention:
    """Retire an intervention (it keeps its history) or put it back in use."""
    if intervention.active == active:
        return intervention
    intervention.active = active
    intervention.save(update_fields=["active"])
    _audit(
        ProvisionEvent.INTERVENTION_REINSTATED if active else ProvisionEvent.INTERVENTION_RETIRED,
        intervention,
        intervention.school_id,
        by,
        old={"active": not active},
        new={"active": active},
    )
    return intervention


# --- Runs -----------------------------------------------------------------------------------


@transaction.atomic
def run_create(
    *,
    intervention: Intervention,
    start_date: dt.date,
    end_date: dt.date,
    by: User | None,
    staff: Iterable[User] = (),
    **fields: Any,
) -> Run:
    """Set up a run of an intervention. Costs and weeks not given come from the catalogue."""
    if not intervention.active:
        raise ValidationError(RETIRED.format(name=intervention.name))
    run = Run(
        school_id=intervention.school_id,
        intervention=intervention,
        start_date=start_date,
        end_date=end_date,
        weeks=intervention.typical_weeks,
        **{name: getattr(intervention, name) for name in COST_FIELDS},
    )
    _apply(run, {k: v for k, v in fields.items() if v is not None}, RUN_FIELDS)
    run.full_clean()
    staff = list(staff)
    _check_staff(intervention.school, staff)
    run.save()
    run.staff.set(staff)
    new = {**_snapshot(run, RUN_FIELDS), "staff": sorted(u.name for u in staff)}
    new["intervention"] = intervention.name
    _audit(ProvisionEvent.RUN_ADDED, run, run.school_id, by, new=new)
    return run


@transaction.atomic
def run_update(
    *, run: Run, data: Mapping[str, Any], by: User | None, staff: Iterable[User] | None = None
) -> bool:
    """Change a run's dates, costs or staff. Pupils' dates that fall outside the new dates
    are refused: change the pupils first."""
    before = _snapshot(run, RUN_FIELDS)
    old_staff = sorted(u.name for u in run.staff.all())
    _apply(run, data, RUN_FIELDS)
    run.full_clean()
    outside = run.enrolments.filter(
        models.Q(start_date__lt=run.start_date) | models.Q(end_date__gt=run.end_date)
    ).select_related("pupil")
    first = outside.first()
    if first is not None:
        raise ValidationError(
            f"{first.pupil} was in the run from {first.start_date:%d/%m/%Y} to "
            f"{first.end_date:%d/%m/%Y}, outside the new dates. "
            + rules.PUPIL_OUTSIDE_RUN.format(start=run.start_date, end=run.end_date)
        )
    old, new = changed(before, _snapshot(run, RUN_FIELDS))
    if staff is not None:
        staff = list(staff)
        _check_staff(run.school, staff)
        names = sorted(u.name for u in staff)
        if names != old_staff:
            old["staff"], new["staff"] = old_staff, names
            run.staff.set(staff)
    if not new:
        return False
    fields = [f for f in new if f != "staff"]
    if fields:
        run.save(update_fields=fields)
    _audit(ProvisionEvent.RUN_CHANGED, run, run.school_id, by, old=old, new=new)
    return True


@transaction.atomic
def run_delete(*, run: Run, by: User | None, reason: str) -> None:
    """Delete a run set up by mistake, with its pupils; the audit trail keeps what it held."""
    pupils = [str(e.pupil) for e in run.enrolments.select_related("pupil")]
    old = {
        "intervention": run.intervention.name,
        **_snapshot(run, RUN_FIELDS),
        "pupils": pupils,
    }
    _audit(ProvisionEvent.RUN_DELETED, run, run.school_id, by, old=old, reason=reason)
    run.delete()


# --- Pupils in a run ------------------------------------------------------------------------


@transaction.atomic
def enrolment_add(*, run: Run, pupils: Sequence[Pupil], by: User | None) -> list[Enrolment]:
    """Put pupils in a run for the whole of it (change a pupil's dates afterwards)."""
    for pupil in pupils:
        if pupil.school_id != run.school_id:
            raise ValidationError(NOT_IN_SCHOOL.format(pupil=pupil))
    already = set(
        run.enrolments.filter(pupil__in=[p.pk for p in pupils]).values_list("pupil_id", flat=True)
    )
    for pupil in pupils:
        if pupil.pk in already:
            raise ValidationError(ALREADY_IN_RUN.format(pupil=pupil))
    made = Enrolment.objects.bulk_create(
        Enrolment(run=run, pupil=p, start_date=run.start_date, end_date=run.end_date)
        for p in pupils
    )
    for enrolment, pupil in zip(made, pupils, strict=True):
        _audit(
            ProvisionEvent.PUPIL_ADDED,
            enrolment,
            run.school_id,
            by,
            pupil=pupil,
            new={"run": str(run), **_snapshot(enrolment, ["start_date", "end_date"])},
        )
    return made


@transaction.atomic
def enrolment_update(*, enrolment: Enrolment, data: Mapping[str, Any], by: User | None) -> bool:
    """Change a pupil's dates, attendance, scores or outcome in a run. Says if anything changed."""
    before = _snapshot(enrolment, ENROLMENT_FIELDS)
    _apply(enrolment, data, ENROLMENT_FIELDS)
    enrolment.full_clean()
    old, new = changed(before, _snapshot(enrolment, ENROLMENT_FIELDS))
    if not new:
        return False
    enrolment.save(update_fields=list(new))
    _audit(
        ProvisionEvent.PUPIL_CHANGED,
        enrolment,
        enrolment.run.school_id,
        by,
        pupil=enrolment.pupil,
        old={"run": str(enrolment.run), **old},
        new=new,
    )
    return True


@transaction.atomic
def measures_record(*, run: Run, changes: Mapping[int, Mapping[str, Any]], by: User | None) -> int:
    """Record several pupils' attendance and scores at once: all or none. Returns how many
    pupils' records changed. ``changes`` maps an enrolment's id to its new values.

    A ValidationError names the pupil whose values broke a rule.
    """
    enrolments = {
        e.pk: e
        for e in run.enrolments.select_related("pupil", "run__intervention").filter(
            pk__in=list(changes)
        )
    }
    count = 0
    for pk, data in changes.items():
        enrolment = enrolments[pk]
        try:
            count += enrolment_update(enrolment=enrolment, data=data, by=by)
        except ValidationError as exc:
            raise ValidationError(
                {str(pk): [f"{enrolment.pupil}: {m}" for m in exc.messages]}
            ) from exc
    return count


@transaction.atomic
def enrolment_remove(*, enrolment: Enrolment, by: User | None, reason: str = "") -> None:
    """Take a pupil out of a run added by mistake; the audit trail keeps what was recorded."""
    old = {"run": str(enrolment.run), **_snapshot(enrolment, ENROLMENT_FIELDS)}
    _audit(
        ProvisionEvent.PUPIL_REMOVED,
        enrolment,
        enrolment.run.school_id,
        by,
        pupil=enrolment.pupil,
        old=old,
        reason=reason,
    )
    enrolment.delete()


def pupil_provision_erase(pupil: Pupil, by: User | None) -> None:
    """Remove everything the provision map holds about a pupil whose retention has passed."""
    for enrolment in pupil.provision.select_related("run__intervention", "pupil"):
        enrolment_remove(enrolment=enrolment, by=by, reason="Retention period ended.")


# --- Staff training -------------------------------------------------------------------------


@transaction.atomic
def training_record_create(*, school: School, by: User | None, **fields: Any) -> TrainingRecord:
    record = TrainingRecord(school=school)
    _apply(record, fields, TRAINING_FIELDS)
    record.name = record.name.strip()
    record.full_clean()
    if record.user is not None:
        _check_staff(school, [record.user])
    record.save()
    new = _snapshot(record, TRAINING_FIELDS)
    _audit(ProvisionEvent.TRAINING_ADDED, record, school.pk, by, new=new)
    return record


@transaction.atomic
def training_record_update(
    *, record: TrainingRecord, data: Mapping[str, Any], by: User | None
) -> bool:
    before = _snapshot(record, TRAINING_FIELDS)
    _apply(record, data, TRAINING_FIELDS)
    record.name = record.name.strip()
    record.full_clean()
    if record.user is not None:
        _check_staff(record.school, [record.user])
    old, new = changed(before, _snapshot(record, TRAINING_FIELDS))
    if not new:
        return False
    record.save(update_fields=list(new))
    _audit(ProvisionEvent.TRAINING_CHANGED, record, record.school_id, by, old=old, new=new)
    return True


@transaction.atomic
def training_record_delete(*, record: TrainingRecord, by: User | None) -> None:
    old = _snapshot(record, TRAINING_FIELDS)
    _audit(ProvisionEvent.TRAINING_REMOVED, record, record.school_id, by, old=old)
    record.delete()


# --- Settings -------------------------------------------------------------------------------


@transaction.atomic
def topup_threshold_set(*, school: School, threshold: Decimal | None, by: User | None) -> bool:
    """Set the school's top-up threshold, or go back to the default (None)."""
    if threshold is not None:
        rules.validate_threshold(threshold)
        threshold = rules.money(threshold)
    settings_, _ = ProvisionSettings.objects.get_or_create(school=school)
    if settings_.topup_threshold == threshold:
        return False
    old = {"topup_threshold": jsonable(settings_.topup_threshold)}
    settings_.topup_threshold = threshold
    settings_.full_clean()
    settings_.save(update_fields=["topup_threshold"])
    settings_kept_with(school, SCHOOL_SETTINGS_KEY, settings_)
    _audit(
        ProvisionEvent.THRESHOLD_SET,
        settings_,
        school.pk,
        by,
        old=old,
        new={"topup_threshold": jsonable(threshold)},
    )
    return True
