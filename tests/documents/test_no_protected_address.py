"""A looked-after child's protected address appears in nothing sendreg makes, and another
school's pupil appears in nothing a school's staff get.

Every output is produced for real (through the views, the command line and the document
builders) and read back: PDF with pypdf, DOCX with python-docx and as raw XML, XLSX with
openpyxl (every cell of every sheet) and as raw XML, CSV, JSON and HTML as text.

The one place the address may appear is where the SENCO manages the contact (the pupil
page and the contact form, as the SENCO), and the first test proves the string is
findable there, so that "not found" elsewhere means something.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db.models import Q
from django.template.loader import render_to_string
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from sendreg import cli
from sendreg.accounts.models import Membership, School, User
from sendreg.audit.models import AuditEvent
from sendreg.documents import letters, register_pack
from sendreg.documents.selectors import letter_template_for
from sendreg.pupils.models import Pupil
from sendreg.pupils.services import contact_save
from sendreg.register import selectors, services
from sendreg.register.models import ParentNotification
from sendreg.register.rules import NotificationKind
from sendreg.register.services import register_to_monitoring
from tests.conftest import TODAY
from tests.documents.conftest import OPEN_STREET, OTHER_SCHOOL_PUPIL, SECRET_STREET
from tests.documents.readers import docx_text, pdf_text, xlsx_text, zip_text
from tests.factories import TeachingGroupFactory

# A sweep of every page and download as every role: what it checks (that no protected address
# is shown) is decided in Python, so it runs on the first database pass only.
pytestmark = [pytest.mark.usefixtures("on_today"), pytest.mark.one_pass]
Login = Callable[[User], Client]

#: Every part of the protected address, any one of which would be a leak.
SECRETS = (SECRET_STREET, "Secret Lane", "Hiddenton", "HD1 7SQ")


@pytest.fixture
def world(
    lac_pupil: Pupil,
    elsewhere: Pupil,
    school: School,
    senco: User,
    teacher: User,
    ta: User,
    office: User,
    head: User,
    governor: User,
) -> dict[str, Any]:
    """Lacey on the register with letters to send, taught by the teacher; Otto at the other
    school; and the protected contact saved through the service, so the audit trail has it."""
    group = TeachingGroupFactory(school=school, name="8Ma1 Maths")
    group.teachers.set([teacher, ta])
    group.pupils.set([lac_pupil])
    carer = lac_pupil.contacts.get(name="Jo Carer")
    carer.phone = "0117 000 0000"
    contact_save(contact=carer, by=senco)
    return {
        "pupil": lac_pupil,
        "added": lac_pupil.notifications.get(kind=NotificationKind.ADDED),
        "other": elsewhere,
    }


def leaks(text: str, other: Pupil) -> list[str]:
    """What of the protected address, or of the other school's pupil, ``text`` contains."""
    found = [secret for secret in SECRETS if secret in text]
    forename, surname = OTHER_SCHOOL_PUPIL
    found += [part for part in (forename, surname, other.upn, "Far Away Road") if part in text]
    return found


