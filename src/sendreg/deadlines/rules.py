"""The rules of the one list of deadlines: where a dated duty stands, and how it is shown.

Pure functions of values: no database, no request. Every deadline source in sendreg
works out a duty's status with ``deadline_status``, so that "overdue" and "due soon"
mean the same on every page, in the command line, the calendar feed and the email.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sendreg.lib.dates import ATTENTION_STATUSES, DUE_SOON_DAYS, DueStatus, due_status
from sendreg.lib.extensions import Deadline

#: A duty falls "due soon" when its date is at most this many days away: sendreg's one
#: window, ``lib.dates.DUE_SOON_DAYS``.
SOON_DAYS = DUE_SOON_DAYS
#: A duty met this recently still shows in the list (as done), so that the SENCO sees it land.
RECENTLY_DONE_DAYS = 30


#: Done, overdue, due soon or upcoming: sendreg's one status for every dated duty.
DeadlineStatus = DueStatus
#: The statuses that still ask for something to be done.
OPEN_STATUSES = frozenset(
    {DeadlineStatus.OVERDUE, DeadlineStatus.DUE_SOON, DeadlineStatus.UPCOMING}
)


_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip


def long_date(day: dt.date) -> str:
    """3 March 2026: a date as a parent writes it, in every message and detail.

    The same as Django's ``date_format(day, "j F Y")`` in British English, without its
    locale lookups: the deadline list writes thousands of these.
    """
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def deadline_status(*, due: dt.date, today: dt.date, done: bool = False) -> DeadlineStatus:
    """Where a dated duty stands on ``today``: sendreg's one rule, ``lib.dates.due_status``.

    ``done`` once the event that meets it is recorded, whatever the date; otherwise
    ``overdue`` from the day after its date, ``due_soon`` from ``SOON_DAYS`` days before it
    up to and including the day itself, and ``upcoming`` before that.
    """
    return due_status(due, today=today, done=done)


def still_listed(*, done_on: dt.date | None, today: dt.date) -> bool:
    """Whether a duty belongs in the list: every open one, and those met in the last 30 days."""
    return done_on is None or done_on >= today - dt.timedelta(days=RECENTLY_DONE_DAYS)


def sort_key(deadline: Deadline) -> tuple[dt.date, str, str, str]:
    """Soonest first; on one day, by kind, then by pupil (school-wide duties first)."""
    return (deadline.due, deadline.kind, deadline.name, deadline.upn)


def in_order(deadlines: Iterable[Deadline]) -> list[Deadline]:
    return sorted(deadlines, key=sort_key)


def needs_attention(deadline: Deadline) -> bool:
    """Overdue, or due within ``SOON_DAYS`` days: what the SENCO's home page and the email show."""
    return deadline.status in ATTENTION_STATUSES


def initials(name: str) -> str:
    """ "Maisie Young" as "M.Y.": how a pupil is named outside sendreg (calendars, email)."""
    letters = [part[0].upper() for part in name.replace("-", " ").split() if part[:1].isalpha()]
    return "".join(f"{letter}." for letter in letters)


FEED_SUMMARY = "{label}: {who}"
FEED_SUMMARY_SCHOOL = "{label}"


def outside_summary(*, label: str, name: str) -> str:
    """One deadline's title in a calendar or an email: its kind, and the pupil's initials only.

    A calendar feed and an email leave sendreg for services the school does not run, so
    they carry no pupil's name, UPN or detail: the initials and the link to sendreg are
    enough for the SENCO to know whose it is.
    """
    if not name:
        return FEED_SUMMARY_SCHOOL.format(label=label)
    return FEED_SUMMARY.format(label=label, who=initials(name))
