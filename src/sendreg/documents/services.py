"""Changes to the school's letter wording, audited."""

from __future__ import annotations

from django.db import transaction

from sendreg.accounts.models import School, User
from sendreg.audit.models import AuditEvent
from sendreg.audit.services import audit_record
from sendreg.documents.models import LetterTemplate
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
