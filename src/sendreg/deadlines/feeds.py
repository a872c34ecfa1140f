"""A person's deadlines as an iCalendar file, for Outlook or Google Calendar to subscribe to.

The feed leaves sendreg for a calendar service the school does not run, so it carries as
little as it can: each event is the kind of deadline and the pupil's initials, never
their name, UPN or any detail, with a link back into sendreg (which asks for a login).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable

from django.utils import timezone
from icalendar import Calendar, Event

from sendreg.deadlines import rules
from sendreg.lib.extensions import Deadline

PRODUCT = "-//sendreg//deadlines//EN"
CALENDAR_NAME = "sendreg deadlines"
DESCRIPTION = "{status}. Open sendreg for the details: {url}"


def _uid(urn: str, deadline: Deadline) -> str:
    """Stable while the deadline keeps its date, so a calendar updates rather than duplicates."""
    key = f"{urn}|{deadline.kind}|{deadline.pupil_id or ''}|{deadline.due.isoformat()}"
    return f"{hashlib.sha256(key.encode()).hexdigest()[:32]}@sendreg"


def calendar_bytes(
    deadlines: Iterable[tuple[str, Deadline]],
    *,
    labels: dict[str, str],
    site_url: str,
    now: dt.datetime | None = None,
) -> bytes:
    """``deadlines`` as (school URN, deadline) pairs; open ones only, as all-day events."""
    stamp = (now or timezone.now()).astimezone(dt.UTC)
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", CALENDAR_NAME)
    for urn, deadline in deadlines:
        if deadline.status not in rules.OPEN_STATUSES:
            continue
        label = labels.get(deadline.kind, deadline.kind)
        url = site_url.rstrip("/") + (deadline.url or "/deadlines/")
        event = Event()
        event.add("uid", _uid(urn, deadline))
        event.add("dtstamp", stamp)
        event.add("dtstart", deadline.due)
        event.add("dtend", deadline.due + dt.timedelta(days=1))
        event.add("summary", rules.outside_summary(label=label, name=deadline.name))
        status = rules.DeadlineStatus(deadline.status).label
        event.add("description", DESCRIPTION.format(status=status, url=url))
        event.add("url", url)
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    return bytes(calendar.to_ical())
