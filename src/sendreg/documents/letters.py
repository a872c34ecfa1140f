"""Parent letters about register changes: built from the school's wording, rendered to PDF
(to send) and DOCX (to edit).

One letter goes to each parent in education law (``pupils.rules.is_parent_in_law``):
everyone with parental responsibility and everyone who has care of the child, such as a
foster carer (Education Act 1996 s.576). Each is on its own page of one file: separated
parents at different addresses each get their own copy.

Every letter carries the school's address, telephone and email at its head; the default
wording adds who decided the change (the local authority, for an EHC plan issued or
ended), the next review or meeting, and where to get impartial advice (the local SENDIASS
and the local offer), all kept as data (the school's contact details) and placeholders.

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
from sendreg.accounts.models import School, User
from sendreg.codes import SenProvision
from sendreg.documents import rules
from sendreg.documents.models import LetterTemplate
from sendreg.lib.extensions import NextMeeting, next_meeting
from sendreg.lib.text import xml_safe
from sendreg.pupils.models import Contact, Pupil
from sendreg.pupils.selectors import (
    contact_address_protected,
    parents_in_law,
    protected_addresses_of,
)
from sendreg.register.models import ParentNotification
from sendreg.register.rules import NotificationKind
from sendreg.register.selectors import needs_on

PDF_TYPE = "application/pdf"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

_SIGN_OFF = """{next_review}

{advice}

If you would like to talk about this, or anything in this letter is unclear, please \
contact me. {school_contact}

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

{who_decided}

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

{who_decided}

{status_meaning}

"""
        + _SIGN_OFF,
    ),
    NotificationKind.CHANGED: (
        "A change to {pupil_name}'s special educational needs support",
        """Dear {parent_name},

I am writing to let you know that from {effective_date} {pupil_name}'s special educational \
needs (SEN) status changes from {previous_status} to {status}.

{who_decided}

{status_meaning}

The needs we have identified, the most important first, are:
{needs}

