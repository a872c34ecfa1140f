"""Figures shown to people: percentages, and counts small enough to identify a child.

One rounding and one suppression rule for every page, export, pack and command.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

#: Counts from 1 up to this, less one, are not shown to those who see only aggregates.
SMALL_NUMBER = 5
FEWER_THAN = f"fewer than {SMALL_NUMBER}"


def percent(count: int, total: int) -> Decimal:
    """``count`` as a percentage of ``total`` to one decimal place, halves rounded up
    (as the DfE's tables do); 0 when there is no total."""
    if not total:
        return Decimal(0)
    return (Decimal(100) * count / total).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def is_small(count: int) -> bool:
    """A count that could identify a child: 1 to 4 (0 is shown: it identifies no one)."""
    return 0 < count < SMALL_NUMBER


class Withheld(StrEnum):
    #: A count from 1 to 4 (primary suppression).
    SMALL = FEWER_THAN
    #: A count withheld so that a small one cannot be worked out from it (secondary).
    SECONDARY = "not shown, to protect a small count"


@dataclass(frozen=True)
class Suppressed:
    """A breakdown as it may be shown: a ``Withheld`` marker where a count is withheld."""

    cells: tuple[int | Withheld, ...]
    total: int | Withheld


def suppress_breakdown(cells: Sequence[int], total: int | None = None) -> Suppressed:
    """Withhold the small counts of a breakdown so that none can be worked out from the rest.

    Each count from 1 to 4 is withheld (primary suppression). A single withheld count
    could be recovered by subtracting the others from the total, so when exactly one
    is withheld the next smallest non-zero count is withheld with it (secondary
    suppression); if there is none to withhold, the total is withheld instead. The
    total itself is withheld when it is small.
    """
    result: list[int | Withheld] = [Withheld.SMALL if is_small(c) else c for c in cells]
    total_shown: int | Withheld = total if total is not None else 0
    if total is not None and is_small(total):
        total_shown = Withheld.SMALL
    elif total is not None and result.count(Withheld.SMALL) == 1:
        others = [i for i, c in enumerate(result) if isinstance(c, int) and c > 0]
        if others:
            result[min(others, key=lambda i: (cells[i], i))] = Withheld.SECONDARY
        else:
            total_shown = Withheld.SECONDARY
    return Suppressed(cells=tuple(result), total=total_shown)
