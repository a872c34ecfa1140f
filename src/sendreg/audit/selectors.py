from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Protocol

from django.db.models import QuerySet

from sendreg.accounts.models import Membership, School
from sendreg.accounts.permissions import Permission
from sendreg.audit.models import AuditEvent


class HasPk(Protocol):
    """A pupil, or anything else the trail knows by id (audit sits below the pupils app)."""

    pk: int
    school_id: int


def events_for_pupil(pupil: HasPk) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(school_id=pupil.school_id, pupil_id=pupil.pk)


def events_for_school(
    school: School,
    *,
    type: str = "",
    actor: str = "",
    pupil: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.filter(school_id=school.pk)
    if type:
        events = events.filter(type=type)
    if actor:
        events = events.filter(actor_label__icontains=actor)
    if pupil:
        events = events.filter(pupil_label__icontains=pupil)
    if since:
        events = events.filter(at__date__gte=since)
    if until:
        events = events.filter(at__date__lte=until)
    return events


#: How a contact's address reads in the history for those who may not see a protected one.
ADDRESS_HIDDEN = "(not shown: only the SENCO sees addresses in the history)"


def events_as_read_by(membership: Membership, events: Iterable[AuditEvent]) -> list[AuditEvent]:
    """The events with contact addresses hidden from anyone who may not see a protected one.

    An address audited before it was protected stays in the append-only trail, and
    a removed contact can no longer say whether it was protected, so every contact
    address is hidden here, at display time. The rows themselves are not changed.
    """
    events = list(events)
    if membership.can(Permission.PROTECTED_ADDRESS_VIEW):
        return events
    for event in events:
        if event.target_model == "pupils.contact":
            for values in (event.old, event.new):
                if "address" in values:
                    values["address"] = ADDRESS_HIDDEN
    return events
