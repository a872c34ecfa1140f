"""The append-only audit trail and the access log.

Rows refer to schools, people and pupils by id and label, not by foreign key,
so that nothing can cascade into them and they outlive what they describe.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.db import models
from django.utils import timezone

from sendreg.audit.presenters import ShownValue, present_values
from sendreg.lib.extensions import audit_type_label


class AppendOnlyError(Exception):
    pass


class AppendOnlyQuerySet(models.QuerySet[Any]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Audit rows cannot be changed.")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("Audit rows cannot be deleted.")


class AppendOnly(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Audit rows cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Audit rows cannot be deleted.")


class AuditEvent(AppendOnly):
    class Type(models.TextChoices):
        SEN_STATUS_CHANGED = "sen.status_changed", "SEN status changed"
        SEN_NEEDS_CHANGED = "sen.needs_changed", "Need types changed"
        MONITORING_STARTED = "monitoring.started", "Put on the monitoring list"
        MONITORING_ENDED = "monitoring.ended", "Taken off the monitoring list"
        PUPIL_CREATED = "pupil.created", "Pupil record created"
        PUPIL_UPDATED = "pupil.updated", "Pupil details changed"
        PUPIL_LEFT = "pupil.left", "Marked as left"
        CONTACT_ADDED = "contact.added", "Contact added"
        CONTACT_UPDATED = "contact.updated", "Contact changed"
        CONTACT_REMOVED = "contact.removed", "Contact removed"
        CLASSES_CHANGED = "classes.changed", "Classes changed"
        IMPORT_APPLIED = "import.applied", "MIS import applied"
        MIS_CORRECTION_REQUESTED = "mis.correction_requested", "MIS marked as needing correction"
        CENSUS_DATE_SET = "census.date_set", "Census date overridden"
        MEDICAL_ADDED = "medical.added", "Medical condition recorded"
        MEDICAL_UPDATED = "medical.updated", "Medical condition changed"
        MEDICAL_ENDED = "medical.ended", "Medical condition ended"
        EAL_ADDED = "eal.added", "EAL details recorded"
        EAL_UPDATED = "eal.updated", "EAL details changed"
        EAL_CLEARED = "eal.cleared", "EAL details cleared"
        LAC_ADDED = "lac.added", "Looked-after details recorded"
        LAC_UPDATED = "lac.updated", "Looked-after details changed"
        LAC_CLEARED = "lac.cleared", "Looked-after details cleared"
        CONCERN_STARTED = "concern.started", "Cause for concern recorded"
        CONCERN_UPDATED = "concern.updated", "Cause for concern changed"
        CONCERN_ENDED = "concern.ended", "Cause for concern ended"
        EXAM_ARRANGEMENT_ADDED = "exam.added", "Exam access arrangement recorded"
        EXAM_ARRANGEMENT_UPDATED = "exam.updated", "Exam access arrangement changed"
        EXAM_ARRANGEMENT_ENDED = "exam.withdrawn", "Exam access arrangement withdrawn"
        NOTIFICATION_SENT = "notification.sent", "Parents told of a register change"
        NOTIFICATION_ACKNOWLEDGED = "notification.acknowledged", "Parents acknowledged a letter"
        LETTER_TEMPLATE_CHANGED = "letter_template.changed", "Parent letter wording changed"
        MOVED_TO_MONITORING = "monitoring.moved", "Moved from the register to monitoring"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    school_id = models.BigIntegerField(db_index=True)
    actor_id = models.BigIntegerField(null=True)
    actor_label = models.CharField(max_length=300)
    #: One of ``Type`` or of another app's types (registered in ``lib.extensions.AUDIT_TYPES``).
    #: No ``choices`` here, so that a new app's types need no migration of this table.
    type = models.CharField(max_length=60)
    target_model = models.CharField(max_length=60)
    target_id = models.BigIntegerField()
    pupil_id = models.BigIntegerField(null=True)
    pupil_label = models.CharField(max_length=300, blank=True)
    old = models.JSONField(default=dict, blank=True)
    new = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True)
    #: Where the change came from when not typed in: an import file, the demo.
    source = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["school_id", "-at"]),
            models.Index(fields=["pupil_id", "-at"]),
            # The register's own changes, newest first: the SENCO's home page lists the
            # latest few, which are a small share of a school's events (a plan, a meeting,
            # an import's update are events too); without it the newest of every kind are
            # read and passed over until enough changes of the register are found.
            models.Index(
                fields=["school_id", "-at", "-id"],
                condition=models.Q(type__in=("sen.status_changed", "sen.needs_changed")),
                name="audit_register_changes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type_label} by {self.actor_label} at {self.at:%Y-%m-%d %H:%M}"

    @property
    def type_label(self) -> str:
        return audit_type_label(self.type)

    @property
    def old_shown(self) -> list[ShownValue]:
        """The values before, labelled and in plain words (``audit.presenters``)."""
        return present_values(self.target_model, self.old)

    @property
    def new_shown(self) -> list[ShownValue]:
        """The values after, labelled and in plain words (``audit.presenters``)."""
        return present_values(self.target_model, self.new)


#: A change of the SEN register itself: status or need (the ``audit_register_changes`` index).
REGISTER_CHANGES = (AuditEvent.Type.SEN_STATUS_CHANGED, AuditEvent.Type.SEN_NEEDS_CHANGED)


class AccessEvent(AppendOnly):
    """Someone looked at or downloaded pupils' records: GDPR asks who saw what, when and from where.

    A read of one pupil (their page, a letter, a form showing an address) names the
    pupil; a read of many at once (an export of a register, the register pack, the
    census extract) has no pupil and says in ``detail`` which filters it used.
    """

    at = models.DateTimeField(auto_now_add=True)
    school_id = models.BigIntegerField()
    actor_id = models.BigIntegerField()
    pupil_id = models.BigIntegerField(null=True)
    what = models.CharField(max_length=60)
    #: The filters of a bulk read, or the page of a pupil's record that was opened.
    detail = models.CharField(max_length=300, blank=True)
    #: The client's network address as the server saw it (after a trusted proxy).
    client_address = models.GenericIPAddressField(null=True, blank=True)
    #: The request's id, also sent back as the X-Request-ID header, to match server logs.
    request_id = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["pupil_id", "-at"]),
            models.Index(fields=["school_id", "-at"]),
            models.Index(fields=["school_id", "actor_id", "-at"]),
        ]

    def __str__(self) -> str:
        return f"{self.what} of pupil {self.pupil_id} by user {self.actor_id} at {self.at}"
