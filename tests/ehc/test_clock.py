"""The kept next date of an EHC record (``EhcClock``) equals what its duties give after every
service that changes the record, and the home panel's read of it misses no duty."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from sendreg.accounts.models import School, User
from sendreg.deadlines import rules as deadline_rules
from sendreg.ehc import deadlines, selectors, services
from sendreg.ehc.deadlines import DutyKind, next_open_due, read_kept
from sendreg.ehc.models import EhcClock, EhcEvent
from sendreg.pupils.models import Pupil
from tests.conftest import TODAY
from tests.ehc.conftest import record
from tests.factories import PupilFactory

pytestmark = pytest.mark.django_db


def assert_clock_kept(pupil: Pupil) -> None:
    """The kept date is the earliest open duty (the phase transfer aside), worked out now;
    the kept duties are the open ones, and the home panel's read agrees with the whole list."""
    found = selectors.ehc_record(pupil, today=TODAY)
    clock = EhcClock.objects.get(pupil=pupil)
    assert clock.next_due == next_open_due(found.duties)
    assert clock.plan_in_force == found.plan_in_force
    kept = read_kept(clock.open_duties)
    assert kept is not None
    assert [(d.kind, d.due, d.detail) for d in kept] == [
        (d.kind, d.due, d.detail)
        for d in found.duties
        if d.met_on is None and d.kind != DutyKind.PHASE_TRANSFER
    ]
    assert_panel_agrees(pupil.school)


def assert_panel_agrees(school: School) -> None:
    """On days across the record's life, the panel's read is the whole list's overdue and
    due-soon deadlines."""
    for offset in range(-800, 400, 50):
        day = TODAY + dt.timedelta(days=offset)
        whole = [
            d for d in selectors.school_deadlines(school, day) if deadline_rules.needs_attention(d)
        ]
        assert sorted(selectors.attention_deadlines(school, day), key=deadline_rules.sort_key) == (
            sorted(whole, key=deadline_rules.sort_key)
        ), day


def test_the_clock_is_kept_by_every_service(pupil: Pupil, senco: User) -> None:
    record(pupil, senco, "request", "2024-10-14", requested_by="school")
    assert_clock_kept(pupil)
    assert EhcClock.objects.get(pupil=pupil).next_due == dt.date(2024, 11, 25)  # 6 weeks
    for kind, on in [("assessment_agreed", "2024-11-20"), ("draft_issued", "2025-02-01")]:
        record(pupil, senco, kind, on)
        assert_clock_kept(pupil)
    record(pupil, senco, "draft_response", "2025-02-12", notes="Happy to be named.")
    assert_clock_kept(pupil)
    record(pupil, senco, "plan_issued", "2025-03-03", local_authority="Bristol City Council",
           named_school="Oakfield Academy", sections=["A", "B", "E", "F", "I"])  # fmt: skip
    assert_clock_kept(pupil)
    assert EhcClock.objects.get(pupil=pupil).plan_in_force
    review = record(pupil, senco, "review_scheduled", "2025-11-01", meeting_on="2025-12-10")
    assert_clock_kept(pupil)
    mum = services.ehc_invitee_add(review=review, name="Ann Young", role="parent", by=senco)
    assert_clock_kept(pupil)
    la = services.ehc_invitee_add(review=review, name="Sam Patel", role="la", by=senco)
    assert_clock_kept(pupil)
    services.ehc_invitations_sent(review=review, invitees=[mum], on=TODAY, by=senco, today=TODAY)
    assert_clock_kept(pupil)
    extra = services.ehc_invitee_add(review=review, name="Dr Lee", role="health", by=senco)
    services.ehc_invitee_remove(invitee=extra, by=senco)
    assert_clock_kept(pupil)
    services.ehc_invitations_sent(review=review, invitees=[la], on=TODAY, by=senco, today=TODAY)
    advice = record(pupil, senco, "advice_circulated", TODAY)
    assert_clock_kept(pupil)
    found = selectors.ehc_record(pupil, today=TODAY)
    open_duty = next(d for d in found.duties if d.met_on is None)
    keys = [d.key for d in found.duties]
    services.ehc_due_date_set(
        pupil=pupil, duty_key=open_duty.key, due=dt.date(2025, 11, 1), reason="LA agreed.",
        by=senco, known_keys=keys, statutory_due=open_duty.statutory_due,
        current_due=open_duty.due,
    )  # fmt: skip
    assert_clock_kept(pupil)
    assert EhcClock.objects.get(pupil=pupil).next_due == dt.date(2025, 11, 1)
    services.ehc_due_date_set(
        pupil=pupil, duty_key=open_duty.key, due=None, reason="Back to the law's date.",
        by=senco, known_keys=keys, statutory_due=open_duty.statutory_due,
        current_due=dt.date(2025, 11, 1),
    )  # fmt: skip
    assert_clock_kept(pupil)
    services.ehc_event_withdraw(event=advice, reason="Recorded in error.", by=senco)
    assert_clock_kept(pupil)
    record(pupil, senco, "review_held", "2025-12-10", today=dt.date(2025, 12, 10))
    assert_clock_kept(pupil)
    assert EhcClock.objects.count() == 1


