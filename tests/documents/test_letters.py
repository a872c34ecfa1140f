"""Parent letters: the wording, the addresses, and the PDF and DOCX read back."""

from __future__ import annotations

import datetime as dt
import io
import re

import docx
import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sendreg import codes
from sendreg.accounts.models import School, User
from sendreg.audit.models import AuditEvent
from sendreg.documents import letters, rules
from sendreg.documents.models import LetterTemplate
from sendreg.documents.selectors import letter_template_for
from sendreg.documents.services import letter_template_save
from sendreg.pupils.models import Pupil
from sendreg.register.models import ParentNotification
from sendreg.register.rules import NotificationKind
from sendreg.register.services import register_to_monitoring, sen_record_set
from tests.conftest import TODAY, put_on_register
from tests.documents.conftest import OPEN_STREET, SECRET_ADDRESS, SECRET_STREET
from tests.documents.readers import docx_text, pdf_pages, pdf_text, zip_text
from tests.factories import ContactFactory, PupilFactory

pytestmark = pytest.mark.usefixtures("on_today")


def build(notification: ParentNotification, by: User) -> list[letters.Letter]:
    kind = NotificationKind(notification.kind)
    template = letter_template_for(notification.pupil.school, kind)
    return letters.letters_for(notification, template, by=by, today=TODAY)


def text_of(letter: letters.Letter) -> str:
    lines = [letter.recipient, *letter.address_lines, letter.subject]
    lines += [line for paragraph in letter.paragraphs for line in paragraph]
    return "\n".join(lines)


def remove(pupil: Pupil, by: User) -> ParentNotification:
    pupil.refresh_from_db()
    sen_record_set(
        pupil=pupil, status=None, needs=[], effective=TODAY, reason="Outcomes met.",
        expected_version=pupil.sen_version, by=by, today=TODAY,
    )  # fmt: skip
    return pupil.notifications.get(kind=NotificationKind.REMOVED)


# --- the wording ---------------------------------------------------------------------


def test_added_letter_explains_the_status_and_every_need(
    lac_notification: ParentNotification, senco: User
) -> None:
    text = text_of(build(lac_notification, senco)[0])
    assert "Lacey Hart is now on the school's special educational needs register" in text
    assert "from 5 November 2025 Lacey Hart is on our register" in text
    assert "Their SEN status is K (SEN support)." in text
    assert "K is the code for SEN support in the school census" in text
    assert "1. SEMH – Social, emotional and mental health" in text
    assert "2. SLCN – Speech, language and communication needs" in text
    assert "Senco\nSpecial educational needs co-ordinator (SENCO)\nOakfield Academy" in text


def test_removed_letter_names_the_old_status_and_the_code_n(pupil: Pupil, senco: User) -> None:
    ContactFactory(pupil=pupil, name="Sam Young")
    put_on_register(pupil, by=senco, needs=("MLD",), on=TODAY - dt.timedelta(days=7))
    text = text_of(build(remove(pupil, senco), senco)[0])
    assert "Maisie Young is no longer on the school's special educational needs register" in text
    assert "Until then their SEN status was K (SEN support)." in text
    assert f"will be recorded as “{codes.provision_label('N')}”" in text


def test_the_meaning_of_n_comes_from_the_code_list(pupil: Pupil, senco: User) -> None:
    ContactFactory(pupil=pupil, name="Sam Young")
    put_on_register(pupil, by=senco, needs=("MLD",), on=TODAY - dt.timedelta(days=7))
    text = " ".join(text_of(build(remove(pupil, senco), senco)[0]).split())
    assert "your child will be recorded as “N – No SEN”." in text
    assert "no special educational needs" not in text


def test_changed_letter_gives_both_statuses_with_their_meanings(pupil: Pupil, senco: User) -> None:
    put_on_register(pupil, by=senco, needs=("ASD",), on=TODAY - dt.timedelta(days=7))
    put_on_register(pupil, by=senco, status="E", needs=("ASD",), on=TODAY)
    notification = pupil.notifications.get(kind=NotificationKind.CHANGED)
    text = text_of(build(notification, senco)[0])
    assert "changes from K (SEN support) to E (education, health and care plan)" in text
    assert "An education, health and care (EHC) plan is a legal document" in text
    assert "1. ASD – Autistic spectrum disorder" in text


