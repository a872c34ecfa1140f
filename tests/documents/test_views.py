# The matrix below is a table, one URL to a line, and is easier to read wide than wrapped.
# ruff: noqa: E501
"""Letter downloads, the letter wording page and the register pack download."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.utils.html import escape

from sendreg.accounts.models import School, User
from sendreg.audit.models import AccessEvent, AuditEvent
from sendreg.documents import rules
from sendreg.documents.letters import DEFAULT_LETTERS, DOCX_TYPE, PDF_TYPE
from sendreg.documents.models import DocumentsAudit, LetterTemplate
from sendreg.lib.spreadsheets import XLSX_TYPE
from sendreg.pupils.models import Pupil
from sendreg.register.models import ParentNotification
from sendreg.register.rules import NotificationKind
from tests.conftest import TODAY
from tests.documents.conftest import OPEN_STREET, SECRET_STREET
from tests.documents.readers import docx_text, pdf_text, xlsx_cells
from tests.factories import ContactFactory
from tests.matrix import LOGIN, Row, cases, check

pytestmark = pytest.mark.usefixtures("on_today")
Login = Callable[[User], Client]

# fmt: off
MATRIX = [
    # url name                      method  url                                 senco deputy teacher ta office head gov adviser outsider anonymous
    Row("documents_letter",                "GET", "/documents/letters/{n}/",          (200, 200, 403, 403, 403, 403, 403, 403, 404, LOGIN)),
    Row("documents_letter",                "GET", "/documents/letters/{n}/?format=docx", (200, 200, 403, 403, 403, 403, 403, 403, 404, LOGIN)),
    Row("documents_letter_templates",      "GET", "/documents/letter-templates/",     (200, 200, 403, 403, 403, 403, 403, 403, 200, LOGIN)),
    Row("documents_letter_template_edit",  "GET", "/documents/letter-templates/added/", (200, 200, 403, 403, 403, 403, 403, 403, 200, LOGIN)),
    Row("documents_school_contact",        "GET", "/documents/school-contact/",       (200, 200, 403, 403, 200, 403, 403, 403, 200, LOGIN)),
    Row("documents_register_pack",         "GET", "/documents/register-pack/",        (200, 200, 403, 403, 200, 200, 403, 403, 200, LOGIN)),
]
# fmt: on


@pytest.mark.parametrize(("row", "role", "expected"), cases(MATRIX))
def test_permission_matrix(
    row: Row,
    role: str,
    expected: int | str,
    lac_notification: ParentNotification,
    taught_pupil: Pupil,
    client: Client,
    request: pytest.FixtureRequest,
) -> None:
    check(row, role, expected, objects={"n": lac_notification.pk}, client=client, request=request)


def test_only_the_senco_may_change_the_wording(
    office: User, head: User, login: Login, school: School
) -> None:
    for user in (office, head):
        response = login(user).post(
            "/documents/letter-templates/added/", {"subject": "x", "body": "y"}
        )
        assert response.status_code == 403
    assert not LetterTemplate.objects.exists()


# --- letter downloads ---------------------------------------------------------------


def test_letter_downloads_as_pdf_by_default_and_records_the_access(
    lac_notification: ParentNotification, senco: User, login: Login
) -> None:
    response = login(senco).get(f"/documents/letters/{lac_notification.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == PDF_TYPE
    upn = lac_notification.pupil.upn
    assert response["Content-Disposition"] == (
        f'attachment; filename="sen-letter-added-{upn}-2025-11-05.pdf"'
    )
    text = pdf_text(response.content)
    assert "Their SEN status is K (SEN support)." in text
    assert OPEN_STREET in text and SECRET_STREET not in text
    [access] = AccessEvent.objects.all()
    assert (access.actor_id, access.pupil_id, access.what) == (
        senco.pk, lac_notification.pupil_id, "parent letter",
    )  # fmt: skip


def test_letter_downloads_as_docx_to_edit(
    lac_notification: ParentNotification, senco: User, login: Login
) -> None:
    response = login(senco).get(f"/documents/letters/{lac_notification.pk}/?format=docx")
    assert response["Content-Type"] == DOCX_TYPE
    assert response["Content-Disposition"].endswith('.docx"')
    text = docx_text(response.content)
    assert "SEMH – Social, emotional and mental health" in text
    assert SECRET_STREET not in text


def test_an_unknown_format_is_refused_with_a_reason(
    lac_notification: ParentNotification, senco: User, login: Login
) -> None:
    response = login(senco).get(f"/documents/letters/{lac_notification.pk}/?format=html")
    assert response.status_code == 400
    assert "format=pdf" in response.content.decode()
    assert not AccessEvent.objects.exists()


def test_the_letter_uses_the_schools_saved_wording(
    lac_notification: ParentNotification, senco: User, login: Login
) -> None:
    client = login(senco)
    client.post(
        "/documents/letter-templates/added/",
        {"subject": "News about {pupil_forename}", "body": "Dear {parent_name},\n\nHello."},
    )
    text = pdf_text(client.get(f"/documents/letters/{lac_notification.pk}/").content)
    assert "News about Lacey" in text and "Dear Dana Hart, Hello." in text


def test_wording_broken_outside_the_form_sends_the_senco_to_put_it_right(
    lac_notification: ParentNotification, school: School, senco: User, login: Login
) -> None:
    # Saved straight into the database, past the form and the service.
    LetterTemplate.objects.create(school=school, kind="added", subject="Hi", body="{address}")
    response = login(senco).get(f"/documents/letters/{lac_notification.pk}/", follow=True)
    assert response.redirect_chain == [("/documents/letter-templates/added/", 302)]
    assert "{address} is not a placeholder" in response.content.decode()


# --- the wording page ---------------------------------------------------------------


def test_wording_page_shows_the_default_placeholders_and_a_preview(
    senco: User, login: Login
) -> None:
    html = login(senco).get("/documents/letter-templates/removed/").content.decode()
    subject, _ = DEFAULT_LETTERS[NotificationKind.REMOVED]
    assert escape(subject) in html
    assert "This is the default wording." in html
    assert "{status_meaning}" in html
    assert "Sam Sample is no longer on the school" in html
    assert "Until then their SEN status was K (SEN support)." in html


def test_wording_with_an_unknown_placeholder_is_shown_again_with_the_error(
    senco: User, login: Login
) -> None:
    response = login(senco).post(
        "/documents/letter-templates/added/",
        {"subject": "About {pupil_name}", "body": "Dear {parent}, {pupil_name}."},
    )
    assert response.status_code == 200
    html = response.content.decode()
    message = rules.PLACEHOLDER_UNKNOWN.format(
        names="{parent}", verb="is", valid=rules._valid_text()
    )
    assert escape(message) in html
    assert "Dear {parent}, {pupil_name}." in html
    assert not LetterTemplate.objects.exists()


def test_empty_wording_is_refused(senco: User, login: Login) -> None:
    response = login(senco).post("/documents/letter-templates/added/", {"subject": "", "body": ""})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Subject line: Write the subject line of the letter." in html
    assert "Letter: Write the letter." in html
    assert not LetterTemplate.objects.exists()


def test_saved_wording_can_go_back_to_the_default(
    school: School, senco: User, login: Login
) -> None:
    client = login(senco)
    response = client.post(
        "/documents/letter-templates/changed/", {"subject": "Ours", "body": "Our words."}
    )
    assert response.status_code == 302
    assert response["Location"] == "/documents/letter-templates/"
    assert LetterTemplate.objects.get(school=school, kind="changed").subject == "Ours"
    page = client.get("/documents/letter-templates/changed/").content.decode()
    assert "This is the school's own wording." in page

    client.post("/documents/letter-templates/changed/", {"reset": "1"})
    saved = LetterTemplate.objects.get(school=school, kind="changed")
    assert (saved.subject, saved.body) == DEFAULT_LETTERS[NotificationKind.CHANGED]


def test_an_unknown_letter_kind_is_not_found(senco: User, login: Login) -> None:
    assert login(senco).get("/documents/letter-templates/statement/").status_code == 404


# --- the school's contact details ----------------------------------------------------

CONTACT_POST = {
    "address": "Oak Road\nBristol\nBS9 9OA",
    "phone": "0117 496 0000",
    "email": "office@oakfield.example",
    "sendiass_name": "Bristol SENDIASS",
    "sendiass_phone": "0117 903 0000",
    "sendiass_website": "www.sendiass.example/bristol",
    "local_offer_url": "https://www.bristol.example/local-offer",
}


def test_the_office_sets_the_schools_contact_details_and_it_is_audited(
    school: School, other_school: School, office: User, login: Login
) -> None:
    response = login(office).post("/documents/school-contact/", CONTACT_POST)
    assert response.status_code == 302
    assert response["Location"] == "/documents/school-contact/"
    school.refresh_from_db()
    assert (school.phone, school.sendiass_name) == ("0117 496 0000", "Bristol SENDIASS")
    # A web address typed without its scheme is read as https.
    assert school.sendiass_website == "https://www.sendiass.example/bristol"
    [event] = AuditEvent.objects.filter(type=DocumentsAudit.SCHOOL_CONTACT_CHANGED)
    assert (event.school_id, event.actor_id, event.target_model) == (
        school.pk, office.pk, "accounts.school",
    )  # fmt: skip
    assert event.old["phone"] == "" and event.new["phone"] == "0117 496 0000"
    assert event.type_label == "School contact details for letters changed"
    other_school.refresh_from_db()
    assert other_school.phone == ""
    # Saving the same again changes and audits nothing.
    login(office).post("/documents/school-contact/", CONTACT_POST)
    assert AuditEvent.objects.filter(type=DocumentsAudit.SCHOOL_CONTACT_CHANGED).count() == 1


def test_another_schools_senco_changes_only_their_own_school(
    school: School, other_school: School, outsider: User, login: Login
) -> None:
    login(outsider).post("/documents/school-contact/", CONTACT_POST)
    school.refresh_from_db()
    other_school.refresh_from_db()
    assert school.phone == "" and other_school.phone == "0117 496 0000"


@pytest.mark.parametrize("role", ["teacher", "head", "governor", "adviser"])
def test_roles_without_the_right_cannot_change_the_schools_details(
    role: str, school: School, login: Login, request: pytest.FixtureRequest
) -> None:
    response = login(request.getfixturevalue(role)).post("/documents/school-contact/", CONTACT_POST)
    assert response.status_code == 403
    school.refresh_from_db()
    assert school.phone == ""


def test_a_bad_email_is_shown_again_with_everything_typed(
    school: School, senco: User, login: Login
) -> None:
    response = login(senco).post(
        "/documents/school-contact/", {**CONTACT_POST, "email": "not an email"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "School email: Enter a valid email address." in html
    assert "0117 903 0000" in html and "Bristol SENDIASS" in html
    school.refresh_from_db()
    assert school.phone == ""
    assert not AuditEvent.objects.filter(type=DocumentsAudit.SCHOOL_CONTACT_CHANGED).exists()


def test_the_page_says_what_letters_cannot_give_yet(senco: User, login: Login) -> None:
    html = login(senco).get("/documents/school-contact/").content.decode()
    assert "The school&#x27;s address, telephone and email are not set" in html


def test_the_wording_page_warns_of_what_the_schools_wording_leaves_out(
    senco: User, login: Login
) -> None:
    client = login(senco)
    assert "does not give" not in client.get("/documents/letter-templates/added/").content.decode()
    client.post("/documents/letter-templates/added/", {"subject": "Hello", "body": "Hello."})
    html = client.get("/documents/letter-templates/added/").content.decode()
    assert "The school&#x27;s wording of this letter does not give who made the decision" in html
    assert "{who_decided}, {next_review}, {advice}" in html


# --- the register pack --------------------------------------------------------------


def test_register_pack_downloads_as_xlsx(
    lac_pupil: Pupil, school: School, office: User, login: Login
) -> None:
    response = login(office).get("/documents/register-pack/")
    assert response["Content-Type"] == XLSX_TYPE
    assert response["Content-Disposition"] == (
        f'attachment; filename="sen-register-pack-{school.urn}-{TODAY:%Y-%m-%d}.xlsx"'
    )
    register = xlsx_cells(response.content)["Register"]
    assert [row[1] for row in register[1:]] == ["Hart"]


def test_register_pack_refuses_a_post(senco: User, login: Login) -> None:
    assert login(senco).post("/documents/register-pack/").status_code == 405


def test_matrix_covers_every_documents_url() -> None:
    from sendreg.documents import urls

    assert {p.name for p in urls.urlpatterns} == {row.name for row in MATRIX}


def test_the_notification_page_lists_every_parent_in_law_who_gets_a_letter(
    lac_pupil: Pupil, lac_notification: ParentNotification, senco: User, login: Login
) -> None:
    ContactFactory(
        pupil=lac_pupil, name="Flo Foster", relationship="Foster carer",
        parental_responsibility=False, has_care=True,
    )  # fmt: skip
    html = login(senco).get(f"/notifications/{lac_notification.pk}/").content.decode()
    assert 'Flo Foster <span class="meta">(Foster carer; has care of the child' in html
    assert "Dana Hart" in html and "Jo Carer" in html
    # The grandmother has neither parental responsibility nor care: no letter.
    assert "Grace Hart" not in html
