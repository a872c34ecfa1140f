"""Every change to pupils and their contacts, audited in the same transaction."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from sendreg.accounts.models import User
from sendreg.audit.models import AuditEvent
from sendreg.audit.services import audit_record
from sendreg.lib.diff import changed, snapshot
from sendreg.pupils.models import Contact, Pupil

PUPIL_FIELDS = [
    "upn", "former_upn", "legal_surname", "legal_forename", "preferred_surname",
    "preferred_forename", "date_of_birth", "gender", "year_group", "reg_group",
    "admission_date", "leaving_date", "eal", "fsm", "pupil_premium", "looked_after",
    "medical", "top_up_funding", "attendance", "staff_notes",
]  # fmt: skip
CONTACT_FIELDS = [
    "name", "relationship", "parental_responsibility", "address", "address_protected",
    "email", "phone",
]  # fmt: skip
#: A protected address is never written into the audit trail either.
_REDACTED = "(protected address)"


@transaction.atomic
def pupil_update(*, pupil: Pupil, data: dict[str, Any], by: User | None, source: str = "") -> bool:
    """Apply ``data`` to the pupil's details; return whether anything changed.

    SEN status and need are not pupil details: they change only through
    ``register.services.sen_record_set``.
    """
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
    pupil.save(update_fields=[*new, "mis_fingerprint"])
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