"""
        + _SIGN_OFF,
    ),
}

_CENSUS = "the school census, which the school sends to the Department for Education"

#: What each status means, in words a parent can use. Keyed by provision code; "" is
#: "not on the register". SEN support has two: the school's own resources alone, or with
#: the local authority's top-up funding on top (``Pupil.top_up_funding``).
MEANING_SEN_SUPPORT = (
    "SEN support means the school gives your child extra help, planned for them, from the "
    "school's own resources, and reviews it with you at least once a term. K is the code "
    f"for SEN support in {_CENSUS}."
)
MEANING_SEN_SUPPORT_TOP_UP = (
    "SEN support means the school gives your child extra help, planned for them, and reviews "
    "it with you at least once a term. The help is paid for by the school's own budget for "
    "special educational needs together with extra money from the local authority (top-up "
    f"funding) for your child. K is the code for SEN support in {_CENSUS}."
)
MEANING_EHC_PLAN = (
    "An education, health and care (EHC) plan is a legal document from the local "
    "authority. It sets out your child's needs and the support they must receive, and it "
    f"is reviewed with you at least once a year. E is the code for an EHC plan in {_CENSUS}."
)
#: The census code a pupil off the register is returned with, and its meaning, come from
#: ``codes`` alone.
MEANING_OFF_REGISTER = (
    "This means your child no longer needs help that is additional to, or different from, "
    "what most pupils of the same age receive. The school keeps an eye on the progress of "
    "every pupil, and you can ask to talk to us at any time. In the next school census, "
    "which the school sends to the Department for Education, your child will be recorded "
    "as “{code}”."
)

NOT_ON_REGISTER = "not on the SEN register"
NO_NEEDS = "None are recorded at the moment."

#: Who decided the change ({who_decided}). The local authority, not the school, issues an
#: EHC plan and decides to cease one (Children and Families Act 2014 s.45).
DECIDED_LA_ISSUED = (
    "This is because the local authority has issued an education, health and care (EHC) plan "
    "for {forename}."
)
DECIDED_LA_CEASED = (
    "This is because the local authority has decided to cease {forename}'s education, health "
    "and care (EHC) plan: it is the local authority, not the school, that decides whether a "
    "plan ends. The local authority's own letter gives its reasons and explains how to appeal "
    "if you disagree; the advice service below can help you with this."
)
DECIDED_SCHOOL_ADDED = (
    "We made this decision after assessing {forename}'s needs. Your views, and {forename}'s, "
    "matter to us: please tell us what you think."
)
DECIDED_SCHOOL_REMOVED = "We made this decision after reviewing {forename}'s progress."

#: The next review or meeting ({next_review}).
NEXT_MONITORING_REVIEW = (
    "We will keep a closer eye on {forename}'s progress on our monitoring list and review it "
    "by {date}. If you or we become worried about {forename}'s progress before then, we will "
    "talk with you about what to do next."
)
NO_REVIEW_AFTER_REMOVAL = (
    "No further review is planned. If you or we become worried about {forename}'s progress, "
    "we will talk with you about what to do next."
)
NEXT_REVIEW_TO_COME = (
    "We will write to you with the date of the next meeting to review {forename}'s support."
)
#: The next meeting that sendreg knows of (``lib.extensions.next_meeting``).
NEXT_MEETING_ON = "The next meeting about {forename}'s support is {what}, on {date}."
NEXT_MEETING_DUE_BY = (
    "The next meeting about {forename}'s support is {what}, due by {date}; we will write to "
    "you with the day."
)

#: How to reach the school ({school_contact}); its address is at the head of every letter.
CONTACT_PHONE_AND_EMAIL = "You can telephone the school on {phone} or email {email}."
CONTACT_PHONE = "You can telephone the school on {phone}."
CONTACT_EMAIL = "You can email the school at {email}."
CONTACT_OFFICE = "You can reach me through the school office."

#: Where to get impartial advice ({advice}).
SENDIASS_FULL = "SEND Information, Advice and Support Service (SENDIASS)"
ADVICE_SENDIASS = (
    "For free, impartial and confidential advice about special educational needs, you can "
    "contact {service}{how}."
)
ADVICE_SENDIASS_NAMED = "{name}, the local " + SENDIASS_FULL
ADVICE_SENDIASS_UNNAMED = "your local " + SENDIASS_FULL + ", which the local authority lists"
ADVICE_LOCAL_OFFER = (
    "The local offer, at {url}, sets out the support in the area for children and young "
    "people with special educational needs and disabilities."
)
ADVICE_LOCAL_OFFER_UNKNOWN = (
    "The local authority's local offer, on its website, sets out the support in the area for "
    "children and young people with special educational needs and disabilities."
)

NOTE_PROTECTED = (
    "{name}'s address is protected, so their letter has no address on it. Hand it over in "
    "person or send it through the child's social worker; do not post it."
)
NOTE_LOOKED_AFTER = (
    "{pupil} is looked after. Check with their social worker who should receive this letter "
    "before sending it."
)
NOTE_NO_PARENT = (
    "No parent is recorded for {pupil}: no contact has parental responsibility or care of the "
    "child. The letter is addressed to their parents or carers with no address. Add the "
    "contacts on the pupil's page first if you can."
)
NOTE_SCHOOL_CONTACT_MISSING = (
    "The school's {missing} {verb} not set, so the letter cannot give {them}. Add {them} under "
    "School contact details before sending."
)
NOTE_ADVICE_MISSING = (
    "The {missing} {verb} not set, so the letter says less about where to get impartial "
    "advice. Add {them} under School contact details."
)
NOTE_WORDING_MISSING = (
    "The school's wording of this letter does not give {missing}. Add {placeholders} to the "
    "wording under Letters to parents, or add it to the Word version before sending."
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


def status_meaning(code: str, *, top_up_funding: bool) -> str:
    """What a status means for a parent. SEN support is never said to come only from the
    school's own resources when the local authority pays top-up funding for the pupil."""
    if code == SenProvision.SEN_SUPPORT:
        return MEANING_SEN_SUPPORT_TOP_UP if top_up_funding else MEANING_SEN_SUPPORT
    if code == SenProvision.EHC_PLAN:
        return MEANING_EHC_PLAN
    if not code:
        return MEANING_OFF_REGISTER.format(code=codes.provision_label(SenProvision.NO_SEN))
    return ""


