"""The provision map's pure rules, checked against figures worked out by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from sendreg.provision import rules
from sendreg.provision.rules import Costing, Measure, Scores

D = Decimal


def costing(**overrides: object) -> Costing:
    values: dict[str, object] = {
        "hourly_rate": D("16.50"),
        "sessions_per_week": D(3),
        "minutes_per_session": 30,
        "weeks": 12,
        "group_size": 4,
        "resources_per_pupil": D(10),
    }
    values.update(overrides)
    return Costing(**values)  # type: ignore[arg-type]


# --- Cost and hours ---------------------------------------------------------------------------


def test_cost_of_a_place_in_a_group() -> None:
    # 16.50 × 3 × 30 ÷ 60 × 12 ÷ 4 = 74.25, plus 10.00 resources.
    assert rules.pupil_run_cost(costing()) == D("84.25")


def test_hours_are_what_each_pupil_receives_whatever_the_group_size() -> None:
    # 3 × 30 minutes × 12 weeks = 1,080 minutes.
    assert rules.run_hours(costing()) == D("18.00")
    assert rules.run_hours(costing(group_size=1)) == D("18.00")


def test_one_to_one_support_for_a_year() -> None:
    # 16.50 × 5 × 180 ÷ 60 × 38 ÷ 1 = 9,405.00: 15 hours a week for 38 weeks.
    one_to_one = costing(sessions_per_week=D(5), minutes_per_session=180, weeks=38, group_size=1,
                         resources_per_pupil=D(0))  # fmt: skip
    assert rules.pupil_run_cost(one_to_one) == D("9405.00")
    assert rules.run_hours(one_to_one) == D("570.00")


def test_fortnightly_sessions() -> None:
    # 50.00 × 0.5 × 60 ÷ 60 × 38 = 950.00.
    visits = costing(hourly_rate=D(50), sessions_per_week=D("0.5"), minutes_per_session=60,
                     weeks=38, group_size=1, resources_per_pupil=D(0))  # fmt: skip
    assert rules.pupil_run_cost(visits) == D("950.00")


def test_cost_is_rounded_once_to_the_penny_half_up() -> None:
    # 0.05 × 1 × 60 ÷ 60 × 1 ÷ 2 = 0.025 exactly: half up gives 0.03 (half even would give 0.02).
    tiny = costing(hourly_rate=D("0.05"), sessions_per_week=D(1), minutes_per_session=60, weeks=1,
                   group_size=2, resources_per_pupil=D(0))  # fmt: skip
    assert rules.pupil_run_cost(tiny) == D("0.03")
    # 10 × 1 × 1 ÷ 60 × 1 ÷ 3 = 0.0555…: one rounding at the end, not one per step.
    third = costing(hourly_rate=D(10), sessions_per_week=D(1), minutes_per_session=1, weeks=1,
                    group_size=3, resources_per_pupil=D(0))  # fmt: skip
    assert rules.pupil_run_cost(third) == D("0.06")


def test_exactly_at_the_threshold_is_not_over_it() -> None:
    # 20.00 × 5 × 60 ÷ 60 × 38 = 3,800.00, plus 2,200.00 resources: exactly 6,000.00.
    at = costing(hourly_rate=D(20), sessions_per_week=D(5), minutes_per_session=60, weeks=38,
                 group_size=1, resources_per_pupil=D(2200))  # fmt: skip
    cost = rules.pupil_run_cost(at)
    assert cost == D("6000.00")
    assert not rules.over_threshold(cost, rules.DEFAULT_TOPUP_THRESHOLD)
    assert rules.over_threshold(cost + D("0.01"), rules.DEFAULT_TOPUP_THRESHOLD)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("group_size", 0, rules.GROUP_SIZE_POSITIVE),
        ("sessions_per_week", D(0), rules.SESSIONS_POSITIVE),
        ("minutes_per_session", -5, rules.MINUTES_POSITIVE),
        ("weeks", 0, rules.WEEKS_POSITIVE),
        ("hourly_rate", D("-1"), rules.RATE_NOT_NEGATIVE),
        ("resources_per_pupil", D("-0.01"), rules.RESOURCES_NOT_NEGATIVE),
    ],
)
def test_costs_that_cannot_be_costed_are_named(field: str, value: object, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        rules.validate_costing(costing(**{field: value}))
    assert caught.value.message_dict == {field: [message]}


def test_free_provision_is_allowed() -> None:
    rules.validate_costing(costing(hourly_rate=D(0), resources_per_pupil=D(0)))


def test_pounds_are_shown_with_pence_and_commas() -> None:
    assert rules.format_pounds(D("10545")) == "£10,545.00"
    assert rules.format_pounds(D("0.5")) == "£0.50"
    assert rules.format_pounds(D("-12.345")) == "-£12.35"
    assert rules.format_pounds(None) == ""
    assert rules.money_text(D("10545")) == "10545.00"
    assert rules.money_text(None) is None


@given(
    rate=st.decimals(min_value=0, max_value=200, places=2),
    extra=st.decimals(min_value=D("0.01"), max_value=50, places=2),
    sessions=st.sampled_from([D("0.5"), D(1), D(2), D("2.5"), D(5)]),
    minutes=st.integers(min_value=1, max_value=300),
    weeks=st.integers(min_value=1, max_value=52),
    group=st.integers(min_value=1, max_value=30),
    resources=st.decimals(min_value=0, max_value=500, places=2),
)
def test_cost_never_falls_when_the_rate_rises(
    rate: Decimal, extra: Decimal, sessions: Decimal, minutes: int, weeks: int, group: int,
    resources: Decimal,
) -> None:  # fmt: skip
    base = Costing(rate, sessions, minutes, weeks, group, resources)
    dearer = Costing(rate + extra, sessions, minutes, weeks, group, resources)
    cost = rules.pupil_run_cost(base)
    assert cost >= resources
    assert cost == cost.quantize(D("0.01"))
    assert rules.pupil_run_cost(dearer) >= cost


# --- School years -----------------------------------------------------------------------------


def test_school_year_runs_from_september_to_august() -> None:
    assert rules.school_year_of(dt.date(2025, 9, 1)) == 2025
    assert rules.school_year_of(dt.date(2026, 8, 31)) == 2025
    assert rules.school_year_bounds(2025) == (dt.date(2025, 9, 1), dt.date(2026, 8, 31))
    assert rules.school_year_label(2025) == "2025/26"
    assert rules.school_year_label(2099) == "2099/00"


def test_a_run_across_two_school_years_is_costed_in_each_by_its_days() -> None:
    start, end = dt.date(2026, 7, 1), dt.date(2026, 9, 30)  # 92 days: 62 in 2025/26, 30 after
    assert rules.days_between(start, end) == 92
    assert rules.days_in_school_year(start, end, 2025) == 62
    assert rules.days_in_school_year(start, end, 2026) == 30
    assert rules.days_in_school_year(start, end, 2027) == 0
    # 100.00 × 62 ÷ 92 = 67.391… and 100.00 × 30 ÷ 92 = 32.608…
    assert rules.in_school_year(D("100.00"), start=start, end=end, year=2025) == D("67.39")
    assert rules.in_school_year(D("100.00"), start=start, end=end, year=2026) == D("32.61")
    assert not rules.overlaps_school_year(start, end, 2027)


def test_a_run_inside_one_school_year_counts_in_full() -> None:
    start, end = dt.date(2025, 9, 8), dt.date(2025, 12, 12)
    assert rules.in_school_year(D("84.25"), start=start, end=end, year=2025) == D("84.25")


@given(
    start=st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 1, 1)),
    length=st.integers(min_value=0, max_value=800),
    cost=st.decimals(min_value=0, max_value=20000, places=2),
)
def test_shares_of_a_run_add_up_to_its_cost_within_a_penny_a_year(
    start: dt.date, length: int, cost: Decimal
) -> None:
    end = start + dt.timedelta(days=length)
    years = range(rules.school_year_of(start), rules.school_year_of(end) + 1)
    shares = [rules.in_school_year(cost, start=start, end=end, year=y) for y in years]
    assert sum(rules.days_in_school_year(start, end, y) for y in years) == length + 1
    assert abs(sum(shares) - cost) <= D("0.01") * len(shares)


def test_end_before_start_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        rules.validate_dates(dt.date(2025, 9, 10), dt.date(2025, 9, 9))
    assert caught.value.message_dict == {
        "end_date": [
            rules.END_BEFORE_START.format(start=dt.date(2025, 9, 10), end=dt.date(2025, 9, 9))
        ]
    }


def test_a_pupils_dates_fall_within_the_run() -> None:
    run = {"run_start": dt.date(2025, 9, 8), "run_end": dt.date(2025, 12, 12)}
    rules.validate_pupil_dates(start=dt.date(2025, 10, 1), end=dt.date(2025, 12, 12), **run)
    with pytest.raises(ValidationError) as caught:
        rules.validate_pupil_dates(start=dt.date(2025, 9, 1), end=dt.date(2025, 12, 12), **run)
    assert caught.value.messages == [
        rules.PUPIL_OUTSIDE_RUN.format(start=dt.date(2025, 9, 8), end=dt.date(2025, 12, 12))
    ]


# --- Impact -----------------------------------------------------------------------------------


def test_impact_of_a_run_where_one_pupil_has_no_exit_score() -> None:
    scores = [
        Scores(entry=D(80), exit=D(86), target=D(88)),
        Scores(entry=D(90), exit=D(95), target=D(95)),
        Scores(entry=D(100), exit=D(106), target=D(100)),
        Scores(entry=D(85), exit=None, target=D(90)),
    ]
    impact = rules.impact(scores, [D("84.25")] * 4)
    # Counted in the pupils, left out of the gain.
    assert impact.pupils == 4
    assert impact.pupils_with_scores == 3
    # Gains 6, 5, 6: mean 5.666…; sample SD √(((1/3)² + (2/3)² + (1/3)²) ÷ 2) = √(1/3) = 0.577…
    assert impact.mean_gain == D("5.67")
    assert impact.sd_gain == D("0.58")
    # Entry scores 80, 90, 100 (not the fourth pupil's 85): sample SD 10, so 5.666… ÷ 10.
    assert impact.sd_entry == D("10.00")
    assert impact.effect_size == D("0.57")
    assert impact.effect_size_note == ""
    # Targets met: 95 ≥ 95 and 106 ≥ 100, not 86 ≥ 88; the fourth pupil has no exit score.
    assert (impact.met_target, impact.with_target) == (2, 3)
    assert impact.met_target_share == D("0.67")
    # Four places at 84.25: 337.00, so 84.25 a pupil, and 84.25 ÷ 5.666… = 14.867… a point.
    assert impact.total_cost == D("337.00")
    assert impact.cost_per_pupil == D("84.25")
    assert impact.cost_per_point == D("14.87")


def test_one_pupil_with_scores_has_a_gain_but_no_spread() -> None:
    impact = rules.impact([Scores(D(90), D(96)), Scores(D(88), None)], [D(50), D(50)])
    assert impact.mean_gain == D("6.00")
    assert impact.sd_gain is None
    assert impact.effect_size is None
    assert impact.effect_size_note == rules.NOT_ENOUGH_SCORES


def test_no_scores_at_all() -> None:
    impact = rules.impact([Scores(None, None), Scores(D(90), None)], [D(50), D(50)])
    assert impact.pupils == 2
    assert impact.pupils_with_scores == 0
    assert impact.mean_gain is None
    assert impact.effect_size is None
    assert impact.effect_size_note == rules.NOT_ENOUGH_SCORES
    assert impact.cost_per_point is None
    assert impact.met_target_share is None
    assert not impact.measured


def test_no_pupils_at_all() -> None:
    impact = rules.impact([], [])
    assert impact.pupils == 0
    assert impact.cost_per_pupil is None
    assert impact.total_cost == D(0)


def test_entry_scores_all_the_same_give_no_effect_size() -> None:
    impact = rules.impact([Scores(D(90), D(95)), Scores(D(90), D(97))], [D(10), D(10)])
    assert impact.sd_entry == D("0.00")
    assert impact.effect_size is None
    assert impact.effect_size_note == rules.ENTRY_SCORES_SAME


def test_no_progress_has_no_cost_per_point() -> None:
    impact = rules.impact([Scores(D(90), D(88)), Scores(D(80), D(80))], [D(60), D(60)])
    assert impact.mean_gain == D("-1.00")
    assert impact.effect_size == D("-0.14")  # -1 ÷ 7.07…
    assert impact.cost_per_point is None


@given(st.lists(st.tuples(st.integers(40, 160), st.integers(-20, 20)), min_size=2, max_size=30))
def test_effect_size_is_the_mean_gain_over_the_spread_of_entry_scores(
    pairs: list[tuple[int, int]],
) -> None:
    scores = [Scores(D(entry), D(entry + gain)) for entry, gain in pairs]
    impact = rules.impact(scores, [D(1)] * len(scores))
    entries = [D(e) for e, _ in pairs]
    if len(set(entries)) == 1:
        assert impact.effect_size is None
        return
    mean_gain = sum(D(g) for _, g in pairs) / len(pairs)
    sd = rules.sample_sd(entries)
    assert sd is not None
    assert impact.effect_size == rules.hundredths(mean_gain / sd)


# --- Measures ---------------------------------------------------------------------------------


def test_scores_must_fit_the_measure() -> None:
    rules.validate_scores(
        measure=Measure.STANDARDISED, low=None, high=None,
        scores={"entry_score": D(85), "exit_score": D(160)},
    )  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        rules.validate_scores(
            measure=Measure.STANDARDISED, low=None, high=None,
            scores={"entry_score": D(850), "exit_score": None},
        )  # fmt: skip
    assert caught.value.message_dict == {
        "entry_score": ["The entry score 850 is outside the range 40 to 160."]
    }


def test_a_named_scale_uses_its_own_range() -> None:
    with pytest.raises(ValidationError) as caught:
        rules.validate_scores(
            measure=Measure.SCALE, low=D(0), high=D(10),
            scores={"entry_score": D(3), "exit_score": D("10.5"), "target_score": D(-1)},
        )  # fmt: skip
    assert caught.value.message_dict == {
        "exit_score": ["The exit score 10.5 is outside the range 0 to 10."],
        "target_score": ["The target score -1 is outside the range 0 to 10."],
    }
    # A scale with no range takes any score.
    rules.validate_scores(measure=Measure.SCALE, low=None, high=None,
                          scores={"entry_score": D(-40)})  # fmt: skip


def test_an_unmeasured_intervention_takes_no_scores() -> None:
    with pytest.raises(ValidationError) as caught:
        rules.validate_scores(
            measure=Measure.NONE, low=None, high=None, scores={"exit_score": D(3)}
        )
    assert caught.value.message_dict == {"exit_score": [rules.TARGET_WITHOUT_MEASURE]}
    rules.validate_scores(measure=Measure.NONE, low=None, high=None, scores={"exit_score": None})


def test_a_named_scale_needs_a_name_and_a_range_that_goes_up() -> None:
    with pytest.raises(ValidationError) as caught:
        rules.validate_measure(Measure.SCALE, " ", D(10), D(5))
    assert caught.value.message_dict == {
        "scale_name": [rules.SCALE_NEEDS_NAME],
        "scale_max": [rules.SCALE_RANGE_ORDER],
    }
    with pytest.raises(ValidationError) as caught:
        rules.validate_measure(Measure.STANDARDISED, "Boxall", None, None)
    assert caught.value.message_dict == {"scale_name": [rules.SCALE_ONLY]}


# --- Needs and training -------------------------------------------------------------------------


def test_an_intervention_targets_a_need_directly_or_by_its_broad_area() -> None:
    assert rules.targets_need(need="SPLD", need_area="cognition", target_needs=["SPLD"],
                              target_areas=[])  # fmt: skip
    assert rules.targets_need(need="MLD", need_area="cognition", target_needs=[],
                              target_areas=["cognition"])  # fmt: skip
    assert not rules.targets_need(need="SEMH", need_area="semh", target_needs=["SPLD"],
                                  target_areas=["cognition"])  # fmt: skip
    assert rules.area_of("SLCN") == "communication"
    assert rules.area_of("XYZ") == ""


def test_targets_are_need_codes_or_broad_areas() -> None:
    rules.validate_targets(["SPLD", "ASD"], ["semh"])
    with pytest.raises(ValidationError) as caught:
        rules.validate_targets(["DYSLEXIA"], [])
    assert caught.value.message_dict == {
        "need_codes": [rules.TARGET_UNKNOWN.format(value="DYSLEXIA")]
    }
    with pytest.raises(ValidationError):
        rules.validate_targets([], ["none"])
    assert rules.targets_label(["SPLD", "MLD"], ["semh"]) == (
        "SPLD, MLD, Social, emotional and mental health"
    )


def test_need_areas_for_training_are_areas_or_need_types() -> None:
    assert rules.need_area_label("SPLD") == "SPLD – Specific learning difficulty"
    assert rules.need_area_label("communication") == "Communication and interaction"
    rules.validate_need_area("semh")
    rules.validate_need_area("HI")
    with pytest.raises(ValidationError) as caught:
        rules.validate_need_area("dyslexia")
    assert caught.value.message_dict == {
        "need_area": [rules.TRAINING_AREA_UNKNOWN.format(area="dyslexia")]
    }


def test_a_trainee_is_chosen_or_named_not_both() -> None:
    rules.validate_trainee(has_user=True, name="")
    rules.validate_trainee(has_user=False, name="Visiting specialist")
    with pytest.raises(ValidationError) as caught:
        rules.validate_trainee(has_user=True, name="Someone")
    assert caught.value.message_dict == {"name": [rules.TRAINING_WHO_TWICE]}
    with pytest.raises(ValidationError) as caught:
        rules.validate_trainee(has_user=False, name="  ")
    assert caught.value.message_dict == {"name": [rules.TRAINING_WHO_MISSING]}


def test_threshold_must_be_positive() -> None:
    rules.validate_threshold(D("0.01"))
    with pytest.raises(ValidationError) as caught:
        rules.validate_threshold(D(0))
    assert caught.value.messages == [rules.THRESHOLD_POSITIVE]
