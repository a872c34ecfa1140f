"""Every change to the other registers: validated by the rules, audited, in one transaction.

None of these services touches the SEN register: a medical condition, EAL, being looked
after, a cause for concern or an exam access arrangement does not put a pupil on it or
take them off it. Nor do they change the pupil's own flags (EAL, medical, looked after),
which come from the MIS.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction

from sendreg.accounts.models import User
from sendreg.accounts.permissions import STAFF_ROLES
from sendreg.audit.models import AuditEvent
from sendreg.audit.services import audit_record
from sendreg.lib.diff import changed, jsonable
from sendreg.pupils.models import Pupil
from sendreg.pupils.services import contact_save
from sendreg.records import rules
from sendreg.records.models import (
    CauseForConcern,
    EalRecord,
    ExamArrangement,
    LookedAfterRecord,
    MedicalCondition,
)

MEDICAL_FIELDS = ["condition", "has_ihp", "ihp_review_date", "notes"]
EAL_FIELDS = ["first_language", "started_in_english_schools", "notes"]
LAC_FIELDS = [
    "responsible_authority", "pep_date", "pep_review_date", "designated_teacher",
    "designated_teacher_name",
]  # fmt: skip
CONCERN_FIELDS = ["reason", "started_on", "owner", "review_date"]
EXAM_FIELDS = [
    "arrangement", "other_arrangement", "key_stage", "evidence", "approved_on", "expires_on",
]  # fmt: skip
_END_FIELDS = ["ended_on", "end_reason"]


def _snapshot(instance: models.Model, fields: Sequence[str]) -> dict[str, Any]:
    """Field values as JSON, a person by name (the audit trail has no foreign keys)."""
    values: dict[str, Any] = {}
    for name in fields:
        value = getattr(instance, name)
        values[name] = str(value) if isinstance(value, models.Model) else jsonable(value)
    return values


def _audit(
    type: AuditEvent.Type,
    record: models.Model,
    pupil: Pupil,
    by: User,
    *,
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
    reason: str = "",
) -> None:
    audit_record(
        type=type,
        school_id=pupil.school_id,
        target=record,
        pupil=pupil,
        by=by,
        old=old,
        new=new,
        reason=reason,
    )


def _create(
    record: models.Model, pupil: Pupil, fields: Sequence[str], type: AuditEvent.Type, by: User
) -> None:
    record.full_clean()
    record.save()
    _audit(type, record, pupil, by, new=_snapshot(record, fields))


def _update(
    record: models.Model,
    data: Mapping[str, Any],
    fields: Sequence[str],
    type: AuditEvent.Type,
    by: User,
) -> bool:
    """Apply ``data`` to ``record``; save and audit only what changed (and say if anything did)."""
    before = _snapshot(record, fields)
    for name, value in data.items():
        if name not in fields:
            raise ValueError(f"{name} cannot be changed here")
        setattr(record, name, value)
    record.full_clean()
    old, new = changed(before, _snapshot(record, fields))
    if not new:
        return False
    record.save(update_fields=list(new))
    pupil = record.pupil  # type: ignore[attr-defined]
    _audit(type, record, pupil, by, old=old, new=new)
    return True


def _end(
    record: MedicalCondition | CauseForConcern | ExamArrangement,
    *,
    on: dt.date,
    reason: str,
    started_on: dt.date | None,
    type: AuditEvent.Type,
    by: User,
) -> None:
    rules.validate_end(on=on, reason=reason, started_on=started_on, ended_on=record.ended_on)
    record.ended_on = on
    record.end_reason = reason.strip()
    record.full_clean()
    record.save(update_fields=_END_FIELDS)
    _audit(
        type,
        record,
        record.pupil,
        by,
        old={"ended_on": None},
        new={"ended_on": on.isoformat()},
        reason=record.end_reason,
    )


def _check_staff(user: User | None, pupil: Pupil, field: str) -> None:
    """The person chosen must work at the pupil's school (a form's list already says so)."""
    if user is None:
        return
    if not user.memberships.filter(school_id=pupil.school_id, role__in=STAFF_ROLES).exists():
        raise ValidationError({field: rules.STAFF_NOT_IN_SCHOOL.format(name=user.name)})


# --- Medical conditions and disabilities -----------------------------------------------------


@transaction.atomic
def medical_condition_create(
    *,
    pupil: Pupil,
    condition: str,
    has_ihp: bool,
    ihp_review_date: dt.date | None,
    notes: str = "",
    by: User,
) -> MedicalCondition:
    record = MedicalCondition(
        pupil=pupil,
        condition=condition,
        has_ihp=has_ihp,
        ihp_review_date=ihp_review_date,
        notes=notes,
    )
    _create(record, pupil, MEDICAL_FIELDS, AuditEvent.Type.MEDICAL_ADDED, by)
    return record


@transaction.atomic
def medical_condition_update(
    *, record: MedicalCondition, data: Mapping[str, Any], by: User
) -> bool:
    return _update(record, data, MEDICAL_FIELDS, AuditEvent.Type.MEDICAL_UPDATED, by)


@transaction.atomic
def medical_condition_end(
    *, record: MedicalCondition, on: dt.date, reason: str, by: User
) -> MedicalCondition:
    """The condition no longer applies (resolved, or recorded in error). It stays in the history."""
    _end(record, on=on, reason=reason, started_on=None, type=AuditEvent.Type.MEDICAL_ENDED, by=by)
    return record


# --- English as an additional language --------------------------------------------------------


@transaction.atomic
def eal_record_create(
    *,
    pupil: Pupil,
    first_language: str,
    started_in_english_schools: dt.date | None,
    notes: str = "",
    by: User,
) -> EalRecord:
    if EalRecord.objects.filter(pupil=pupil).exists():
        raise ValidationError(rules.ALREADY_RECORDED.format(pupil=pupil, what="EAL details"))
    record = EalRecord(
        pupil=pupil,
        first_language=first_language.strip(),
        started_in_english_schools=started_in_english_schools,
        notes=notes,
    )
    _create(record, pupil, EAL_FIELDS, AuditEvent.Type.EAL_ADDED, by)
    return record


@transaction.atomic
def eal_record_update(*, record: EalRecord, data: Mapping[str, Any], by: User) -> bool:
    data = {**data}
    if "first_language" in data:
        data["first_language"] = data["first_language"].strip()
    return _update(record, data, EAL_FIELDS, AuditEvent.Type.EAL_UPDATED, by)


@transaction.atomic
def eal_record_clear(*, record: EalRecord, reason: str, by: User) -> None:
    """Delete the EAL details (recorded in error, or no longer wanted); the audit keeps them."""
    if not reason.strip():
        raise ValidationError({"reason": rules.END_REASON_REQUIRED})
    _audit(
        AuditEvent.Type.EAL_CLEARED,
        record,
        record.pupil,
        by,
        old=_snapshot(record, EAL_FIELDS),
        reason=reason.strip(),
    )
    record.delete()


# --- Looked-after children ------------------------------------------------------------------


@transaction.atomic
def lac_record_create(
    *,
    pupil: Pupil,
    responsible_authority: str,
    pep_date: dt.date | None,
    pep_review_date: dt.date | None,
    designated_teacher: User | None,
    designated_teacher_name: str = "",
    by: User,
) -> LookedAfterRecord:
    """Record a looked-after child's details. The pupil must be marked as looked after."""
    if LookedAfterRecord.objects.filter(pupil=pupil).exists():
        raise ValidationError(
            rules.ALREADY_RECORDED.format(pupil=pupil, what="looked-after details")
        )
    _check_staff(designated_teacher, pupil, "designated_teacher")
    record = LookedAfterRecord(
        pupil=pupil,
        responsible_authority=responsible_authority.strip(),
        pep_date=pep_date,
        pep_review_date=pep_review_date,
        designated_teacher=designated_teacher,
        designated_teacher_name=designated_teacher_name.strip(),
    )
    _create(record, pupil, LAC_FIELDS, AuditEvent.Type.LAC_ADDED, by)
    return record


