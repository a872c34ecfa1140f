"""Pure rules of the SEN register: values in, a decision or a named message out.

Nothing here touches the database or a request, so the same rule serves the
forms, the services, the imports and the census check. Tests assert on the
message constants.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from django.core.exceptions import ValidationError

from sendreg import codes
from sendreg.codes import NSA, SenProvision

NEED_CODE_UNKNOWN = "{code!r} is not a need type. The need types are: {valid}."
NSA_REQUIRES_SEN_SUPPORT = (
    "NSA (no specialist assessment of the type of need) can only be used with SEN support (K)."
)
NSA_STANDS_ALONE = (
    "NSA means the type of need has not been assessed yet, so it cannot be recorded "
    "beside other need types."
)
PRIMARY_NEED_REQUIRED = (
    "A pupil with an EHC plan (E) or on SEN support (K) needs a primary need type."
)
NEED_RANKS_UNIQUE = "Two needs cannot share rank {rank}."
NEED_RANKS_CONSECUTIVE = "Needs must be ranked 1, 2, 3 and so on without gaps."
NEED_REPEATED = "{code} is recorded more than once."
NEEDS_WITHOUT_SEN = "A pupil who is not on the SEN register cannot have need types recorded."
STATUS_UNKNOWN = "{status!r} is not an SEN status. Use E (EHC plan) or K (SEN support)."
STATUS_START_TOO_LATE = (
    "The change cannot take effect on {start:%d/%m/%Y}: that is after the next census "
    "({census:%d/%m/%Y}). Record it nearer the time."
)
STATUS_START_BEFORE_HISTORY = (
    "The change cannot take effect on {start:%d/%m/%Y}: the record already has a change "
    "from {latest:%d/%m/%Y}. Choose that date or later."
)
NOT_ON_REGISTER = "This pupil is not on the SEN register, so there is nothing to remove."
NOTHING_CHANGED = "Nothing was changed: the status and needs are as they already were."


def _valid_codes_text() -> str:
    return ", ".join(str(n) for n in codes.need_types())


def validate_needs(*, status: str | None, needs: Sequence[str]) -> None:
    """Check ranked needs (rank 1 first) against the status they go with.

    ``status`` is E or K for a pupil on the register and None for one who is not.
    Raises a ValidationError listing every problem found.
    """
    errors: list[str] = []
    valid = codes.need_codes()
    for code in needs:
        if code not in valid:
            errors.append(NEED_CODE_UNKNOWN.format(code=code, valid=_valid_codes_text()))
    seen: set[str] = set()
    for code in needs:
        if code in seen:
            errors.append(NEED_REPEATED.format(code=code))
        seen.add(code)
    if status is None:
        if needs:
            errors.append(NEEDS_WITHOUT_SEN)
    elif status not in codes.ON_REGISTER:
        errors.append(STATUS_UNKNOWN.format(status=status))
    else:
        if not needs:
            errors.append(PRIMARY_NEED_REQUIRED)
        if NSA in needs:
            if status != SenProvision.SEN_SUPPORT:
                errors.append(NSA_REQUIRES_SEN_SUPPORT)
            if len(needs) > 1:
                errors.append(NSA_STANDS_ALONE)
    if errors:
        raise ValidationError(errors)


def validate_ranks(ranks: Iterable[int]) -> None:
    """Ranks given explicitly (as by an import or a form) are unique and run 1, 2, 3..."""
    ranks = list(ranks)
    shared = sorted({r for r in ranks if ranks.count(r) > 1})
    if shared:
        raise ValidationError(NEED_RANKS_UNIQUE.format(rank=shared[0]))
    if sorted(ranks) != list(range(1, len(ranks) + 1)):
        raise ValidationError(NEED_RANKS_CONSECUTIVE)


def validate_change_date(
    *, start: dt.date, next_census: dt.date, latest_change: dt.date | None
) -> None:
    """A status change may be dated up to the next census, and not before the last change."""
    if start > next_census:
        raise ValidationError(STATUS_START_TOO_LATE.format(start=start, census=next_census))
    if latest_change is not None and start < latest_change:
        raise ValidationError(STATUS_START_BEFORE_HISTORY.format(start=start, latest=latest_change))


# --- Census dates -----------------------------------------------------------------


class Term(StrEnum):
    AUTUMN = "autumn"
    SPRING = "spring"
    SUMMER = "summer"

    @property
    def label(self) -> str:
        return f"{self.value.capitalize()} census"


def nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    """The ``n``th ``weekday`` (Monday is 0) of a month."""
    first = dt.date(year, month, 1)
    offset = (weekday - first.weekday()) % 7
    return first + dt.timedelta(days=offset + 7 * (n - 1))


THURSDAY = 3


@dataclass(frozen=True, order=True)
class CensusDay:
    date: dt.date
    term: Term
    #: The academic year by its first calendar year: 2025 is 2025/26.
    academic_year: int

    @property
    def label(self) -> str:
        return f"{self.term.label} {self.academic_year}/{(self.academic_year + 1) % 100:02d}"


Overrides = Mapping[tuple[int, Term], dt.date]


def census_days(academic_year: int, overrides: Overrides | None = None) -> list[CensusDay]:
    """The three census days of an academic year: the first Thursday of October, the third
    Thursday of January and the third Thursday of May, unless a date is overridden."""
    overrides = overrides or {}
    computed = {
        Term.AUTUMN: nth_weekday(academic_year, 10, THURSDAY, 1),
        Term.SPRING: nth_weekday(academic_year + 1, 1, THURSDAY, 3),
        Term.SUMMER: nth_weekday(academic_year + 1, 5, THURSDAY, 3),
    }
    return [
        CensusDay(overrides.get((academic_year, term), day), term, academic_year)
        for term, day in computed.items()
    ]


def academic_year_of(day: dt.date) -> int:
    return day.year if day.month >= 9 else day.year - 1


def census_days_around(day: dt.date, overrides: Overrides | None = None) -> list[CensusDay]:
    year = academic_year_of(day)
    return sorted(
        d for y in (year - 1, year, year + 1, year + 2) for d in census_days(y, overrides)
    )


def next_census(day: dt.date, overrides: Overrides | None = None) -> CensusDay:
    """The first census on or after ``day``."""
    return next(c for c in census_days_around(day, overrides) if c.date >= day)


def previous_census(day: dt.date, overrides: Overrides | None = None) -> CensusDay:
    """The last census strictly before ``day``."""
    return [c for c in census_days_around(day, overrides) if c.date < day][-1]


def upcoming_censuses(
    day: dt.date, count: int = 3, overrides: Overrides | None = None
) -> list[CensusDay]:
    return [c for c in census_days_around(day, overrides) if c.date >= day][:count]


# --- Census status ----------------------------------------------------------------


@dataclass(frozen=True)
class Episode:
    """A stretch on the register: ``start`` inclusive, ``end`` exclusive (None: still on)."""

    status: str
    start: dt.date
    end: dt.date | None = None

    def covers(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


def census_status(episodes: Iterable[Episode], *, census: dt.date, previous: dt.date) -> str | None:
    """The provision a pupil carries in the census on ``census``: E, K, N or None.

    E or K when an episode covers the census day. N when the pupil came off the
    register after the previous census (``previous``) and by this one: the N entry
    is used only for the first census after the removal. None otherwise: the
    pupil is simply not on the register, and the return counts them as N.
    """
    episodes = sorted(episodes, key=lambda e: e.start)
    for episode in episodes:
        if episode.covers(census):
            return episode.status
    ended = [e for e in episodes if e.end is not None and e.end <= census]
    if ended and previous < max(e.end for e in ended if e.end) <= census:
        return SenProvision.NO_SEN
    return None
