"""Parent letters about register changes: built from the school's wording, rendered to PDF
(to send) and DOCX (to edit).

One letter goes to each contact with parental responsibility, each on its own page
of one file: separated parents at different addresses each get their own copy, as
the duty to share with everyone who holds parental responsibility asks.

A protected address (a looked-after child's, marked on the contact) is never put
on a letter: that contact's letter carries their name and no address, and the
SENCO is told on screen, never on the document, to hand it over or send it via
the child's social worker.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils.dateformat import format as date_format

from sendreg import codes
from sendreg.accounts.models import User
from sendreg.codes import SenProvision
from sendreg.documents import rules
from sendreg.documents.models import LetterTemplate
from sendreg.lib.text import xml_safe
from sendreg.pupils.models import Contact
from sendreg.pupils.selectors import contact_address_protected, protected_addresses_of
from sendreg.register.models import ParentNotification
from sendreg.register.rules import NotificationKind
from sendreg.register.selectors import needs_on

PDF_TYPE = "application/pdf"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

_SIGN_OFF = """If you would like to talk about this, or anything in this letter is unclear, please \
contact me at the school.

Yours sincerely,

{senco_name}
Special educational needs co-ordinator (SENCO)
{school_name}"""

#: The plain-English wording every school starts with: (subject, body) for each kind.
DEFAULT_LETTERS: dict[NotificationKind, tuple[str, str]] = {
    NotificationKind.ADDED: (
        "{pupil_name} is now on the school's special educational needs register",
        """Dear {parent_name},

I am writing to let you know that from {effective_date} {pupil_name} is on our register of \
pupils with special educational needs (SEN). Their SEN status is {status}.

{status_meaning}

The needs we have identified, the most important first, are:
{needs}

Being on the register means {pupil_forename} will get help that is additional to, or different \
from, what most pupils of the same age receive. We will agree with you and {pupil_forename} what \
the help should achieve, put it in place, and review together how well it is working.

"""
        + _SIGN_OFF,
    ),
    NotificationKind.REMOVED: (
        "{pupil_name} is no longer on the school's special educational needs register",
        """Dear {parent_name},

I am writing to let you know that from {effective_date} {pupil_name} is no longer on our \
register of pupils with special educational needs (SEN). Until then their SEN status was \
{previous_status}.

{status_meaning}

We may keep a closer eye on {pupil_forename} for a while on our monitoring list. If you or we \
become worried about {pupil_forename}'s progress again, we will talk with you about what to do \
next.

"""
        + _SIGN_OFF,
    ),
    NotificationKind.CHANGED: (
        "A change to {pupil_name}'s special educational needs support",
        """Dear {parent_name},

I am writing to let you know that from {effective_date} {pupil_name}'s special educational \
needs (SEN) status changes from {previous_status} to {status}.

{status_meaning}

The needs we have identified, the most important first, are:
{needs}