@transaction.atomic
def lac_record_update(*, record: LookedAfterRecord, data: Mapping[str, Any], by: User) -> bool:
    if "designated_teacher" in data:
        _check_staff(data["designated_teacher"], record.pupil, "designated_teacher")
    return _update(record, data, LAC_FIELDS, AuditEvent.Type.LAC_UPDATED, by)


@transaction.atomic
def lac_record_clear(*, record: LookedAfterRecord, reason: str, by: User) -> None:
    """Delete the looked-after details (the audit keeps them). Contacts are left as they are:
    an address protected stays protected until the SENCO changes the contact."""
    if not reason.strip():
        raise ValidationError({"reason": rules.END_REASON_REQUIRED})
    _audit(
        AuditEvent.Type.LAC_CLEARED,
        record,
        record.pupil,
        by,
        old=_snapshot(record, LAC_FIELDS),
        reason=reason.strip(),
    )
    record.delete()


@transaction.atomic
def lac_addresses_protect(*, pupil: Pupil, by: User) -> int:
    """Protect every contact address of a looked-after child; return how many changed.

    Goes through the contact service, so each change is audited as a contact change
    (without the address). Protection is only ever added here, never taken away.
    """
    rules.validate_looked_after(looked_after=pupil.looked_after, pupil=str(pupil))
    contacts = list(
        pupil.contacts.select_for_update().exclude(address="").filter(address_protected=False)
    )
    for contact in contacts:
        contact.pupil = pupil
        contact.address_protected = True
        contact_save(contact=contact, by=by)
    return len(contacts)


