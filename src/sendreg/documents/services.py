"""Changes to the school's letter wording, audited."""

from __future__ import annotations

from typing import Any, cast

from django.db import transaction

from sendreg.accounts.models import SCHOOL_CONTACT_FIELDS, School, User
from sendreg.audit.models import AuditEvent
from sendreg.audit.services import audit_record
from sendreg.documents.models import DocumentsAudit, LetterTemplate
from sendreg.lib.diff import changed, snapshot
from sendreg.register.rules import NotificationKind


@transaction.atomic
def letter_template_save(
    *, school: School, kind: NotificationKind, subject: str, body: str, by: User
) -> LetterTemplate:
    """Set the school's wording for one kind of parent letter.

    Raises ValidationError, saving nothing, when the subject or body uses a
    placeholder that does not exist (``documents.rules.validate_letter_text``).
    Audited as LETTER_TEMPLATE_CHANGED with the wording before and after.
    """
    template = LetterTemplate.objects.select_for_update().filter(
        school=school, kind=kind
    ).first() or LetterTemplate(school=school, kind=kind)
    old = (
        {"letter": kind.label, "subject": template.subject, "body": template.body}
        if template.pk
        else {}
    )
    template.subject = subject
    template.body = body
    template.updated_by = by
    template.full_clean()
    template.save()
    audit_record(
        type=AuditEvent.Type.LETTER_TEMPLATE_CHANGED,
        school_id=school.pk,
        target=template,
        by=by,
        old=old,
        new={"letter": kind.label, "subject": subject, "body": body},
    )
    return template


@transaction.atomic
def school_contact_update(*, school: School, data: dict[str, Any], by: User) -> bool:
    """Set the school's contact details and the local advice that letters to parents give;
    return whether anything changed.

    Raises ValidationError, saving nothing, on a value the school's fields refuse (an
    email or web address that is not one). Audited as SCHOOL_CONTACT_CHANGED with the
    values before and after, only when something changed.
    """
    school = School.objects.select_for_update().get(pk=school.pk)
    before = snapshot(school, SCHOOL_CONTACT_FIELDS)
    for name, value in data.items():
        if name not in SCHOOL_CONTACT_FIELDS:
            raise ValueError(f"{name} is not one of the school's contact details")
        setattr(school, name, value)
    school.full_clean()
    old, new = changed(before, snapshot(school, SCHOOL_CONTACT_FIELDS))
    if not new:
        return False
    school.save(update_fields=list(new))
    audit_record(
        # The audit trail keeps another app's types as text (``lib.extensions.AUDIT_TYPES``).
        type=cast(AuditEvent.Type, DocumentsAudit.SCHOOL_CONTACT_CHANGED),
        school_id=school.pk,
        target=school,
        by=by,
        old=old,
        new=new,
    )
    return True
