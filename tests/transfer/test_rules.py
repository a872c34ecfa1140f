"""The transfer rules on their own: no database."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from sendreg.transfer import rules
from sendreg.transfer.rules import (
    AcknowledgementStatus,
    ConsentTerms,
    Episode,
    SenEntry,
    SharingPurpose,
)
from sendreg.transfer.statutory import exception_rules

D = dt.date

# --- School days ------------------------------------------------------------------------


def test_school_days_skip_weekends() -> None:
    friday = D(2025, 11, 14)
    assert rules.add_school_days(friday, 1) == D(2025, 11, 17)
    assert rules.add_school_days(friday, 5) == D(2025, 11, 21)
    assert rules.school_days_between(friday, D(2025, 11, 17)) == 1


def test_fifteen_school_days_are_three_weeks() -> None:
    assert rules.acknowledgement_due(D(2025, 11, 3)) == D(2025, 11, 24)


@given(
    st.dates(min_value=D(2020, 1, 1), max_value=D(2030, 12, 31)),
    st.integers(min_value=0, max_value=80),
)
def test_adding_then_counting_school_days_agree(start: dt.date, days: int) -> None:
    end = rules.add_school_days(start, days)
    assert rules.school_days_between(start, end) == days
    assert days == 0 or rules.is_school_day(end)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (D(2025, 11, 3), AcknowledgementStatus.WAITING),
        (D(2025, 11, 9), AcknowledgementStatus.WAITING),
        (D(2025, 11, 10), AcknowledgementStatus.DUE_SOON),  # 14 days before the 24th
        (D(2025, 11, 17), AcknowledgementStatus.DUE_SOON),
        (D(2025, 11, 24), AcknowledgementStatus.DUE_SOON),  # the 15th school day: still on time
        (D(2025, 11, 25), AcknowledgementStatus.OVERDUE),
    ],
)
def test_acknowledgement_is_overdue_after_fifteen_school_days(
    today: dt.date, expected: AcknowledgementStatus
) -> None:
    status = rules.acknowledgement_status(sent_on=D(2025, 11, 3), acknowledged_on=None, today=today)
    assert status == expected


def test_an_acknowledged_pack_is_done_however_late() -> None:
    status = rules.acknowledgement_status(
        sent_on=D(2025, 1, 6), acknowledged_on=D(2025, 6, 1), today=D(2025, 11, 1)
    )
    assert status == AcknowledgementStatus.ACKNOWLEDGED


def test_acknowledgement_needs_a_name_and_a_date_after_sending() -> None:
    with pytest.raises(ValidationError) as exc:
        rules.validate_acknowledgement(
            acknowledged_on=D(2025, 11, 1), sent_on=D(2025, 11, 3), name=" ", today=D(2025, 11, 5)
        )
    assert exc.value.message_dict == {
        "acknowledged_by_name": [rules.ACK_NAME_REQUIRED],
        "acknowledged_on": [rules.ACK_BEFORE_SENT.format(sent=D(2025, 11, 3))],
    }
    with pytest.raises(ValidationError, match=rules.ACK_IN_FUTURE):
        rules.validate_acknowledgement(
            acknowledged_on=D(2025, 11, 6),
            sent_on=D(2025, 11, 3),
            name="Ms Head",
            today=D(2025, 11, 5),
        )


# --- SEN history in a CTF ---------------------------------------------------------------


def test_episodes_become_entries_with_an_n_where_the_pupil_came_off() -> None:
    episodes = [
        Episode("K", D(2021, 9, 6), D(2023, 3, 1)),
        Episode("E", D(2023, 3, 1), D(2024, 7, 1)),
        Episode("K", D(2025, 1, 6), None),
    ]
    assert rules.episodes_to_entries(episodes) == [
        SenEntry(D(2021, 9, 6), "K"),
        SenEntry(D(2023, 3, 1), "E"),
        SenEntry(D(2024, 7, 1), "N"),
        SenEntry(D(2025, 1, 6), "K"),
    ]


@st.composite
def episode_lists(draw: st.DrawFn) -> list[Episode]:
    """Non-overlapping episodes as the register keeps them: consecutive ones differ in status."""
    day = draw(st.dates(min_value=D(2015, 1, 1), max_value=D(2020, 1, 1)))
    episodes: list[Episode] = []
    for _ in range(draw(st.integers(min_value=0, max_value=6))):
        status = draw(st.sampled_from(["E", "K"]))
        gap = draw(st.integers(min_value=0, max_value=400))
        if episodes and gap == 0 and episodes[-1].status == status:
            status = "E" if status == "K" else "K"
        start = day + dt.timedelta(days=gap)
        length = draw(st.integers(min_value=1, max_value=700))
        episodes.append(Episode(status, start, start + dt.timedelta(days=length)))
        day = start + dt.timedelta(days=length)
    if episodes and draw(st.booleans()):
        last = episodes[-1]
        episodes[-1] = Episode(last.status, last.start, None)
    return episodes


@given(episode_lists())
def test_entries_turn_back_into_the_same_episodes(episodes: list[Episode]) -> None:
    assert rules.entries_to_episodes(rules.episodes_to_entries(episodes)) == episodes


def test_current_provision_is_the_start_of_the_latest_run() -> None:
    entries = [
        SenEntry(D(2020, 9, 1), "E"),
        SenEntry(D(2021, 9, 1), "K"),
        SenEntry(D(2022, 9, 1), "K"),
    ]
    assert rules.current_provision(entries) == SenEntry(D(2021, 9, 1), "K")
    assert rules.current_provision([]) is None


@pytest.mark.parametrize(
    ("entries", "here", "offered"),
    [
        ([SenEntry(D(2021, 9, 1), "K")], False, True),
        ([SenEntry(D(2021, 9, 1), "E")], False, True),
        ([SenEntry(D(2021, 9, 1), "K")], True, False),
        ([SenEntry(D(2021, 9, 1), "K"), SenEntry(D(2023, 1, 1), "N")], False, False),
        ([], False, False),
    ],
)
def test_transfer_in_is_offered_only_for_register_pupils_not_on_this_register(
    entries: list[SenEntry], here: bool, offered: bool
) -> None:
    assert rules.transfer_in_offered(entries=entries, on_register_here=here) is offered


# --- File names and destinations -----------------------------------------------------------


def test_ctf_file_name_follows_the_convention() -> None:
    name = rules.ctf_filename(source_laestab="8012000", dest_laestab="8012345", sequence=7)
    assert name == "8012000_CTF_8012345_007.xml"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("8012345", "8012345"),
        ("801/2345", "8012345"),
        ("mmmmmmm", "MMMMMMM"),
        ("XXXXXXX", "XXXXXXX"),
    ],
)
def test_destinations_accepted(value: str, expected: str) -> None:
    assert rules.validate_destination(value) == expected


@pytest.mark.parametrize("value", ["801234", "80123456", "ABCDEFG", "", "8012345; rm"])
def test_destinations_refused(value: str) -> None:
    with pytest.raises(ValidationError, match="LAESTAB"):
        rules.validate_destination(value)


def test_nc_years_are_written_as_a_ctf_writes_them() -> None:
    assert [rules.nc_year_code(y) for y in (-2, -1, 0, 6, None)] == ["N1", "N2", "R", "6", ""]


# --- Consent ------------------------------------------------------------------------------


def _consent(**fields: object) -> ConsentTerms:
    values: dict[str, object] = {
        "given_on": D(2025, 9, 1),
        "withdrawn_on": None,
        "purposes": frozenset({SharingPurpose.NEXT_SCHOOL.value}),
        "organisations": (),
    }
    values.update(fields)
    return ConsentTerms(**values)  # type: ignore[arg-type]


def test_consent_covers_its_purposes_from_the_day_given() -> None:
    consent = _consent()
    assert rules.consent_covers([consent], SharingPurpose.NEXT_SCHOOL, D(2025, 9, 1))
    assert not rules.consent_covers([consent], SharingPurpose.NEXT_SCHOOL, D(2025, 8, 31))
    assert not rules.consent_covers([consent], SharingPurpose.SPECIALISTS, D(2025, 10, 1))


def test_withdrawal_ends_consent_on_that_day() -> None:
    consent = _consent(withdrawn_on=D(2025, 10, 1))
    assert rules.consent_covers([consent], SharingPurpose.NEXT_SCHOOL, D(2025, 9, 30))
    assert not rules.consent_covers([consent], SharingPurpose.NEXT_SCHOOL, D(2025, 10, 1))


def test_consent_naming_an_organisation_covers_only_that_organisation() -> None:
    consent = _consent(purposes=frozenset(), organisations=("Northshire  EP Service",))
    on = D(2025, 10, 1)
    assert rules.consent_covers([consent], SharingPurpose.SPECIALISTS, on, "northshire ep service")
    assert not rules.consent_covers([consent], SharingPurpose.SPECIALISTS, on, "Other Service")
    assert not rules.consent_covers([consent], SharingPurpose.SPECIALISTS, on)


def test_the_newest_covering_consent_is_the_one_named() -> None:
    older, newer = _consent(ref=1), _consent(given_on=D(2025, 9, 20), ref=2)
    assert (
        rules.covering_consent([older, newer], SharingPurpose.NEXT_SCHOOL, D(2025, 10, 1)) == newer
    )


def test_a_pupil_gives_consent_only_from_sixteen() -> None:
    common = {
        "has_contact": False,
        "date_of_birth": D(2009, 11, 13),
        "purposes": ["health"],
        "organisations": [],
        "pupil_name": "Amy Adams",
        "today": D(2025, 11, 13),
    }
    with pytest.raises(ValidationError) as exc:
        rules.validate_consent(given_by="young_person", given_on=D(2025, 11, 12), **common)  # type: ignore[arg-type]
    assert exc.value.message_dict["given_by"] == [
        rules.CONSENT_TOO_YOUNG.format(name="Amy Adams", age=15)
    ]
    rules.validate_consent(given_by="young_person", given_on=D(2025, 11, 13), **common)  # type: ignore[arg-type]


def test_a_parent_consent_names_the_contact_and_what_it_covers() -> None:
    with pytest.raises(ValidationError) as exc:
        rules.validate_consent(
            given_by="parent", has_contact=False, date_of_birth=D(2014, 1, 1),
            given_on=D(2025, 11, 1), purposes=[], organisations=[" "], pupil_name="Amy",
            today=D(2025, 11, 12),
        )  # fmt: skip
    assert exc.value.message_dict == {
        "contact": [rules.CONSENT_PARENT_REQUIRED],
        "purposes": [rules.CONSENT_SCOPE_REQUIRED],
    }


def test_withdrawal_dates() -> None:
    with pytest.raises(ValidationError, match="before it was given"):
        rules.validate_withdrawal(
            given_on=D(2025, 9, 1), withdrawn_on=D(2025, 8, 1), already=False, today=D(2025, 9, 2)
        )
    with pytest.raises(ValidationError, match=rules.ALREADY_WITHDRAWN):
        rules.validate_withdrawal(
            given_on=D(2025, 9, 1), withdrawn_on=D(2025, 9, 2), already=True, today=D(2025, 9, 2)
        )


# --- Sharing without consent --------------------------------------------------------------


def test_sharing_covered_by_consent_needs_no_reason() -> None:
    rules.validate_sharing_reason(
        covered=True, exception="", reason="", exceptions=exception_rules()
    )


def test_sharing_without_consent_needs_a_statutory_exception_or_words() -> None:
    exceptions = exception_rules()
    with pytest.raises(ValidationError, match=rules.SHARING_REASON_REQUIRED):
        rules.validate_sharing_reason(covered=False, exception="", reason="", exceptions=exceptions)
    with pytest.raises(ValidationError, match=rules.SHARING_REASON_UNKNOWN):
        rules.validate_sharing_reason(
            covered=False, exception="because", reason="", exceptions=exceptions
        )
    with pytest.raises(ValidationError, match=rules.SHARING_OTHER_NEEDS_WORDS):
        rules.validate_sharing_reason(
            covered=False, exception="other", reason=" ", exceptions=exceptions
        )
    with pytest.raises(ValidationError, match=rules.SHARING_OTHER_NEEDS_WORDS):
        rules.validate_sharing_reason(
            covered=False, exception="pupil_interests", reason="", exceptions=exceptions
        )
    rules.validate_sharing_reason(
        covered=False, exception="next_setting", reason="", exceptions=exceptions
    )


def test_the_seed_004_exceptions_are_all_selectable() -> None:
    keys = set(exception_rules())
    assert {
        "tribunal", "court_order", "maladministration", "authority_duties", "ofsted",
        "disabled_students_allowance", "next_setting",
    } <= keys  # fmt: skip
