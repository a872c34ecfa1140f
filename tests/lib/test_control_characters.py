"""Control characters are removed at the edge, and exports survive one stored before that."""

from __future__ import annotations

import io

import docx
import pytest
from django.test import Client, RequestFactory
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from sendreg.accounts.models import User
from sendreg.lib.middleware import ControlCharactersMiddleware
from sendreg.lib.spreadsheets import xlsx_bytes
from sendreg.lib.text import CONTROL_CHARACTERS, strip_control, xml_safe
from sendreg.pupils.models import Contact, Pupil
from tests.conftest import put_on_register
from tests.factories import ContactFactory

KEPT = "\t\n"


def without_control(text: str) -> str:
    """What strip_control should give, written the slow way: line breaks as line feeds,
    then no character of CONTROL_CHARACTERS."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(c for c in lines if c not in CONTROL_CHARACTERS)


@given(st.text())
def test_strip_control_leaves_no_control_character_and_keeps_everything_else(text: str) -> None:
    cleaned = strip_control(text)
    assert not CONTROL_CHARACTERS & set(cleaned)
    assert cleaned == without_control(text)
    assert strip_control(cleaned) == cleaned


def test_tab_and_line_feed_are_kept_and_a_carriage_return_is_a_line_break() -> None:
    assert strip_control("a\tb\r\nc\x0bd\x00e\x1ff\x7f") == "a\tb\ncdef"
    assert strip_control("old\rMac\r\n\rWindows") == "old\nMac\n\nWindows"
    assert all(c not in CONTROL_CHARACTERS for c in KEPT)
    assert {chr(c) for c in range(0x20)} - set(KEPT) <= CONTROL_CHARACTERS


@given(st.text())
def test_xml_safe_text_goes_into_a_workbook(text: str) -> None:
    book = load_workbook(io.BytesIO(xlsx_bytes([("Sheet", ["Name"], [[text]])])))
    written = book.active.cell(row=2, column=1).value or ""
    assert written == xml_safe(text) or written == xml_safe(text).strip()


def test_the_middleware_cleans_every_posted_value_and_key() -> None:
    seen = {}

    def view(request):
        seen.update({key: request.POST.getlist(key) for key in request.POST})
        return None

    request = RequestFactory().post("/", {"name": "Ma\x0bisie", "notes": ["a\x00b", "c\td"]})
    ControlCharactersMiddleware(view)(request)
    assert seen == {"name": ["Maisie"], "notes": ["ab", "c\td"]}


def test_a_name_typed_with_a_control_character_is_saved_without_it(
    pupil: Pupil, office: User, login
) -> None:
    client: Client = login(office)
    response = client.post(
        f"/pupils/{pupil.pk}/contacts/new/",
        {"name": "Sam\x0b Young\x07", "relationship": "Mother", "address": "1 High St\r\nBath"},
    )
    assert response.status_code == 302
    contact = Contact.objects.get(pupil=pupil)
    assert contact.name == "Sam Young"
    # The browser's line break (CR LF) is kept as a line break.
    assert contact.address == "1 High St\nBath"


@pytest.fixture
def stored_badly(school, senco) -> Pupil:
    """A pupil whose name holds a vertical tab, saved before the edge removed such things."""
    pupil = Pupil.objects.create(
        school=school,
        upn="B801200005001",
        legal_surname="Yo\x0bung",
        legal_forename="Mai\x1fsie",
        date_of_birth="2013-05-01",
    )
    ContactFactory(pupil=pupil, name="Dana\x0b Young", parental_responsibility=True)
    return put_on_register(pupil, by=senco)


def test_register_exports_survive_a_stored_control_character(stored_badly, senco, login) -> None:
    client = login(senco)
    response = client.get("/register/", {"export": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert "Young" in [c.value for c in sheet[2]]

    pack = client.get("/documents/register-pack/")
    assert pack.status_code == 200
    assert load_workbook(io.BytesIO(pack.content))


def test_a_word_letter_survives_a_stored_control_character(stored_badly, senco, login) -> None:
    notification = stored_badly.notifications.get()
    client = login(senco)
    response = client.get(f"/documents/letters/{notification.pk}/", {"format": "docx"})
    assert response.status_code == 200
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(response.content)).paragraphs)
    assert "Dear Dana Young," in text
    assert "\x0b" not in text
    pdf = client.get(f"/documents/letters/{notification.pk}/", {"format": "pdf"})
    assert pdf.status_code == 200