def test_the_schools_own_wording_is_used(
    lac_notification: ParentNotification, school: School, senco: User
) -> None:
    letter_template_save(
        school=school, kind=NotificationKind.ADDED, subject="About {pupil_forename}",
        body="Hello {parent_name}.\n\n{pupil_name} is now {status}.", by=senco,
    )  # fmt: skip
    letter = build(lac_notification, senco)[0]
    assert letter.subject == "About Lacey"
    assert letter.paragraphs == (("Hello Dana Hart.",), ("Lacey Hart is now K (SEN support).",))


def test_values_are_data_even_when_they_look_like_placeholders(school: School, senco: User) -> None:
    pupil = PupilFactory(school=school, legal_forename="{senco_name}", legal_surname="{{today}}")
    ContactFactory(pupil=pupil, name="{school_name}")
    put_on_register(pupil, by=senco)
    letter = build(pupil.notifications.get(), senco)[0]
    assert letter.recipient == "{school_name}"
    assert "Dear {school_name}," in text_of(letter)
    assert "{senco_name} {{today}} is now on" in letter.subject


def flat(letter: letters.Letter) -> str:
    """The letter's words with line breaks as spaces, as a sentence reads."""
    return " ".join(text_of(letter).split())


def test_every_default_letter_gives_what_a_parent_must_be_told() -> None:
    for kind, (subject, body) in letters.DEFAULT_LETTERS.items():
        assert rules.missing_essentials(subject + body) == [], kind
        rules.validate_letter_text(body)


@pytest.fixture
def contact_details(school: School) -> School:
    school.address = "Oak Road\nBristol\nBS9 9OA"
    school.phone = "0117 496 0000"
    school.email = "senco@oakfield.example"
    school.sendiass_name = "Bristol SENDIASS"
    school.sendiass_phone = "0117 903 0000"
    school.sendiass_website = "https://www.sendiass.example/bristol"
    school.local_offer_url = "https://www.bristol.example/local-offer"
    school.save()
    return school


def test_the_letter_gives_the_schools_address_telephone_and_email(
    contact_details: School, lac_notification: ParentNotification, senco: User
) -> None:
    dana = build(lac_notification, senco)[0]
    assert dana.school_lines == (
        "Oak Road", "Bristol", "BS9 9OA",
        "Telephone: 0117 496 0000", "Email: senco@oakfield.example",
    )  # fmt: skip
    assert (
        "please contact me. You can telephone the school on 0117 496 0000 or email "
        "senco@oakfield.example."
    ) in flat(dana)
    assert letters.school_contact_notes(contact_details) == []


def test_the_letter_says_where_to_get_impartial_advice(
    contact_details: School, lac_notification: ParentNotification, senco: User
) -> None:
    text = flat(build(lac_notification, senco)[0])
    assert (
        "For free, impartial and confidential advice about special educational needs, you can "
        "contact Bristol SENDIASS, the local SEND Information, Advice and Support Service "
        "(SENDIASS): telephone 0117 903 0000, website https://www.sendiass.example/bristol."
    ) in text
    assert "The local offer, at https://www.bristol.example/local-offer, sets out" in text


def test_without_the_schools_details_the_letter_says_what_it_can_and_the_senco_is_told(
    lac_notification: ParentNotification, school: School, senco: User
) -> None:
    letter = build(lac_notification, senco)[0]
    assert letter.school_lines == ()
    text = flat(letter)
    assert "contact your local SEND Information, Advice and Support Service (SENDIASS)" in text
    assert "The local authority's local offer, on its website, sets out" in text
    assert letters.CONTACT_OFFICE in text
    notes = letters.letter_notes(lac_notification)
    assert (
        letters.NOTE_SCHOOL_CONTACT_MISSING.format(
            missing="address, telephone and email", verb="are", them="them"
        )
        in notes
    )
    assert (
        letters.NOTE_ADVICE_MISSING.format(
            missing=(
                "SENDIASS name, SENDIASS telephone, SENDIASS website and local offer web address"
            ),
            verb="are",
            them="them",
        )
        in notes
    )


