"""What counts as unusual access: each person's day against their own usual day."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sendreg.audit import rules
from sendreg.audit.rules import Usual, unusual_reason, usual_day

histories = st.lists(st.integers(min_value=0, max_value=500), max_size=rules.HISTORY_DAYS)


def pupils(history: list[int]) -> Usual:
    return usual_day(history, floor=rules.PUPIL_FLOOR, new_limit=rules.PUPIL_NEW_LIMIT)


def test_a_usual_day_is_the_middle_of_the_active_days() -> None:
    # Days off say nothing; one busy day does not move the typical day.
    usual = pupils([0, 4, 0, 6, 5, 0, 200, 5, 0])
    assert usual == Usual(typical=5, limit=rules.PUPIL_FLOOR)
    assert pupils([10, 12, 11, 12, 13, 0, 0]) == Usual(typical=12, limit=36)


def test_with_too_little_history_the_limit_for_anyone_applies() -> None:
    assert pupils([40, 40, 40, 40]) == Usual(typical=None, limit=rules.PUPIL_NEW_LIMIT)
    assert unusual_reason(50, pupils([])) is None
    assert unusual_reason(51, pupils([])) == rules.UNUSUAL_PUPILS_NEW.format(
        count=51, typical=None, limit=50
    )


def test_the_reason_says_what_is_usual_for_them() -> None:
    usual = pupils([10, 12, 11, 12, 13])
    assert unusual_reason(36, usual) is None
    assert unusual_reason(37, usual) == (
        "Opened 37 pupils' records in the day; on a usual day they open about 12, "
        "so more than 36 is unusual for them."
    )


def test_downloads_have_their_own_words() -> None:
    usual = usual_day([1, 1, 1, 1, 1], floor=rules.DOWNLOAD_FLOOR, new_limit=5)
    assert usual == Usual(typical=1, limit=3)
    assert unusual_reason(4, usual, downloads=True) == rules.UNUSUAL_DOWNLOADS.format(
        count=4, typical=1, limit=3
    )


@given(histories, st.integers(min_value=0, max_value=2000))
def test_more_reads_are_never_less_unusual(history: list[int], count: int) -> None:
    usual = pupils(history)
    if unusual_reason(count, usual) is not None:
        assert unusual_reason(count + 1, usual) is not None


@given(histories, st.integers(min_value=0, max_value=rules.PUPIL_FLOOR))
def test_a_day_at_or_under_the_floor_is_never_unusual(history: list[int], count: int) -> None:
    assert unusual_reason(count, pupils(history)) is None


@given(histories)
def test_a_day_like_the_usual_one_is_never_unusual(history: list[int]) -> None:
    usual = pupils(history)
    if usual.typical is not None:
        assert unusual_reason(usual.typical, usual) is None
        assert unusual_reason(usual.typical * rules.FACTOR, usual) is None


@given(histories, st.integers(min_value=0, max_value=100))
def test_days_without_reads_do_not_change_the_usual_day(history: list[int], idle: int) -> None:
    assert pupils(history + [0] * idle) == pupils(history)