def test_next_open_due_leaves_out_met_duties_and_the_phase_transfer(
    school: School, senco: User
) -> None:
    # Year 11 in a school whose last year is 11: the plan must be amended for the move.
    leaver = PupilFactory(school=school, year_group=11)
    record(leaver, senco, "request", "2024-10-14", requested_by="school")
    record(leaver, senco, "assessment_agreed", "2024-11-20")
    record(leaver, senco, "plan_issued", "2025-03-03", local_authority="Bristol City Council",
           named_school="Oakfield Academy", sections=["A", "B", "E", "F", "I"])  # fmt: skip
    found = selectors.ehc_record(leaver, today=TODAY)
    kinds = {d.kind for d in found.duties if d.met_on is None}
    assert DutyKind.PHASE_TRANSFER in kinds
    assert next_open_due(found.duties) == dt.date(2026, 3, 3)  # the annual review
    assert_clock_kept(leaver)


@pytest.mark.parametrize("year_group", [9, 10, 11])
def test_the_phase_transfer_is_in_the_panel_whatever_the_clock_says(
    school: School, senco: User, year_group: int
) -> None:
    """The kept date leaves out the move; a plan in force near it is still worked out, on
    every day up to and past its statutory date (Year 11) or the date the school gave it
    (Year 10)."""
    leaver = PupilFactory(school=school, year_group=year_group)
    # Issued in July, so the annual review is not due before the move (31 March 2026).
    record(leaver, senco, "request", "2025-03-03", requested_by="school")
    record(leaver, senco, "assessment_agreed", "2025-04-01")
    record(leaver, senco, "plan_issued", "2025-07-01", local_authority="Bristol City Council",
           named_school="Oakfield Academy", sections=["A", "B", "E", "F", "I"])  # fmt: skip
    found = selectors.ehc_record(leaver, today=TODAY)
    transfer = [d for d in found.duties if d.kind == DutyKind.PHASE_TRANSFER]
    if year_group == 10:
        # The school brings the move forward to next week, in the year before it.
        services.ehc_due_date_set(
            pupil=leaver, duty_key=transfer[0].key, due=TODAY + dt.timedelta(days=7),
            reason="Early transfer panel.", by=senco, known_keys=[d.key for d in found.duties],
            statutory_due=transfer[0].statutory_due, current_due=transfer[0].due,
        )  # fmt: skip
    for offset in range(0, 200, 6):
        day = TODAY + dt.timedelta(days=offset)
        whole = [
            d for d in selectors.school_deadlines(school, day) if deadline_rules.needs_attention(d)
        ]
        assert sorted(selectors.attention_deadlines(school, day), key=deadline_rules.sort_key) == (
            sorted(whole, key=deadline_rules.sort_key)
        )


def test_a_record_without_a_kept_date_is_worked_out_in_full(planned: Pupil) -> None:
    """A record made before dates were kept is read as if every duty might be due."""
    EhcClock.objects.all().delete()
    day = dt.date(2026, 2, 25)  # the annual review, due 3 March 2026, is due soon
    urgent = selectors.attention_deadlines(planned.school, day)
    assert [d.kind for d in urgent] == [DutyKind.ANNUAL_REVIEW]