def body_text(response: Any) -> str:
    """A response's content as text, whatever kind of file it is."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "")
    if kind.startswith("application/pdf"):
        return pdf_text(content)
    if "officedocument" in kind or content[:2] == b"PK":
        text = zip_text(content)
        if "spreadsheet" in kind:
            text += xlsx_text(content)
        if "wordprocessing" in kind:
            text += docx_text(content)
        return text
    return content.decode("utf-8", errors="replace")


# --- the control: the SENCO does see the address where the contact is managed ----------


def test_the_senco_sees_the_protected_address_on_the_pupil_page(
    world: dict[str, Any], senco: User, login: Login
) -> None:
    html = login(senco).get(f"/pupils/{world['pupil'].pk}/").content.decode()
    assert SECRET_STREET in html


# --- letters --------------------------------------------------------------------------


def _letters(world: dict[str, Any], senco: User) -> list[ParentNotification]:
    """The added letter, and the removed one made by the move to the monitoring list."""
    pupil = world["pupil"]
    pupil.refresh_from_db()
    moved = register_to_monitoring(
        pupil=pupil, effective=TODAY, reason="Outcomes met.", review_date=TODAY,
        expected_version=pupil.sen_version, by=senco, today=TODAY,
    )  # fmt: skip
    assert moved.notification is not None
    return [world["added"], moved.notification]


@pytest.mark.parametrize("format", ["pdf", "docx"])
def test_no_letter_carries_the_protected_address(
    world: dict[str, Any], senco: User, login: Login, format: str
) -> None:
    client = login(senco)
    for notification in _letters(world, senco):
        response = client.get(f"/documents/letters/{notification.pk}/?format={format}")
        assert response.status_code == 200
        text = body_text(response)
        # The control: the other parent's letter does carry their address.
        assert OPEN_STREET in text
        assert "Dear Jo Carer," in text
        assert leaks(text, world["other"]) == []


def test_letters_built_directly_carry_no_protected_address(
    world: dict[str, Any], senco: User
) -> None:
    for notification in _letters(world, senco):
        template = letter_template_for(
            notification.pupil.school, NotificationKind(notification.kind)
        )
        built = letters.letters_for(notification, template, by=senco, today=TODAY)
        for body in (letters.letters_html(built), pdf_text(letters.letters_pdf(built))):
            assert leaks(body, world["other"]) == []
        docx = letters.letters_docx(built)
        assert leaks(docx_text(docx) + zip_text(docx), world["other"]) == []


def test_another_schools_senco_cannot_get_the_letter(
    world: dict[str, Any], outsider: User, login: Login
) -> None:
    response = login(outsider).get(f"/documents/letters/{world['added'].pk}/?format=pdf")
    assert response.status_code == 404


# --- spreadsheets, CSV and the command line ---------------------------------------------


@pytest.mark.parametrize("role", ["senco", "office", "head"])
def test_the_register_pack_has_no_protected_address_in_any_cell(
    world: dict[str, Any], role: str, login: Login, request: pytest.FixtureRequest
) -> None:
    response = login(request.getfixturevalue(role)).get("/documents/register-pack/")
    assert response.status_code == 200
    text = body_text(response)
    assert "Hart" in text
    assert leaks(text, world["other"]) == []


def test_the_register_pack_built_directly_has_no_protected_address(
    world: dict[str, Any], senco: User
) -> None:
    membership = Membership.objects.get(user=senco)
    body = register_pack.register_pack_bytes(membership, day=TODAY)
    assert leaks(xlsx_text(body) + zip_text(body), world["other"]) == []


@pytest.mark.parametrize("export", ["csv", "xlsx"])
@pytest.mark.parametrize("role", ["senco", "office", "head"])
def test_the_register_exports_have_no_protected_address(
    world: dict[str, Any], role: str, export: str, login: Login, request: pytest.FixtureRequest
) -> None:
    client = login(request.getfixturevalue(role))
    for query in (
        f"?export={export}",
        f"?export={export}&flag=looked_after",
        f"?export={export}&status=N",
    ):
        response = client.get(f"/register/{query}")
        assert response.status_code == 200
        assert leaks(body_text(response), world["other"]) == []
    assert "Hart" in body_text(client.get(f"/register/?export={export}"))


@pytest.mark.parametrize("option", ["--json", "--csv", None])
def test_sendreg_register_prints_no_protected_address(
    world: dict[str, Any], school: School, capsys: pytest.CaptureFixture[str], option: str | None
) -> None:
    argv = ["register", "--school", school.urn] + ([option] if option else [])
    assert cli.main(argv) == 0
    out, err = capsys.readouterr()
    assert "Hart" in out
    assert leaks(out + err, world["other"]) == []


# --- pages ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["teacher", "ta", "office", "head"])
def test_the_pupil_page_hides_the_protected_address_from_everyone_but_the_senco(
    world: dict[str, Any], role: str, login: Login, request: pytest.FixtureRequest
) -> None:
    response = login(request.getfixturevalue(role)).get(f"/pupils/{world['pupil'].pk}/")
    assert response.status_code == 200
    assert "Lacey" in response.content.decode()
    assert leaks(response.content.decode(), world["other"]) == []


def test_the_notification_pages_show_no_address_even_to_the_senco(
    world: dict[str, Any], senco: User, login: Login
) -> None:
    client = login(senco)
    removed = _letters(world, senco)[1]
    pupil = world["pupil"]
    urls = [
        "/notifications/",
        f"/notifications/{world['added'].pk}/",
        f"/notifications/{removed.pk}/",
        f"/notifications/pupils/{pupil.pk}/",
        f"/notifications/pupils/{pupil.pk}/move-to-monitoring/",
        "/documents/letter-templates/",
        *(f"/documents/letter-templates/{kind.value}/" for kind in NotificationKind),
        "/",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert leaks(html, world["other"]) == [], url
        assert OPEN_STREET not in html, url
    # The screen note that the letter must go by hand or through the social worker.
    detail = client.get(f"/notifications/{world['added'].pk}/").content.decode()
    assert "Jo Carer&#x27;s address is protected" in detail
    assert "social worker" in detail


def test_the_pages_re_rendered_with_errors_show_no_address(
    world: dict[str, Any], senco: User, login: Login
) -> None:
    client = login(senco)
    pupil = world["pupil"]
    for url, data in (
        (f"/notifications/{world['added'].pk}/sent/", {}),
        (f"/notifications/{world['added'].pk}/acknowledged/", {}),
        (f"/notifications/pupils/{pupil.pk}/move-to-monitoring/", {"version": "0"}),
    ):
        response = client.post(url, data)
        assert response.status_code == 200, url
        assert leaks(response.content.decode(), world["other"]) == [], url


def test_the_home_panel_shows_no_address(world: dict[str, Any], senco: User) -> None:
    outstanding = selectors.notifications_waiting(Membership.objects.get(user=senco))
    html = render_to_string(
        "register/notifications_panel.html", {"outstanding_notifications": outstanding}
    )
    assert "Lacey Hart" in html
    assert leaks(html, world["other"]) == []


def test_the_audit_events_of_letters_and_moves_hold_no_address(
    world: dict[str, Any], senco: User
) -> None:
    added = world["added"]
    services.notification_mark_sent(notification=added, sent_on=TODAY, method="letter", by=senco)
    services.notification_acknowledge(
        notification=added, acknowledged_on=TODAY, note="Returned.", by=senco
    )
    _letters(world, senco)
    for event in AuditEvent.objects.filter(Q(pupil_id=world["pupil"].pk) | Q(pupil_id=None)):
        text = f"{event.old} {event.new} {event.reason} {event.pupil_label}"
        assert leaks(text, world["other"]) == [], event


# --- every page the product serves, as every role --------------------------------------


def _patterns(resolver: URLResolver, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + str(entry.pattern))
        else:
            yield prefix + str(entry.pattern), entry


def _fill(route: str, values: dict[str, str]) -> str | None:
    """The route with its converters filled in, or None when a value is unknown."""

    def one(match: re.Match[str]) -> str:
        name = match.group(2)
        if name not in values:
            raise KeyError(name)
        return values[name]

    try:
        return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", one, route)
    except KeyError:
        return None


#: The query strings that turn a page into a download somewhere in sendreg.
DOWNLOADS = (
    "", "?export=csv", "?export=xlsx", "?extract=csv", "?extract=xml", "?format=pdf",
    "?format=docx",
)  # fmt: skip

#: Where the SENCO manages the contact and is meant to see the address.
SENCO_SEES_ADDRESS = {"pupil_detail", "contact_edit"}


def _sweep(user: User, world: dict[str, Any]) -> Iterator[tuple[str, str | None, str]]:
    """Every GET route sendreg serves, with each id it might take set to Lacey's records and
    each asked for every kind of download sendreg offers: (url, route name, text) of each
    that answers 200."""
    client = Client(raise_request_exception=False)
    client.force_login(user)
    pupil, added = world["pupil"], world["added"]
    carer = pupil.contacts.get(name="Jo Carer")
    values = {"pk": str(pupil.pk), "contact_pk": str(carer.pk), "kind": "added"}
    for route, pattern in _patterns(get_resolver()):
        if route.startswith(("notifications/<int:pk>", "documents/letters/<int:pk>")):
            url = _fill(route, {**values, "pk": str(added.pk)})
        else:
            url = _fill(route, values)
        if url is None:
            continue
        for address in (url + query for query in DOWNLOADS):
            response = client.get(address)
            if response.status_code == 200:
                yield address, pattern.name, body_text(response)


@pytest.mark.parametrize("role", ["senco", "teacher", "office", "head", "governor"])
def test_no_page_or_download_shows_the_address_or_the_other_school(
    world: dict[str, Any], role: str, request: pytest.FixtureRequest
) -> None:
    checked = 0
    for address, name, text in _sweep(request.getfixturevalue(role), world):
        checked += 1
        found = leaks(text, world["other"])
        if role == "senco" and name in SENCO_SEES_ADDRESS:
            found = [f for f in found if f not in SECRETS]
        assert found == [], f"{address} as {role}"
    # The sweep found pages to look at (a governor sees only the home page and a few more).
    assert checked >= (2 if role == "governor" else 5)


def test_another_schools_senco_sees_nothing_of_this_school_anywhere(
    world: dict[str, Any], outsider: User
) -> None:
    pupil = world["pupil"]
    checked = 0
    for address, _, text in _sweep(outsider, world):
        checked += 1
        found = [s for s in (*SECRETS, OPEN_STREET, "Lacey", pupil.upn) if s in text]
        assert found == [], address
    assert checked >= 5