# --- Cause for concern ----------------------------------------------------------------------


@transaction.atomic
def concern_start(
    *,
    pupil: Pupil,
    reason: str,
    started_on: dt.date,
    owner: User,
    review_date: dt.date,
    by: User,
) -> CauseForConcern:
    _check_staff(owner, pupil, "owner")
    record = CauseForConcern(
        pupil=pupil, reason=reason, started_on=started_on, owner=owner, review_date=review_date
    )
    _create(record, pupil, CONCERN_FIELDS, AuditEvent.Type.CONCERN_STARTED, by)
    return record


@transaction.atomic
def concern_update(*, record: CauseForConcern, data: Mapping[str, Any], by: User) -> bool:
    if "owner" in data:
        _check_staff(data["owner"], record.pupil, "owner")
    return _update(record, data, CONCERN_FIELDS, AuditEvent.Type.CONCERN_UPDATED, by)


@transaction.atomic
def concern_end(*, record: CauseForConcern, on: dt.date, reason: str, by: User) -> CauseForConcern:
    _end(
        record,
        on=on,
        reason=reason,
        started_on=record.started_on,
        type=AuditEvent.Type.CONCERN_ENDED,
        by=by,
    )
    return record


# --- Exam access arrangements ---------------------------------------------------------------


@transaction.atomic
def exam_arrangement_create(
    *,
    pupil: Pupil,
    arrangement: str,
    other_arrangement: str = "",
    key_stage: str,
    evidence: str,
    approved_on: dt.date,
    expires_on: dt.date | None,
    by: User,
) -> ExamArrangement:
    """Record an arrangement. It does not put the pupil on the SEN register."""
    record = ExamArrangement(
        pupil=pupil,
        arrangement=arrangement,
        other_arrangement=other_arrangement.strip(),
        key_stage=key_stage,
        evidence=evidence,
        approved_on=approved_on,
        expires_on=expires_on,
    )
    _create(record, pupil, EXAM_FIELDS, AuditEvent.Type.EXAM_ARRANGEMENT_ADDED, by)
    return record


@transaction.atomic
def exam_arrangement_update(*, record: ExamArrangement, data: Mapping[str, Any], by: User) -> bool:
    data = {**data}
    if "other_arrangement" in data:
        data["other_arrangement"] = data["other_arrangement"].strip()
    return _update(record, data, EXAM_FIELDS, AuditEvent.Type.EXAM_ARRANGEMENT_UPDATED, by)


@transaction.atomic
def exam_arrangement_end(
    *, record: ExamArrangement, on: dt.date, reason: str, by: User
) -> ExamArrangement:
    """Withdraw an arrangement before it expires (no longer needed, or recorded in error)."""
    _end(
        record,
        on=on,
        reason=reason,
        started_on=record.approved_on,
        type=AuditEvent.Type.EXAM_ARRANGEMENT_ENDED,
        by=by,
    )
    return record