def test_a_clock_kept_before_its_duties_were_is_worked_out_in_full(planned: Pupil) -> None:
    """A row kept before the open duties were (None) is read from the events, not as empty."""
    EhcClock.objects.update(open_duties=None)
    day = dt.date(2026, 2, 25)  # the annual review, due 3 March 2026, is due soon
    urgent = selectors.attention_deadlines(planned.school, day)
    assert [d.kind for d in urgent] == [DutyKind.ANNUAL_REVIEW]
    assert_panel_agrees(planned.school)


def _rewrite_kept(change: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    for clock in EhcClock.objects.all():
        clock.open_duties = change(clock.open_duties)
        clock.save()


def test_the_panel_reads_the_kept_duties_not_the_events(
    planned: Pupil, django_assert_num_queries: Any
) -> None:
    """What the clock keeps is what the panel lists: the events are not read again."""
    day = dt.date(2026, 2, 25)
    _rewrite_kept(
        lambda kept: {**kept, "duties": [[k, due, "Kept text"] for k, due, _ in kept["duties"]]}
    )
    with django_assert_num_queries(2):  # the school's age range, and the pupils with clocks
        urgent = selectors.attention_deadlines(planned.school, day)
    assert [(d.kind, d.detail) for d in urgent] == [(DutyKind.ANNUAL_REVIEW, "Kept text")]


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda kept: {**kept, "rules": "an earlier release"}, id="other-rules"),
        pytest.param(lambda kept: {**kept, "duties": [["no_such_kind", "x", ""]]}, id="unreadable"),
        pytest.param(lambda kept: kept["duties"], id="not-a-mapping"),
    ],
)
def test_duties_kept_by_other_rules_are_worked_out_again(
    planned: Pupil, change: Callable[[dict[str, Any]], Any]
) -> None:
    """A clock kept by an earlier release (or unreadable) is not read: the record is worked out
    from its events, so an upgrade that changes a period or its words shows the new ones."""
    _rewrite_kept(change)
    day = dt.date(2026, 2, 25)
    urgent = selectors.attention_deadlines(planned.school, day)
    assert [d.kind for d in urgent] == [DutyKind.ANNUAL_REVIEW]
    assert urgent[0].detail.startswith("Review the plan within 12 months")
    assert_panel_agrees(planned.school)


@pytest.mark.parametrize(
    ("name", "value"),
    [("ANNUAL_REVIEW_MONTHS", 6), ("ANNUAL_REVIEW_AFTER_PLAN", "Review it within a year."),
     ("KEPT_EDITION", 2)],
)  # fmt: skip
def test_the_kept_rules_change_with_a_period_its_words_or_the_edition(
    monkeypatch: pytest.MonkeyPatch, name: str, value: object
) -> None:
    assert deadlines.rules_fingerprint() == deadlines.KEPT_RULES
    monkeypatch.setattr(deadlines, name, value)
    assert deadlines.rules_fingerprint() != deadlines.KEPT_RULES


def test_keeping_every_clock_again_fills_those_kept_before(
    planned: Pupil, school: School, senco: User
) -> None:
    other = PupilFactory(school=school)
    record(other, senco, "request", "2025-11-03", requested_by="parent")
    EhcClock.objects.update(open_duties=None)
    assert services.ehc_clocks_keep() == 2
    for pupil in (planned, other):
        assert_clock_kept(pupil)


def test_a_record_out_of_order_keeps_no_duties(pupil: Pupil, senco: User) -> None:
    record(pupil, senco, "request", "2024-10-14", requested_by="school")
    # An event the rules refuse, put in by hand as a damaged database might hold it.
    EhcEvent.objects.create(pupil=pupil, kind="plan_ceased", on=dt.date(2024, 1, 1))
    services.ehc_clocks_keep()
    clock = EhcClock.objects.get(pupil=pupil)
    assert read_kept(clock.open_duties) == []
    assert clock.next_due is None
    assert_panel_agrees(pupil.school)


def test_a_record_due_later_is_not_worked_out(planned: Pupil) -> None:
    assert EhcClock.objects.get(pupil=planned).next_due == dt.date(2026, 3, 3)
    assert selectors.attention_deadlines(planned.school, TODAY) == []
    assert EhcEvent.objects.filter(pupil=planned).exists()
