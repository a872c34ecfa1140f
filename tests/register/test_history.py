"""Need types have history; one rule for status, needs and roll, in Python and in SQL alike."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sendreg.accounts.models import School, User
from sendreg.census.selectors import census_extract
from sendreg.pupils.models import Pupil
from sendreg.pupils.rules import on_roll_on
from sendreg.pupils.selectors import on_roll
from sendreg.register import rules
from sendreg.register.models import PupilNeed, SenEpisode
from sendreg.register.rules import Episode, NeedSpan, RegisterHistory, apply_change
from sendreg.register.selectors import (
    needs_on_query,
    pupil_sen_summary,
    register_states,
    with_sen_status,
)
from sendreg.register.services import MONITORING_ON_REGISTER, monitoring_start, sen_record_set
from tests.conftest import TODAY, current_needs, put_on_register
from tests.factories import PupilFactory

D = dt.date


def change(history: RegisterHistory, status: str | None, needs: list[str], day: dt.date):
    return apply_change(history, status=status, needs=needs, effective=day, reason="r")


# --- apply_change: the one transition, pure ----------------------------------------------


def test_a_change_of_needs_ends_the_old_rows_and_keeps_them() -> None:
    h = change(RegisterHistory(), "K", ["SLCN"], D(2025, 9, 4))
    h = change(h, "K", ["SEMH", "SLCN"], D(2025, 12, 1))
    assert rules.needs_on(h.needs, D(2025, 11, 30)) == ["SLCN"]
    assert rules.needs_on(h.needs, D(2025, 12, 1)) == ["SEMH", "SLCN"]
    assert h.open_needs == ["SEMH", "SLCN"]
    assert len(h.episodes) == 1


def test_needs_carry_on_across_a_move_from_k_to_e() -> None:
    h = change(RegisterHistory(), "K", ["ASD"], D(2025, 9, 4))
    h = change(h, "E", ["ASD"], D(2026, 2, 1))
    assert [(n.code, n.start, n.end) for n in h.needs] == [("ASD", D(2025, 9, 4), None)]
    assert rules.register_since([Episode(e.status, e.start, e.end) for e in h.episodes],
                                D(2026, 3, 1)) == D(2025, 9, 4)  # fmt: skip


def test_a_removal_ends_every_need_on_its_day_not_before() -> None:
    h = change(RegisterHistory(), "K", ["SPLD", "SLCN"], D(2025, 9, 4))
    h = change(h, None, [], D(2026, 1, 10))
    assert rules.needs_on(h.needs, D(2026, 1, 9)) == ["SPLD", "SLCN"]
    assert rules.needs_on(h.needs, D(2026, 1, 10)) == []


def test_a_same_day_correction_replaces_the_days_change() -> None:
    h = change(RegisterHistory(), "K", ["SPLD"], D(2025, 9, 4))
    h = change(h, "K", ["MLD"], D(2025, 12, 1))
    h = change(h, "K", ["SPLD"], D(2025, 12, 1))
    # Undoing the day's change restores the row it replaced, with no day-long stretch.
    assert [(n.code, n.start, n.end) for n in h.needs] == [("SPLD", D(2025, 9, 4), None)]
    h = change(h, "E", ["SPLD"], D(2025, 12, 1))
    h = change(h, None, [], D(2025, 12, 1))
    assert [(e.status, e.start, e.end) for e in h.episodes] == [
        ("K", D(2025, 9, 4), D(2025, 12, 1))
    ]


statuses = st.sampled_from(["E", "K", None])
need_lists = st.lists(st.sampled_from(["SPLD", "MLD", "SEMH", "SLCN", "ASD", "HI"]), max_size=3,
                      unique=True)  # fmt: skip


@given(
    steps=st.lists(st.tuples(statuses, need_lists, st.integers(0, 60)), min_size=1, max_size=8),
    probe=st.integers(0, 600),
)
def test_needs_on_any_day_are_those_of_the_last_change_by_then(steps, probe) -> None:
    """Whatever the sequence of changes, the needs held on a day are those the last change
    on or before it set (none while off the register), and rows never overlap."""
    history, day, applied = RegisterHistory(), D(2024, 9, 1), []
    for status, needs, gap in steps:
        day = day + dt.timedelta(days=gap)
        if status is None and history.open_status is None:
            continue
        needs = needs if status else []
        if history.state() == {"status": status, "needs": needs}:
            continue
        history = change(history, status, needs, day)
        applied.append((day, status, needs))
    when = D(2024, 9, 1) + dt.timedelta(days=probe)
    before = [a for a in applied if a[0] <= when]
    expected = before[-1][2] if before else []
    assert rules.needs_on(history.needs, when) == expected
    expected_status = before[-1][1] if before else None
    episodes = [Episode(e.status, e.start, e.end) for e in history.episodes]
    assert rules.status_on(episodes, when) == expected_status
    for rank in (1, 2, 3):
        spans = sorted((n for n in history.needs if n.rank == rank), key=lambda n: n.start)
        for a, b in zip(spans, spans[1:], strict=False):
            assert a.end is not None and a.end <= b.start


# --- The service: history is kept, future removals wait ----------------------------------


def test_a_removal_dated_ahead_keeps_the_needs_until_it_takes_effect(
    pupil: Pupil, senco: User
) -> None:
    put_on_register(pupil, by=senco, on=D(2025, 9, 4), today=D(2025, 9, 4), needs=("SEMH",))
    sen_record_set(
        pupil=pupil, status=None, needs=[], effective=D(2025, 12, 1), reason="Outcomes met.",
        expected_version=pupil.sen_version, by=senco, today=TODAY,
    )  # fmt: skip
    today = pupil_sen_summary(pupil, day=TODAY)
    assert (today.status, today.needs, today.removal_on) == ("K", ["SEMH"], D(2025, 12, 1))
    after = pupil_sen_summary(pupil, day=D(2025, 12, 1))
    assert (after.status, after.needs) == (None, [])
    state = register_states(Pupil.objects.filter(pk=pupil.pk), day=TODAY)[pupil.pk]
    assert (state.status, state.needs) == ("K", ("SEMH",))


def test_a_census_extract_for_a_past_date_uses_the_needs_held_then(
    school: School, pupil: Pupil, senco: User
) -> None:
    put_on_register(pupil, by=senco, on=D(2025, 9, 4), today=D(2025, 9, 4), needs=("SLCN",))
    sen_record_set(
        pupil=pupil, status="K", needs=["SEMH", "ASD"], effective=TODAY, reason="Review.",
        expected_version=pupil.sen_version, by=senco, today=TODAY,
    )  # fmt: skip
    (autumn,) = census_extract(school=school, census_date=D(2025, 10, 2))
    assert (autumn.provision, autumn.need_1, autumn.need_2) == ("K", "SLCN", "")
    (spring,) = census_extract(school=school, census_date=D(2026, 1, 15))
    assert (spring.provision, spring.need_1, spring.need_2) == ("K", "SEMH", "ASD")
    assert current_needs(pupil) == ["SEMH", "ASD"]


def test_a_pupil_on_the_register_is_not_also_put_on_the_monitoring_list(
    pupil: Pupil, senco: User
) -> None:
    from django.core.exceptions import ValidationError

    put_on_register(pupil, by=senco)
    with pytest.raises(ValidationError) as exc:
        monitoring_start(pupil=pupil, reason="x", review_date=TODAY, on=TODAY, by=senco)
    assert exc.value.messages == [MONITORING_ON_REGISTER]


# --- The same rules in SQL -------------------------------------------------------------------


@st.composite
def histories(draw: st.DrawFn) -> list[tuple[str, dt.date, dt.date | None]]:
    day = D(2024, 9, 1) + dt.timedelta(days=draw(st.integers(0, 100)))
    episodes = []
    for _ in range(draw(st.integers(0, 4))):
        end = day + dt.timedelta(days=draw(st.integers(1, 200)))
        episodes.append((draw(st.sampled_from(["E", "K"])), day, end))
        day = end + dt.timedelta(days=draw(st.integers(0, 60)))
    if episodes and draw(st.booleans()):
        status, start, _ = episodes[-1]
        episodes[-1] = (status, start, None)
    return episodes


@pytest.mark.django_db
@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(episodes=histories(), probe=st.integers(0, 700))
def test_sql_status_on_a_day_agrees_with_the_rule(school: School, episodes, probe) -> None:
    pupil = PupilFactory(school=school)
    SenEpisode.objects.bulk_create(
        SenEpisode(pupil=pupil, status=s, start=a, end=b) for s, a, b in episodes
    )
    PupilNeed.objects.bulk_create(
        PupilNeed(pupil=pupil, code="SPLD", rank=1, start=a, end=b) for _, a, b in episodes
    )
    day = D(2024, 9, 1) + dt.timedelta(days=probe)
    rule = rules.status_on([Episode(*e) for e in episodes], day)
    sql = with_sen_status(Pupil.objects.filter(pk=pupil.pk), day).get().sen_status
    assert sql == rule
    spans = [NeedSpan("SPLD", 1, a, b) for _, a, b in episodes]
    assert needs_on_query(Pupil.objects.filter(pk=pupil.pk), day=day).get(pupil.pk, []) == (
        rules.needs_on(spans, day)
    )
    pupil.delete()


@pytest.mark.django_db
@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    admission=st.one_of(st.none(), st.dates(D(2024, 1, 1), D(2026, 12, 31))),
    leaving=st.one_of(st.none(), st.dates(D(2024, 1, 1), D(2026, 12, 31))),
    day=st.dates(D(2024, 1, 1), D(2026, 12, 31)),
)
def test_sql_on_roll_agrees_with_the_rule(school: School, admission, leaving, day) -> None:
    pupil = PupilFactory(school=school, admission_date=admission, leaving_date=leaving)
    sql = Pupil.objects.filter(on_roll(day), pk=pupil.pk).exists()
    assert sql == on_roll_on(admission=admission, leaving=leaving, day=day)
    # The same rule asked of a record through its pupil (as the deadline sources do).
    episode = SenEpisode.objects.create(pupil=pupil, status="K", start=D(2024, 1, 1))
    through = SenEpisode.objects.filter(on_roll(day, through="pupil"), pk=episode.pk).exists()
    assert through == sql
    pupil.delete()
