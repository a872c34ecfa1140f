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


def suppress_lines(
    counts: Sequence[int], lines: Sequence[Sequence[int]]
) -> tuple[int | Withheld, ...]:
    """Withhold the small counts among ``counts``, and enough others that none of them can be
    worked out from what is shown.

    Each line is the positions of counts bound by a sum that may be known: a breakdown with
    its total, a row of a table whose last column is the sum of two others, a column of a
    table whose total is shown elsewhere. Each count from 1 to 4 is withheld (primary
    suppression). A line with exactly one withheld count gives it away by subtraction, so
    the smallest other non-zero count in that line is withheld with it (secondary
    suppression), and the lines are looked at again until none has exactly one: withholding
    a count in one line can leave another line with one.
    """
    shown: list[int | Withheld] = [Withheld.SMALL if is_small(c) else c for c in counts]
    changed = True
    while changed:
        changed = False
        for line in lines:
            withheld = [i for i in line if isinstance(shown[i], Withheld)]
            if len(withheld) != 1:
                continue
            others = [i for i in line if not isinstance(shown[i], Withheld) and counts[i] > 0]
            if others:
                shown[min(others, key=lambda i: (counts[i], i))] = Withheld.SECONDARY
                changed = True
    return tuple(shown)


def suppress_breakdown(cells: Sequence[int], total: int | None = None) -> Suppressed:
    """Withhold the small counts of a breakdown so that none can be worked out from the rest.

    ``suppress_lines`` with one line, the cells and their total: a single withheld count
    takes the next smallest non-zero count with it, or the total when there is none; the
    total itself is withheld when it is small. Without a total, only the small counts.
    """
    if total is None:
        return Suppressed(cells=suppress_lines(cells, []), total=0)
    *shown, total_shown = suppress_lines([*cells, total], [range(len(cells) + 1)])
    return Suppressed(cells=tuple(shown), total=total_shown)
