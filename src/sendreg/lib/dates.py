from __future__ import annotations

import calendar
import datetime as dt
from enum import StrEnum

from django.utils import timezone


def today() -> dt.date:
    """Today in the school's time zone (Europe/London)."""
    return timezone.localdate()


# --- When something is due --------------------------------------------------------------

#: A review, plan or duty is "due soon" from this many days before its date.
DUE_SOON_DAYS = 14


class DueStatus(StrEnum):
    DONE = "done"
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    UPCOMING = "upcoming"

    @property
    def label(self) -> str:
        return {
            DueStatus.DONE: "Done",
            DueStatus.OVERDUE: "Overdue",
            DueStatus.DUE_SOON: f"Due within {DUE_SOON_DAYS} days",
            DueStatus.UPCOMING: "Upcoming",
        }[self]


#: Overdue, or due soon: what needs attention (the home page, the weekly email).
ATTENTION_STATUSES = frozenset({DueStatus.OVERDUE, DueStatus.DUE_SOON})


def due_status(due: dt.date, *, today: dt.date, done: bool = False) -> DueStatus:
    """The one rule for every dated duty in sendreg (reviews, EHC deadlines, expiries):
    done once met; overdue after its date; due soon from ``DUE_SOON_DAYS`` before it
    (its own day included); otherwise upcoming."""
    if done:
        return DueStatus.DONE
    if due < today:
        return DueStatus.OVERDUE
    if due <= today + dt.timedelta(days=DUE_SOON_DAYS):
        return DueStatus.DUE_SOON
    return DueStatus.UPCOMING


def due_soon_until(day: dt.date) -> dt.date:
    """The last date that counts as due soon on ``day``: for "due by" filters in SQL."""
    return day + dt.timedelta(days=DUE_SOON_DAYS)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (earlier, when negative); a day the month lacks is its
    last (29 Feb → 28 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))