def who_decided(before: str, after: str, *, forename: str) -> str:
    """Who made the change: the local authority when an EHC plan is issued or ceases (E to K,
    or E to off the register, is never the school's decision), otherwise the school."""
    plan = SenProvision.EHC_PLAN
    if before == plan and after != plan:
        return DECIDED_LA_CEASED.format(forename=forename)
    if after == plan and before != plan:
        return DECIDED_LA_ISSUED.format(forename=forename)
    if after:
        return DECIDED_SCHOOL_ADDED.format(forename=forename)
    return DECIDED_SCHOOL_REMOVED.format(forename=forename)


def next_review_text(
    *, to_status: str, review_on: dt.date | None, forename: str, meeting: NextMeeting | None = None
) -> str:
    """The next review or meeting: the monitoring review date after a removal to the
    monitoring list; for a pupil on the register, the next meeting sendreg knows of (a
    support plan's review, an EHC plan's annual review), or else an honest promise to write
    with the date."""
    if not to_status:
        if review_on is not None:
            return NEXT_MONITORING_REVIEW.format(forename=forename, date=long_date(review_on))
        return NO_REVIEW_AFTER_REMOVAL.format(forename=forename)
    if meeting is not None:
        wording = NEXT_MEETING_ON if meeting.arranged else NEXT_MEETING_DUE_BY
        return wording.format(forename=forename, what=meeting.what, date=long_date(meeting.on))
    return NEXT_REVIEW_TO_COME.format(forename=forename)


def school_contact_text(school: School) -> str:
    phone, email = school.phone.strip(), school.email.strip()
    if phone and email:
        return CONTACT_PHONE_AND_EMAIL.format(phone=phone, email=email)
    if phone:
        return CONTACT_PHONE.format(phone=phone)
    if email:
        return CONTACT_EMAIL.format(email=email)
    return CONTACT_OFFICE


def advice_text(school: School) -> str:
    """Where to get impartial advice: the local SENDIASS and the local offer, as far as the
    school has recorded them, and honest general words for what it has not."""
    name = school.sendiass_name.strip()
    service = ADVICE_SENDIASS_NAMED.format(name=name) if name else ADVICE_SENDIASS_UNNAMED
    ways = [
        f"{label} {value}"
        for label, value in (
            ("telephone", school.sendiass_phone.strip()),
            ("website", school.sendiass_website.strip()),
        )
        if value
    ]
    how = (": " + ", ".join(ways)) if ways else ""
    offer = school.local_offer_url.strip()
    local_offer = ADVICE_LOCAL_OFFER.format(url=offer) if offer else ADVICE_LOCAL_OFFER_UNKNOWN
    return ADVICE_SENDIASS.format(service=service, how=how) + "\n\n" + local_offer


def school_lines(school: School) -> tuple[str, ...]:
    """The school's address, telephone and email for the head of a letter, as recorded."""
    lines = [line.strip() for line in school.address.splitlines() if line.strip()]
    if school.phone.strip():
        lines.append(f"Telephone: {school.phone.strip()}")
    if school.email.strip():
        lines.append(f"Email: {school.email.strip()}")
    return tuple(lines)


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
    #: The school's address, telephone and email, under its name at the head of the letter.
    school_lines: tuple[str, ...] = ()

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


def _monitoring_review(pupil: Pupil) -> dt.date | None:
    """The review date of the pupil's open monitoring entry, if they are on the list."""
    entry = pupil.monitoring.filter(ended_on__isnull=True).only("review_date").first()
    return entry.review_date if entry is not None else None


