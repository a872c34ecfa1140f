"""The SEN register's pure rules: no database, values in, a decision or a named message out."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from sendreg.register import rules
from sendreg.register.rules import Episode, Term, census_status

D = dt.date


def messages_of(exc: pytest.ExceptionInfo[ValidationError]) -> list[str]:
    return exc.value.messages


# --- validate_needs -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "needs"),
    [
        ("K", ["SEMH"]),
        ("K", ["SEMH", "SLCN"]),
        ("K", ["SEMH", "SLCN", "ASD", "MLD"]),
        ("E", ["ASD"]),
        ("E", ["ASD", "OTH"]),
        ("K", ["NSA"]),
        (None, []),
    ],
)
def test_valid_needs_pass(status: str | None, needs: list[str]) -> None:
    rules.validate_needs(status=status, needs=needs)


def test_nsa_rejected_without_sen_support() -> None:
    with pytest.raises(ValidationError) as exc:
        rules.validate_needs(status="E", needs=["NSA"])
    assert messages_of(exc) == [rules.NSA_REQUIRES_SEN_SUPPORT]


def test_nsa_accepted_with_sen_support() -> None:
    rules.validate_needs(status="K", needs=["NSA"])


@pytest.mark.parametrize("needs", [["NSA", "SEMH"], ["SEMH", "NSA"]])
def test_nsa_cannot_sit_beside_other_needs(needs: list[str]) -> None:
    with pytest.raises(ValidationError) as exc:
        rules.validate_needs(status="K", needs=needs)
    assert messages_of(exc) == [rules.NSA_STANDS_ALONE]


def test_nsa_with_ehc_plan_and_other_needs_reports_both_problems() -> None:
    with pytest.raises(ValidationError) as exc:
        rules.validate_needs(status="E", needs=["NSA", "ASD"])
    assert messages_of(exc) == [rules.NSA_REQUIRES_SEN_SUPPORT, rules.NSA_STANDS_ALONE]


@pytest.mark.parametrize("status", ["E", "K"])
def test_pupil_on_register_needs_a_primary_need(status: str) -> None:
    with pytest.raises(ValidationError) as exc:
        rules.validate_needs(status=status, needs=[])
    assert messages_of(exc) == [rules.PRIMARY_NEED_REQUIRED]


def test_unknown_need_code_lists_the_valid_ones() -> None:
    with pytest.raises(ValidationError) as exc:
        rules.validate_needs(status="K", needs=["DYS"])
    [message] = messages_of(exc)
    assert message.startswith("'DYS' is not a need type.")
    assert "SPLD – Specific learning difficulty" in message
    assert "NSA – SEN support but no specialist assessment of type of need" in message


def test_down_syndrome_code_is_switched_off_until_enabled(settings: object) -> None:
    with pytest.raises(ValidationError) as exc:
        rules.validate_needs(status="K", needs=["DS"])
    [message] = messages_of(exc)
    assert message.startswith("'DS' is not a need type.")
    assert "Down syndrome" not in message

    settings.SENDREG_ENABLE_NEED_TYPES = ["DS"]  # type: ignore[attr-defined]
    rules.validate_needs(status="K", needs=["DS"])


def test_need_code_recorded_twice_is_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        rules.validate_needs(status="K", needs=["SEMH", "SLCN", "SEMH"])
    assert messages_of(exc) == [rules.NEED_REPEATED.format(code="SEMH")]


def test_needs_refused_for_pupil_not_on_register() -> None:
    with pytest.raises(ValidationError) as exc:
        rules.validate_needs(status=None, needs=["SEMH"])
    assert messages_of(exc) == [rules.NEEDS_WITHOUT_SEN]


@pytest.mark.parametrize("status", ["N", "S", "X"])
def test_status_other_than_e_or_k_is_refused(status: str) -> None:
    with pytest.raises(ValidationError) as exc:
        rules.validate_needs(status=status, needs=["SEMH"])
    assert messages_of(exc) == [rules.STATUS_UNKNOWN.format(status=status)]


# --- validate_ranks ---------------------------------------------------------------------


@pytest.mark.parametrize("ranks", [[], [1], [1, 2], [2, 1, 3]])
def test_consecutive_unique_ranks_pass(ranks: list[int]) -> None:
    rules.validate_ranks(ranks)


@pytest.mark.parametrize(("ranks", "shared"), [([1, 1], 1), ([1, 2, 2], 2), ([1, 3, 3, 2, 2], 2)])
def test_two_needs_cannot_share_a_rank(ranks: list[int], shared: int) -> None:
    with pytest.raises(ValidationError) as exc:
        rules.validate_ranks(ranks)
    assert messages_of(exc) == [rules.NEED_RANKS_UNIQUE.format(rank=shared)]


@pytest.mark.parametrize("ranks", [[2], [1, 3], [0, 1], [2, 3, 4]])
def test_ranks_must_run_from_one_without_gaps(ranks: list[int]) -> None:
    with pytest.raises(ValidationError) as exc:
        rules.validate_ranks(ranks)
    assert messages_of(exc) == [rules.NEED_RANKS_CONSECUTIVE]


# --- validate_change_date ---------------------------------------------------------------

NEXT_CENSUS = D(2026, 1, 15)


@pytest.mark.parametrize(
    ("start", "latest"),
    [
        (D(2025, 11, 12), None),
        (NEXT_CENSUS, None),
        (D(2025, 11, 12), D(2025, 11, 12)),
        (D(2025, 12, 1), D(2025, 9, 4)),
        (D(2024, 1, 1), None),
    ],
)
def test_change_dated_up_to_next_census_and_after_history_passes(
    start: dt.date, latest: dt.date | None
) -> None:
    rules.validate_change_date(start=start, next_census=NEXT_CENSUS, latest_change=latest)


def test_change_dated_after_next_census_is_refused() -> None:
    start = NEXT_CENSUS + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        rules.validate_change_date(start=start, next_census=NEXT_CENSUS, latest_change=None)
    assert messages_of(exc) == [rules.STATUS_START_TOO_LATE.format(start=start, census=NEXT_CENSUS)]
    assert "16/01/2026" in messages_of(exc)[0]


def test_change_dated_before_latest_change_is_refused() -> None:
    latest = D(2025, 11, 1)
    start = D(2025, 10, 31)
    with pytest.raises(ValidationError) as exc:
        rules.validate_change_date(start=start, next_census=NEXT_CENSUS, latest_change=latest)
    assert messages_of(exc) == [
        rules.STATUS_START_BEFORE_HISTORY.format(start=start, latest=latest)
    ]


# --- census days ------------------------------------------------------------------------


def test_census_days_of_2025_26() -> None:
    days = rules.census_days(2025)
    assert [(d.term, d.date) for d in days] == [
        (Term.AUTUMN, D(2025, 10, 2)),
        (Term.SPRING, D(2026, 1, 15)),
        (Term.SUMMER, D(2026, 5, 21)),
    ]
    assert [d.label for d in days] == [
        "Autumn census 2025/26",
        "Spring census 2025/26",
        "Summer census 2025/26",
    ]


@pytest.mark.parametrize("year", range(2018, 2040))
def test_census_days_are_first_and_third_thursdays(year: int) -> None:
    autumn, spring, summer = (d.date for d in rules.census_days(year))
    assert all(d.weekday() == rules.THURSDAY for d in (autumn, spring, summer))
    assert (autumn.year, autumn.month) == (year, 10) and 1 <= autumn.day <= 7
    assert (spring.year, spring.month) == (year + 1, 1) and 15 <= spring.day <= 21
    assert (summer.year, summer.month) == (year + 1, 5) and 15 <= summer.day <= 21


def test_override_replaces_only_its_own_term() -> None:
    overrides = {(2025, Term.AUTUMN): D(2025, 10, 9)}
    days = rules.census_days(2025, overrides)
    assert [d.date for d in days] == [D(2025, 10, 9), D(2026, 1, 15), D(2026, 5, 21)]
    # An override for 2025/26 leaves 2026/27 alone.
    assert rules.census_days(2026, overrides)[0].date == D(2026, 10, 1)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2025, 10, 1), D(2025, 10, 2)),
        (D(2025, 10, 2), D(2025, 10, 2)),  # the census day itself is the next census
        (D(2025, 10, 3), D(2026, 1, 15)),
        (D(2026, 1, 15), D(2026, 1, 15)),
        (D(2026, 1, 16), D(2026, 5, 21)),
        (D(2026, 5, 21), D(2026, 5, 21)),
        (D(2026, 5, 22), D(2026, 10, 1)),
        (D(2026, 8, 31), D(2026, 10, 1)),
        (D(2026, 9, 1), D(2026, 10, 1)),
    ],
)
def test_next_census_on_boundary_days(day: dt.date, expected: dt.date) -> None:
    assert rules.next_census(day).date == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2025, 10, 2), D(2025, 5, 15)),  # strictly before: not the census day itself
        (D(2025, 10, 3), D(2025, 10, 2)),
        (D(2026, 1, 15), D(2025, 10, 2)),
        (D(2026, 1, 16), D(2026, 1, 15)),
        (D(2026, 5, 22), D(2026, 5, 21)),
    ],
)
def test_previous_census_on_boundary_days(day: dt.date, expected: dt.date) -> None:
    assert rules.previous_census(day).date == expected


def test_next_census_honours_an_override() -> None:
    overrides = {(2025, Term.AUTUMN): D(2025, 10, 9)}
    assert rules.next_census(D(2025, 10, 3), overrides).date == D(2025, 10, 9)
    assert rules.previous_census(D(2025, 10, 3), overrides).date == D(2025, 5, 15)


def test_upcoming_censuses_start_with_today_on_a_census_day() -> None:
    days = rules.upcoming_censuses(D(2026, 1, 15), 3)
    assert [d.date for d in days] == [D(2026, 1, 15), D(2026, 5, 21), D(2026, 10, 1)]


# --- census_status and the N entry ------------------------------------------------------

PREVIOUS = D(2025, 10, 2)
CENSUS = D(2026, 1, 15)
NEXT = D(2026, 5, 21)


def n_due(episodes: list[Episode], census: dt.date = CENSUS, previous: dt.date = PREVIOUS) -> bool:
    return rules.n_entry_due(episodes, census=census, previous=previous)


@pytest.mark.parametrize("status", ["E", "K"])
def test_pupil_covered_on_census_day_carries_their_status(status: str) -> None:
    episodes = [Episode(status, D(2025, 9, 4))]
    assert census_status(episodes, census=CENSUS) == status
    assert not n_due(episodes)


def test_episode_starting_on_census_day_counts() -> None:
    assert census_status([Episode("K", CENSUS)], census=CENSUS) == "K"


def test_episode_starting_after_census_day_does_not_count() -> None:
    episodes = [Episode("K", CENSUS + dt.timedelta(days=1))]
    assert census_status(episodes, census=CENSUS) == "N"
    assert not n_due(episodes)


def test_pupil_never_on_register_is_returned_as_n_with_no_n_entry() -> None:
    # N means "No SEN": every pupil on roll who is not E or K.
    assert census_status([], census=CENSUS) == "N"
    assert not n_due([])


def test_removed_between_censuses_is_n_with_an_n_entry_due() -> None:
    episodes = [Episode("K", D(2025, 9, 4), D(2025, 12, 1))]
    assert census_status(episodes, census=CENSUS) == "N"
    assert n_due(episodes)


def test_removed_on_census_day_is_n_that_census() -> None:
    # The end is exclusive: an episode ending on census day does not cover it.
    episodes = [Episode("K", D(2025, 9, 4), CENSUS)]
    assert census_status(episodes, census=CENSUS) == "N"
    assert n_due(episodes)


def test_removed_the_day_after_previous_census_has_an_n_entry_due() -> None:
    assert n_due([Episode("K", D(2025, 9, 4), PREVIOUS + dt.timedelta(days=1))])


def test_removed_on_previous_census_day_had_its_n_entry_then() -> None:
    # Removed on 2 Oct: the N entry is for the 2 Oct census, not the January one.
    episodes = [Episode("K", D(2025, 9, 4), PREVIOUS)]
    assert n_due(episodes, census=PREVIOUS, previous=D(2025, 5, 15))
    assert not n_due(episodes)
    assert census_status(episodes, census=CENSUS) == "N"


def test_n_entry_is_only_for_the_first_census_after_removal() -> None:
    episodes = [Episode("K", D(2025, 9, 4), D(2025, 12, 1))]
    assert not n_due(episodes, census=NEXT, previous=CENSUS)
    assert census_status(episodes, census=NEXT) == "N"


def test_removal_after_census_day_leaves_status_at_census() -> None:
    episodes = [Episode("E", D(2025, 9, 4), D(2026, 2, 1))]
    assert census_status(episodes, census=CENSUS) == "E"
    assert not n_due(episodes)
    assert n_due(episodes, census=NEXT, previous=CENSUS)


def test_k_to_e_on_census_day_gives_e() -> None:
    episodes = [Episode("K", D(2025, 9, 4), CENSUS), Episode("E", CENSUS)]
    assert census_status(episodes, census=CENSUS) == "E"
    assert not n_due(episodes)


def test_k_to_e_between_censuses_gives_e_and_no_n_entry() -> None:
    episodes = [Episode("E", D(2025, 12, 1)), Episode("K", D(2025, 9, 4), D(2025, 12, 1))]
    assert census_status(episodes, census=CENSUS) == "E"
    assert not n_due(episodes)


def test_removed_then_added_again_before_census_is_k_and_no_n_entry() -> None:
    # One rule: such a pupil is returned as K and is not also said to carry N.
    episodes = [Episode("K", D(2025, 9, 4), D(2025, 11, 1)), Episode("K", D(2025, 12, 1))]
    assert census_status(episodes, census=CENSUS) == "K"
    assert not n_due(episodes)


def test_added_again_then_removed_again_has_an_n_entry_due() -> None:
    episodes = [
        Episode("K", D(2024, 9, 4), D(2025, 3, 1)),
        Episode("E", D(2025, 11, 1), D(2025, 12, 1)),
    ]
    assert census_status(episodes, census=CENSUS) == "N"
    assert n_due(episodes)


def test_removed_long_ago_then_readded_after_census_has_no_n_entry() -> None:
    episodes = [Episode("K", D(2024, 9, 4), D(2025, 3, 1)), Episode("K", D(2026, 2, 1))]
    assert census_status(episodes, census=CENSUS) == "N"
    assert not n_due(episodes)


@st.composite
def episode_histories(draw: st.DrawFn) -> list[Episode]:
    """Non-overlapping episodes, as the service keeps them: gaps, same-day changes, an open end."""
    day = D(2024, 9, 1) + dt.timedelta(days=draw(st.integers(0, 200)))
    episodes = []
    for _ in range(draw(st.integers(0, 5))):
        status = draw(st.sampled_from(["E", "K"]))
        length = draw(st.integers(1, 250))
        end = day + dt.timedelta(days=length)
        episodes.append(Episode(status, day, end))
        day = end + dt.timedelta(days=draw(st.integers(0, 120)))
    if episodes and draw(st.booleans()):
        last = episodes[-1]
        episodes[-1] = Episode(last.status, last.start, None)
    return draw(st.permutations(episodes))


census_days_2024_to_2027 = [d for y in range(2024, 2028) for d in rules.census_days(y)]


@given(episodes=episode_histories(), census=st.sampled_from(census_days_2024_to_2027[1:]))
def test_census_status_property(episodes: list[Episode], census: rules.CensusDay) -> None:
    previous = rules.previous_census(census.date).date
    result = census_status(episodes, census=census.date)
    due = rules.n_entry_due(episodes, census=census.date, previous=previous)
    covering = [e for e in episodes if e.covers(census.date)]
    starts = {e.start for e in episodes}
    removed_since_previous = [
        e
        for e in episodes
        if e.end is not None and e.end not in starts and previous < e.end <= census.date
    ]

    assert result in {"E", "K", "N"}
    assert len(covering) <= 1
    if covering:
        # Whoever is on the register on census day carries that status, whatever came before.
        assert result == covering[0].status
        assert not due
    else:
        assert result == "N"
        assert due == bool(removed_since_previous)
    # Order of the episodes does not matter.
    assert census_status(sorted(episodes, key=lambda e: e.start), census=census.date) == result


@given(
    start=st.dates(D(2024, 6, 1), D(2027, 3, 1)),
    length=st.integers(1, 400),
    status=st.sampled_from(["E", "K"]),
)
def test_one_removal_gives_an_n_entry_at_exactly_one_census(
    start: dt.date, length: int, status: str
) -> None:
    end = start + dt.timedelta(days=length)
    episodes = [Episode(status, start, end)]
    pairs = list(zip(census_days_2024_to_2027, census_days_2024_to_2027[1:], strict=False))
    dues = [rules.n_entry_due(episodes, census=c.date, previous=p.date) for p, c in pairs]
    statuses = [census_status(episodes, census=c.date) for _, c in pairs]
    if pairs[0][0].date < end <= pairs[-1][1].date:
        assert dues.count(True) == 1
        n_at = dues.index(True)
        # From the N entry on, the pupil is returned as N; before it, as E/K or N.
        assert set(statuses[n_at:]) == {"N"}
        assert set(statuses[:n_at]) <= {status, "N"}
    else:
        assert True not in dues
