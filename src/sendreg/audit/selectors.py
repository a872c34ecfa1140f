from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from sendreg.accounts.models import School
from sendreg.audit.models import AuditEvent
from sendreg.pupils.models import Pupil


def events_for_pupil(pupil: Pupil) -> QuerySet[AuditEvent]:
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
