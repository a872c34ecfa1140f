"""Pupil details made right: stale forms, year groups by phase, persistent absence, carers as
parents, and the pupil page's words."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils.html import escape
from hypothesis import given
from hypothesis import strategies as st

from sendreg.accounts.models import School, User
from sendreg.audit.models import AuditEvent
from sendreg.pupils import rules
from sendreg.pupils.forms import DETAIL_FIELDS, PupilForm, year_choices
from sendreg.pupils.models import Contact, Pupil
from sendreg.pupils.services import StaleDetails, contact_save, pupil_update
from sendreg.register.services import monitoring_start
from tests.conftest import TODAY
from tests.factories import ContactFactory, PupilFactory

pytestmark = pytest.mark.usefixtures("on_today")
Login = Callable[[User], Client]


def details_post(pupil: Pupil, *, version: int, **overrides: Any) -> dict[str, Any]:
    """The details form as it was filled in when read at ``version``."""
    data: dict[str, Any] = {}
    for name in DETAIL_FIELDS:
        value = getattr(pupil, name)
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, dt.date):
            data[name] = value.isoformat()
        else:
            data[name] = "" if value is None else str(value)
    data["version"] = str(version)
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- two stale forms ----------------------------------------------------------------


def test_a_change_bumps_the_details_version_and_no_change_does_not(
    pupil: Pupil, office: User
) -> None:
    assert (
        pupil_update(pupil=pupil, data={"reg_group": "7A"}, by=office, expected_version=0) is False
    )
    pupil.refresh_from_db()
    assert pupil.details_version == 0
    assert pupil_update(pupil=pupil, data={"reg_group": "7C"}, by=office, expected_version=0)
    pupil.refresh_from_db()
    assert (pupil.reg_group, pupil.details_version) == ("7C", 1)


def test_a_stale_version_saves_nothing(pupil: Pupil, office: User) -> None:
    pupil_update(pupil=pupil, data={"reg_group": "7C"}, by=office, expected_version=0)
    stale = Pupil.objects.get(pk=pupil.pk)
    with pytest.raises(StaleDetails, match="Someone else changed this pupil's details"):
        pupil_update(pupil=stale, data={"fsm": True}, by=office, expected_version=0)
    pupil.refresh_from_db()
    assert (pupil.fsm, pupil.details_version) == (False, 1)
    assert AuditEvent.objects.count() == 1


def test_two_stale_forms_do_not_overwrite_each_other(
    pupil: Pupil, office: User, senco: User, login: Login
) -> None:
    url = f"/pupils/{pupil.pk}/edit/"
    # Both open the form at version 0; the office saves first.
    first = login(office).post(url, details_post(pupil, version=0, reg_group="7C"))
    assert first.status_code == 302

    # The SENCO's form still says 7A: saving it would silently put 7A back.
    response = login(senco).post(url, details_post(pupil, version=0, fsm="on", attendance="88.5"))
    assert response.status_code == 200
    html = response.content.decode()
    assert escape(StaleDetails.MESSAGE) in html
    # The record as it is now, beside what the SENCO typed.
    assert '<th scope="row">Registration group</th><td>7C</td><td>7A</td>' in html
    assert '<th scope="row">Free school meals</th><td>No</td><td>Yes</td>' in html
    # What the SENCO typed is kept in the form, and the form now carries the new version.
    assert 'name="attendance" value="88.5"' in html
    assert 'name="version" value="1"' in html
    pupil.refresh_from_db()
    assert (pupil.reg_group, pupil.fsm, pupil.attendance) == ("7C", False, None)

    # Saving again, having seen the other change, goes through.
    again = login(senco).post(url, details_post(pupil, version=1, fsm="on", attendance="88.5"))
    assert again.status_code == 302
    pupil.refresh_from_db()
    assert (pupil.reg_group, pupil.fsm, pupil.attendance) == ("7C", True, Decimal("88.5"))
    assert pupil.details_version == 2


def test_a_form_without_its_version_is_refused(pupil: Pupil, office: User, login: Login) -> None:
    data = details_post(pupil, version=0, reg_group="7C")
    del data["version"]
    response = login(office).post(f"/pupils/{pupil.pk}/edit/", data)
    assert response.status_code == 200
    assert escape("This form is out of date") in response.content.decode()
    pupil.refresh_from_db()
    assert pupil.reg_group == "7A"


# --- year groups by phase -----------------------------------------------------------


@pytest.mark.parametrize(
    ("phase", "first", "last"),
    [
        (School.Phase.SECONDARY, 7, 11),
        (School.Phase.ALL_THROUGH, 0, 13),
        (School.Phase.PRIMARY, 0, 6),
        (School.Phase.NURSERY, -2, 0),
        (School.Phase.MIDDLE, 5, 8),
        (School.Phase.SPECIAL, -2, 14),
        (School.Phase.PUPIL_REFERRAL, -2, 14),
    ],
)
def test_each_phase_teaches_its_own_years(phase: str, first: int, last: int) -> None:
    assert list(rules.year_range_for_phase(phase)) == list(range(first, last + 1))


def test_every_phase_a_school_can_have_has_its_years() -> None:
    assert set(rules.PHASE_YEARS) == set(School.Phase.values)
    assert list(rules.year_range_for_phase("??")) == list(rules.EVERY_YEAR)


@given(
    st.sampled_from(School.Phase.values),
    st.lists(st.one_of(st.none(), st.integers(min_value=-2, max_value=14))),
)
def test_years_offered_are_the_phases_and_those_on_roll_in_order(
    phase: str, on_roll: list[int | None]
) -> None:
    offered = rules.years_offered(phase, on_roll)
    assert offered == sorted(set(offered))
    assert set(rules.year_range_for_phase(phase)) <= set(offered)
    assert {y for y in on_roll if y is not None} <= set(offered)
    assert set(offered) <= set(rules.year_range_for_phase(phase)) | set(on_roll)


def test_an_11_to_16_school_offers_years_7_to_11_and_any_year_on_roll(school: School) -> None:
    labels = [label for _, label in year_choices(school)]
    assert labels == ["All years", "Year 7", "Year 8", "Year 9", "Year 10", "Year 11"]
    PupilFactory(school=school, year_group=12)
    PupilFactory(school=school, year_group=13, leaving_date=TODAY - dt.timedelta(days=1))
    assert "Year 12" in [label for _, label in year_choices(school)]
    # A pupil who has left is not on roll, so their year is not offered.
    assert "Year 13" not in [label for _, label in year_choices(school)]
    assert "Nursery 1" not in [label for _, label in year_choices(school)]


def test_the_details_form_offers_the_schools_years_and_the_pupils_own(school: School) -> None:
    left = PupilFactory(school=school, year_group=13, leaving_date=TODAY - dt.timedelta(days=1))
    choices = dict(PupilForm(instance=left).fields["year_group"].choices)  # type: ignore[attr-defined]
    assert list(choices.values()) == [
        "Not recorded", "Year 7", "Year 8", "Year 9", "Year 10", "Year 11", "Year 13",
    ]  # fmt: skip


def test_the_details_form_refuses_a_year_the_school_does_not_teach(
    pupil: Pupil, office: User, login: Login
) -> None:
    response = login(office).post(
        f"/pupils/{pupil.pk}/edit/", details_post(pupil, version=0, year_group="-2")
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    pupil.refresh_from_db()
    assert pupil.year_group == 7


# --- persistent absence -------------------------------------------------------------


@pytest.mark.parametrize(
    ("attendance", "absent"),
    [
        (Decimal("90"), True),
        (Decimal("90.00"), True),
        (Decimal("89.99"), True),
        (Decimal("90.01"), False),
        (Decimal("100"), False),
        (Decimal("0"), True),
        (None, False),
    ],
)
def test_persistently_absent_is_attendance_of_90_percent_or_below(
    attendance: Decimal | None, absent: bool
) -> None:
    assert rules.persistently_absent(attendance) is absent


def test_the_pupil_page_names_persistent_absence_at_exactly_90_percent(
    school: School, office: User, login: Login
) -> None:
    at_90 = PupilFactory(school=school, attendance=Decimal("90.00"))
    above = PupilFactory(school=school, attendance=Decimal("90.10"))
    client = login(office)
    assert "persistently absent" in client.get(f"/pupils/{at_90.pk}/").content.decode()
    assert "persistently absent" not in client.get(f"/pupils/{above.pk}/").content.decode()


# --- carers are parents -------------------------------------------------------------


def test_a_contact_who_has_care_of_the_child_is_a_parent_in_law() -> None:
    carer = Contact(parental_responsibility=False, has_care=True)
    neither = Contact(parental_responsibility=False, has_care=False)
    assert carer.is_parent_in_law and not neither.is_parent_in_law


def test_the_office_records_that_a_contact_has_care_and_the_page_says_so(
    pupil: Pupil, office: User, login: Login
) -> None:
    client = login(office)
    response = client.post(
        f"/pupils/{pupil.pk}/contacts/new/",
        {"name": "Flo Foster", "relationship": "Foster carer", "has_care": "on"},
    )
    assert response.status_code == 302
    contact = Contact.objects.get(name="Flo Foster")
    assert (contact.has_care, contact.parental_responsibility) == (True, False)
    event = AuditEvent.objects.get(type=AuditEvent.Type.CONTACT_ADDED)
    assert event.new["has_care"] is True
    html = client.get(f"/pupils/{pupil.pk}/").content.decode()
    assert "(Foster carer, has care of the child)" in html
    assert "A parent in education law: letters about Maisie" in html


def test_the_contact_form_explains_having_care(pupil: Pupil, office: User, login: Login) -> None:
    html = login(office).get(f"/pupils/{pupil.pk}/contacts/new/").content.decode()
    assert "Has care of the child" in html
    assert "In education law they are a parent too" in html


# --- the pupil page's words ---------------------------------------------------------


def test_the_census_line_shows_n_with_its_meaning_from_the_code_list(
    pupil: Pupil, office: User, login: Login
) -> None:
    html = login(office).get(f"/pupils/{pupil.pk}/").content.decode()
    assert "<strong>N – No SEN</strong>" in html
    assert "not on the SEN register</strong>" not in html


def test_a_reason_ending_in_a_full_stop_shows_one(pupil: Pupil, senco: User, login: Login) -> None:
    monitoring_start(
        pupil=pupil, reason="Reading age below chronological age.", review_date=TODAY,
        on=TODAY, by=senco,
    )  # fmt: skip
    html = login(senco).get(f"/pupils/{pupil.pk}/").content.decode()
    assert "Reading age below chronological age." in html
    assert "age.." not in html
    assert "age.</" in html or "age.\n" in html


def test_contact_save_audits_having_care(pupil: Pupil, office: User) -> None:
    contact = ContactFactory(pupil=pupil, parental_responsibility=False)
    contact.has_care = True
    contact_save(contact=contact, by=office)
    event = AuditEvent.objects.get(type=AuditEvent.Type.CONTACT_UPDATED)
    assert (event.old, event.new) == ({"has_care": False}, {"has_care": True})
