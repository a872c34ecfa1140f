from __future__ import annotations

from django.db import models
from django.utils import timezone

from sendreg.pupils.models import Pupil


class PrivacyAudit(models.TextChoices):
    PUPIL_ERASED = "privacy.pupil_erased", "Pupil's record anonymised (retention period over)"


class Erasure(models.Model):
    """A pupil whose record was anonymised when its retention period ended.

    The pupil's row stays, with its id, so that the audit trail and the access log still
    point at something; what identified them is gone. Nothing is erased twice.
    """

    pupil = models.OneToOneField(Pupil, on_delete=models.PROTECT, related_name="erasure")
    at = models.DateTimeField(default=timezone.now)
    rule = models.CharField(max_length=40)
    #: The day the retention period ended.
    due = models.DateField()
    by_label = models.CharField(max_length=300)

    def __str__(self) -> str:
        return f"Pupil {self.pupil_id} erased at {self.at:%Y-%m-%d}"
