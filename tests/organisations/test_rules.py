"""Suppression of an organisation's figures: nothing from 1 to 4, nothing recoverable."""

from __future__ import annotations

import itertools

from sendreg.lib.figures import Withheld
from sendreg.organisations import rules


def _recoverable(lines: list, shown: dict) -> set:
    """Cells a reader could fill by subtracting the shown parts of a line from its total."""
    found = set()
    for parts, total in lines:
        hidden = [c for c in [*parts, total] if isinstance(shown[c], Withheld)]
        if len(hidden) == 1:
            found.add(hidden[0])
    return found


def test_small_counts_are_withheld_and_zero_is_shown() -> None:
    values = {"a": 3, "b": 0, "c": 40, "t": 43}
    shown = rules.suppress_lines(values, [(["a", "b", "c"], "t")])
    assert shown["a"] == Withheld.SMALL
    assert shown["b"] == 0
    # One gap would be filled by subtraction: the only other non-zero count goes with it.
    assert shown["c"] == Withheld.SECONDARY
    assert not _recoverable([(["a", "b", "c"], "t")], shown)


def test_a_single_gap_in_a_line_takes_the_smallest_other_count_with_it() -> None:
    values = {"a": 2, "b": 30, "c": 12, "t": 44}
    shown = rules.suppress_lines(values, [(["a", "b", "c"], "t")])
    assert shown == {"a": Withheld.SMALL, "b": 30, "c": Withheld.SECONDARY, "t": 44}


def test_nothing_is_withheld_when_every_count_is_five_or_more() -> None:
    shown = rules.organisation_shown([(200, 10, 30), (150, 5, 25)], [{}, {}])
    assert shown.total == rules.Register(350, 15, 55, 70)
    assert shown.total.ehc_pct is not None and str(shown.total.ehc_pct) == "4.3"
    assert [r.sen for r in shown.schools] == [40, 30]


def test_one_schools_small_count_cannot_be_worked_out_from_the_total() -> None:
    # School 0 has 3 EHC plans: withheld. Its row and the EHC column each need a second gap.
    shown = rules.organisation_shown([(200, 3, 30), (150, 12, 25), (180, 9, 20)], [{}, {}, {}])
    school = shown.schools[0]
    assert school.ehc == Withheld.SMALL
    assert school.ehc_pct is None
    ehc = [r.ehc for r in shown.schools] + [shown.total.ehc]
    assert sum(isinstance(c, Withheld) for c in ehc) >= 2
    row = [school.ehc, school.sen_support, school.roll]
    assert sum(isinstance(c, Withheld) for c in row) >= 2


def test_a_small_number_with_any_sen_withholds_the_no_sen_count_too() -> None:
    # 2 pupils with SEN: were the roll and no-SEN count shown, 2 = roll - no SEN.
    shown = rules.organisation_shown([(100, 0, 2), (120, 10, 20)], [{}, {}])
    school = shown.schools[0]
    assert school.sen_support == Withheld.SMALL
    assert school.sen == Withheld.SMALL
    assert school.sen_pct is None


def test_no_cell_of_the_joint_tables_is_left_alone_in_its_line() -> None:
    """Registers and needs together, over many shapes: every line has 0 or 2+ gaps."""
    registers = [(200, 3, 30), (150, 12, 1), (90, 0, 7), (300, 25, 40)]
    needs = [
        {("E", "ASD"): 2, ("E", "SEMH"): 1, ("K", "SLCN"): 20, ("K", "MLD"): 10},
        {("E", "ASD"): 12, ("K", "SPLD"): 1},
        {("K", "ASD"): 4, ("K", "SEMH"): 3},
        {("E", "ASD"): 20, ("E", "PD"): 5, ("K", "SLCN"): 30, ("K", "ASD"): 10},
    ]
    shown = rules.organisation_shown(registers, needs, ["SPLD", "MLD", "SEMH", "SLCN", "PD", "ASD"])
    # Rebuild what a reader sees and check every addition the page and the download state.
    seen: dict = {}
    for i, r in enumerate([*shown.schools, shown.total]):
        seen[("e", i)], seen[("k", i)], seen[("roll", i)] = r.ehc, r.sen_support, r.roll
        seen[("sen", i)] = r.sen
    for i, cells in enumerate(shown.school_needs):
        for (status, code), value in cells.items():
            seen[("need", i, status, code)] = value
    for line in shown.needs:
        seen[("need", "T", "E", line.code)] = line.ehc
        seen[("need", "T", "K", line.code)] = line.sen_support
    schools = range(len(registers))
    lines = [([(p, i) for i in schools], (p, len(registers))) for p in ("e", "k", "sen")]
    lines += [([("e", i), ("k", i)], ("sen", i)) for i in schools]
    codes = [line.code for line in shown.needs]
    for status, code in itertools.product("EK", codes):
        lines.append(([("need", i, status, code) for i in schools], ("need", "T", status, code)))
    for i, status in itertools.product(schools, "EK"):
        part = "e" if status == "E" else "k"
        lines.append(([("need", i, status, code) for code in codes], (part, i)))
    assert not _recoverable(lines, seen)
    assert all(not (isinstance(v, int) and 0 < v < 5) for v in seen.values()), (
        "a count from 1 to 4 is shown"
    )


def test_needs_are_ordered_by_the_census_order_then_unknown_codes() -> None:
    shown = rules.organisation_shown(
        [(100, 10, 10)], [{("E", "ASD"): 10, ("K", "SPLD"): 5, ("K", ""): 5}], ["SPLD", "ASD"]
    )
    assert [line.code for line in shown.needs] == ["SPLD", "ASD", ""]
    assert shown.needs_total.total == 20


def test_findings_are_counted_per_school_and_suppressed_down_each_column() -> None:
    columns = rules.findings_shown(
        [{"no_plan": 12, "over_threshold": 2}, None, {"no_plan": 30, "surprise": 7}]
    )
    by_key = {c.key: c for c in columns}
    assert list(by_key) == ["no_plan", "over_threshold", "surprise"]
    no_plan = by_key["no_plan"]
    assert no_plan.by_school == (12, None, 30)
    assert no_plan.total == 42 and no_plan.schools == 2
    assert no_plan.title == "On the register with no open support plan"
    over = by_key["over_threshold"]
    assert over.by_school[0] == Withheld.SMALL
    assert over.total == Withheld.SMALL
    assert by_key["surprise"].title == "Surprise"