"""
        + _SIGN_OFF,
    ),
}

_CENSUS = "the school census, which the school sends to the Department for Education"

#: What each status means, in words a parent can use. Keyed by provision code; "" is
#: "not on the register".
STATUS_MEANINGS: dict[str, str] = {
    SenProvision.SEN_SUPPORT: (
        "SEN support means the school gives your child extra help, planned for them, from the "
        "school's own resources, and reviews it with you at least once a term. K is the code "
        f"for SEN support in {_CENSUS}."
    ),
    SenProvision.EHC_PLAN: (
        "An education, health and care (EHC) plan is a legal document from the local "
        "authority. It sets out your child's needs and the support they must receive, and it "
        f"is reviewed with you at least once a year. E is the code for an EHC plan in {_CENSUS}."
    ),
    "": (
        "This means your child no longer needs help that is additional to, or different from, "
        "what most pupils of the same age receive. The school keeps an eye on the progress of "
        "every pupil, and you can ask to talk to us at any time. In the next school census, "
        "which the school sends to the Department for Education, your child will be recorded "
        "with the code N, meaning no special educational needs."
    ),
}

NOT_ON_REGISTER = "not on the SEN register"
NO_NEEDS = "None are recorded at the moment."

NOTE_PROTECTED = (
    "{name}'s address is protected, so their letter has no address on it. Hand it over in "
    "person or send it through the child's social worker; do not post it."
)
NOTE_LOOKED_AFTER = (
    "{pupil} is looked after. Check with their social worker who should receive this letter "
    "before sending it."
)
NOTE_NO_PARENT = (
    "No contact with parental responsibility is recorded for {pupil}, so the letter is addressed "
    "to their parents or carers with no address. Add the contacts on the pupil's page first if "
    "you can."
)


def default_template(kind: NotificationKind) -> tuple[str, str]:
    return DEFAULT_LETTERS[kind]


def status_text(code: str) -> str:
    """A provision code with its meaning in brackets, as a letter puts it: K (SEN support)."""
    if not code:
        return NOT_ON_REGISTER
    try:
        label = SenProvision(code).label
    except ValueError:
        return code
    # "Education, health..." reads better in lower case mid-sentence; "SEN support" keeps its
    # capitals.
    if len(label) > 1 and label[1].islower():
        label = label[0].lower() + label[1:]
    return f"{code} ({label})"


def long_date(day: dt.date) -> str:
    return date_format(day, "j F Y")


@dataclass(frozen=True)
class Letter:
    recipient: str
    #: Empty when the address is protected or not recorded.
    address_lines: tuple[str, ...]
    subject: str
    paragraphs: tuple[tuple[str, ...], ...]
    school_name: str
    date: dt.date

    @property
    def date_text(self) -> str:
        return long_date(self.date)


def letter_address(contact: Contact, protected: frozenset[str]) -> tuple[str, ...]:
    """The address lines a letter to ``contact`` may carry: none for a protected address.

    ``protected`` holds the pupil's protected addresses, so that the same address typed
    again on an unprotected contact is withheld too (``pupils.rules.address_is_protected``).
    """
    if contact_address_protected(contact, protected):
        return ()
    return tuple(line.strip() for line in contact.address.splitlines() if line.strip())


def letter_values(
    notification: ParentNotification, *, parent_name: str, by: User, today: dt.date
) -> dict[str, str]:
    """The value of every placeholder for one letter: data, never template text."""
    pupil = notification.pupil
    # The needs held once the change takes effect (none after a removal).
    held = needs_on([pupil.pk], day=notification.effective).get(pupil.pk, [])
    needs = [f"{rank}. {codes.need_label(code)}" for rank, code in enumerate(held, 1)]
    return {
        "parent_name": parent_name,
        "pupil_name": str(pupil),
        "pupil_forename": pupil.forename,
        "status": status_text(notification.to_status),
        "status_meaning": STATUS_MEANINGS.get(notification.to_status, ""),
        "previous_status": status_text(notification.from_status),
        "needs": "\n".join(needs) if needs else NO_NEEDS,
        "effective_date": long_date(notification.effective),
        "school_name": pupil.school.name,
        "senco_name": by.name or by.email,
        "today": long_date(today),
    }


def _paragraphs(text: str) -> tuple[tuple[str, ...], ...]:
    blocks = re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n").strip())
    return tuple(
        tuple(line.rstrip() for line in block.strip("\n").split("\n"))
        for block in blocks
        if block.strip()
    )


def _letter(
    template: LetterTemplate,
    values: dict[str, str],
    *,
    address: tuple[str, ...],
    school_name: str,
    today: dt.date,
) -> Letter:
    return Letter(
        recipient=values["parent_name"],
        address_lines=address,
        subject=" ".join(rules.fill(template.subject, values).split()),
        paragraphs=_paragraphs(rules.fill(template.body, values)),
        school_name=school_name,
        date=today,
    )


def letters_for(
    notification: ParentNotification, template: LetterTemplate, *, by: User, today: dt.date
) -> list[Letter]:
    """One letter per contact with parental responsibility (or one to "the parents or carers"
    when none is recorded), in the school's wording.

    Raises ValidationError when the wording has a placeholder that does not exist.
    """
    pupil = notification.pupil
    contacts = list(pupil.contacts.all())
    protected = protected_addresses_of(contacts)
    recipients = [
        (c.name, letter_address(c, protected)) for c in contacts if c.parental_responsibility
    ]
    if not recipients:
        recipients = [(f"The parents or carers of {pupil}", ())]
    return [
        _letter(
            template,
            letter_values(notification, parent_name=name, by=by, today=today),
            address=address,
            school_name=pupil.school.name,
            today=today,
        )
        for name, address in recipients
    ]


#: The change each kind of letter shows in its preview: (from, to).
_PREVIEW_CHANGE: dict[NotificationKind, tuple[str, str]] = {
    NotificationKind.ADDED: ("", SenProvision.SEN_SUPPORT),
    NotificationKind.REMOVED: (SenProvision.SEN_SUPPORT, ""),
    NotificationKind.CHANGED: (SenProvision.SEN_SUPPORT, SenProvision.EHC_PLAN),
}


def letter_preview(template: LetterTemplate, *, by: User, today: dt.date) -> Letter | None:
    """The letter as it reads for an invented pupil, or None if the wording cannot be used."""
    before, after = _PREVIEW_CHANGE[NotificationKind(template.kind)]
    values = {
        "parent_name": "Alex Sample",
        "pupil_name": "Sam Sample",
        "pupil_forename": "Sam",
        "status": status_text(after),
        "status_meaning": STATUS_MEANINGS[after],
        "previous_status": status_text(before),
        "needs": "\n".join(
            f"{rank}. {codes.need_label(code)}" for rank, code in enumerate(("SEMH", "SLCN"), 1)
        )
        if after
        else NO_NEEDS,
        "effective_date": long_date(today),
        "school_name": template.school.name,
        "senco_name": by.name or by.email,
        "today": long_date(today),
    }
    try:
        return _letter(
            template,
            values,
            address=("1 Example Street", "Exampleton"),
            school_name=template.school.name,
            today=today,
        )
    except ValidationError:
        return None


def letter_notes(notification: ParentNotification) -> list[str]:
    """What the SENCO must know before sending: shown on screen, never printed on a letter."""
    pupil = notification.pupil
    contacts = list(pupil.contacts.all())
    protected = protected_addresses_of(contacts)
    notes = [
        NOTE_PROTECTED.format(name=c.name)
        for c in contacts
        if c.parental_responsibility and c.address.strip() and not letter_address(c, protected)
    ]
    if pupil.looked_after:
        notes.append(NOTE_LOOKED_AFTER.format(pupil=pupil))
    if not any(c.parental_responsibility for c in contacts):
        notes.append(NOTE_NO_PARENT.format(pupil=pupil))
    return notes


def letter_filename(notification: ParentNotification, extension: str) -> str:
    kind = NotificationKind(notification.kind).value
    return (
        f"sen-letter-{kind}-{notification.pupil.upn}-{notification.effective:%Y-%m-%d}.{extension}"
    )


# --- Rendering ---------------------------------------------------------------------


def letters_html(letters: list[Letter]) -> str:
    """The letters as one HTML document, one letter a page; every value escaped."""
    return render_to_string("documents/letter.html", {"letters": letters})


def _refuse_fetch(url: str, *args: object, **kwargs: object) -> dict[str, object]:
    # Letters embed nothing from outside: refusing every fetch keeps a stray URL in the
    # school's wording from reaching the network.
    raise ValueError(f"Letters load nothing from outside ({url}).")


def letters_pdf(letters: list[Letter]) -> bytes:
    from weasyprint import HTML

    pdf = HTML(string=letters_html(letters), url_fetcher=_refuse_fetch).write_pdf()
    assert pdf is not None
    return pdf


def letters_docx(letters: list[Letter]) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.shared import Pt

    # Word files are XML, which cannot hold control characters: a name typed or imported
    # with one before they were removed at the edge must not make the letter fail.
    safe = xml_safe
    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(11)
    properties = document.core_properties
    properties.author = safe(letters[0].school_name) if letters else ""
    properties.last_modified_by = properties.author
    properties.title = safe(letters[0].subject) if letters else ""
    properties.comments = ""

    for index, letter in enumerate(letters):
        school = document.add_paragraph()
        school.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        school.add_run(safe(letter.school_name)).bold = True
        if index:
            # Each letter starts on a new page, so each can be printed and sent on its own.
            school.paragraph_format.page_break_before = True
        document.add_paragraph(safe(letter.date_text)).alignment = WD_ALIGN_PARAGRAPH.RIGHT
        address = document.add_paragraph()
        for number, line in enumerate((letter.recipient, *letter.address_lines)):
            run = address.add_run(safe(line))
            if number < len(letter.address_lines):
                run.add_break(WD_BREAK.LINE)
        document.add_paragraph().add_run(safe(letter.subject)).bold = True
        for lines in letter.paragraphs:
            paragraph = document.add_paragraph()
            for number, line in enumerate(lines):
                run = paragraph.add_run(safe(line))
                if number < len(lines) - 1:
                    run.add_break(WD_BREAK.LINE)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
