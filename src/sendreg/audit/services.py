from __future__ import annotations

from typing import Any

from django.db import models, transaction

from sendreg.accounts.models import User
from sendreg.audit.access import current_request
from sendreg.audit.append_only import audit_unlocked
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


def access_record(
    *, by: User, school_id: int, pupil_id: int | None, what: str, detail: str = ""
) -> AccessEvent:
    """Log a read of a pupil's record (or, with no pupil, of many records at once).

    The client's address and the request id come from the request being answered
    (``sendreg.audit.access``); outside a request they are left empty.
    """
    info = current_request()
    event = AccessEvent.objects.create(
        actor_id=by.pk,
        school_id=school_id,
        pupil_id=pupil_id,
        what=what,
        detail=detail,
        client_address=info.address if info else None,
        request_id=info.request_id if info else "",
    )
    if info is not None:
        info.logged = True
    return event


#: What an erased pupil's values read as in the audit trail.
ERASED = "(erased)"


def _erased_values(values: dict[str, Any]) -> dict[str, Any]:
    """The same keys (the trail still says what changed, and when), none of the values."""
    return {key: ERASED for key in values}


@transaction.atomic
def audit_events_anonymise(*, pupil_id: int, label: str) -> int:
    """Overwrite what the audit trail says about one pupil: their name, values and reasons.

    For erasure at the end of the retention period only (``privacy.services``). The
    events stay, with when, what kind, who and which record; the database lets these
    three columns change only inside ``audit_unlocked("erasure")`` (migration 0005).
    Returns the number of events anonymised.
    """
    events = list(AuditEvent.objects.filter(pupil_id=pupil_id).only("pk", "old", "new", "reason"))
    base = models.QuerySet(model=AuditEvent)
    with audit_unlocked("erasure"):
        for event in events:
            base.filter(pk=event.pk).update(
                pupil_label=label,
                old=_erased_values(event.old),
                new=_erased_values(event.new),
                reason=ERASED if event.reason else "",
                source="",
            )
    return len(events)


def account_change_record(
    sender: object,
    *,
    type: str,
    user: User,
    by: User | None,
    new: dict[str, Any],
    actor_label: str = "",
    **kwargs: object,
) -> None:
    """A change to someone's account (``accounts.signals.account_changed``), in the trail of
    each school they work in, inside the same transaction as the change."""
    for school_id in user.memberships.values_list("school_id", flat=True):
        audit_record(
            type=type,  # type: ignore[arg-type]
            school_id=school_id,
            target=user,
            by=by,
            new=new,
            actor_label=actor_label,
        )