def _change_values(
    *,
    school: School,
    before: str,
    after: str,
    forename: str,
    top_up_funding: bool,
    review_on: dt.date | None,
    meeting: NextMeeting | None,
) -> dict[str, str]:
    """The placeholders that depend on the change and the school, not on the recipient."""
    return {
        "status": status_text(after),
        "status_meaning": status_meaning(after, top_up_funding=top_up_funding),
        "previous_status": status_text(before),
        "who_decided": who_decided(before, after, forename=forename),
        "next_review": next_review_text(
            to_status=after, review_on=review_on, forename=forename, meeting=meeting
        ),
        "school_contact": school_contact_text(school),
        "advice": advice_text(school),
        "school_name": school.name,
    }


def letter_values(
    notification: ParentNotification, *, parent_name: str, by: User, today: dt.date
) -> dict[str, str]:
    """The value of every placeholder for one letter: data, never template text."""
    pupil = notification.pupil
    # The needs held once the change takes effect (none after a removal).
    held = needs_on([pupil.pk], day=notification.effective).get(pupil.pk, [])
    needs = [f"{rank}. {codes.need_label(code)}" for rank, code in enumerate(held, 1)]
    review_on = _monitoring_review(pupil) if notification.kind == NotificationKind.REMOVED else None
    return {
        "parent_name": parent_name,
        "pupil_name": str(pupil),
        "pupil_forename": pupil.forename,
        "needs": "\n".join(needs) if needs else NO_NEEDS,
        "effective_date": long_date(notification.effective),
        "senco_name": by.name or by.email,
        "today": long_date(today),
        **_change_values(
            school=pupil.school,
            before=notification.from_status,
            after=notification.to_status,
            forename=pupil.forename,
            top_up_funding=pupil.top_up_funding,
            review_on=review_on,
            meeting=next_meeting(pupil, today) if notification.to_status else None,
        ),
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
    school: School,
    today: dt.date,
) -> Letter:
    return Letter(
        recipient=values["parent_name"],
        address_lines=address,
        subject=" ".join(rules.fill(template.subject, values).split()),
        paragraphs=_paragraphs(rules.fill(template.body, values)),
        school_name=school.name,
        school_lines=school_lines(school),
        date=today,
    )


@dataclass(frozen=True)
class Recipient:
    """A parent in education law a letter goes to, and whether their address is withheld
    (``letter_address`` gives it no lines)."""

    contact: Contact
    address_withheld: bool

    @property
    def name(self) -> str:
        return self.contact.name


def letter_recipients(pupil: Pupil) -> list[Recipient]:
    """Those a letter about ``pupil`` goes to: each parent in education law."""
    contacts = list(pupil.contacts.all())
    protected = protected_addresses_of(contacts)
    return [
        Recipient(c, address_withheld=contact_address_protected(c, protected))
        for c in parents_in_law(contacts)
    ]


