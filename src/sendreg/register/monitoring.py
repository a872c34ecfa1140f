"""Moving a pupil from the SEN register to the monitoring list when a review finds the
outcomes met (the graduated approach's usual way off the register)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from sendreg.accounts.models import User
from sendreg.audit.models import AuditEvent
from sendreg.audit.services import audit_record
from sendreg.pupils.models import Pupil
from sendreg.register import services
from sendreg.register.models import MonitoringEntry, ParentNotification

MOVE_REVIEW_BEFORE_EFFECTIVE = (
    "The review date must be on or after the day the pupil comes off the register."
)


@dataclass(frozen=True)
class MovedToMonitoring:
    entry: MonitoringEntry
    #: The "removed from the register" notification the move created, for the parents' letter.
    notification: ParentNotification | None


@transaction.atomic
def register_to_monitoring(
    *,
    pupil: Pupil,
    effective: dt.date,
    reason: str,
    review_date: dt.date,
    expected_version: int,
    by: User,
    today: dt.date,
) -> MovedToMonitoring:
    """Take the pupil off the register on ``effective`` and start monitoring them there.

    One transaction: the removal (``services.sen_record_set`` with no status, which
    also creates the REMOVED parent notification and its audit event) and the
    monitoring entry (``services.monitoring_start``) both happen or neither does.
    Raises ValidationError or ``services.StaleRecord`` and saves nothing when either
    step refuses. Writes a MOVED_TO_MONITORING audit event tying the two together.
    """
    if review_date < effective:
        raise ValidationError({"review_date": MOVE_REVIEW_BEFORE_EFFECTIVE})
    latest_before = pupil.notifications.order_by("-id").values_list("id", flat=True).first()
    services.sen_record_set(
        pupil=pupil,
        status=None,
        needs=[],
        effective=effective,
        reason=reason,
        expected_version=expected_version,
        by=by,
        today=today,
    )
    entry = services.monitoring_start(
        pupil=pupil, reason=reason, review_date=review_date, on=effective, by=by
    )
    audit_record(
        type=AuditEvent.Type.MOVED_TO_MONITORING,
        school_id=pupil.school_id,
        target=entry,
        pupil=pupil,
        by=by,
        new={"effective": effective.isoformat(), "review_date": review_date.isoformat()},
        reason=reason,
    )
    notification = pupil.notifications.filter(id__gt=latest_before or 0).order_by("-id").first()
    return MovedToMonitoring(entry=entry, notification=notification)
