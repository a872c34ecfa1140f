from __future__ import annotations

from typing import Any

from django.db import models

from sendreg.accounts.models import User
from sendreg.audit.models import AccessEvent, AuditEvent


def audit_record(
    *,
    type: AuditEvent.Type,
    school_id: int,
    target: models.Model,
    by: User | None,
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
    pupil: Any = None,
    reason: str = "",
    source: str = "",
    actor_label: str = "",
) -> AuditEvent:
    """Append one audit event. Call it inside the service's transaction, after the change."""
    return AuditEvent.objects.create(
        type=type,
        school_id=school_id,
        actor_id=by.pk if by else None,
        actor_label=actor_label or actor_label_for(by),
        target_model=target._meta.label_lower,
        target_id=target.pk,
        pupil_id=pupil.pk if pupil is not None else None,
        pupil_label=str(pupil) if pupil is not None else "",
        old=old or {},
        new=new or {},
        reason=reason,
        source=source,
    )


def actor_label_for(by: User | None) -> str:
    return f"{by.name} <{by.email}>" if by else "sendreg"


def access_record(*, by: User, school_id: int, pupil_id: int, what: str) -> None:
    AccessEvent.objects.create(actor_id=by.pk, school_id=school_id, pupil_id=pupil_id, what=what)