def test_the_schools_details_are_printed_in_the_pdf_and_the_word_file(
    contact_details: School, lac_notification: ParentNotification, senco: User
) -> None:
    built = build(lac_notification, senco)
    for text in (pdf_text(letters.letters_pdf(built)), docx_text(letters.letters_docx(built))):
        flat_text = " ".join(text.split())
        assert "Oak Road" in flat_text and "Telephone: 0117 496 0000" in flat_text
        assert "Bristol SENDIASS" in flat_text
        assert "https://www.bristol.example/local-offer" in flat_text


# --- who decided, the next review, and the money -------------------------------------


def test_a_letter_about_a_new_place_on_the_register_promises_the_review_date(
    lac_notification: ParentNotification, senco: User
) -> None:
    text = flat(build(lac_notification, senco)[0])
    assert letters.NEXT_REVIEW_TO_COME.format(forename="Lacey") in text
    assert letters.DECIDED_SCHOOL_ADDED.format(forename="Lacey") in text


def test_a_move_to_the_monitoring_list_gives_the_monitoring_review_date(
    pupil: Pupil, senco: User
) -> None:
    ContactFactory(pupil=pupil, name="Sam Young")
    put_on_register(pupil, by=senco, needs=("MLD",), on=TODAY - dt.timedelta(days=7))
    pupil.refresh_from_db()
    moved = register_to_monitoring(
        pupil=pupil, effective=TODAY, reason="Outcomes met.", review_date=dt.date(2026, 2, 3),
        expected_version=pupil.sen_version, by=senco, today=TODAY,
    )  # fmt: skip
    assert moved.notification is not None
    text = flat(build(moved.notification, senco)[0])
    assert (
        "We will keep a closer eye on Maisie's progress on our monitoring list and review it "
        "by 3 February 2026."
    ) in text
    assert letters.DECIDED_SCHOOL_REMOVED.format(forename="Maisie") in text


def test_a_removal_without_monitoring_says_honestly_that_no_review_is_planned(
    pupil: Pupil, senco: User
) -> None:
    ContactFactory(pupil=pupil, name="Sam Young")
    put_on_register(pupil, by=senco, needs=("MLD",), on=TODAY - dt.timedelta(days=7))
    text = flat(build(remove(pupil, senco), senco)[0])
    assert letters.NO_REVIEW_AFTER_REMOVAL.format(forename="Maisie") in text


@pytest.mark.parametrize("after", ["K", None])
def test_the_end_of_an_ehc_plan_is_the_local_authoritys_decision(
    pupil: Pupil, senco: User, after: str | None
) -> None:
    ContactFactory(pupil=pupil, name="Sam Young")
    put_on_register(pupil, by=senco, status="E", needs=("ASD",), on=TODAY - dt.timedelta(days=7))
    pupil.refresh_from_db()
    sen_record_set(
        pupil=pupil, status=after, needs=["ASD"] if after else [], effective=TODAY,
        reason="The LA ceased the plan.", expected_version=pupil.sen_version, by=senco,
        today=TODAY,
    )  # fmt: skip
    notification = pupil.notifications.order_by("-id").first()
    assert notification is not None and notification.from_status == "E"
    text = flat(build(notification, senco)[0])
    assert letters.DECIDED_LA_CEASED.format(forename="Maisie") in text
    assert "it is the local authority, not the school, that decides whether a plan ends" in text
    assert "We made this decision" not in text


def test_a_new_ehc_plan_is_the_local_authoritys_too(pupil: Pupil, senco: User) -> None:
    put_on_register(pupil, by=senco, needs=("ASD",), on=TODAY - dt.timedelta(days=7))
    put_on_register(pupil, by=senco, status="E", needs=("ASD",), on=TODAY)
    notification = pupil.notifications.get(kind=NotificationKind.CHANGED)
    text = flat(build(notification, senco)[0])
    assert letters.DECIDED_LA_ISSUED.format(forename="Maisie") in text


