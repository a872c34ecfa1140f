"""Telling parents about register changes: the reads and writes of ``ParentNotification``.

The register service creates a notification with every change that puts a pupil
on the register, takes them off it or moves them between K and E. Here the
SENCO's work on it is read and recorded: when and how the parents were told,
and their acknowledgement.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from sendreg.accounts.models import Membership, User
from sendreg.audit.models import AuditEvent
from sendreg.audit.services import audit_record
from sendreg.lib.dates import today as local_today
from sendreg.pupils.models import Pupil
from sendreg.pupils.selectors import pupils_visible_to
from sendreg.register import rules
from sendreg.register.models import ParentNotification

NOTIFICATION_ALREADY_SENT = (
    "The parents were already recorded as told on {sent:%d/%m/%Y}. Nothing was changed."
)
NOTIFICATION_ALREADY_ACKNOWLEDGED = (
    "An acknowledgement was already recorded on {ack:%d/%m/%Y}. Nothing was changed."
)
DATE_IN_FUTURE = "{day:%d/%m/%Y} is in the future: record it on the day it happens."


# --- Selectors ---------------------------------------------------------------------


def _visible(membership: Membership) -> QuerySet[ParentNotification]:
    return ParentNotification.objects.filter(pupil__in=pupils_visible_to(membership))


def notifications_outstanding(membership: Membership) -> QuerySet[ParentNotification]:
    """Changes whose parents have not yet been told, the longest waiting first."""
    return (
        _visible(membership)
        .filter(sent_on__isnull=True)
        .select_related("pupil")
        .order_by("created_at", "id")
    )


def notifications_for_pupil(pupil: Pupil) -> QuerySet[ParentNotification]:
    """Every notification of one pupil, newest first."""
    return pupil.notifications.order_by("-created_at", "-id")


def notification_get_for_user(membership: Membership, pk: int) -> ParentNotification:
    """The notification, or 404 when its pupil is outside what the member may see."""
    notification = (
        _visible(membership).select_related("pupil", "pupil__school").filter(pk=pk).first()
    )
    if notification is None:
        raise Http404("No such notification.")
    return notification


def change_recorded_on(notification: ParentNotification) -> dt.date:
    """The school day on which the change was recorded (not the day it takes effect)."""
    return timezone.localdate(notification.created_at)


# --- Services ----------------------------------------------------------------------


def _not_after_today(day: dt.date, today: dt.date, field: str) -> None:
    if day > today:
        raise ValidationError({field: DATE_IN_FUTURE.format(day=day)})


@transaction.atomic
def notification_mark_sent(
    *,
    notification: ParentNotification,
    sent_on: dt.date | None,
    method: str,
    by: User,
    today: dt.date | None = None,
) -> ParentNotification:
    """Record when and how the parents were told of the change.

    Both are required (``rules.validate_notification_sent``; a CheckConstraint
    holds the same at the database). The day may not come before the change was
    recorded, nor after ``today``. A notification is marked sent once: raises
    ValidationError and saves nothing otherwise. Audited as NOTIFICATION_SENT.
    """
    notification = ParentNotification.objects.select_for_update().get(pk=notification.pk)
    if notification.sent_on is not None:
        raise ValidationError(NOTIFICATION_ALREADY_SENT.format(sent=notification.sent_on))
    rules.validate_notification_sent(
        sent_on=sent_on, method=method, change_made=change_recorded_on(notification)
    )
    # validate_notification_sent has refused a missing day.
    assert sent_on is not None
    _not_after_today(sent_on, today or local_today(), "sent_on")
    notification.sent_on = sent_on
    notification.method = method
    notification.sent_by = by
    notification.full_clean()
    notification.save(update_fields=["sent_on", "method", "sent_by"])
    audit_record(
        type=AuditEvent.Type.NOTIFICATION_SENT,
        school_id=notification.pupil.school_id,
        target=notification,
        pupil=notification.pupil,
        by=by,
        new={
            "change": notification.get_kind_display(),
            "sent_on": sent_on.isoformat(),
            "method": notification.get_method_display(),
        },
    )
    return notification


@transaction.atomic
def notification_acknowledge(
    *,
    notification: ParentNotification,
    acknowledged_on: dt.date,
    note: str,
    by: User,
    today: dt.date | None = None,
) -> ParentNotification:
    """Record that the parents acknowledged being told, with an optional note.

    Only after the notification was sent (``rules.validate_acknowledgement``), not
    in the future, and once. Audited as NOTIFICATION_ACKNOWLEDGED.
    """
    notification = ParentNotification.objects.select_for_update().get(pk=notification.pk)
    if notification.acknowledged_on is not None:
        raise ValidationError(
            NOTIFICATION_ALREADY_ACKNOWLEDGED.format(ack=notification.acknowledged_on)
        )
    rules.validate_acknowledgement(acknowledged_on=acknowledged_on, sent_on=notification.sent_on)
    _not_after_today(acknowledged_on, today or local_today(), "acknowledged_on")
    notification.acknowledged_on = acknowledged_on
    notification.acknowledgement_note = note
    notification.full_clean()
    notification.save(update_fields=["acknowledged_on", "acknowledgement_note"])
    audit_record(
        type=AuditEvent.Type.NOTIFICATION_ACKNOWLEDGED,
        school_id=notification.pupil.school_id,
        target=notification,
        pupil=notification.pupil,
        by=by,
        new={
            "change": notification.get_kind_display(),
            "acknowledged_on": acknowledged_on.isoformat(),
        },
        reason=note,
    )
    return notification
