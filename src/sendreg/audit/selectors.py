from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import TruncDate
from django.utils import timezone

from sendreg.accounts.models import Membership, School, User
from sendreg.accounts.permissions import Permission
from sendreg.audit import rules
from sendreg.audit.access import what_label
from sendreg.audit.models import AccessEvent, AuditEvent
from sendreg.lib.compiled import compiled


class HasPk(Protocol):
    """A pupil, or anything else the trail knows by id (audit sits below the pupils app)."""

    pk: int
    school_id: int


def events_for_pupil(pupil: HasPk) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(school_id=pupil.school_id, pupil_id=pupil.pk)


#: How many of a pupil's latest events their page shows: the audit trail, filtered to the
#: pupil, has them all. A record kept for years runs to hundreds; the page stays the same size.
PUPIL_PAGE_EVENTS = 20


@compiled
def _pupil_events(school_id: int, pupil_id: int) -> QuerySet[AuditEvent]:
    # One more than is shown, to know whether there are older ones.
    return AuditEvent.objects.filter(school_id=school_id, pupil_id=pupil_id)[
        : PUPIL_PAGE_EVENTS + 1
    ]


@dataclass(frozen=True)
class LatestEvents:
    events: list[AuditEvent]
    #: Older events exist than those in ``events``.
    more: bool


def pupil_history(pupil: HasPk) -> LatestEvents:
    """The pupil's latest ``PUPIL_PAGE_EVENTS`` events, newest first: the pupil's page."""
    rows = _pupil_events(pupil.school_id, pupil.pk)
    return LatestEvents(events=rows[:PUPIL_PAGE_EVENTS], more=len(rows) > PUPIL_PAGE_EVENTS)


def events_for_school(
    school: School,
    *,
    type: str = "",
    actor: str = "",
    pupil: str = "",
    pupil_id: int | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.filter(school_id=school.pk)
    if pupil_id is not None:
        events = events.filter(pupil_id=pupil_id)
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


# --- The access log ------------------------------------------------------------------------


@dataclass(frozen=True)
class AccessRow:
    at: dt.datetime
    who: str
    what: str
    detail: str
    address: str


def with_actor(events: QuerySet[AccessEvent]) -> QuerySet[AccessEvent]:
    """The events with the actor's name and email, in the same query."""
    user = User.objects.filter(pk=OuterRef("actor_id"))
    return events.annotate(
        actor_name=Subquery(user.values("name")[:1]),
        actor_email=Subquery(user.values("email")[:1]),
    )


def _row(event: AccessEvent) -> AccessRow:
    name, email = getattr(event, "actor_name", None), getattr(event, "actor_email", None)
    who = f"{name} ({email})" if email else f"A removed account (no. {event.actor_id})"
    return AccessRow(
        at=event.at,
        who=who,
        what=what_label(event.what),
        detail=event.detail,
        address=event.client_address or "unknown",
    )


#: How many of the latest reads of a pupil's record their page lists.
READS_SHOWN = 25


def pupil_access(pupil: HasPk) -> list[AccessRow]:
    """The latest reads of one pupil's record, newest first, in one query (compiled once: every
    pupil's page shows them)."""
    return [_row(e) for e in _latest_reads(pupil.school_id, pupil.pk)]


@compiled
def _latest_reads(school_id: int, pupil_id: int) -> QuerySet[AccessEvent]:
    events = AccessEvent.objects.filter(school_id=school_id, pupil_id=pupil_id)
    return with_actor(events)[:READS_SHOWN]


def bulk_reads(school: School, *, limit: int = 50) -> list[AccessRow]:
    """The latest downloads of whole lists (exports, the register pack, census files)."""
    events = AccessEvent.objects.filter(school_id=school.pk, pupil_id__isnull=True)
    return [_row(e) for e in with_actor(events)[:limit]]


@dataclass(frozen=True)
class UnusualDay:
    day: dt.date
    who: str
    pupils: int
    downloads: int
    reasons: tuple[str, ...]


def unusual_access(school: School, *, today: dt.date, days: int = 14) -> list[UnusualDay]:
    """Each person's days, among the last ``days``, that were unusual for them.

    One query counts each person's pupils opened and lists downloaded per day over the
    report's days and the history before them; the rule (``audit.rules``) does the rest.
    """
    first = today - dt.timedelta(days=days - 1)
    since = first - dt.timedelta(days=rules.HISTORY_DAYS)
    start = timezone.make_aware(dt.datetime.combine(since, dt.time.min))
    counts = (
        AccessEvent.objects.filter(school_id=school.pk, at__gte=start)
        .annotate(day=TruncDate("at"))
        .values("actor_id", "day")
        .annotate(
            pupils=Count("pupil_id", distinct=True),
            downloads=Count("id", filter=Q(pupil_id__isnull=True)),
        )
        .order_by()
    )
    by_actor: dict[int, dict[dt.date, tuple[int, int]]] = defaultdict(dict)
    for row in counts:
        by_actor[row["actor_id"]][row["day"]] = (row["pupils"], row["downloads"])
    found: list[tuple[int, UnusualDay]] = []
    for actor_id, per_day in by_actor.items():
        for day, (pupils, downloads) in per_day.items():
            if day < first or day > today:
                continue
            history = [
                per_day.get(day - dt.timedelta(days=back), (0, 0))
                for back in range(1, rules.HISTORY_DAYS + 1)
            ]
            reasons = [
                reason
                for reason in (
                    rules.unusual_reason(
                        pupils,
                        rules.usual_day(
                            [p for p, _ in history],
                            floor=rules.PUPIL_FLOOR,
                            new_limit=rules.PUPIL_NEW_LIMIT,
                        ),
                    ),
                    rules.unusual_reason(
                        downloads,
                        rules.usual_day(
                            [d for _, d in history],
                            floor=rules.DOWNLOAD_FLOOR,
                            new_limit=rules.DOWNLOAD_NEW_LIMIT,
                        ),
                        downloads=True,
                    ),
                )
                if reason
            ]
            if reasons:
                found.append((actor_id, UnusualDay(day, "", pupils, downloads, tuple(reasons))))
    names = {
        u.pk: f"{u.name} ({u.email})"
        for u in User.objects.filter(pk__in={actor_id for actor_id, _ in found})
    }
    return sorted(
        (
            UnusualDay(
                d.day,
                names.get(actor_id, f"A removed account (no. {actor_id})"),
                d.pupils,
                d.downloads,
                d.reasons,
            )
            for actor_id, d in found
        ),
        key=lambda d: (d.day, d.pupils + d.downloads),
        reverse=True,
    )