def test_sen_support_with_top_up_funding_is_not_said_to_come_only_from_the_school(
    lac_pupil: Pupil, lac_notification: ParentNotification, senco: User
) -> None:
    assert "from the school's own resources" in flat(build(lac_notification, senco)[0])
    lac_pupil.top_up_funding = True
    lac_pupil.save(update_fields=["top_up_funding"])
    lac_notification.refresh_from_db()
    text = flat(build(lac_notification, senco)[0])
    assert "own resources" not in text
    assert letters.MEANING_SEN_SUPPORT_TOP_UP in text
    assert "extra money from the local authority (top-up funding)" in text


# --- who gets a letter, and at which address ------------------------------------------


def test_a_carer_without_parental_responsibility_is_a_parent_and_gets_a_letter(
    lac_pupil: Pupil, lac_notification: ParentNotification, senco: User
) -> None:
    ContactFactory(
        pupil=lac_pupil, name="Flo Foster", relationship="Foster carer",
        parental_responsibility=False, has_care=True, address="8 Care Close\nBath",
    )  # fmt: skip
    built = build(lac_notification, senco)
    # Grace Hart, a grandmother with neither parental responsibility nor care, gets none.
    assert sorted(letter.recipient for letter in built) == ["Dana Hart", "Flo Foster", "Jo Carer"]
    flo = next(letter for letter in built if letter.recipient == "Flo Foster")
    assert flo.address_lines == ("8 Care Close", "Bath")
    assert "Dear Flo Foster," in text_of(flo)
    assert [c.name for c in letters.letter_recipients(lac_pupil)] == [
        "Dana Hart", "Jo Carer", "Flo Foster",
    ]  # fmt: skip


def test_the_notification_page_says_which_addresses_the_letters_will_not_carry(
    lac_pupil: Pupil, lac_notification: ParentNotification, senco: User, client: Client
) -> None:
    """The protected address typed again on another parent is withheld from that letter
    (``pupils.rules.address_is_protected``), and the page says so for both."""
    ContactFactory(
        pupil=lac_pupil, name="Max Carer", relationship="Foster carer",
        parental_responsibility=True, address=SECRET_ADDRESS.lower(),
    )  # fmt: skip
    built = {letter.recipient: letter for letter in build(lac_notification, senco)}
    assert built["Max Carer"].address_lines == () == built["Jo Carer"].address_lines

    client.force_login(senco)
    html = client.get(f"/notifications/{lac_notification.pk}/").content.decode()
    for name in ("Jo Carer", "Max Carer"):
        assert re.search(rf"{name} <span[^>]*>\([^)]*; protected address, not printed\)", html)
    assert "Dana Hart <span" in html and "Dana Hart" in html
    assert not re.search(r"Dana Hart <span[^>]*>\([^)]*protected", html)


def test_a_carer_alone_is_enough_for_a_letter_and_no_warning(pupil: Pupil, senco: User) -> None:
    ContactFactory(pupil=pupil, name="Flo Foster", parental_responsibility=False, has_care=True)
    put_on_register(pupil, by=senco)
    notification = pupil.notifications.get()
    assert [letter.recipient for letter in build(notification, senco)] == ["Flo Foster"]
    notes = letters.letter_notes(notification)
    assert letters.NOTE_NO_PARENT.format(pupil=pupil) not in notes


def test_one_letter_for_each_contact_with_parental_responsibility(
    lac_notification: ParentNotification, senco: User
) -> None:
    built = build(lac_notification, senco)
    assert [letter.recipient for letter in built] == ["Dana Hart", "Jo Carer"]
    assert built[0].address_lines == (OPEN_STREET, "Bristol", "BS2 2QR")
    assert "Dear Dana Hart," in text_of(built[0])


def test_a_protected_address_is_left_off_the_letter(
    lac_notification: ParentNotification, senco: User
) -> None:
    carer = build(lac_notification, senco)[1]
    assert carer.recipient == "Jo Carer"
    assert carer.address_lines == ()
    assert SECRET_STREET not in text_of(carer)
    assert "Hiddenton" not in text_of(carer)


