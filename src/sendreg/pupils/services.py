"""Every change to pupils and their contacts, audited in the same transaction."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db import transaction

from sendreg.accounts.models import School, User
from sendreg.audit.models import AuditEvent
from sendreg.audit.services import audit_record
from sendreg.lib.diff import changed, snapshot
from sendreg.pupils.models import Contact, Pupil, TeachingGroup
from sendreg.pupils.selectors import BY_SHOWN_NAME

PUPIL_FIELDS = [
    "upn", "former_upn", "legal_surname", "legal_forename", "preferred_surname",
    "preferred_forename", "date_of_birth", "gender", "year_group", "reg_group",
    "admission_date", "leaving_date", "eal", "fsm", "pupil_premium", "looked_after",
    "medical", "top_up_funding", "attendance",
]  # fmt: skip
CONTACT_FIELDS = [
    "name", "relationship", "parental_responsibility", "has_care", "address",
    "address_protected", "email", "phone",
]  # fmt: skip
#: A protected address is never written into the audit trail either.
_REDACTED = "(protected address)"


class StaleDetails(Exception):
    """The pupil's details changed since the form was read: nothing was saved."""

    MESSAGE = (
        "Someone else changed this pupil's details while you were editing, so your changes "
        "were not saved. The details as they are now are shown below beside yours: check "
        "them, then save again."
    )


@transaction.atomic
def pupil_update(
    *,
    pupil: Pupil,
    data: dict[str, Any],
    by: User | None,
    source: str = "",
    expected_version: int | None = None,
) -> bool:
    """Apply ``data`` to the pupil's details; return whether anything changed.

    With ``expected_version`` (the ``details_version`` the editing form was read at),
    raises StaleDetails and saves nothing when someone else changed the details since,
    the same optimistic check as SEN changes. A change bumps ``details_version``.
    SEN status and need are not pupil details: they change only through
    ``register.services.sen_record_set``.
    """
    current = (
        Pupil.objects.select_for_update()
        .filter(pk=pupil.pk)
        .values_list("details_version", flat=True)
        .get()
    )
    if expected_version is not None and expected_version != current:
        raise StaleDetails(StaleDetails.MESSAGE)
    before = snapshot(pupil, PUPIL_FIELDS)
    for name, value in data.items():
        if name not in PUPIL_FIELDS:
            raise ValueError(f"{name} is not a pupil detail")
        setattr(pupil, name, value)
    pupil.full_clean()
    old, new = changed(before, snapshot(pupil, PUPIL_FIELDS))
    if not new:
        return False
    pupil.mis_fingerprint = ""
    pupil.details_version = current + 1
    pupil.save(update_fields=[*new, "mis_fingerprint", "details_version"])
    audit_record(
        type=AuditEvent.Type.PUPIL_UPDATED,
        school_id=pupil.school_id,
        target=pupil,
        pupil=pupil,
        by=by,
        old=old,
        new=new,
        source=source,
    )
    return True


def _contact_snapshot(contact: Contact) -> dict[str, Any]:
    values = snapshot(contact, CONTACT_FIELDS)
    if contact.address_protected:
        values["address"] = _REDACTED
    return values


@transaction.atomic
def contact_save(*, contact: Contact, by: User) -> Contact:
    """Create or change a contact of a pupil."""
    adding = contact._state.adding
    before = {} if adding else _contact_snapshot(Contact.objects.get(pk=contact.pk))
    if contact.address_protected and "address" in before:
        # An address protected from now on must not survive as the "before" value either.
        before["address"] = _REDACTED
    contact.full_clean()
    contact.save()
    old, new = changed(before, _contact_snapshot(contact))
    if adding:
        old = {}
    elif not new:
        return contact
    audit_record(
        type=AuditEvent.Type.CONTACT_ADDED if adding else AuditEvent.Type.CONTACT_UPDATED,
        school_id=contact.pupil.school_id,
        target=contact,
        pupil=contact.pupil,
        by=by,
        old=old,
        new=new,
    )
    return contact


@transaction.atomic
def contact_remove(*, contact: Contact, by: User) -> None:
    audit_record(
        type=AuditEvent.Type.CONTACT_REMOVED,
        school_id=contact.pupil.school_id,
        target=contact,
        pupil=contact.pupil,
        by=by,
        old=_contact_snapshot(contact),
    )
    contact.delete()


@transaction.atomic
def teaching_group_set(
    *,
    school: School,
    name: str,
    pupil_ids: Collection[int],
    teacher_ids: Collection[int],
    by: User | None,
    source: str = "",
    actor_label: str = "",
) -> bool:
    """Give the class or teaching group ``name`` exactly these pupils and teachers, making the
    group if it is new; return whether anything changed.

    Who teaches whom decides which pupils a teacher sees, so every change is audited: the
    pupils added and removed, and the teachers before and after.
    """
    group, made = TeachingGroup.objects.get_or_create(school=school, name=name)
    had_pupils = set() if made else set(group.pupils.values_list("pk", flat=True))
    had_teachers = set() if made else set(group.teachers.values_list("pk", flat=True))
    pupils, teachers = set(pupil_ids), set(teacher_ids)
    if not made and had_pupils == pupils and had_teachers == teachers:
        return False
    group.pupils.set(pupils)
    group.teachers.set(teachers)
    added, removed = pupils - had_pupils, had_pupils - pupils
    moved = {
        p.pk: str(p) for p in Pupil.objects.filter(pk__in=added | removed).order_by(*BY_SHOWN_NAME)
    }
    staff = dict(User.objects.filter(pk__in=teachers | had_teachers).values_list("pk", "name"))
    old: dict[str, Any] = {"pupils_removed": [moved[pk] for pk in moved if pk in removed]}
    new: dict[str, Any] = {"pupils_added": [moved[pk] for pk in moved if pk in added]}
    if had_teachers != teachers:
        old["teachers"] = sorted(staff[pk] for pk in had_teachers)
        new["teachers"] = sorted(staff[pk] for pk in teachers)
    if made:
        old = {}
    audit_record(
        type=AuditEvent.Type.CLASSES_CHANGED,
        school_id=school.pk,
        target=group,
        by=by,
        old=old,
        new=new,
        source=source,
        actor_label=actor_label,
    )
    return True
