"""The other registers' rules: pure functions, no database."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from sendreg.records import rules
from sendreg.records.rules import (
    AddressProtection,
    ArrangementState,
    KeyStage,
    ReviewStatus,
    address_protection,
    arrangement_status,
    review_status,
)

D = dt.date
TODAY = D(2025, 11, 12)
APPROVED = D(2025, 3, 1)


def status(
    *,
    key_stage: str = KeyStage.KS4,
    approved_on: dt.date = APPROVED,
    expires_on: dt.date | None = None,
    pupil_year: int | None = 10,
    today: dt.date = TODAY,
) -> rules.ArrangementStatus:
    return arrangement_status(
        key_stage=key_stage,
        approved_on=approved_on,
        expires_on=expires_on,
        pupil_year=pupil_year,
        today=today,
    )


# --- exam access arrangements -----------------------------------------------------------------


def test_year_6_arrangement_is_current_while_the_pupil_is_in_year_6() -> None:
    result = status(key_stage=KeyStage.KS2, approved_on=D(2025, 2, 1), pupil_year=6)
    assert result.state == ArrangementState.CURRENT
    assert result.in_force


def test_year_6_arrangement_is_expired_once_the_pupil_is_in_year_7() -> None:
    result = status(key_stage=KeyStage.KS2, approved_on=D(2025, 2, 1), pupil_year=7)
    assert result.state == ArrangementState.EXPIRED
    assert result.reason == rules.ARRANGEMENT_KS2_NOT_CARRIED
    assert not result.in_force


def test_year_6_arrangement_is_expired_in_year_7_whatever_its_expiry_date() -> None:
    result = status(
        key_stage=KeyStage.KS2, approved_on=D(2025, 2, 1), expires_on=D(2027, 7, 31), pupil_year=7
    )
    assert result.state == ArrangementState.EXPIRED
    assert result.reason == rules.ARRANGEMENT_KS2_NOT_CARRIED


@pytest.mark.parametrize("year", [8, 11, 13])
def test_year_6_arrangement_stays_expired_in_later_years(year: int) -> None:
    assert status(key_stage=KeyStage.KS2, pupil_year=year).state == ArrangementState.EXPIRED


def test_year_6_arrangement_for_a_pupil_with_no_year_is_judged_by_its_dates() -> None:
    assert status(key_stage=KeyStage.KS2, pupil_year=None).state == ArrangementState.CURRENT


@pytest.mark.parametrize("key_stage", [KeyStage.KS4, KeyStage.KS5])
def test_year_7_rule_is_only_for_key_stage_2(key_stage: KeyStage) -> None:
    assert status(key_stage=key_stage, pupil_year=12).state == ArrangementState.CURRENT


def test_arrangement_is_valid_on_its_expiry_date() -> None:
    result = status(expires_on=TODAY)
    assert result.state == ArrangementState.EXPIRING
    assert result.in_force


def test_arrangement_has_expired_the_day_after_its_expiry_date() -> None:
    result = status(expires_on=TODAY - dt.timedelta(days=1))
    assert result.state == ArrangementState.EXPIRED
    assert result.reason == rules.ARRANGEMENT_EXPIRED.format(expires=TODAY - dt.timedelta(days=1))


def test_arrangement_is_due_to_expire_within_the_due_soon_window() -> None:
    last_soon = TODAY + dt.timedelta(days=rules.SOON_DAYS)
    result = status(expires_on=last_soon)
    assert result.state == ArrangementState.EXPIRING
    assert result.reason == rules.ARRANGEMENT_EXPIRES_SOON.format(
        expires=last_soon, days=rules.SOON_DAYS
    )


def test_arrangement_expiring_after_the_due_soon_window_is_current() -> None:
    later = TODAY + dt.timedelta(days=rules.SOON_DAYS + 1)
    result = status(expires_on=later)
    assert result.state == ArrangementState.CURRENT
    assert result.reason == rules.ARRANGEMENT_VALID_UNTIL.format(expires=later)


def test_arrangement_without_expiry_is_current() -> None:
    result = status(expires_on=None)
    assert result.state == ArrangementState.CURRENT
    assert result.reason == rules.ARRANGEMENT_NO_EXPIRY.format(approved=D(2025, 3, 1))


def test_other_arrangement_needs_a_description() -> None:
    with pytest.raises(ValidationError) as exc:
        rules.validate_arrangement(
            arrangement=rules.Arrangement.OTHER, other=" ", approved_on=None, expires_on=None
        )
    assert exc.value.message_dict == {"other_arrangement": [rules.ARRANGEMENT_OTHER_NEEDS_TEXT]}


def test_description_only_with_other() -> None:
    with pytest.raises(ValidationError) as exc:
        rules.validate_arrangement(
            arrangement=rules.Arrangement.READER, other="Laptop", approved_on=None, expires_on=None
        )
    assert exc.value.message_dict == {"other_arrangement": [rules.ARRANGEMENT_TEXT_ONLY_FOR_OTHER]}


def test_expiry_before_approval_is_refused_and_same_day_allowed() -> None:
    with pytest.raises(ValidationError) as exc:
        rules.validate_arrangement(
            arrangement=rules.Arrangement.READER,
            other="",
            approved_on=D(2025, 3, 2),
            expires_on=D(2025, 3, 1),
        )
    assert exc.value.message_dict == {
        "expires_on": [rules.ARRANGEMENT_EXPIRES_BEFORE_APPROVAL.format(approved=D(2025, 3, 2))]
    }
    rules.validate_arrangement(
        arrangement=rules.Arrangement.READER,
        other="",
        approved_on=D(2025, 3, 2),
        expires_on=D(2025, 3, 2),
    )


# --- reviews ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        (None, ReviewStatus.NOT_SET),
        (TODAY - dt.timedelta(days=1), ReviewStatus.OVERDUE),
        (TODAY, ReviewStatus.DUE_SOON),
        (TODAY + dt.timedelta(days=rules.SOON_DAYS), ReviewStatus.DUE_SOON),
        (TODAY + dt.timedelta(days=rules.SOON_DAYS + 1), ReviewStatus.NOT_DUE),
    ],
)
def test_review_status_boundaries(due: dt.date | None, expected: ReviewStatus) -> None:
    assert review_status(due=due, today=TODAY) == expected


def test_due_means_overdue_or_due_soon() -> None:
    assert [s for s in ReviewStatus if s.due] == [ReviewStatus.OVERDUE, ReviewStatus.DUE_SOON]


# --- validators ------------------------------------------------------------------------------


def test_healthcare_plan_needs_a_review_date() -> None:
    with pytest.raises(ValidationError) as exc:
        rules.validate_ihp(has_ihp=True, review_date=None)
    assert exc.value.message_dict == {"ihp_review_date": [rules.IHP_REVIEW_DATE_REQUIRED]}


def test_review_date_without_a_plan_is_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        rules.validate_ihp(has_ihp=False, review_date=TODAY)
    assert exc.value.message_dict == {"ihp_review_date": [rules.IHP_REVIEW_DATE_WITHOUT_PLAN]}


def test_eal_start_before_birth_is_refused() -> None:
    born = D(2013, 5, 17)
    with pytest.raises(ValidationError) as exc:
        rules.validate_eal(started=D(2013, 5, 16), date_of_birth=born)
    assert exc.value.message_dict == {
        "started_in_english_schools": [rules.EAL_STARTED_BEFORE_BIRTH.format(born=born)]
    }
    rules.validate_eal(started=born, date_of_birth=born)
    rules.validate_eal(started=None, date_of_birth=born)


def test_looked_after_details_need_a_looked_after_pupil() -> None:
    with pytest.raises(ValidationError) as exc:
        rules.validate_looked_after(looked_after=False, pupil="Maisie Young")
    assert exc.value.messages == [rules.NOT_LOOKED_AFTER.format(pupil="Maisie Young")]
    rules.validate_looked_after(looked_after=True, pupil="Maisie Young")


def test_pep_review_before_the_pep_and_two_designated_teachers_are_both_named() -> None:
    with pytest.raises(ValidationError) as exc:
        rules.validate_pep(
            pep_date=TODAY, pep_review_date=TODAY - dt.timedelta(days=1), has_teacher=True, name="X"
        )
    assert exc.value.message_dict == {
        "pep_review_date": [rules.PEP_REVIEW_BEFORE_PEP.format(pep=TODAY)],
        "designated_teacher_name": [rules.DESIGNATED_TEACHER_TWICE],
    }


def test_concern_review_before_start_is_refused() -> None:
    with pytest.raises(ValidationError) as exc:
        rules.validate_concern(started_on=TODAY, review_date=TODAY - dt.timedelta(days=1))
    assert exc.value.message_dict == {
        "review_date": [rules.CONCERN_REVIEW_BEFORE_START.format(start=TODAY)]
    }
    rules.validate_concern(started_on=TODAY, review_date=TODAY)


def test_end_needs_a_reason_and_a_date_not_before_the_start() -> None:
    with pytest.raises(ValidationError) as exc:
        rules.validate_end(
            on=TODAY - dt.timedelta(days=1), reason=" ", started_on=TODAY, ended_on=None
        )
    assert exc.value.message_dict == {
        "on": [rules.END_BEFORE_START.format(start=TODAY)],
        "reason": [rules.END_REASON_REQUIRED],
    }


def test_a_record_ends_once() -> None:
    with pytest.raises(ValidationError) as exc:
        rules.validate_end(on=TODAY, reason="Met.", started_on=None, ended_on=TODAY)
    assert exc.value.messages == [rules.ALREADY_ENDED.format(ended=TODAY)]


# --- protected addresses -----------------------------------------------------------------------


FOSTER = "4 Elm Row, Leeds LS1 2AB"
HOME = "9 Oak Street, Leeds"


@pytest.mark.parametrize(
    ("contacts", "expected"),
    [
        ([], AddressProtection.NO_ADDRESS),
        ([("", False), ("  ", True)], AddressProtection.NO_ADDRESS),
        ([(FOSTER, False), (HOME, False)], AddressProtection.NONE),
        ([(FOSTER, True), (HOME, False)], AddressProtection.PARTLY),
        ([(FOSTER, True), (HOME, True)], AddressProtection.ALL),
        # The foster carer's address typed again on a second contact is withheld there too,
        # by the rule the letters follow: nothing is left unprotected.
        ([(FOSTER, True), ("4 ELM ROW  Leeds, LS1 2AB", False)], AddressProtection.ALL),
        ([(FOSTER, True), ("4 ELM ROW  Leeds, LS1 2AB", False), (HOME, False)],
         AddressProtection.PARTLY),
    ],
)  # fmt: skip
def test_address_protection(contacts: list[tuple[str, bool]], expected: AddressProtection) -> None:
    assert address_protection(contacts) == expected
