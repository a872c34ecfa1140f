"""The audit trail in plain words: every audited value labelled and worded as people read it,
on the audit page and in the pupil's history alike."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client

from sendreg.accounts.models import User
from sendreg.audit.presenters import ShownValue, present_label, present_value, present_values
from sendreg.pupils.models import Pupil
from sendreg.pupils.services import contact_save, pupil_update
from sendreg.records.services import medical_condition_create
from tests.conftest import TODAY, put_on_register
from tests.factories import ContactFactory

Login = Callable[[User], Client]


def shown(target: str, **values: object) -> list[tuple[str, str]]:
    return [(v.label, v.text) for v in present_values(target, values)]


# --- the presenter, value by value ---------------------------------------------------


@pytest.mark.django_db
def test_register_values_read_as_codes_with_their_meanings_and_dates_in_words() -> None:
    assert shown("pupils.pupil", status="K", needs=["SLCN", "SEMH"], effective="2026-05-03") == [
        ("Status", "K – SEN support"),
        (
            "Need types, most important first",
            "1. SLCN – Speech, language and communication needs; "
            "2. SEMH – Social, emotional and mental health",
        ),
        ("Takes effect", "3 May 2026"),
    ]
    assert shown("pupils.pupil", status=None, needs=[]) == [
        ("Status", "Not on the SEN register"),
        ("Need types, most important first", "None recorded"),
    ]


@pytest.mark.django_db
def test_pupil_details_read_with_their_field_labels() -> None:
    assert shown(
        "pupils.pupil",
        year_group=7,
        gender="F",
        fsm=True,
        eal=False,
        attendance="91.5",
        leaving_date="2026-07-22",
        reg_group="",
        admission_date=None,
    ) == [
        ("Year group", "Year 7"),
        ("Gender", "Female"),
        ("Free school meals", "Yes"),
        ("English as an additional language", "No"),
        ("Attendance", "91.5%"),
        ("Leaving date", "22 July 2026"),
        ("Registration group", "—"),
        ("Admission date", "—"),
    ]


@pytest.mark.django_db
def test_another_apps_fields_read_with_their_verbose_names() -> None:
    assert shown("records.medicalcondition", has_ihp=True, ihp_review_date="2026-01-09") == [
        ("Has an Individual Healthcare Plan", "Yes"),
        ("Healthcare plan review date", "9 January 2026"),
    ]
    assert shown("pupils.contact", has_care=True, parental_responsibility=False) == [
        ("Has care of the child", "Yes"),
        ("Parental responsibility", "No"),
    ]


@pytest.mark.django_db
def test_values_of_unknown_models_and_names_still_read_as_words() -> None:
    assert present_label("nowhere.thing", "mis_needs") == "Need types in the MIS"
    assert (
        present_value("nowhere.thing", "mis_needs", ["ASD"])
        == "1. ASD – Autistic spectrum disorder"
    )
    assert present_label("nowhere.thing", "some_flag") == "Some flag"
    assert present_value("nowhere.thing", "some_flag", True) == "Yes"
    assert present_value("nowhere.thing", "on", "2025-11-12") == "12 November 2025"
    assert present_value("nowhere.thing", "on", dt.date(2025, 11, 12)) == "12 November 2025"
    assert present_value("nowhere.thing", "codes", ["a", "b"]) == "a; b"
    assert present_value("nowhere.thing", "academic_year", 2025) == "2025"
    assert present_value("register.censusdateoverride", "academic_year", 2025) == "2025/26"
    assert present_values("pupils.pupil", {}) == []
    assert present_values("pupils.pupil", {"fsm": True}) == [ShownValue("Free school meals", "Yes")]


# --- the pages -----------------------------------------------------------------------


@pytest.fixture
def history(pupil: Pupil, senco: User, office: User, on_today: dt.date) -> Pupil:
    """A pupil with a register change, a details change, a carer and a medical condition."""
    put_on_register(pupil, by=senco, needs=("SLCN", "SEMH"))
    pupil.refresh_from_db()
    pupil_update(pupil=pupil, data={"fsm": True, "leaving_date": dt.date(2026, 7, 22)}, by=office)
    contact_save(
        contact=ContactFactory.build(pupil=pupil, name="Flo Foster", has_care=True), by=office
    )
    medical_condition_create(
        pupil=pupil, condition="Asthma", has_ihp=True, ihp_review_date=TODAY, by=senco
    )
    return pupil


INTERNAL = ("Has_ihp", "has_ihp", "['SLCN'", "True", "False", "Has_care", "2026-07-22", "None<")


@pytest.mark.parametrize("page", ["audit", "pupil"])
def test_the_audit_page_and_the_pupil_history_show_plain_words(
    history: Pupil, senco: User, login: Login, page: str
) -> None:
    url = "/audit/" if page == "audit" else f"/pupils/{history.pk}/"
    html = login(senco).get(url).content.decode()
    assert "Status: K – SEN support" in html
    assert (
        "Need types, most important first: 1. SLCN – Speech, language and communication needs; "
        "2. SEMH – Social, emotional and mental health"
    ) in html
    assert "Takes effect: 12 November 2025" in html
    assert "Free school meals: Yes" in html
    assert "Leaving date: 22 July 2026" in html
    assert "Has care of the child: Yes" in html
    assert "Has an Individual Healthcare Plan: Yes" in html
    history_part = html[html.index('<ol class="events">') :]
    for name in INTERNAL:
        assert name not in history_part, name


def test_a_hidden_address_still_reads_as_hidden(history: Pupil, head: User, login: Login) -> None:
    html = login(head).get(f"/pupils/{history.pk}/").content.decode()
    assert "Address: (not shown: only the SENCO sees addresses in the history)" in html
