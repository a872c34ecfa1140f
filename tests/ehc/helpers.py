"""Short ways to write EHC events in tests."""

from __future__ import annotations

import datetime as dt
import itertools

from sendreg.ehc.rules import Event

_ids = itertools.count(1)


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def ev(
    kind: str,
    on: str,
    *,
    meeting: str | None = None,
    invited: tuple[str | None, ...] = (),
    id: int | None = None,
) -> Event:
    """An event with a fresh id, in the order written (ids break ties on one day)."""
    return Event(
        kind=kind,
        on=d(on),
        id=next(_ids) if id is None else id,
        meeting_on=d(meeting) if meeting else None,
        invited=tuple(d(day) if day else None for day in invited),
    )
