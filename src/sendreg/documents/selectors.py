"""Reads of the school's letter wording."""

from __future__ import annotations

from sendreg.accounts.models import School
from sendreg.documents.letters import default_template
from sendreg.documents.models import LetterTemplate
from sendreg.register.rules import NotificationKind


def letter_template_for(school: School, kind: NotificationKind) -> LetterTemplate:
    """The school's wording for ``kind``, or the default wording (unsaved) if it has none."""
    saved = LetterTemplate.objects.filter(school=school, kind=kind).first()
    if saved is not None:
        return saved
    subject, body = default_template(kind)
    return LetterTemplate(school=school, kind=kind, subject=subject, body=body)


def letter_templates_for(school: School) -> list[tuple[NotificationKind, LetterTemplate]]:
    saved = {t.kind: t for t in LetterTemplate.objects.filter(school=school)}
    return [
        (kind, saved.get(kind) or letter_template_for(school, kind)) for kind in NotificationKind
    ]