def test_a_protected_address_typed_again_on_another_contact_is_left_off_too(
    lac_pupil: Pupil, lac_notification: ParentNotification, senco: User
) -> None:
    ContactFactory(
        pupil=lac_pupil, name="Chris Carer", address="17  secret lane\nHiddenton\nHD1 7SQ "
    )
    chris = next(x for x in build(lac_notification, senco) if x.recipient == "Chris Carer")
    assert chris.address_lines == ()


def test_the_senco_is_told_on_screen_how_to_send_a_protected_contacts_letter(
    lac_notification: ParentNotification, senco: User
) -> None:
    notes = letters.letter_notes(lac_notification)
    assert notes[:2] == [
        letters.NOTE_PROTECTED.format(name="Jo Carer"),
        letters.NOTE_LOOKED_AFTER.format(pupil="Lacey Hart"),
    ]
    assert "social worker" in notes[0]
    every_letter = "\n".join(text_of(x) for x in build(lac_notification, senco))
    assert "social worker" not in every_letter
    assert "protected" not in every_letter


def test_without_a_parent_contact_one_letter_goes_to_the_parents_or_carers(
    pupil: Pupil, senco: User
) -> None:
    ContactFactory(pupil=pupil, name="Uncle Bob", parental_responsibility=False)
    put_on_register(pupil, by=senco)
    notification = pupil.notifications.get()
    [letter] = build(notification, senco)
    assert letter.recipient == "The parents or carers of Maisie Young"
    assert letter.address_lines == ()
    assert letters.letter_notes(notification)[0] == letters.NOTE_NO_PARENT.format(pupil=pupil)


# --- PDF and DOCX, read back ----------------------------------------------------------


def test_pdf_has_one_page_per_letter_with_the_words_and_no_protected_address(
    lac_notification: ParentNotification, senco: User
) -> None:
    body = letters.letters_pdf(build(lac_notification, senco))
    assert body.startswith(b"%PDF")
    dana, jo = pdf_pages(body)
    for page in (dana, jo):
        assert "K (SEN support)" in page
        assert "SEMH – Social, emotional and mental health" in page
        assert "Oakfield Academy" in page
    assert "Dear Dana Hart," in dana and OPEN_STREET in dana
    assert "Dear Jo Carer," in jo and OPEN_STREET not in jo
    assert SECRET_STREET not in pdf_text(body)
    assert "Hiddenton" not in pdf_text(body)


def test_docx_has_the_words_a_page_break_between_letters_and_no_protected_address(
    lac_notification: ParentNotification, senco: User
) -> None:
    body = letters.letters_docx(build(lac_notification, senco))
    text = docx_text(body)
    assert "Their SEN status is K (SEN support)." in text
    assert "1. SEMH – Social, emotional and mental health" in text
    assert "Dear Dana Hart," in text and "Dear Jo Carer," in text
    assert OPEN_STREET in text
    assert SECRET_STREET not in text
    assert SECRET_STREET not in zip_text(body)
    starts = [p for p in docx.Document(io.BytesIO(body)).paragraphs if p.text == "Oakfield Academy"]
    assert [p.paragraph_format.page_break_before for p in starts] == [None, True]


def test_markup_in_data_is_printed_as_text_not_obeyed(school: School, senco: User) -> None:
    school.name = "<b>St Mary's</b> & <script>x</script>"
    school.save()
    pupil = PupilFactory(school=school, legal_forename="Bo<i>b", legal_surname="O'Neil")
    ContactFactory(pupil=pupil, name="Pat <img src=http://example.com/x.png>")
    put_on_register(pupil, by=senco)
    built = build(pupil.notifications.get(), senco)
    html = letters.letters_html(built)
    assert "<b>St Mary" not in html and "&lt;b&gt;St Mary&#x27;s&lt;/b&gt; &amp;" in html
    assert "<img" not in html
    text = pdf_text(letters.letters_pdf(built))
    assert "<b>St Mary's</b> & <script>x</script>" in text
    assert "Bo<i>b O'Neil" in text


