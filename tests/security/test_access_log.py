"""The access log: who read which records, when, from where, including whole-list downloads."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client

from sendreg.accounts.models import User
from sendreg.audit.models import AccessEvent
from sendreg.pupils.models import Pupil
from tests.conftest import TODAY, put_on_register
from tests.factories import ContactFactory, PupilFactory


def only_event() -> AccessEvent:
    [event] = AccessEvent.objects.all()
    return event


def test_a_pupil_page_is_logged_with_address_and_request_id(
    client: Client, senco: User, pupil: Pupil
) -> None:
    client.force_login(senco)
    response = client.get(f"/pupils/{pupil.pk}/", REMOTE_ADDR="203.0.113.9")
    event = only_event()
    assert (event.actor_id, event.pupil_id, event.school_id, event.what) == (
        senco.pk,
        pupil.pk,
        pupil.school_id,
        "record",
    )
    assert event.client_address == "203.0.113.9"
    assert event.request_id == response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", event.request_id)


@pytest.mark.parametrize(
    ("url", "what", "detail"),
    [
        ("/register/?export=csv", "SEN register export", "export=csv"),
        ("/register/?status=K&export=xlsx", "SEN register export", "status=K&export=xlsx"),
        ("/registers/medical/?export=csv", "medical register export", "export=csv"),
        ("/registers/eal/?export=xlsx", "EAL register export", "export=xlsx"),
        ("/registers/looked-after/?export=csv", "looked-after register export", "export=csv"),
        ("/registers/concerns/?export=csv", "cause for concern export", "export=csv"),
        ("/registers/exam-arrangements/?export=csv", "exam arrangements export", "export=csv"),
        ("/documents/register-pack/", "register pack", ""),
        ("/census/?extract=csv", "census extract", "extract=csv"),
        ("/census/?extract=xml", "census extract", "extract=xml"),
        ("/census/?export=csv", "census check download", "export=csv"),
    ],
)
def test_downloads_of_whole_lists_are_logged_once(
    url: str, what: str, detail: str, client: Client, office: User, pupil: Pupil, on_today: Any
) -> None:
    client.force_login(office)
    response = client.get(url, REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 200
    event = only_event()
    assert (event.what, event.pupil_id, event.detail) == (what, None, detail)
    assert (event.actor_id, event.school_id) == (office.pk, pupil.school_id)
    assert event.client_address == "198.51.100.7"


@pytest.mark.parametrize(
    "url", ["/register/", "/registers/medical/", "/census/?rule=2175", "/pupils/", "/"]
)
def test_pages_that_only_show_a_list_are_not_logged(
    url: str, client: Client, senco: User, pupil: Pupil, on_today: Any
) -> None:
    client.force_login(senco)
    assert client.get(url).status_code == 200
    assert not AccessEvent.objects.exists()


def test_a_contact_form_showing_an_address_is_logged_against_the_pupil(
    client: Client, senco: User, pupil: Pupil
) -> None:
    contact = ContactFactory(pupil=pupil, address="9 Secret Lane", address_protected=True)
    client.force_login(senco)
    response = client.get(f"/pupils/{pupil.pk}/contacts/{contact.pk}/")
    assert "9 Secret Lane" in response.content.decode()
    event = only_event()
    assert (event.what, event.pupil_id) == ("contact form (address shown)", pupil.pk)


def test_any_other_page_of_a_pupils_record_is_logged_with_its_path(
    client: Client, senco: User, pupil: Pupil
) -> None:
    client.force_login(senco)
    assert client.get(f"/registers/pupils/{pupil.pk}/medical/new/").status_code == 200
    event = only_event()
    assert (event.what, event.pupil_id) == ("page of the pupil's record", pupil.pk)
    assert event.detail == f"/registers/pupils/{pupil.pk}/medical/new/"


@pytest.mark.parametrize(("role", "status"), [("outsider", 404), ("governor", 403)])
def test_refused_reads_are_not_logged(
    role: str, status: int, client: Client, pupil: Pupil, request: pytest.FixtureRequest
) -> None:
    client.force_login(request.getfixturevalue(role))
    assert client.get(f"/pupils/{pupil.pk}/").status_code == status
    assert client.get(f"/registers/pupils/{pupil.pk}/medical/new/").status_code in {403, 404}
    assert not AccessEvent.objects.exists()


def test_a_teacher_without_export_rights_leaves_no_export_entry(
    client: Client, teacher: User, pupil: Pupil
) -> None:
    client.force_login(teacher)
    assert client.get("/register/?export=csv").status_code == 403
    assert not AccessEvent.objects.exists()


def test_posts_are_audited_changes_not_reads(client: Client, senco: User, pupil: Pupil) -> None:
    client.force_login(senco)
    client.post(f"/registers/pupils/{pupil.pk}/medical/new/", {"condition": "Asthma"})
    assert not AccessEvent.objects.exists()


# --- Who has looked at this pupil ------------------------------------------------------------


def test_the_senco_sees_who_has_looked_at_the_record(
    client: Client, senco: User, office: User, pupil: Pupil
) -> None:
    client.force_login(office)
    client.get(f"/pupils/{pupil.pk}/", REMOTE_ADDR="198.51.100.7")
    client.force_login(senco)
    page = client.get(f"/pupils/{pupil.pk}/").content.decode()
    assert "Who has looked at this record" in page
    section = page[page.index("Who has looked at this record") :]
    assert "Office (office@100001.test)" in section
    assert "198.51.100.7" in section
    assert "Pupil&#x27;s page" in section


@pytest.mark.parametrize("role", ["teacher", "office"])
def test_others_do_not_see_who_has_looked(
    role: str, client: Client, taught_pupil: Pupil, request: pytest.FixtureRequest
) -> None:
    client.force_login(request.getfixturevalue(role))
    page = client.get(f"/pupils/{taught_pupil.pk}/").content.decode()
    assert "Who has looked at this record" not in page


# --- The access report ------------------------------------------------------------------------


def test_the_access_report_flags_a_day_unusual_for_that_person(
    client: Client, senco: User, office: User, school: Any, time_machine: Any
) -> None:
    pupils = PupilFactory.create_batch(30, school=school)
    # A week of usual days for the office: 3 pupils a day.
    for back in range(7, 0, -1):
        day = TODAY - dt.timedelta(days=back)
        time_machine.move_to(dt.datetime(day.year, day.month, day.day, 10, tzinfo=dt.UTC))
        client.force_login(office)
        for p in pupils[:3]:
            client.get(f"/pupils/{p.pk}/")
    time_machine.move_to(dt.datetime(TODAY.year, TODAY.month, TODAY.day, 10, tzinfo=dt.UTC))
    client.force_login(office)
    for p in pupils:
        client.get(f"/pupils/{p.pk}/")
    client.force_login(senco)
    client.get(f"/pupils/{pupils[0].pk}/")

    page = client.get("/audit/access/").content.decode()

    assert "Days that were unusual for the person" in page
    table = page[page.index('id="unusual-heading"') : page.index('id="downloads-heading"')]
    assert "Office (office@100001.test)" in table
    assert "Opened 30 pupils&#x27; records in the day; on a usual day they open about 3" in table
    assert "Senco" not in table


def test_the_access_report_lists_downloads_and_failed_logins(
    client: Client, senco: User, office: User, pupil: Pupil
) -> None:
    client.force_login(office)
    client.get("/register/?export=csv", REMOTE_ADDR="198.51.100.7")
    anonymous = Client()
    anonymous.post("/login/", {"username": office.email, "password": "wrong password here"})
    client.force_login(senco)
    page = client.get("/audit/access/").content.decode()
    downloads = page[page.index('id="downloads-heading"') : page.index('id="failures-heading"')]
    assert "SEN register export" in downloads and "export=csv" in downloads
    assert "198.51.100.7" in downloads
    failures = page[page.index('id="failures-heading"') :]
    assert "office@100001.test" in failures


def test_put_on_register_leaves_no_access_entry(senco: User, pupil: Pupil) -> None:
    put_on_register(pupil, by=senco)
    assert not AccessEvent.objects.exists()
