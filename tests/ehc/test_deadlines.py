"""The statutory clock: every kind of EHC duty, with its boundary days."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sendreg.deadlines.rules import DeadlineStatus, deadline_status
from sendreg.ehc.deadlines import (
    Duty,
    DutyKind,
    Override,
    duties,
    school_year_of,
    transfer_due,
    transfer_year,
)
from sendreg.ehc.rules import Event, history
from sendreg.lib.dates import add_months
from tests.ehc.helpers import d, ev

TODAY = d("2025-11-12")


def _duties(*events: Event, today: dt.date = TODAY, **kwargs: object) -> list[Duty]:
    return duties(history(events), today=today, **kwargs)  # type: ignore[arg-type]


def _of(kind: DutyKind, found: list[Duty]) -> list[Duty]:
    return [duty for duty in found if duty.kind == kind]


def _one(kind: DutyKind, *events: Event, **kwargs: object) -> Duty:
    (duty,) = _of(kind, _duties(*events, **kwargs))
    return duty


# --- Month arithmetic ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        ("2024-02-29", 12, "2025-02-28"),  # "within 12 months" of 29 February
        ("2023-02-28", 12, "2024-02-28"),
        ("2024-02-28", 12, "2025-02-28"),
        ("2027-02-28", 12, "2028-02-28"),  # not moved to the leap day
        ("2024-02-29", 48, "2028-02-29"),
        ("2025-01-31", 1, "2025-02-28"),  # month end
        ("2024-01-31", 1, "2024-02-29"),
        ("2025-03-31", 1, "2025-04-30"),
        ("2025-12-15", 1, "2026-01-15"),  # year end
        ("2025-12-31", 12, "2026-12-31"),
        ("2026-01-31", -2, "2025-11-30"),
    ],
)
def test_add_months(day: str, months: int, expected: str) -> None:
    assert add_months(d(day), months) == d(expected)


@given(st.dates(dt.date(1990, 1, 1), dt.date(2090, 12, 31)), st.integers(-60, 60))
def test_add_months_keeps_the_day_or_takes_the_months_last(day: dt.date, months: int) -> None:
    later = add_months(day, months)
    assert (later.year * 12 + later.month) - (day.year * 12 + day.month) == months
    if later.day != day.day:
        assert later.day < day.day
        assert (later + dt.timedelta(days=1)).day == 1


@pytest.mark.parametrize(
    ("day", "year"),
    [("2025-08-31", 2024), ("2025-09-01", 2025), ("2025-12-31", 2025), ("2026-01-01", 2025)],
)
def test_school_year_runs_from_september(day: str, year: int) -> None:
    assert school_year_of(d(day)) == year


# --- The status rule ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        ("2025-11-11", DeadlineStatus.OVERDUE),  # the day after its date
        ("2025-11-12", DeadlineStatus.DUE_SOON),  # due today is not yet overdue
        ("2025-11-26", DeadlineStatus.DUE_SOON),  # 14 days ahead
        ("2025-11-27", DeadlineStatus.UPCOMING),  # 15 days ahead
    ],
)
def test_status_boundaries(due: str, expected: DeadlineStatus) -> None:
    assert deadline_status(due=d(due), today=TODAY) == expected


def test_done_whatever_the_date() -> None:
    assert deadline_status(due=d("2020-01-01"), today=TODAY, done=True) == DeadlineStatus.DONE


# --- ehc_assessment_decision: request + 6 weeks --------------------------------------------


@pytest.mark.parametrize(
    ("requested", "due"),
    [
        ("2026-01-20", "2026-03-03"),
        ("2024-01-18", "2024-02-29"),  # lands on the leap day
        ("2025-01-18", "2025-03-01"),  # ... which 2025 does not have
        ("2025-12-01", "2026-01-12"),  # across the year end
    ],
)
def test_assessment_decision_due_six_weeks_after_the_request(requested: str, due: str) -> None:
    duty = _one(DutyKind.ASSESSMENT_DECISION, ev("request", requested))
    assert duty.due == d(due)
    assert duty.met_on is None
    assert "6 weeks" in duty.detail


@pytest.mark.parametrize("decision", ["assessment_agreed", "assessment_refused"])
def test_assessment_decision_done_by_either_decision(decision: str) -> None:
    duty = _one(
        DutyKind.ASSESSMENT_DECISION, ev("request", "2025-09-01"), ev(decision, "2025-10-20")
    )
    assert duty.met_on == d("2025-10-20")
    assert duty.status(TODAY) == DeadlineStatus.DONE


def test_a_draft_plan_shows_the_decision_was_made() -> None:
    duty = _one(
        DutyKind.ASSESSMENT_DECISION, ev("request", "2025-03-01"), ev("draft_issued", "2025-06-01")
    )
    assert duty.met_on == d("2025-06-01")


def test_assessment_decision_overdue_the_day_after() -> None:
    duty = _one(DutyKind.ASSESSMENT_DECISION, ev("request", "2025-09-30"))
    assert duty.due == d("2025-11-11")
    assert duty.status(TODAY) == DeadlineStatus.OVERDUE
    assert duty.status(d("2025-11-11")) == DeadlineStatus.DUE_SOON


# --- ehc_final_plan: request + 20 weeks ------------------------------------------------------


@pytest.mark.parametrize(
    ("requested", "due"),
    [
        ("2025-08-20", "2026-01-07"),  # across the year end
        ("2023-10-12", "2024-02-29"),  # the leap day
        ("2025-01-01", "2025-05-21"),
    ],
)
def test_final_plan_due_twenty_weeks_after_the_request(requested: str, due: str) -> None:
    assert _one(DutyKind.FINAL_PLAN, ev("request", requested)).due == d(due)


def test_final_plan_done_when_issued() -> None:
    duty = _one(
        DutyKind.FINAL_PLAN,
        ev("request", "2025-01-06"),
        ev("assessment_agreed", "2025-02-10"),
        ev("draft_issued", "2025-04-01"),
        ev("plan_issued", "2025-05-19"),
    )
    assert duty.met_on == d("2025-05-19")


@pytest.mark.parametrize(
    "ending",
    [
        ("assessment_refused", "2025-10-01"),
        ("plan_refused", "2025-11-01"),
    ],
)
def test_no_final_plan_due_once_the_la_decides_against(ending: tuple[str, str]) -> None:
    events = [ev("request", "2025-09-01")]
    if ending[0] == "plan_refused":
        events.append(ev("assessment_agreed", "2025-10-01"))
    events.append(ev(*ending))
    assert _of(DutyKind.FINAL_PLAN, _duties(*events)) == []


# --- ehc_draft_response: draft + 15 days ------------------------------------------------------


@pytest.mark.parametrize(
    ("draft", "due"),
    [
        ("2025-02-14", "2025-03-01"),  # past the end of a short February
        ("2024-02-14", "2024-02-29"),  # the leap day
        ("2025-12-20", "2026-01-04"),  # across the year end
        ("2025-01-31", "2025-02-15"),
    ],
)
def test_draft_response_due_fifteen_days_after_the_draft(draft: str, due: str) -> None:
    request = ev("request", "2024-01-02")
    agreed = ev("assessment_agreed", "2024-01-10")
    duty = _one(DutyKind.DRAFT_RESPONSE, request, agreed, ev("draft_issued", draft))
    assert duty.due == d(due)


def test_draft_response_done_and_kept_after_the_plan() -> None:
    found = _duties(
        ev("request", "2025-01-06"),
        ev("draft_issued", "2025-04-01"),
        ev("draft_response", "2025-04-10"),
        ev("plan_issued", "2025-05-19"),
    )
    (duty,) = _of(DutyKind.DRAFT_RESPONSE, found)
    assert duty.met_on == d("2025-04-10")


def test_an_unanswered_draft_is_moot_once_the_plan_or_a_new_draft_comes() -> None:
    request, draft = ev("request", "2025-01-06"), ev("draft_issued", "2025-04-01")
    second = ev("draft_issued", "2025-04-20")
    found = _of(DutyKind.DRAFT_RESPONSE, _duties(request, draft, second))
    assert [duty.due for duty in found] == [d("2025-05-05")]
    assert (
        _of(DutyKind.DRAFT_RESPONSE, _duties(request, draft, ev("plan_issued", "2025-05-01"))) == []
    )


def test_a_draft_of_an_amended_plan_is_due_too() -> None:
    duty = _one(
        DutyKind.DRAFT_RESPONSE,
        ev("plan_issued", "2025-01-10"),
        ev("review_held", "2025-10-01"),
        ev("draft_issued", "2025-11-01"),
    )
    assert duty.due == d("2025-11-16")
    assert duty.status(TODAY) == DeadlineStatus.DUE_SOON


# --- ehc_annual_review: 12 months after the plan or the last review ---------------------------


def test_annual_review_twelve_months_after_the_plan_on_29_february() -> None:
    duty = _one(DutyKind.ANNUAL_REVIEW, ev("plan_issued", "2024-02-29"))
    assert duty.due == d("2025-02-28")
    assert "issue on 29 February 2024" in duty.detail


def test_annual_review_runs_from_the_later_review() -> None:
    found = _of(
        DutyKind.ANNUAL_REVIEW,
        _duties(
            ev("plan_issued", "2024-03-01"),
            ev("review_held", "2025-02-20"),
            ev("review_held", "2025-12-31"),
        ),
    )
    assert [(x.due, x.met_on) for x in found] == [
        (d("2025-03-01"), d("2025-02-20")),
        (d("2026-02-20"), d("2025-12-31")),
        (d("2026-12-31"), None),  # a review on 31 December: due on the year's last day
    ]


def test_an_amended_plan_does_not_restart_the_clock() -> None:
    found = _of(
        DutyKind.ANNUAL_REVIEW,
        _duties(
            ev("plan_issued", "2024-06-01"),
            ev("review_held", "2025-05-20"),
            ev("plan_issued", "2025-07-15"),  # amended after the review
        ),
    )
    assert found[-1].due == d("2026-05-20")


def test_a_plan_made_again_after_reassessment_restarts_the_clock() -> None:
    found = _of(
        DutyKind.ANNUAL_REVIEW,
        _duties(
            ev("plan_issued", "2024-06-01"),
            ev("request", "2024-09-02"),
            ev("plan_issued", "2025-01-20"),
        ),
    )
    assert [(x.due, x.met_on) for x in found] == [(d("2026-01-20"), None)]


def test_no_annual_review_once_the_plan_ceased() -> None:
    found = _duties(ev("plan_issued", "2024-06-01"), ev("plan_ceased", "2025-03-01"))
    assert _of(DutyKind.ANNUAL_REVIEW, found) == []


# --- ehc_phase_transfer: 15 February, or 31 March for post-16 -----------------------------------


@pytest.mark.parametrize(
    ("final_year", "pupil_year", "today", "due"),
    [
        (6, 6, "2025-11-12", "2026-02-15"),  # Year 6 in a primary or junior school
        (6, 5, "2025-11-12", "2027-02-15"),  # next year's move
        (2, 2, "2025-09-01", "2026-02-15"),  # Year 2 in an infant school, first day of the year
        (-1, -1, "2026-08-31", "2026-02-15"),  # nursery, last day of the school year: overdue
        (11, 11, "2025-11-12", "2026-03-31"),  # Year 11 without a sixth form: post-16
        (8, 8, "2025-12-31", "2026-02-15"),  # middle school, at the year end
    ],
)
def test_phase_transfer(final_year: int, pupil_year: int, today: str, due: str) -> None:
    duty = _one(
        DutyKind.PHASE_TRANSFER,
        ev("plan_issued", "2024-03-01"),
        today=d(today),
        pupil_year=pupil_year,
        final_year=final_year,
    )
    assert duty.due == d(due)


def test_phase_transfer_of_the_past_year_is_not_carried_into_the_next() -> None:
    # On 1 September the Year 6 of last year are gone; this year's Year 6 move next February.
    assert transfer_year(pupil_year=6, final_year=6, today=d("2026-09-01")) == 2026
    assert transfer_due(year=2026, final_year=6) == d("2027-02-15")


def test_phase_transfer_is_listed_from_the_year_before_the_move() -> None:
    events = (ev("plan_issued", "2024-03-01"),)
    assert _of(DutyKind.PHASE_TRANSFER, _duties(*events, pupil_year=9, final_year=11)) == []
    duty = _one(DutyKind.PHASE_TRANSFER, *events, pupil_year=10, final_year=11)
    assert duty.due == d("2027-03-31")


@pytest.mark.parametrize(("final_year", "pupil_year"), [(13, 11), (13, 13), (6, 7)])
def test_no_phase_transfer_within_a_sixth_form_or_past_the_last_year(
    final_year: int, pupil_year: int
) -> None:
    found = _duties(ev("plan_issued", "2024-03-01"), pupil_year=pupil_year, final_year=final_year)
    assert _of(DutyKind.PHASE_TRANSFER, found) == []


def test_phase_transfer_done_by_the_plan_amended_in_the_year_of_the_move() -> None:
    events = [ev("plan_issued", "2020-03-01"), ev("review_held", "2025-10-01")]
    open_duty = _one(DutyKind.PHASE_TRANSFER, *events, pupil_year=6, final_year=6)
    assert open_duty.met_on is None
    amended = ev("plan_issued", "2025-11-01")
    duty = _one(DutyKind.PHASE_TRANSFER, *events, amended, pupil_year=6, final_year=6)
    assert duty.met_on == d("2025-11-01")


def test_phase_transfer_needs_a_plan_in_force() -> None:
    found = _duties(ev("request", "2025-10-01"), pupil_year=6, final_year=6)
    assert _of(DutyKind.PHASE_TRANSFER, found) == []


# --- ehc_review_invitations: meeting - 2 weeks ----------------------------------------------


@pytest.mark.parametrize(
    ("meeting", "due"),
    [
        ("2026-03-01", "2026-02-15"),
        ("2026-01-10", "2025-12-27"),  # across the year end
        ("2024-03-14", "2024-02-29"),  # the leap day
    ],
)
def test_invitations_due_two_weeks_before_the_meeting(meeting: str, due: str) -> None:
    duty = _one(
        DutyKind.REVIEW_INVITATIONS,
        ev("plan_issued", "2023-03-01"),
        ev("review_scheduled", "2023-11-01", meeting=meeting, invited=("2023-11-02", None)),
    )
    assert duty.due == d(due)
    assert duty.met_on is None
    assert "1 of 2 invited; advice not yet circulated" in duty.detail


def test_invitations_done_when_everyone_is_invited_and_the_advice_circulated() -> None:
    plan = ev("plan_issued", "2025-01-01")
    scheduled = ev(
        "review_scheduled", "2025-10-01", meeting="2025-12-01", invited=("2025-10-02", "2025-10-20")
    )
    assert _one(DutyKind.REVIEW_INVITATIONS, plan, scheduled).met_on is None
    duty = _one(DutyKind.REVIEW_INVITATIONS, plan, scheduled, ev("advice_circulated", "2025-11-10"))
    assert duty.met_on == d("2025-11-10")


def test_nobody_invited_is_not_done() -> None:
    plan = ev("plan_issued", "2025-01-01")
    scheduled = ev("review_scheduled", "2025-10-01", meeting="2025-12-01")
    duty = _one(DutyKind.REVIEW_INVITATIONS, plan, scheduled, ev("advice_circulated", "2025-11-01"))
    assert duty.met_on is None


def test_a_moved_meeting_needs_new_invitations() -> None:
    found = _of(
        DutyKind.REVIEW_INVITATIONS,
        _duties(
            ev("plan_issued", "2025-01-01"),
            ev("review_scheduled", "2025-10-01", meeting="2025-12-01"),
            ev("review_scheduled", "2025-10-05", meeting="2026-01-12"),
        ),
    )
    assert [duty.due for duty in found] == [d("2025-12-29")]


def test_unmet_invitations_are_moot_once_the_meeting_is_held() -> None:
    found = _duties(
        ev("plan_issued", "2025-01-01"),
        ev("review_scheduled", "2025-09-01", meeting="2025-10-01"),
        ev("review_held", "2025-10-01"),
    )
    assert _of(DutyKind.REVIEW_INVITATIONS, found) == []


# --- ehc_review_report: meeting + 2 weeks; ehc_la_decision: meeting + 4 weeks --------------------


@pytest.mark.parametrize(
    ("held", "report", "decision"),
    [
        ("2025-12-22", "2026-01-05", "2026-01-19"),  # across the year end
        ("2024-02-15", "2024-02-29", "2024-03-14"),  # report on the leap day
        ("2024-02-01", "2024-02-15", "2024-02-29"),  # decision on the leap day
        ("2025-02-01", "2025-02-15", "2025-03-01"),  # no leap day in 2025
    ],
)
def test_report_and_decision_after_the_meeting(held: str, report: str, decision: str) -> None:
    events = (ev("plan_issued", "2023-06-01"), ev("review_held", held))
    assert _one(DutyKind.REVIEW_REPORT, *events).due == d(report)
    assert _one(DutyKind.LA_DECISION, *events).due == d(decision)


def test_report_and_decision_done() -> None:
    events = (
        ev("plan_issued", "2024-06-01"),
        ev("review_held", "2025-05-20"),
        ev("report_sent", "2025-05-30"),
        ev("review_decision", "2025-06-10"),
    )
    assert _one(DutyKind.REVIEW_REPORT, *events).met_on == d("2025-05-30")
    assert _one(DutyKind.LA_DECISION, *events).met_on == d("2025-06-10")


def test_an_old_meetings_missing_report_is_moot_after_the_next_meeting() -> None:
    found = _duties(
        ev("plan_issued", "2023-06-01"),
        ev("review_held", "2024-05-20"),
        ev("review_held", "2025-05-20"),
    )
    assert [duty.key.split(":")[0] for duty in _of(DutyKind.REVIEW_REPORT, found)] == [
        "review_report"
    ]
    assert _of(DutyKind.REVIEW_REPORT, found)[0].due == d("2025-06-03")


# --- The school's own dates -----------------------------------------------------------------


def test_an_override_moves_the_date_and_says_why() -> None:
    request = ev("request", "2025-09-30")
    key = f"assessment_decision:{request.id}"
    overrides = {key: Override(due=d("2025-12-01"), reason="Agreed extension: the LA asked.")}
    duty = _one(DutyKind.ASSESSMENT_DECISION, request, overrides=overrides)
    assert duty.due == d("2025-12-01")
    assert duty.statutory_due == d("2025-11-11")
    assert duty.status(TODAY) == DeadlineStatus.UPCOMING
    assert "Date changed from 11 November 2025 by the school: Agreed extension" in duty.detail


def test_duties_come_soonest_first() -> None:
    found = _duties(ev("request", "2025-09-01"), ev("draft_issued", "2025-11-01"))
    assert [duty.due for duty in found] == sorted(duty.due for duty in found)
