"""Which EHC event may follow which, and the messages when one cannot."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from sendreg.ehc import rules
from sendreg.ehc.rules import Event, EventKind, Stage, history, next_events
from tests.ehc.helpers import d, ev

TODAY = d("2025-11-12")


def _refused(events: list[Event], message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        history(events)
    assert caught.value.messages == [message]


def test_a_review_before_a_plan_is_refused() -> None:
    _refused(
        [ev("request", "2025-01-06"), ev("review_held", "2025-03-01")],
        rules.REVIEW_NEEDS_PLAN.format(event="annual review meeting held", date="1 March 2025"),
    )


def test_a_review_dated_before_the_plan_is_refused() -> None:
    _refused(
        [
            ev("plan_issued", "2025-05-01"),
            ev("review_scheduled", "2025-04-01", meeting="2025-06-01"),
        ],
        rules.REVIEW_NEEDS_PLAN.format(event="annual review meeting arranged", date="1 April 2025"),
    )


def test_a_decision_needs_a_request() -> None:
    _refused(
        [ev("assessment_agreed", "2025-02-01")],
        rules.DECISION_NEEDS_REQUEST.format(date="1 February 2025"),
    )


def test_a_decision_dated_before_its_request_is_refused() -> None:
    _refused(
        [ev("request", "2025-02-10"), ev("assessment_agreed", "2025-02-01")],
        rules.DECISION_NEEDS_REQUEST.format(date="1 February 2025"),
    )


def test_one_open_request_at_a_time() -> None:
    _refused(
        [ev("request", "2025-01-06"), ev("request", "2025-02-01")],
        rules.REQUEST_ALREADY_OPEN.format(date="6 January 2025"),
    )


def test_one_decision_per_request() -> None:
    _refused(
        [
            ev("request", "2025-01-06"),
            ev("assessment_agreed", "2025-02-01"),
            ev("assessment_refused", "2025-02-03"),
        ],  # fmt: skip
        rules.DECISION_ALREADY_MADE.format(
            date="6 January 2025", decision="the local authority agreed to assess"
        ),
    )


def test_no_decision_after_a_draft() -> None:
    _refused(
        [
            ev("request", "2025-01-06"),
            ev("draft_issued", "2025-04-01"),
            ev("assessment_agreed", "2025-04-02"),
        ],  # fmt: skip
        rules.DECISION_AFTER_DRAFT.format(draft="1 April 2025", date="6 January 2025"),
    )


def test_no_plan_after_a_refusal_without_a_new_request() -> None:
    events = [ev("request", "2025-01-06"), ev("assessment_refused", "2025-02-10")]
    _refused(
        [*events, ev("plan_issued", "2025-06-01")],
        rules.PLAN_NEEDS_REQUEST_AFTER_REFUSAL.format(
            refused="10 February 2025", date="1 June 2025"
        ),
    )
    _refused(
        [*events, ev("draft_issued", "2025-06-01")],
        rules.DRAFT_AFTER_REFUSAL.format(refused="10 February 2025", date="1 June 2025"),
    )
    built = history([*events, ev("request", "2025-09-01"), ev("plan_issued", "2026-01-05")])
    assert built.stage == Stage.PLAN


def test_no_new_plan_after_ceasing_without_a_request() -> None:
    _refused(
        [
            ev("plan_issued", "2023-01-06"),
            ev("plan_ceased", "2025-02-10"),
            ev("plan_issued", "2025-06-01"),
        ],  # fmt: skip
        rules.PLAN_NEEDS_REQUEST_AFTER_CEASING.format(
            ceased="10 February 2025", date="1 June 2025"
        ),
    )


def test_a_plan_can_be_recorded_without_its_request() -> None:
    # A pupil who joined with a plan: the school's tracker has no request date.
    built = history([ev("plan_issued", "2022-03-01"), ev("review_held", "2025-02-01")])
    assert built.stage == Stage.PLAN


def test_report_and_decision_need_a_meeting_and_come_once() -> None:
    plan = ev("plan_issued", "2024-03-01")
    _refused(
        [plan, ev("report_sent", "2025-01-01")],
        rules.REPORT_NEEDS_MEETING.format(date="1 January 2025"),
    )
    _refused(
        [plan, ev("review_decision", "2025-01-01")],
        rules.REVIEW_DECISION_NEEDS_MEETING.format(date="1 January 2025"),
    )
    held = ev("review_held", "2025-02-01")
    _refused(
        [plan, held, ev("report_sent", "2025-02-05"), ev("report_sent", "2025-02-06")],
        rules.REPORT_ALREADY_SENT.format(date="1 February 2025"),
    )


def test_advice_needs_a_meeting_arranged() -> None:
    _refused(
        [ev("plan_issued", "2024-03-01"), ev("advice_circulated", "2025-01-01")],
        rules.ADVICE_NEEDS_SCHEDULE.format(date="1 January 2025"),
    )


def test_meeting_not_before_it_was_arranged() -> None:
    _refused(
        [
            ev("plan_issued", "2024-03-01"),
            ev("review_scheduled", "2025-01-10", meeting="2025-01-09"),
        ],
        rules.MEETING_BEFORE_ARRANGED.format(meeting="9 January 2025"),
    )


def test_only_a_plan_in_force_ceases() -> None:
    _refused([ev("request", "2025-01-06"), ev("plan_ceased", "2025-02-01")],
             rules.CEASE_NEEDS_PLAN.format(date="1 February 2025"))  # fmt: skip


def test_a_response_needs_a_draft() -> None:
    _refused(
        [ev("request", "2025-01-06"), ev("draft_response", "2025-02-01")],
        rules.RESPONSE_NEEDS_DRAFT.format(date="1 February 2025"),
    )


# --- Adding and withdrawing -----------------------------------------------------------------


def test_a_new_event_may_be_keyed_in_late() -> None:
    existing = [ev("request", "2025-01-06"), ev("draft_issued", "2025-04-01")]
    built = rules.validate_new_event(
        existing, Event(kind=EventKind.DRAFT_RESPONSE, on=d("2025-04-10")), today=TODAY
    )
    assert built.assessments[0].drafts[0].response is not None


def test_a_new_event_that_breaks_a_later_one_says_so() -> None:
    existing = [ev("plan_issued", "2024-03-01"), ev("review_held", "2025-02-01")]
    with pytest.raises(ValidationError) as caught:
        rules.validate_new_event(
            existing, Event(kind=EventKind.PLAN_CEASED, on=d("2025-01-01")), today=TODAY
        )
    (message,) = caught.value.messages
    assert message.startswith("Recording this would leave a later event out of order: ")
    assert "annual review meeting held on 1 February 2025" in message


def test_a_new_event_in_the_future_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        rules.validate_new_event([], Event(kind=EventKind.REQUEST, on=d("2025-11-13")), today=TODAY)
    assert caught.value.messages == [
        rules.IN_THE_FUTURE.format(
            event="Request for an EHC needs assessment", date="13 November 2025"
        )
    ]


def test_a_meeting_may_be_arranged_ahead() -> None:
    built = rules.validate_new_event(
        [ev("plan_issued", "2025-01-06")],
        Event(kind=EventKind.REVIEW_SCHEDULED, on=TODAY, meeting_on=d("2026-01-05")),
        today=TODAY,
    )
    assert built.plan is not None and built.plan.pending is not None


def test_withdrawing_what_later_events_need_is_refused() -> None:
    plan = ev("plan_issued", "2024-03-01")
    events = [plan, ev("review_held", "2025-02-01")]
    with pytest.raises(ValidationError) as caught:
        rules.validate_withdrawal(events, plan)
    assert caught.value.messages[0].startswith(
        "Withdrawing this would leave the record out of order"
    )


# --- Stages and what may come next ------------------------------------------------------------


@pytest.mark.parametrize(
    ("events", "stage"),
    [
        ([], Stage.NONE),
        ([("request", "2025-01-06")], Stage.REQUESTED),
        ([("request", "2025-01-06"), ("assessment_agreed", "2025-02-01")], Stage.ASSESSING),
        ([("request", "2025-01-06"), ("assessment_refused", "2025-02-01")], Stage.NOT_ASSESSED),
        ([("request", "2025-01-06"), ("draft_issued", "2025-04-01")], Stage.DRAFT),
        (
            [
                ("request", "2025-01-06"),
                ("assessment_agreed", "2025-02-01"),
                ("plan_refused", "2025-04-01"),
            ],
            Stage.NOT_ISSUED,
        ),  # fmt: skip
        ([("request", "2025-01-06"), ("plan_issued", "2025-05-01")], Stage.PLAN),
        ([("plan_issued", "2023-05-01"), ("plan_ceased", "2025-05-01")], Stage.CEASED),
        (
            [
                ("plan_issued", "2023-05-01"),
                ("plan_ceased", "2025-05-01"),
                ("request", "2025-09-01"),
            ],
            Stage.REQUESTED,
        ),  # fmt: skip
        ([("plan_issued", "2023-05-01"), ("request", "2025-09-01")], Stage.PLAN),
    ],
)
def test_stages(events: list[tuple[str, str]], stage: Stage) -> None:
    assert history([ev(kind, on) for kind, on in events]).stage == stage


def test_next_events_follow_the_process() -> None:
    assert next_events(history([])) == [EventKind.REQUEST, EventKind.PLAN_ISSUED]
    requested = history([ev("request", "2025-01-06")])
    assert EventKind.ASSESSMENT_AGREED in next_events(requested)
    assert EventKind.REVIEW_HELD not in next_events(requested)
    in_force = next_events(history([ev("plan_issued", "2025-01-06")]))
    assert EventKind.REVIEW_SCHEDULED in in_force
    assert EventKind.REPORT_SENT not in in_force
    assert EventKind.REQUEST in in_force  # a re-assessment


KINDS = [k.value for k in EventKind if k != EventKind.REVIEW_SCHEDULED]


@given(
    st.lists(
        st.tuples(st.sampled_from(KINDS), st.dates(d("2020-01-01"), d("2025-11-12"))), max_size=8
    )
)
def test_every_offered_next_event_is_accepted(pairs: list[tuple[str, object]]) -> None:
    """What the page offers next is always recordable today: the page never leads to a refusal."""
    events: list[Event] = []
    for number, (kind, on) in enumerate(pairs):
        candidate = Event(kind=kind, on=on, id=number + 1)  # type: ignore[arg-type]
        try:
            history([*events, candidate])
        except ValidationError:
            continue
        events.append(candidate)
    built = history(events)
    for kind in next_events(built):
        if kind == EventKind.REVIEW_SCHEDULED:
            new = Event(kind=kind, on=TODAY, meeting_on=TODAY)
        else:
            new = Event(kind=kind, on=TODAY)
        rules.validate_new_event(events, new, today=TODAY)


@pytest.mark.parametrize(
    ("phase", "year"), [("NS", -1), ("PS", 6), ("MS", 8), ("SS", 11), ("AT", 13), ("SP", 13)]
)
def test_default_final_year_from_the_phase(phase: str, year: int) -> None:
    assert rules.default_final_year(phase) == year
    rules.validate_final_year(year)


def test_an_unknown_final_year_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        rules.validate_final_year(5)
    assert caught.value.messages == [rules.FINAL_YEAR_UNKNOWN]
