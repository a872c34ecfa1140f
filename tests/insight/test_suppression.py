"""The analysis's tables of groups, as governors and advisers see them: no withheld count
can be worked out from what is shown, down a column (its total is shown above it) or
across a row (E and K add up to all with SEN). Issue 7, point 18. No database."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

from sendreg.insight.presenters import _group_columns, trends
from sendreg.insight.selectors import GroupRow, TrendRow
from sendreg.lib.figures import Withheld


def groups(*rows: tuple[int, int, int]) -> list[GroupRow]:
    return [
        GroupRow(key=f"y{at}", label=f"Year {at}", roll=roll, e=e, k=k)
        for at, (roll, e, k) in enumerate(rows, start=7)
    ]


def lone_withheld(
    shown: tuple[list[int | Withheld], ...], truth: tuple[list[int | Withheld], ...]
) -> list[str]:
    """Every line with exactly one withheld count and another count shown that is not 0: one
    that subtraction gives away. (When all the others are 0, the withheld count is the
    line's whole sum, itself a small number, which is withheld wherever it is shown.)"""
    lines = {name: (column, counts) for name, column, counts in
             zip(("roll", "E", "K", "all"), shown, truth, strict=True)}  # fmt: skip
    for at in range(len(shown[0])):
        lines[f"row {at}"] = ([c[at] for c in shown[1:]], [c[at] for c in truth[1:]])
    return [
        name
        for name, (cells, counts) in lines.items()
        if sum(isinstance(c, Withheld) for c in cells) == 1
        and any(not isinstance(c, Withheld) and n for c, n in zip(cells, counts, strict=True))
    ]


def test_a_small_count_cannot_be_worked_out_across_its_row() -> None:
    # Year 7: E 2, K 10, all 12. Withholding the 2 alone, and a count in its column, left
    # 12 - 10 = 2 in plain sight.
    table = groups((150, 2, 10), (150, 6, 20), (150, 9, 30))
    _, es, ks, sens = _group_columns(table, suppress=True)
    assert es[0] == Withheld.SMALL
    assert isinstance(ks[0], Withheld) or isinstance(sens[0], Withheld)
    truth = _group_columns(table, suppress=False)
    assert lone_withheld(_group_columns(table, suppress=True), truth) == []


def test_nothing_is_withheld_for_those_who_may_see_every_figure() -> None:
    table = groups((150, 2, 10), (150, 6, 20))
    assert _group_columns(table, suppress=False) == ([150, 150], [2, 6], [10, 20], [12, 26])


@given(
    st.lists(
        st.tuples(st.integers(0, 12), st.integers(0, 12), st.integers(0, 200)).map(
            lambda t: (t[0] + t[1] + t[2], t[0], t[1])  # roll, E, K: the roll holds both
        ),
        min_size=1,
        max_size=7,
    )
)
def test_no_withheld_count_in_a_table_of_groups_can_be_worked_out(
    rows: list[tuple[int, int, int]],
) -> None:
    table = groups(*rows)
    shown = _group_columns(table, suppress=True)
    truth = _group_columns(table, suppress=False)
    for column, counts in zip(shown, truth, strict=True):
        for cell, count in zip(column, counts, strict=True):
            if 0 < count < 5:
                assert cell == Withheld.SMALL
            else:
                assert cell in (count, Withheld.SECONDARY)
    # And no line is left with just one withheld.
    assert lone_withheld(shown, truth) == []


def test_a_share_of_the_roll_does_not_give_a_small_count_away() -> None:
    # 3 of 200 is 1.5%: with the roll shown, the share is the count.
    points = [
        TrendRow(dt.date(2026, 1, 15), "census", roll=200, e=3, k=30, monitoring=0, findings=0),
        TrendRow(dt.date(2026, 5, 21), "census", roll=200, e=6, k=31, monitoring=0, findings=0),
    ]
    found = SimpleNamespace(trends=points)

    shown = trends(found, suppress=True)  # type: ignore[arg-type]
    assert [row[3:] for row in shown.rows] == [
        ("fewer than 5", "not shown, to protect a small count", "16.5%"),
        ("3.0%", "15.5%", "18.5%"),
    ]
    assert shown.chart is not None
    chart = str(shown.chart)
    assert ">All SEN 18.5%<" in chart and ">E " not in chart and ">K " not in chart

    everything = trends(found, suppress=False)  # type: ignore[arg-type]
    assert everything.rows[0][3:] == ("1.5%", "15.0%", "16.5%")
    assert ">E 3.0%<" in str(everything.chart)
