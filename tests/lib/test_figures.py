from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sendreg.lib.dates import DueStatus, due_status
from sendreg.lib.figures import Withheld, percent, suppress_breakdown


def test_percent_rounds_halves_up_to_one_place() -> None:
    assert percent(1, 8) == Decimal("12.5")
    assert percent(1, 16) == Decimal("6.3")  # 6.25 rounds up, as the DfE's tables do
    assert percent(0, 0) == Decimal(0)


def test_a_single_small_cell_cannot_be_recovered_from_the_total() -> None:
    # 53 on the register, 3 with an EHC plan: hiding the 3 alone leaves 53 - 50 = 3.
    shown = suppress_breakdown([3, 50], total=53)
    assert shown.cells == (Withheld.SMALL, Withheld.SECONDARY) and shown.total == 53
    # The second is not said to be small: it is not.
    assert str(shown.cells[1]) == "not shown, to protect a small count"


def test_the_next_smallest_cell_is_withheld_with_a_lone_small_one() -> None:
    shown = suppress_breakdown([1, 40, 12, 0], total=53)
    assert shown.cells == (Withheld.SMALL, 40, Withheld.SECONDARY, 0)


def test_when_nothing_else_can_be_withheld_the_total_is() -> None:
    shown = suppress_breakdown([2, 0, 0], total=2)
    assert shown.cells == (Withheld.SMALL, 0, 0) and shown.total == Withheld.SMALL
    shown = suppress_breakdown([3, 0], total=3)
    assert shown.total == Withheld.SMALL
    shown = suppress_breakdown([7, 0], total=7)
    assert shown.cells == (7, 0) and shown.total == 7


@given(st.lists(st.integers(0, 30), min_size=1, max_size=8))
def test_no_withheld_count_can_be_worked_out_by_subtraction(cells: list[int]) -> None:
    total = sum(cells)
    shown = suppress_breakdown(cells, total=total)
    hidden = [i for i, c in enumerate(shown.cells) if isinstance(c, Withheld)]
    assert all(shown.cells[i] == Withheld.SMALL for i, c in enumerate(cells) if 0 < c < 5)
    if isinstance(shown.total, int):
        # With the total shown, never exactly one hidden cell (it would be total - the rest).
        assert len(hidden) != 1


@pytest.mark.parametrize(
    ("days", "status"),
    [(-1, DueStatus.OVERDUE), (0, DueStatus.DUE_SOON), (14, DueStatus.DUE_SOON),
     (15, DueStatus.UPCOMING)],
)  # fmt: skip
def test_one_rule_for_when_something_is_due(days: int, status: DueStatus) -> None:
    today = dt.date(2026, 2, 28)
    assert due_status(today + dt.timedelta(days=days), today=today) == status
    assert due_status(today, today=today, done=True) == DueStatus.DONE
