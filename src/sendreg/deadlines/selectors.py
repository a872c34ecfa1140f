"""The one list of deadlines: every registered source's deadlines for a school, soonest first.

The page, ``sendreg deadlines``, the home panel, the calendar feed and the weekly email
all read the list here, so they always agree.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from sendreg.accounts.models import Membership, School, User
from sendreg.accounts.permissions import Permission
from sendreg.deadlines import rules
from sendreg.deadlines.models import CalendarFeed
from sendreg.lib.extensions import DEADLINE_SOURCES, Deadline


def kinds() -> dict[str, str]:
    """Every kind of deadline the installed apps yield, with its words, in the sources' order."""
    found: dict[str, str] = {}
    for source in DEADLINE_SOURCES:
        found.update(source.kinds)
    return found


def kind_label(kind: str) -> str:
    return kinds().get(kind, kind.replace("_", " ").capitalize())


def school_deadlines(
    school: School,
    today: dt.date,
    *,
    only_kinds: Collection[str] = (),
    only_statuses: Collection[str] = (),
) -> list[Deadline]:
    """The school's deadlines, soonest first, optionally of some kinds and statuses only.

    A source none of whose kinds are wanted is not asked at all.
    """
    found: list[Deadline] = []
    for source in DEADLINE_SOURCES:
        if only_kinds and not set(source.kinds) & set(only_kinds):
            continue
        found += source.collect(school, today)
    return rules.in_order(
        d
        for d in found
        if (not only_kinds or d.kind in only_kinds)
        and (not only_statuses or d.status in only_statuses)
    )


def attention(school: School, today: dt.date) -> list[Deadline]:
    """Overdue, or due within 14 days: the SENCO's home page and the weekly email.

    The same deadlines as filtering ``school_deadlines``; a source that can ask the
    database for only these (``DeadlineSource.attention``) is asked that way.
    """
    found: list[Deadline] = []
    for source in DEADLINE_SOURCES:
        found += (
            source.attention(school, today) if source.attention else source.collect(school, today)
        )
    return rules.in_order(d for d in found if rules.needs_attention(d))


@dataclass(frozen=True)
class Row:
    """One deadline as a page shows it."""

    deadline: Deadline
    kind_label: str

    @property
    def status_label(self) -> str:
        return rules.DeadlineStatus(self.deadline.status).label

    @property
    def urgent(self) -> bool:
        return rules.needs_attention(self.deadline)


def rows(deadlines: Iterable[Deadline]) -> list[Row]:
    labels = kinds()
    return [Row(d, labels.get(d.kind, d.kind)) for d in deadlines]


# --- Calendar feeds ------------------------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def live_feed(user: User) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).first()


def feed_get(pk: int, token: str) -> CalendarFeed | None:
    """The live feed with this id whose token matches, compared in constant time; else None."""
    feed = (
        CalendarFeed.objects.filter(pk=pk, revoked_at__isnull=True, user__is_active=True)
        .select_related("user")
        .first()
    )
    given = token_hash(token)
    if feed is None:
        # Compare anyway, so that an unknown id takes as long as a wrong token.
        hmac.compare_digest(given, "0" * 64)
        return None
    return feed if hmac.compare_digest(given, feed.token_hash) else None


def feed_memberships(user: User) -> list[Membership]:
    """The schools whose deadlines a person's feed carries: those where they may see the list,
    as their roles stand when the calendar asks (a changed role changes the feed)."""
    return [
        m
        for m in Membership.objects.filter(user=user).select_related("school")
        if m.can(Permission.DEADLINES_VIEW)
    ]
