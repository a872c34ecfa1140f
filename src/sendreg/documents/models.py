from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from sendreg.accounts.models import School, User
from sendreg.documents import rules
from sendreg.register.rules import NotificationKind


class DocumentsAudit(models.TextChoices):
    """Audit event types of the documents app (registered in ``apps.DocumentsConfig.ready``)."""

    SCHOOL_CONTACT_CHANGED = (
        "school.contact_changed",
        "School contact details for letters changed",
    )


class LetterTemplate(models.Model):
    """A school's own wording of one kind of parent letter.

    A school without one for a kind uses the default text in ``documents.letters``.
    """

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="letter_templates")
    kind = models.CharField(max_length=10, choices=[(k.value, k.label) for k in NotificationKind])
    subject = models.CharField(max_length=200)
    body = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school", "kind"], name="one_letter_template_per_kind"),
            models.CheckConstraint(
                condition=Q(kind__in=[k.value for k in NotificationKind]),
                name="letter_template_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{NotificationKind(self.kind).label} letter"

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        for field in ("subject", "body"):
            try:
                rules.validate_letter_text(getattr(self, field))
            except ValidationError as exc:
                errors[field] = exc.messages
        if errors:
            raise ValidationError(errors)
