"""The graduated approach's rules, without a database."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from sendreg.support import rules
from sendreg.support.rules import DeadlineStatus, ProgressTests

D = dt.date
DAY = dt.timedelta(days=1)
days = st.dates(min_value=D(2000, 1, 1), max_value=D(2090, 12, 31))


# --- Deadline status ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "status"),
    [
        (-1, DeadlineStatus.OVERDUE),
        (0, DeadlineStatus.DUE_SOON),
        (14, DeadlineStatus.DUE_SOON),
        (15, DeadlineStatus.UPCOMING),
    ],
)
def test_deadline_status_on_the_boundary_days(offset: int, status: DeadlineStatus) -> None:
    today = D(2025, 11, 12)
    assert rules.deadline_status(due=today + offset * DAY, today=today) == status


@given(due=days, today=days)
def test_a_done_deadline_is_done_whatever_the_dates(due: dt.date, today: dt.date) -> None:
    assert rules.deadline_status(due=due, today=today, done=True) == DeadlineStatus.DONE


@given(due=days, today=days)
def test_deadline_status_follows_the_days_left(due: dt.date, today: dt.date) -> None:
    status = rules.deadline_status(due=due, today=today)
    left = (due - today).days
    assert (status == DeadlineStatus.OVERDUE) == (left < 0)
    assert (status == DeadlineStatus.DUE_SOON) == (0 <= left <= rules.DUE_SOON_DAYS)
    assert (status == DeadlineStatus.UPCOMING) == (left > rules.DUE_SOON_DAYS)


# --- Terms and meetings ---------------------------------------------------------------------------


def test_terms_of_an_academic_year() -> None:
    autumn, spring, summer = rules.terms_of(2025)
    assert (autumn.start, autumn.end) == (D(2025, 9, 1), D(2025, 12, 31))
    assert (spring.start, spring.end) == (D(2026, 1, 1), D(2026, 3, 31))
    assert (summer.start, summer.end) == (D(2026, 4, 1), D(2026, 8, 31))


@given(day=days)
def test_every_day_is_in_exactly_one_term_of_its_academic_year(day: dt.date) -> None:
    terms = rules.terms_of(rules.academic_year_start(day))
    assert sum(t.covers(day) for t in terms) == 1
    assert rules.term_of(day).covers(day)


@pytest.mark.parametrize(
    ("per_year", "by_term"), [(3, [1, 2, 3]), (4, [2, 3, 4]), (2, [1, 2, 2]), (6, [2, 4, 6])]
)
def test_meetings_are_spread_over_the_terms(per_year: int, by_term: list[int]) -> None:
    assert [rules.meetings_by_end_of_term(per_year, i) for i in range(3)] == by_term


LONG_AGO = D(2024, 1, 10)


def test_parents_not_met_this_term_are_due_at_its_end() -> None:
    due = rules.meetings_due(
        per_year=3, since=LONG_AGO, held=[D(2025, 10, 1)], today=D(2026, 2, 10)
    )
    assert due.status == DeadlineStatus.UPCOMING
    assert due.due == D(2026, 3, 31)
    assert not due.met_this_term
    assert (due.held_this_year, due.expected_this_year) == (1, 2)


def test_a_meeting_missed_last_term_is_overdue() -> None:
    due = rules.meetings_due(per_year=3, since=LONG_AGO, held=[], today=D(2026, 2, 10))
    assert due.status == DeadlineStatus.OVERDUE
    assert due.due == D(2025, 12, 31)


def test_a_meeting_this_term_is_done() -> None:
    due = rules.meetings_due(
        per_year=3, since=LONG_AGO, held=[D(2025, 11, 3), D(2026, 1, 20)], today=D(2026, 2, 10)
    )
    assert due.status == DeadlineStatus.DONE
    assert due.met_this_term


def test_meetings_before_this_academic_year_do_not_count() -> None:
    due = rules.meetings_due(
        per_year=3, since=LONG_AGO, held=[D(2025, 6, 1), D(2025, 7, 1)], today=D(2025, 9, 20)
    )
    assert due.held_this_year == 0
    assert due.status == DeadlineStatus.UPCOMING


def test_a_pupil_who_joined_this_term_owes_only_this_terms_meeting() -> None:
    due = rules.meetings_due(per_year=3, since=D(2026, 1, 15), held=[], today=D(2026, 3, 25))
    assert due.status == DeadlineStatus.DUE_SOON
    assert due.expected_this_year == 1


@given(
    per_year=st.integers(1, 12),
    since=days,
    today=days,
    held=st.lists(days, max_size=15),
)
def test_meetings_due_is_consistent(
    per_year: int, since: dt.date, today: dt.date, held: list[dt.date]
) -> None:
    due = rules.meetings_due(per_year=per_year, since=since, held=held, today=today)
    assert 0 <= due.held_this_year <= len(held)
    assert due.term.covers(today)
    if due.status == DeadlineStatus.DONE:
        assert due.held_this_year >= due.expected_this_year
    else:
        assert due.held_this_year < due.expected_this_year
    if due.status == DeadlineStatus.OVERDUE:
        assert due.due < today
    # Holding as many meetings as promised, all this term, is always enough.
    enough = [today] * rules.MAX_MEETINGS_PER_YEAR
    assert (
        rules.meetings_due(per_year=per_year, since=since, held=enough, today=today).status
        == DeadlineStatus.DONE
    )


@pytest.mark.parametrize("per_year", [0, 13])
def test_meetings_a_year_must_be_one_to_twelve(per_year: int) -> None:
    with pytest.raises(ValidationError) as error:
        rules.validate_meetings_per_year(per_year)
    assert error.value.messages == [rules.MEETINGS_PER_YEAR_RANGE.format(most=12)]


# --- Plans and reviews ----------------------------------------------------------------------------


def test_a_plan_is_for_the_register_or_the_monitoring_list() -> None:
    assert rules.plan_eligible(on_register=True, on_monitoring=False)
    assert rules.plan_eligible(on_register=False, on_monitoring=True)
    assert not rules.plan_eligible(on_register=False, on_monitoring=False)


def test_a_reviewed_plan_is_frozen() -> None:
    rules.validate_plan_open(reviewed_on=None)
    with pytest.raises(ValidationError) as error:
        rules.validate_plan_open(reviewed_on=D(2025, 11, 1))
    assert error.value.messages == [rules.PLAN_FROZEN.format(reviewed=D(2025, 11, 1))]


def test_plan_dates() -> None:
    today = D(2025, 11, 12)
    rules.validate_plan_dates(opened_on=today, review_date=today + DAY, today=today)
    with pytest.raises(ValidationError) as error:
        rules.validate_plan_dates(opened_on=today + DAY, review_date=None, today=today)
    assert error.value.message_dict == {
        "opened_on": [rules.OPENED_IN_FUTURE],
        "review_date": [rules.REVIEW_DATE_REQUIRED],
    }
    with pytest.raises(ValidationError) as error:
        rules.validate_plan_dates(
            opened_on=today, review_date=today, today=today, previous_reviewed_on=today + DAY
        )
    assert error.value.message_dict == {
        "opened_on": [rules.OPENED_BEFORE_PREVIOUS_REVIEW.format(reviewed=today + DAY)],
        "review_date": [rules.REVIEW_DATE_NOT_AFTER_OPENING.format(opened=today)],
    }


def test_outcome_needs_text_and_a_date_after_opening() -> None:
    with pytest.raises(ValidationError) as error:
        rules.validate_outcome(text=" ", by_when=D(2025, 1, 1), opened_on=D(2025, 2, 1))
    assert error.value.message_dict == {
        "text": [rules.OUTCOME_TEXT_REQUIRED],
        "by_when": [rules.BY_WHEN_BEFORE_OPENING.format(opened=D(2025, 2, 1))],
    }


@given(a=st.booleans(), b=st.booleans(), c=st.booleans(), d=st.booleans())
def test_progress_is_adequate_when_any_test_is_met(a: bool, b: bool, c: bool, d: bool) -> None:
    assert rules.progress_adequate(ProgressTests(a, b, c, d)) == any((a, b, c, d))


def test_review_needs_a_result_and_evidence_for_every_outcome() -> None:
    with pytest.raises(ValidationError) as error:
        rules.validate_review(
            reviewed_on=D(2025, 11, 13),
            opened_on=D(2025, 12, 1),
            today=D(2025, 11, 12),
            outcome_ids=[1, 2],
            results={1: ("met", "Read 72 words."), 2: ("maybe", " ")},
        )
    assert error.value.message_dict == {
        "reviewed_on": [
            rules.REVIEWED_BEFORE_OPENING.format(opened=D(2025, 12, 1)),
            rules.REVIEWED_IN_FUTURE,
        ],
        "result_2": [rules.RESULT_FOR_EVERY_OUTCOME],
        "evidence_2": [rules.EVIDENCE_REQUIRED],
    }


def test_a_plan_without_outcomes_cannot_be_reviewed() -> None:
    with pytest.raises(ValidationError) as error:
        rules.validate_review(
            reviewed_on=D(2025, 11, 12),
            opened_on=D(2025, 9, 1),
            today=D(2025, 11, 12),
            outcome_ids=[],
            results={},
        )
    assert error.value.messages == [rules.REVIEW_NEEDS_OUTCOMES]


@pytest.mark.parametrize(
    ("decision", "on_register", "on_monitoring", "message"),
    [
        (rules.Decision.MONITORING, False, True, rules.DECISION_ALREADY_MONITORED),
        (rules.Decision.MONITORING, False, False, rules.DECISION_NEEDS_REGISTER),
        (rules.Decision.OFF_REGISTER, False, True, rules.DECISION_NEEDS_REGISTER),
    ],
)
def test_decisions_that_move_a_pupil_need_them_on_the_register(
    decision: str, on_register: bool, on_monitoring: bool, message: str
) -> None:
    with pytest.raises(ValidationError) as error:
        rules.validate_decision(
            decision=decision, on_register=on_register, on_monitoring=on_monitoring, pupil="Ivy"
        )
    assert error.value.messages == [message.format(pupil="Ivy")]


@pytest.mark.parametrize("decision", rules.Decision.values)
def test_every_decision_is_allowed_for_a_pupil_on_the_register(decision: str) -> None:
    rules.validate_decision(decision=decision, on_register=True, on_monitoring=False, pupil="Ivy")


def test_outcomes_not_fully_met_are_carried_by_default() -> None:
    assert rules.outcomes_to_carry({1: "met", 2: "partly", 3: "not_met"}) == [2, 3]


# --- Specialists ----------------------------------------------------------------------------------


def test_specialist_dates_and_consent() -> None:
    today = D(2025, 11, 12)
    with pytest.raises(ValidationError) as error:
        rules.validate_specialist(
            service=rules.Service.OTHER,
            other_service="",
            consent_on=D(2025, 10, 1),
            consent_by="",
            referred_on=D(2025, 9, 1),
            report_received_on=D(2025, 10, 20),
            shared_with_parents_on=D(2025, 10, 19),
            shared_with_staff_on=today + DAY,
            today=today,
        )
    assert error.value.message_dict == {
        "other_service": [rules.OTHER_SERVICE_NEEDS_NAME],
        "consent_by": [rules.CONSENT_NEEDS_WHO],
        "referred_on": [rules.REFERRED_BEFORE_CONSENT.format(consent=D(2025, 10, 1))],
        "shared_with_parents_on": [rules.SHARED_BEFORE_REPORT.format(received=D(2025, 10, 20))],
        "shared_with_staff_on": [rules.DATE_IN_FUTURE],
    }


def _zip(names: list[str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return out.getvalue()


DOCX = _zip(["[Content_Types].xml", "word/document.xml", "_rels/.rels"])


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"%PDF-1.7\n%...", rules.ReportKind.PDF),
        (DOCX, rules.ReportKind.DOCX),
        (_zip(["[Content_Types].xml", "xl/workbook.xml"]), None),
        (_zip(["word/document.xml"]), None),
        (b"PK\x03\x04 not really a zip", None),
        (b"\xd0\xcf\x11\xe0 an old .doc", None),
        (b"<html>%PDF-</html>", None),
        (b"", None),
    ],
)
def test_reports_are_known_by_their_content(data: bytes, kind: rules.ReportKind | None) -> None:
    assert rules.report_kind(data) == kind


@given(st.binary(max_size=300))
def test_report_kind_never_fails_on_any_bytes(data: bytes) -> None:
    assert rules.report_kind(data) in (None, rules.ReportKind.PDF, rules.ReportKind.DOCX)


def test_report_size_and_type_are_checked() -> None:
    assert rules.validate_report(data=DOCX, limit_bytes=len(DOCX)) == rules.ReportKind.DOCX
    with pytest.raises(ValidationError) as error:
        rules.validate_report(data=b"%PDF-" + b"x" * 2_000_000, limit_bytes=1_048_576)
    assert error.value.messages == [rules.REPORT_TOO_BIG.format(size_mb="1.9", limit_mb="1")]
    with pytest.raises(ValidationError) as error:
        rules.validate_report(data=b"MZ\x90\x00", limit_bytes=1_048_576)
    assert error.value.messages == [rules.REPORT_TYPE_REFUSED]
    with pytest.raises(ValidationError) as error:
        rules.validate_report(data=b"", limit_bytes=1_048_576)
    assert error.value.messages == [rules.REPORT_EMPTY]


# --- Passports ------------------------------------------------------------------------------------


def test_suggestions_must_say_something_new() -> None:
    with pytest.raises(ValidationError) as error:
        rules.validate_suggestion(text="Same words ", current="Same words")
    assert error.value.messages == [rules.SUGGESTION_SAME]
    with pytest.raises(ValidationError) as error:
        rules.validate_suggestion(text="  ", current="")
    assert error.value.messages == [rules.SUGGESTION_EMPTY]
    with pytest.raises(ValidationError) as error:
        rules.validate_suggestion_pending(state=rules.SuggestionState.ACCEPTED)
    assert error.value.messages == [rules.SUGGESTION_DECIDED.format(state="accepted")]
