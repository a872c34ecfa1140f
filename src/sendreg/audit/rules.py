"""What counts as unusual access: a pure rule over one person's own history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

#: Days looked back on to learn what is usual for a person.
HISTORY_DAYS = 28
#: Days with any reads needed before a person's own history is the measure.
MIN_ACTIVE_DAYS = 5
#: A day is unusual when it is more than this many times the person's typical day...
FACTOR = 3
#: ...and more than this, so that 2 records instead of 1 is never "unusual".
PUPIL_FLOOR = 20
#: Until a person has enough history, more than this many pupils in a day is unusual.
PUPIL_NEW_LIMIT = 50
#: The same for downloads of whole lists (register exports, the register pack, census files).
DOWNLOAD_FLOOR = 3
DOWNLOAD_NEW_LIMIT = 5

UNUSUAL_PUPILS = (
    "Opened {count} pupils' records in the day; on a usual day they open about {typical}, "
    "so more than {limit} is unusual for them."
)
UNUSUAL_PUPILS_NEW = (
    "Opened {count} pupils' records in the day, with too little history to compare; "
    "more than {limit} in a day is unusual for anyone."
)
UNUSUAL_DOWNLOADS = (
    "Downloaded {count} whole lists in the day; on a usual day they download about "
    "{typical}, so more than {limit} is unusual for them."
)
UNUSUAL_DOWNLOADS_NEW = (
    "Downloaded {count} whole lists in the day, with too little history to compare; "
    "more than {limit} in a day is unusual for anyone."
)


@dataclass(frozen=True)
class Usual:
    """What a day looks like for one person: ``typical`` is None without enough history."""

    typical: int | None
    limit: int


def usual_day(
    history: Sequence[int],
    *,
    floor: int,
    new_limit: int,
    factor: int = FACTOR,
    min_active_days: int = MIN_ACTIVE_DAYS,
) -> Usual:
    """The person's usual day from their daily counts over the last ``HISTORY_DAYS``.

    Days with no reads (weekends, holidays, days off) say nothing about a usual day, so
    only active days count. The typical day is the median of those (the upper one of an
    even count), which one busy day cannot move far.
    """
    active = sorted(count for count in history if count > 0)
    if len(active) < min_active_days:
        return Usual(typical=None, limit=max(floor, new_limit))
    typical = active[len(active) // 2]
    return Usual(typical=typical, limit=max(floor, typical * factor))


def unusual_reason(count: int, usual: Usual, *, downloads: bool = False) -> str | None:
    """Why a day with ``count`` reads is unusual for this person, or None when it is not."""
    if count <= usual.limit:
        return None
    if usual.typical is None:
        template = UNUSUAL_DOWNLOADS_NEW if downloads else UNUSUAL_PUPILS_NEW
    else:
        template = UNUSUAL_DOWNLOADS if downloads else UNUSUAL_PUPILS
    return template.format(count=count, typical=usual.typical, limit=usual.limit)
