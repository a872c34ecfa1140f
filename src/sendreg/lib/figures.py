"""Figures shown to people: percentages, and counts small enough to identify a child.

One rounding and one suppression rule for every page, export, pack and command.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

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


@dataclass(frozen=True)
class Suppressed:
    """A breakdown as it may be shown: None where a count is withheld."""

    cells: tuple[int | None, ...]
    total: int | None


def suppress_breakdown(cells: Sequence[int], total: int | None = None) -> Suppressed:
    """Withhold the small counts of a breakdown so that none can be worked out from the rest.

    Each count from 1 to 4 is withheld (primary suppression). A single withheld count
    could be recovered by subtracting the others from the total, so when exactly one
    is withheld the next smallest non-zero count is withheld with it (secondary
    suppression); if there is none to withhold, the total is withheld instead. The
    total itself is withheld when it is small.
    """
    hidden = [is_small(c) for c in cells]
    total_hidden = total is not None and is_small(total)
    if total is not None and not total_hidden and sum(hidden) == 1:
        others = [i for i, c in enumerate(cells) if not hidden[i] and c > 0]
        if others:
            hidden[min(others, key=lambda i: (cells[i], i))] = True
        else:
            total_hidden = True
    return Suppressed(
        cells=tuple(None if h else c for c, h in zip(cells, hidden, strict=True)),
        total=None if total_hidden else total,
    )
