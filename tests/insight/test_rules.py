"""Each finding with hand-built data that triggers it and data that does not."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from sendreg.insight import rules
from sendreg.insight.rules import Cost, Duty, Meetings, NationalShares, PupilFacts, Targets

D = Decimal
DAY = dt.date(2025, 11, 12)


def pupils(count: int, **facts: object) -> list[PupilFacts]:
    """``count`` pupils alike but for their UPN."""
    return [PupilFacts(upn=f"{facts.get('status', 'N')}{n:03d}", **facts) for n in range(count)]  # type: ignore[arg-type]


def national(**shares: object) -> NationalShares:
    values: dict[str, object] = {
        "year": 2025, "phase": "secondary", "e_pct": D("5.3"), "k_pct": D("14.2"),
        "sen_pct": D("19.5"),
    }  # fmt: skip
    values.update(shares)
    return NationalShares(**values)  # type: ignore[arg-type]


def keys(found: list[rules.Finding]) -> list[str]:
    return [f.key for f in found]


# --- register_vs_national -------------------------------------------------------------------


def test_register_vs_national_triggers_when_well_above() -> None:
    roll = pupils(10, status="E") + pupils(14, status="K") + pupils(76)
    found = rules.finding_register_vs_national(roll, national())
    assert keys(found) == ["register_vs_national"]
    assert found[0].codes == ("E",) and "well above" in found[0].detail
    # And K at 0% against 14.2% is well below.
    assert rules.finding_register_vs_national(pupils(100), national(e_pct=None))[0].codes == ("K",)


def test_register_vs_national_quiet_when_close() -> None:
    roll = pupils(5, status="E") + pupils(14, status="K") + pupils(81)
    assert rules.finding_register_vs_national(roll, national()) == []
    assert rules.finding_register_vs_national(roll, None) == []
    assert rules.finding_register_vs_national([], national()) == []


def test_well_outside_needs_a_third_and_a_point() -> None:
    assert rules.well_outside(D("7.2"), D("5.3"))
    assert not rules.well_outside(D("7.0"), D("5.3"))
    # A third of a tiny figure is less than a point: not well outside.
    assert not rules.well_outside(D("1.5"), D("0.9"))


# --- needs_vs_national ----------------------------------------------------------------------


def test_needs_vs_national_triggers_for_an_over_represented_need() -> None:
    roll = pupils(8, status="E", needs=("ASD",)) + [
        PupilFacts("E900", status="E", needs=("SLCN",)),
        PupilFacts("E901", status="E", needs=("SEMH",)),
    ]
    found = rules.finding_needs_vs_national(roll, national(needs={("E", "ASD"): D("33.6")}))
    assert keys(found) == ["needs_vs_national"]
    assert found[0].codes == ("ASD",) and "over-represented" in found[0].title


def test_needs_vs_national_quiet_when_in_line_or_too_few() -> None:
    in_line = pupils(3, status="E", needs=("ASD",)) + pupils(7, status="E", needs=("SLCN",))
    shares = national(needs={("E", "ASD"): D("33.6")})
    assert rules.finding_needs_vs_national(in_line, shares) == []
    too_few = pupils(4, status="E", needs=("ASD",))
    assert rules.finding_needs_vs_national(too_few, shares) == []
    assert rules.finding_needs_vs_national(in_line, national()) == []


# --- low_attendance_without_plan --------------------------------------------------------------


@pytest.mark.parametrize(
    ("attendance", "flagged"),
    [(D("90"), True), (D("90.00"), True), (D("89.9"), True), (D("90.01"), False), (None, False)],
)
def test_low_attendance_at_or_below_90_without_a_plan(
    attendance: Decimal | None, flagged: bool
) -> None:
    pupil = PupilFacts("K001", status="K", needs=("SEMH",), attendance=attendance)
    found = rules.finding_low_attendance_without_plan([pupil])
    assert bool(found) is flagged
    if flagged:
        assert found[0].upns == ("K001",) and found[0].severity == rules.Severity.HIGH


def test_low_attendance_counts_the_monitoring_list_not_others_or_those_with_plans() -> None:
    watched = PupilFacts("N001", monitoring=True, attendance=D("85"))
    no_sen = PupilFacts("N002", attendance=D("70"))
    planned = PupilFacts("K001", status="K", attendance=D("80"), open_plan=True)
    found = rules.finding_low_attendance_without_plan([watched, no_sen, planned])
    assert found[0].upns == ("N001",)
    assert rules.finding_low_attendance_without_plan([no_sen, planned]) == []


# --- no_plan ---------------------------------------------------------------------------------


def test_no_plan_lists_pupils_on_the_register_without_an_open_plan() -> None:
    roll = [
        PupilFacts("E001", status="E"),
        PupilFacts("K001", status="K", open_plan=True),
        PupilFacts("N001"),
        PupilFacts("N002", monitoring=True),
    ]
    assert rules.finding_no_plan(roll)[0].upns == ("E001",)
    assert rules.finding_no_plan(roll[1:]) == []


# --- nsa_held_long ------------------------------------------------------------------------------


def test_nsa_held_for_more_than_a_term() -> None:
    long_ago = DAY - dt.timedelta(days=rules.NSA_LONG_DAYS + 1)
    just = DAY - dt.timedelta(days=rules.NSA_LONG_DAYS)
    roll = [
        PupilFacts("K001", status="K", needs=("NSA",), nsa_since=long_ago),
        PupilFacts("K002", status="K", needs=("NSA",), nsa_since=just),
        PupilFacts("K003", status="K", needs=("SEMH",), nsa_since=None),
    ]
    assert rules.finding_nsa_held_long(roll, day=DAY)[0].upns == ("K001",)
    assert rules.finding_nsa_held_long(roll[1:], day=DAY) == []


# --- needs_without_provision ---------------------------------------------------------------


def test_needs_without_provision_by_need_or_broad_area() -> None:
    roll = [
        PupilFacts("K001", status="K", needs=("SPLD", "SLCN")),
        PupilFacts("K002", status="K", needs=("SEMH",)),
        PupilFacts("N001", needs=()),
    ]
    catalogue = [Targets(needs=("SPLD",)), Targets(areas=("semh",))]
    found = rules.finding_needs_without_provision(roll, catalogue)
    assert found[0].codes == ("SLCN",)
    catalogue.append(Targets(areas=("communication",)))
    assert rules.finding_needs_without_provision(roll, catalogue) == []


# --- training_vs_needs ---------------------------------------------------------------------------


def test_training_vs_needs_largest_and_growing() -> None:
    now = (
        pupils(5, status="K", needs=("SEMH",))
        + [PupilFacts(f"A{n}", status="E", needs=("ASD",)) for n in range(4)]
        + [PupilFacts(f"S{n}", status="K", needs=("SPLD",)) for n in range(3)]
        + [PupilFacts(f"H{n}", status="K", needs=("HI",)) for n in range(2)]
    )
    before = [PupilFacts("H9", status="K", needs=("HI",))]
    found = rules.finding_training_vs_needs(now, ["semh", "ASD"], before)
    # SPLD is among the three largest; HI grew from 1 to 2.
    assert found[0].codes == ("SPLD", "HI")
    assert "growing" in found[0].detail
    trained = ["semh", "ASD", "cognition", "sensory"]
    assert rules.finding_training_vs_needs(now, trained, before) == []
    # Without a previous snapshot nothing counts as growing.
    assert rules.finding_training_vs_needs(now, ["semh", "ASD", "cognition"]) == []


# --- over_threshold --------------------------------------------------------------------------


def test_over_threshold_is_strictly_above() -> None:
    costs = [Cost("K001", D("6000.01")), Cost("K002", D("6000.00")), Cost("K003", D("10"))]
    found = rules.finding_over_threshold(costs, threshold=D("6000"))
    assert found[0].upns == ("K001",)
    assert rules.finding_over_threshold(costs[1:], threshold=D("6000")) == []


# --- overdue_reviews ------------------------------------------------------------------------------


def test_overdue_reviews_lists_pupils_and_kinds() -> None:
    duties = [
        Duty("K001", "plan_review", DAY - dt.timedelta(days=1)),
        Duty("E001", "ehc_annual_review", DAY - dt.timedelta(days=30)),
        Duty("E001", "ehc_review_paperwork", DAY - dt.timedelta(days=3)),
    ]
    found = rules.finding_overdue_reviews(duties)
    assert found[0].upns == ("E001", "K001")
    assert found[0].codes == ("ehc_annual_review", "ehc_review_paperwork", "plan_review")
    assert rules.finding_overdue_reviews([]) == []


# --- parents_not_met --------------------------------------------------------------------------


def test_parents_not_met_this_term() -> None:
    since = dt.date(2025, 9, 3)
    met = Meetings("K001", since, (dt.date(2025, 10, 1),))
    met_last_year = Meetings("K002", dt.date(2024, 1, 10), (dt.date(2025, 6, 1),))
    found = rules.finding_parents_not_met([met, met_last_year], per_year=3, day=DAY)
    assert found[0].upns == ("K002",)
    assert "autumn term" in found[0].detail
    assert rules.finding_parents_not_met([met], per_year=3, day=DAY) == []


# --- disproportionality -----------------------------------------------------------------------


def test_boys_over_represented() -> None:
    roll = (
        [PupilFacts(f"B{n}", gender="M", status="K") for n in range(6)]
        + [PupilFacts(f"b{n}", gender="M") for n in range(14)]
        + [PupilFacts(f"G{n}", gender="F", status="K") for n in range(2)]
        + [PupilFacts(f"g{n}", gender="F") for n in range(18)]
    )
    found = rules.finding_disproportionality(roll)
    assert [f.codes for f in found] == [("boys",)]
    assert "50.0% of the roll but 75.0% of the register" in found[0].detail


def test_no_disproportionality_when_alike_or_too_few() -> None:
    alike = (
        [PupilFacts(f"B{n}", gender="M", status="K") for n in range(5)]
        + [PupilFacts(f"b{n}", gender="M") for n in range(15)]
        + [PupilFacts(f"G{n}", gender="F", status="K") for n in range(5)]
        + [PupilFacts(f"g{n}", gender="F") for n in range(15)]
    )
    assert rules.finding_disproportionality(alike) == []
    few = [PupilFacts(f"B{n}", gender="M", status="K") for n in range(4)] + [
        PupilFacts(f"g{n}", gender="F") for n in range(20)
    ]
    assert rules.finding_disproportionality(few) == []


def test_summer_born_and_pupil_premium_over_represented() -> None:
    roll = (
        [PupilFacts(f"S{n}", birth_month=7, pupil_premium=True, status="K") for n in range(6)]
        + [PupilFacts(f"s{n}", birth_month=7, pupil_premium=True) for n in range(4)]
        + [PupilFacts(f"o{n}", birth_month=10, status="K") for n in range(2)]
        + [PupilFacts(f"p{n}", birth_month=10) for n in range(18)]
    )
    assert {f.codes[0] for f in rules.finding_disproportionality(roll)} == {
        "pupil_premium",
        "summer_born",
    }


def test_summer_born_is_april_to_august() -> None:
    assert [m for m in range(1, 13) if rules.is_summer_born(m)] == [4, 5, 6, 7, 8]


# --- all of them -----------------------------------------------------------------------------


def test_findings_most_serious_first_and_counts_for_every_key() -> None:
    roll = [
        PupilFacts("K001", status="K", attendance=D("90")),
        PupilFacts("N001"),
    ]
    found = rules.findings(rules.Inputs(day=DAY, pupils=roll, costs=[], duties=[], meetings=[]))
    assert keys(found) == ["low_attendance_without_plan", "no_plan"]
    counts = rules.finding_counts(found)
    assert set(counts) == {k.value for k in rules.Key}
    assert counts["no_plan"] == 1 and counts["over_threshold"] == 0


def test_questions_not_available_are_skipped() -> None:
    roll = [PupilFacts("K001", status="K", needs=("SPLD",), open_plan=True)]
    assert rules.findings(rules.Inputs(day=DAY, pupils=roll)) == []
    assert keys(rules.findings(rules.Inputs(day=DAY, pupils=roll, interventions=[]))) == [
        "needs_without_provision"
    ]
