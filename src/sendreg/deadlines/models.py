"""What the one list of deadlines keeps: personal calendar feeds and the emails sent.

The deadlines themselves are never stored: each app works them out from its own
records whenever they are asked for (``lib.extensions.DEADLINE_SOURCES``).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from sendreg.accounts.models import School, User


class CalendarFeed(models.Model):
    """A person's secret calendar address. Only a hash of its token is kept, so the address
    is shown once, when it is made; turning it off (or making a new one) ends the old one."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="calendar_feeds")
    token_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(revoked_at__isnull=True), name="one_live_feed_per_user"
            ),
        ]

    def __str__(self) -> str:
        state = "turned off" if self.revoked_at else "live"
        return f"Calendar feed of {self.user} ({state})"


class DigestSent(models.Model):
    """One weekly email of deadlines sent to one person for one school on one day.

    The unique day is what makes ``sendreg digest`` safe to run twice: the second run
    finds the row and sends nothing.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")
    sent_on = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)
    deadlines = models.PositiveIntegerField()

    class Meta:
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "school", "sent_on"], name="one_digest_per_person_school_day"
            ),
        ]

    def __str__(self) -> str:
        return f"Deadlines email to {self.user} on {self.sent_on}"


class DeadlinesAuditType(models.TextChoices):
    FEED_CREATED = "deadlines.feed_created", "Calendar feed of deadlines made"
    FEED_REVOKED = "deadlines.feed_revoked", "Calendar feed of deadlines turned off"
    DIGEST_SENT = "deadlines.digest_sent", "Weekly email of deadlines sent"
