"""Pupil pages: contacts, the protected address, a teacher's home page and the details form."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.utils.html import escape

from sendreg.accounts.models import User
from sendreg.audit.models import AccessEvent, AuditEvent
from sendreg.audit.selectors import ADDRESS_HIDDEN
from sendreg.pupils import rules
from sendreg.pupils.forms import DETAIL_FIELDS
from sendreg.pupils.models import Contact, Pupil
from tests.conftest import put_on_register
from tests.factories import ContactFactory

pytestmark = pytest.mark.usefixtures("on_today")

Login = Callable[[User], Client]

SECRET_STREET = "7 Hidden Close"
SECRET_ADDRESS = f"{SECRET_STREET}\nBristol\nBS9 9ZZ"


def contact_post(**overrides: Any) -> dict[str, Any]:
    data = {
        "name": "Jo Carer",
        "relationship": "Foster carer",
        "address": SECRET_ADDRESS,
        "email": "jo.carer@example.com",
        "phone": "07700 900123",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_office_records_a_contact_with_parental_responsibility(
    pupil: Pupil, office: User, login: Login
) -> None:
    client = login(office)
    response = client.post(
        f"/pupils/{pupil.pk}/contacts/new/",
        contact_post(name="Sam Young", relationship="Mother", parental_responsibility="on",
                     address="1 High Street\nBristol"),
    )  # fmt: skip
    assert response.status_code == 302
    contact = Contact.objects.get(pupil=pupil)
    assert (contact.name, contact.parental_responsibility) == ("Sam Young", True)
    event = AuditEvent.objects.get(type=AuditEvent.Type.CONTACT_ADDED)
    assert (event.actor_id, event.pupil_id) == (office.pk, pupil.pk)

    html = client.get(f"/pupils/{pupil.pk}/").content.decode()
    assert 'Sam Young <span class="meta">(Mother, has parental responsibility)</span>' in html
    assert "1 High Street<br>Bristol" in html


def test_contact_form_reshows_invalid_input(pupil: Pupil, office: User, login: Login) -> None:
    response = login(office).post(
        f"/pupils/{pupil.pk}/contacts/new/", contact_post(name="", email="not-an-email")
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Name: This field is required." in html
    assert "Email: Enter a valid email address." in html
    assert not Contact.objects.exists()


@pytest.fixture
def protected(pupil: Pupil, senco: User, office: User, login: Login) -> Contact:
    """A contact the office added and the SENCO then marked as having a protected address."""
    assert (
        login(office).post(f"/pupils/{pupil.pk}/contacts/new/", contact_post()).status_code == 302
    )
    contact = Contact.objects.get(pupil=pupil)
    response = login(senco).post(
        f"/pupils/{pupil.pk}/contacts/{contact.pk}/",
        contact_post(address_protected="on"),
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.address_protected
    return contact


def test_senco_sees_a_protected_address(
    protected: Contact, pupil: Pupil, senco: User, login: Login
) -> None:
    html = login(senco).get(f"/pupils/{pupil.pk}/").content.decode()
    assert f"{SECRET_STREET}<br>Bristol<br>BS9 9ZZ" in html
    assert "(protected: never print or share)" in html


@pytest.mark.parametrize("role", ["office", "head"])
def test_protected_address_is_not_in_the_page_for_other_roles(
    role: str, protected: Contact, pupil: Pupil, login: Login, request: pytest.FixtureRequest
) -> None:
    client = login(request.getfixturevalue(role))
    html = client.get(f"/pupils/{pupil.pk}/").content.decode()
    assert "Jo Carer" in html
    assert "Protected address: only the SENCO can see it." in html
    assert "Hidden Close" not in html
    assert "BS9 9ZZ" not in html


def test_office_edit_form_has_no_protected_address(
    protected: Contact, pupil: Pupil, office: User, login: Login
) -> None:
    html = login(office).get(f"/pupils/{pupil.pk}/contacts/{protected.pk}/").content.decode()
    assert "This contact's address is protected." in html
    assert 'name="address"' not in html
    assert 'name="address_protected"' not in html
    assert "Hidden Close" not in html


def test_office_cannot_change_or_unprotect_a_protected_address(
    protected: Contact, pupil: Pupil, office: User, login: Login
) -> None:
    response = login(office).post(
        f"/pupils/{pupil.pk}/contacts/{protected.pk}/",
        contact_post(address="1 Public Road", address_protected="", phone="07700 900999"),
    )
    assert response.status_code == 302
    protected.refresh_from_db()
    assert protected.address == SECRET_ADDRESS
    assert protected.address_protected is True
    # What the office may change, they did change.
    assert protected.phone == "07700 900999"


def test_office_edit_form_withholds_a_protected_address_typed_on_another_contact(
    protected: Contact, pupil: Pupil, office: User, senco: User, login: Login
) -> None:
    """The pupil's page and letters withhold it (``rules.address_is_protected``): so does the
    form, which would otherwise show it to the office in the address box."""
    again = ContactFactory(pupil=pupil, name="Sam Carer", address=SECRET_ADDRESS.upper())
    url = f"/pupils/{pupil.pk}/contacts/{again.pk}/"

    html = login(office).get(url).content.decode()
    assert "This contact's address is protected." in html
    assert 'name="address"' not in html and "HIDDEN CLOSE" not in html
    login(office).post(url, contact_post(name="Sam Carer", address="1 Public Road"))
    again.refresh_from_db()
    assert again.address == SECRET_ADDRESS.upper() and again.name == "Sam Carer"
    # The SENCO sees and may change it.
    assert "HIDDEN CLOSE" in login(senco).get(url).content.decode()


def test_protected_address_never_reaches_the_audit_trail_from_the_forms(
    protected: Contact, pupil: Pupil, office: User, head: User, login: Login
) -> None:
    login(office).post(
        f"/pupils/{pupil.pk}/contacts/{protected.pk}/", contact_post(phone="07700 900999")
    )
    login(office).post(f"/pupils/{pupil.pk}/contacts/{protected.pk}/delete/")
    for event in AuditEvent.objects.filter(type__startswith="contact."):
        if event.type != AuditEvent.Type.CONTACT_ADDED:
            assert "Hidden Close" not in str(event.old) + str(event.new)


def test_head_never_sees_a_protected_address_in_the_history(
    protected: Contact, pupil: Pupil, head: User, login: Login
) -> None:
    # The address was audited in full when the office added the contact, before
    # it was protected; the append-only row keeps it, so the history must hide it.
    assert "Hidden Close" in str(AuditEvent.objects.get(type=AuditEvent.Type.CONTACT_ADDED).new)
    for page in (f"/pupils/{pupil.pk}/", "/audit/"):
        html = login(head).get(page).content.decode()
        assert "Contact added" in html
        assert "Hidden Close" not in html
        assert f"Address: {ADDRESS_HIDDEN}" in html


def test_senco_sees_contact_addresses_in_the_history(
    protected: Contact, pupil: Pupil, senco: User, login: Login
) -> None:
    html = login(senco).get("/audit/").content.decode()
    assert "Address: 7 Hidden Close" in html
    assert ADDRESS_HIDDEN not in html


def test_protecting_an_address_is_audited_without_it(
    protected: Contact, pupil: Pupil, senco: User
) -> None:
    event = AuditEvent.objects.get(type=AuditEvent.Type.CONTACT_UPDATED)
    assert event.actor_id == senco.pk
    assert event.old == {"address_protected": False}
    assert event.new == {"address_protected": True}


def test_protected_address_added_as_protected_is_in_no_history(
    pupil: Pupil, senco: User, head: User, login: Login
) -> None:
    login(senco).post(f"/pupils/{pupil.pk}/contacts/new/", contact_post(address_protected="on"))
    assert Contact.objects.get(pupil=pupil).address_protected
    for page in (f"/pupils/{pupil.pk}/", "/audit/"):
        html = login(head).get(page).content.decode()
        assert "Contact added" in html
        assert "Hidden Close" not in html
        assert f"Address: {ADDRESS_HIDDEN}" in html
    # Even the SENCO's view of the trail holds no protected address: it was never written.
    html = login(senco).get("/audit/").content.decode()
    assert "Address: (protected address)" in html
    assert "Hidden Close" not in html


def test_register_exports_never_contain_a_contact_address(
    pupil: Pupil, senco: User, login: Login
) -> None:
    put_on_register(pupil, by=senco)
    ContactFactory(pupil=pupil, address=SECRET_ADDRESS, address_protected=True)
    ContactFactory(pupil=pupil, address="12 Ordinary Street\nBristol\nBS1 1AA")
    client = login(senco)

    csv_text = client.get("/register/?export=csv").content.decode()
    assert "Young" in csv_text
    assert "Hidden Close" not in csv_text
    assert "Ordinary Street" not in csv_text

    book = openpyxl.load_workbook(io.BytesIO(client.get("/register/?export=xlsx").content))
    cells = [str(c) for row in book.active.iter_rows(values_only=True) for c in row]
    assert "Young" in cells
    assert not any("Hidden Close" in c or "Ordinary Street" in c for c in cells)


def test_opening_a_pupil_record_is_logged(taught_pupil: Pupil, teacher: User, login: Login) -> None:
    login(teacher).get(f"/pupils/{taught_pupil.pk}/")
    access = AccessEvent.objects.get()
    assert (access.actor_id, access.pupil_id, access.school_id, access.what) == (
        teacher.pk,
        taught_pupil.pk,
        taught_pupil.school_id,
        "record",
    )


def test_a_refused_pupil_record_is_not_logged_as_seen(
    pupil: Pupil, teacher: User, login: Login
) -> None:
    assert login(teacher).get(f"/pupils/{pupil.pk}/").status_code == 404
    assert not AccessEvent.objects.exists()


# --- a teacher's home page ------------------------------------------------------------------


def test_teacher_home_leaves_out_taught_pupils_not_on_the_register(
    taught_pupil: Pupil, teacher: User, login: Login
) -> None:
    # The teacher's view itself is the support app's: see tests/support/test_teacher_view.py.
    html = login(teacher).get("/").content.decode()
    assert "You teach 1 pupil; 0 are on the SEN register or the monitoring list." in html
    assert "Teddy Barnes" not in html


def test_teacher_sees_the_sen_picture_but_not_contacts_or_history(
    taught_pupil: Pupil, teacher: User, senco: User, login: Login
) -> None:
    put_on_register(taught_pupil, by=senco)
    html = login(teacher).get(f"/pupils/{taught_pupil.pk}/").content.decode()
    assert "SEMH" in html
    # Teachers see the SEN picture, but neither contacts nor the audit history.
    assert "Contacts" not in html
    assert "History" not in html


def test_teacher_pupil_list_shows_only_taught_pupils(
    taught_pupil: Pupil, pupil: Pupil, teacher: User, login: Login
) -> None:
    html = login(teacher).get("/pupils/").content.decode()
    assert "Barnes, Teddy" in html
    assert "Young, Maisie" not in html


# --- editing a pupil's details ----------------------------------------------------------------


def details_post(pupil: Pupil, **overrides: Any) -> dict[str, Any]:
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
    data["version"] = str(pupil.details_version)
    data.update(overrides)
    return data


def test_office_edits_pupil_details_and_it_is_audited(
    pupil: Pupil, office: User, login: Login
) -> None:
    response = login(office).post(
        f"/pupils/{pupil.pk}/edit/", details_post(pupil, reg_group="7C", fsm="on")
    )
    assert response.status_code == 302
    pupil.refresh_from_db()
    assert (pupil.reg_group, pupil.fsm) == ("7C", True)
    event = AuditEvent.objects.get()
    assert event.type == AuditEvent.Type.PUPIL_UPDATED
    assert event.old == {"reg_group": "7A", "fsm": False}
    assert event.new == {"reg_group": "7C", "fsm": True}
    assert event.actor_id == office.pk


def test_office_edit_with_bad_upn_names_the_check_letter_and_saves_nothing(
    pupil: Pupil, office: User, login: Login
) -> None:
    good = pupil.upn
    letters = "ABCDEFGHJKLMNPQRTUVWXYZ"
    wrong = letters[(letters.index(good[0]) + 1) % 23] + good[1:]
    response = login(office).post(
        f"/pupils/{pupil.pk}/edit/", details_post(pupil, upn=wrong, reg_group="9Z")
    )

    assert response.status_code == 200
    expected = rules.UPN_WRONG_CHECK_LETTER.format(upn=wrong, given=wrong[0], expected=good[0])
    assert escape(expected) in response.content.decode()
    assert f"but its digits need {good[0]}." in response.content.decode()
    pupil.refresh_from_db()
    assert (pupil.upn, pupil.reg_group) == (good, "7A")
    assert not AuditEvent.objects.exists()


def test_office_edit_with_short_upn_is_refused(pupil: Pupil, office: User, login: Login) -> None:
    response = login(office).post(f"/pupils/{pupil.pk}/edit/", details_post(pupil, upn="B80120"))
    assert response.status_code == 200
    assert escape(rules.UPN_WRONG_LENGTH.format(upn="B80120", length=6)) in (
        response.content.decode()
    )
    pupil.refresh_from_db()
    assert pupil.upn != "B80120"


@pytest.mark.parametrize("role", ["office", "senco"])
def test_the_details_form_has_no_place_for_strategies(
    pupil: Pupil, role: str, login: Login, request: pytest.FixtureRequest
) -> None:
    # Strategies belong to the pupil's support plan now, which only the SENCO changes.
    client = login(request.getfixturevalue(role))
    page = client.get(f"/pupils/{pupil.pk}/edit/").content.decode()
    assert 'name="staff_notes"' not in page and "What staff should know" not in page


def test_pupil_search_finds_by_name_and_upn(
    pupil: Pupil, taught_pupil: Pupil, office: User, login: Login
) -> None:
    client = login(office)
    assert "Young, Maisie" in client.get("/pupils/?q=maisie").content.decode()
    by_upn = client.get(f"/pupils/?q={pupil.upn}").content.decode()
    assert "Young, Maisie" in by_upn
    assert "Barnes, Teddy" not in by_upn
    fragment = client.get("/pupils/?q=barnes", headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in fragment
    assert "Barnes, Teddy" in fragment


def test_the_pupil_list_pages_through_the_whole_roll_in_the_order_it_shows(
    school: Any, office: User, login: Login, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No longer cut at 200: every pupil is on exactly one page, sorted by the names shown
    (a preferred name where recorded), and each page links to the next."""
    from sendreg.pages import views
    from tests.factories import PupilFactory

    monkeypatch.setattr(views, "PUPILS_PER_PAGE", 3)
    names = [("Zoe", "Adams", ""), ("Amy", "Brown", "Ziggy"), ("Bea", "Brown", ""),
             ("Cal", "Cole", ""), ("Dan", "Dale", ""), ("Eve", "Ash", ""),
             ("Fin", "Fox", "")]  # fmt: skip
    for forename, surname, preferred in names:
        PupilFactory(school=school, legal_forename=forename, legal_surname=surname,
                     preferred_forename=preferred)  # fmt: skip
    client = login(office)

    seen: list[str] = []
    for number in (1, 2, 3):
        html = client.get(f"/pupils/?page={number}").content.decode()
        assert f"7 pupils: page {number} of 3" in html
        assert ('rel="next"' in html) == (number < 3)
        seen += re.findall(r'<a href="/pupils/\d+/">([^<]+)</a>', html)
    assert seen == ["Adams, Zoe", "Ash, Eve", "Brown, Bea", "Brown, Ziggy", "Cole, Cal",
                    "Dale, Dan", "Fox, Fin"]  # fmt: skip