# --- the school's wording -------------------------------------------------------------


def test_the_senco_is_told_what_the_schools_own_wording_leaves_out(
    lac_notification: ParentNotification, contact_details: School, senco: User
) -> None:
    assert letters.letter_notes(lac_notification)[2:] == []
    letter_template_save(
        school=contact_details, kind=NotificationKind.ADDED, subject="About {pupil_forename}",
        body="Dear {parent_name},\n\n{pupil_name} is on the register.\n\n{advice}", by=senco,
    )  # fmt: skip
    assert letters.letter_notes(lac_notification)[2:] == [
        letters.NOTE_WORDING_MISSING.format(
            missing=(
                "who made the decision (for an EHC plan, the local authority) and the date "
                "of the next review or meeting"
            ),
            placeholders="{who_decided}, {next_review}",
        )
    ]


def test_saving_wording_with_an_unknown_placeholder_saves_nothing(
    school: School, senco: User
) -> None:
    with pytest.raises(ValidationError) as caught:
        letter_template_save(
            school=school, kind=NotificationKind.ADDED, subject="About {pupil_name}",
            body="Dear {parent_name}, your address is {address}.", by=senco,
        )  # fmt: skip
    assert caught.value.message_dict == {
        "body": [
            rules.PLACEHOLDER_UNKNOWN.format(
                names="{address}", verb="is", valid=rules._valid_text()
            )
        ]
    }
    assert not LetterTemplate.objects.exists()
    assert not AuditEvent.objects.filter(type=AuditEvent.Type.LETTER_TEMPLATE_CHANGED).exists()


def test_saving_wording_is_audited_with_before_and_after(school: School, senco: User) -> None:
    default_subject, default_body = letters.DEFAULT_LETTERS[NotificationKind.REMOVED]
    letter_template_save(
        school=school, kind=NotificationKind.REMOVED, subject="One", body="First", by=senco
    )
    letter_template_save(
        school=school, kind=NotificationKind.REMOVED, subject="Two", body="Second", by=senco
    )
    saved = LetterTemplate.objects.get()
    assert (saved.subject, saved.body, saved.updated_by) == ("Two", "Second", senco)
    first, second = AuditEvent.objects.filter(
        type=AuditEvent.Type.LETTER_TEMPLATE_CHANGED
    ).order_by("id")
    assert first.old == {}
    assert second.old == {
        "letter": "Removed from the SEN register",
        "subject": "One",
        "body": "First",
    }
    assert second.new == {
        "letter": "Removed from the SEN register",
        "subject": "Two",
        "body": "Second",
    }
    assert (second.school_id, second.actor_id) == (school.pk, senco.pk)
    assert (default_subject, default_body) != ("Two", "Second")


def test_each_school_has_its_own_wording(school: School, other_school: School, senco: User) -> None:
    letter_template_save(
        school=school, kind=NotificationKind.ADDED, subject="Ours", body="Ours", by=senco
    )
    assert letter_template_for(school, NotificationKind.ADDED).subject == "Ours"
    theirs = letter_template_for(other_school, NotificationKind.ADDED)
    assert theirs.pk is None
    assert theirs.subject == letters.DEFAULT_LETTERS[NotificationKind.ADDED][0]


def test_the_letters_read_the_same_number_of_queries_however_many_parents(
    pupil: Pupil, senco: User
) -> None:
    ContactFactory(pupil=pupil, name="Sam Young")
    put_on_register(pupil, by=senco)
    notification = ParentNotification.objects.get(pupil=pupil)
    template = letter_template_for(pupil.school, NotificationKind.ADDED)
    with CaptureQueriesContext(connection) as one:
        letters.letters_for(notification, template, by=senco, today=TODAY)
    for number in range(5):
        ContactFactory(pupil=pupil, name=f"Carer {number}", parental_responsibility=False,
                       has_care=True)  # fmt: skip
    notification = ParentNotification.objects.get(pk=notification.pk)
    with CaptureQueriesContext(connection) as six:
        built = letters.letters_for(notification, template, by=senco, today=TODAY)
    assert len(built) == 6
    assert len(six) == len(one)