def letters_for(
    notification: ParentNotification, template: LetterTemplate, *, by: User, today: dt.date
) -> list[Letter]:
    """One letter per parent in education law (or one to "the parents or carers" when none
    is recorded), in the school's wording.

    Raises ValidationError when the wording has a placeholder that does not exist.
    """
    pupil = notification.pupil
    contacts = list(pupil.contacts.all())
    protected = protected_addresses_of(contacts)
    recipients = [(c.name, letter_address(c, protected)) for c in parents_in_law(contacts)]
    if not recipients:
        recipients = [(f"The parents or carers of {pupil}", ())]
    # Everything but the name is the same in each parent's letter: read it once.
    values = letter_values(notification, parent_name="", by=by, today=today)
    return [
        _letter(
            template,
            {**values, "parent_name": name},
            address=address,
            school=pupil.school,
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
#: How far ahead the preview's invented monitoring review falls.
_PREVIEW_REVIEW_AFTER = dt.timedelta(weeks=8)


def letter_preview(template: LetterTemplate, *, by: User, today: dt.date) -> Letter | None:
    """The letter as it reads for an invented pupil, with the school's own contact details,
    or None if the wording cannot be used."""
    before, after = _PREVIEW_CHANGE[NotificationKind(template.kind)]
    values = {
        "parent_name": "Alex Sample",
        "pupil_name": "Sam Sample",
        "pupil_forename": "Sam",
        "needs": "\n".join(
            f"{rank}. {codes.need_label(code)}" for rank, code in enumerate(("SEMH", "SLCN"), 1)
        )
        if after
        else NO_NEEDS,
        "effective_date": long_date(today),
        "senco_name": by.name or by.email,
        "today": long_date(today),
        **_change_values(
            school=template.school,
            before=before,
            after=after,
            forename="Sam",
            top_up_funding=False,
            review_on=today + _PREVIEW_REVIEW_AFTER,
            meeting=NextMeeting(today + _PREVIEW_REVIEW_AFTER, "the review of their support plan"),
        ),
    }
    try:
        return _letter(
            template,
            values,
            address=("1 Example Street", "Exampleton"),
            school=template.school,
            today=today,
        )
    except ValidationError:
        return None


def _missing(names: list[str]) -> tuple[str, str, str]:
    """``names`` as a phrase, with the verb and pronoun that agree with it."""
    phrase = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return phrase, ("is" if len(names) == 1 else "are"), ("it" if len(names) == 1 else "them")


def school_contact_notes(school: School) -> list[str]:
    """What the school has not recorded that every letter should give: shown on screen."""
    notes = []
    contact = [
        label
        for label, value in (
            ("address", school.address),
            ("telephone", school.phone),
            ("email", school.email),
        )
        if not value.strip()
    ]
    if contact:
        phrase, verb, them = _missing(contact)
        notes.append(NOTE_SCHOOL_CONTACT_MISSING.format(missing=phrase, verb=verb, them=them))
    advice = [
        label
        for label, value in (
            ("SENDIASS name", school.sendiass_name),
            ("SENDIASS telephone", school.sendiass_phone),
            ("SENDIASS website", school.sendiass_website),
            ("local offer web address", school.local_offer_url),
        )
        if not value.strip()
    ]
    if advice:
        phrase, verb, them = _missing(advice)
        notes.append(NOTE_ADVICE_MISSING.format(missing=phrase, verb=verb, them=them))
    return notes


def wording_notes(template: LetterTemplate) -> list[str]:
    """What the school's wording leaves out of what a letter to parents must give."""
    missing = rules.missing_essentials(template.subject + "\n" + template.body)
    if not missing:
        return []
    phrase, _, _ = _missing([rules.ESSENTIAL_PLACEHOLDERS[name] for name in missing])
    placeholders = ", ".join("{" + name + "}" for name in missing)
    return [NOTE_WORDING_MISSING.format(missing=phrase, placeholders=placeholders)]


def letter_notes(notification: ParentNotification) -> list[str]:
    """What the SENCO must know before sending: shown on screen, never printed on a letter."""
    # Imported here: the selectors give the default wording, which lives in this module.
    from sendreg.documents.selectors import letter_template_for

    pupil = notification.pupil
    contacts = list(pupil.contacts.all())
    protected = protected_addresses_of(contacts)
    parents = parents_in_law(contacts)
    notes = [
        NOTE_PROTECTED.format(name=c.name)
        for c in parents
        if c.address.strip() and not letter_address(c, protected)
    ]
    if pupil.looked_after:
        notes.append(NOTE_LOOKED_AFTER.format(pupil=pupil))
    if not parents:
        notes.append(NOTE_NO_PARENT.format(pupil=pupil))
    notes += school_contact_notes(pupil.school)
    notes += wording_notes(letter_template_for(pupil.school, NotificationKind(notification.kind)))
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
        if letter.school_lines:
            head = document.add_paragraph()
            head.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            for number, line in enumerate(letter.school_lines):
                run = head.add_run(safe(line))
                if number < len(letter.school_lines) - 1:
                    run.add_break(WD_BREAK.LINE)
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
