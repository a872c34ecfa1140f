"""The parts of a pupil's record that exist today, for the record pack and subject access.

Registered in ``lib.extensions.PUPIL_RECORD_PARTS`` by this app's ``ready()``: the
summary sheet, the SEN register's history, the other registers, and this app's own
records (previous schools' SEN histories, consent to share, the transfer log). Other
apps register their own parts (support plans, passports, EHC documents). Every PDF is
built from ``lib.documents`` blocks and carries no protected address.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.formats import date_format

from sendreg import codes
from sendreg.accounts.models import User
from sendreg.audit.models import REGISTER_CHANGES, AuditEvent
from sendreg.documents.letters import letter_address
from sendreg.lib.dates import today
from sendreg.lib.diff import jsonable
from sendreg.lib.documents import (
    PDF_TYPE,
    Block,
    Bullets,
    Document,
    Facts,
    Heading,
    Paragraph,
    Table,
    document_pdf,
)
from sendreg.lib.extensions import PupilFile, PupilRecordPart
from sendreg.pupils.models import Pupil
from sendreg.pupils.selectors import protected_addresses_of
from sendreg.register.models import ParentNotification
from sendreg.register.selectors import needs_on, pupil_sen_summary, register_history
from sendreg.transfer.rules import SenEntry, SharingPurpose
from sendreg.transfer.statutory import exception_label

CONFIDENTIAL = (
    "Confidential: special category personal data about a child. Keep it secure and share it "
    "only with those who need it."
)
NONE = "None recorded."


def _date(day: dt.date | None) -> str:
    return date_format(day, "j F Y") if day else "—"


def _yes(flag: bool) -> str:
    return "Yes" if flag else "No"


def _document(pupil: Pupil, title: str, blocks: list[Block]) -> Document:
    return Document(
        title=f"{title}: {pupil}",
        subtitle=f"{pupil.school.name} · UPN {pupil.upn} · made {_date(today())}",
        blocks=blocks,
        footer=CONFIDENTIAL,
        author=pupil.school.name,
    )


def _pdf(name: str, document: Document) -> PupilFile:
    return PupilFile(name=name, content=document_pdf(document), content_type=PDF_TYPE)


def _needs(pupil: Pupil) -> list[str]:
    return needs_on([pupil.pk], day=today()).get(pupil.pk, [])


def _details(pupil: Pupil) -> dict[str, Any]:
    fields = (
        "upn", "former_upn", "legal_surname", "legal_forename", "preferred_surname",
        "preferred_forename", "date_of_birth", "gender", "year_group", "reg_group",
        "admission_date", "leaving_date", "eal", "fsm", "pupil_premium", "looked_after",
        "medical", "top_up_funding", "attendance",
    )  # fmt: skip
    return {name: jsonable(getattr(pupil, name)) for name in fields}


# --- The summary sheet ---------------------------------------------------------------------


def summary_document(pupil: Pupil) -> Document:
    day = today()
    summary = pupil_sen_summary(pupil, day=day)
    needs = _needs(pupil)
    flags = [
        label
        for flag, label in (
            (pupil.eal, "English as an additional language"),
            (pupil.fsm, "Free school meals"),
            (pupil.pupil_premium, "Pupil premium"),
            (pupil.looked_after, "Looked after"),
            (pupil.medical, "Medical needs"),
            (pupil.top_up_funding, "LA top-up funding"),
        )
        if flag
    ]
    blocks: list[Block] = [
        Facts(
            (
                ("Name", str(pupil)),
                ("Legal name", f"{pupil.legal_forename} {pupil.legal_surname}"),
                ("Date of birth", _date(pupil.date_of_birth)),
                ("UPN", pupil.upn),
                ("Year", pupil.year_label),
                ("Registration group", pupil.reg_group or "—"),
                ("Joined", _date(pupil.admission_date)),
                ("Left", _date(pupil.leaving_date)),
                ("Also", "; ".join(flags) or "—"),
            )
        ),
        Heading("Special educational needs"),
        Paragraph(
            f"SEN status today: {codes.provision_label(summary.status)}"
            + (f", since {_date(summary.since)}." if summary.since else ".")
            if summary.status
            else "Not on the SEN register today."
        ),
    ]
    if needs:
        blocks.append(Bullets(tuple(codes.need_label(c) for c in needs), numbered=True))
    blocks += _registers_summary(pupil, day)
    contacts = list(pupil.contacts.all())
    protected = protected_addresses_of(contacts)
    rows = []
    for contact in contacts:
        address = letter_address(contact, protected)
        withheld = contact.address.strip() and not address
        rows.append(
            (
                contact.name,
                contact.relationship + (" (parental responsibility)" if
                                        contact.parental_responsibility else ""),
                ", ".join(filter(None, [contact.phone, contact.email])) or "—",
                "Withheld: ask the sending school" if withheld else ", ".join(address) or "—",
            )
        )  # fmt: skip
    blocks.append(Heading("Parents, carers and contacts"))
    if rows:
        blocks.append(Table(("Name", "Relationship", "Phone and email", "Address"), tuple(rows)))
    else:
        blocks.append(Paragraph(NONE))
    consents = [c for c in pupil.sharing_consents.all() if c.in_force(day)]
    blocks.append(Heading("Consent to share in force"))
    blocks.append(
        Bullets(
            tuple(
                f"{c.given_by_name}, {_date(c.given_on)}: "
                + "; ".join(c.purpose_labels + c.organisation_list)
                for c in consents
            )
        )
        if consents
        else Paragraph(NONE)
    )
    return _document(pupil, "Summary sheet", blocks)


def _registers_summary(pupil: Pupil, day: dt.date) -> list[Block]:
    blocks: list[Block] = [Heading("Other registers")]
    items: list[str] = []
    for condition in pupil.medical_conditions.filter(ended_on__isnull=True):
        plan = " (Individual Healthcare Plan)" if condition.has_ihp else ""
        items.append(f"Medical: {condition.condition}{plan}")
    for arrangement in pupil.exam_arrangements.filter(ended_on__isnull=True):
        arrangement.pupil = pupil
        if arrangement.status(day).in_force:
            items.append(f"Exam access arrangement: {arrangement.label}")
    eal = getattr(pupil, "eal_record", None)
    if eal is not None:
        items.append(f"English as an additional language: first language {eal.first_language}")
    lac = getattr(pupil, "lac_record", None)
    if lac is not None:
        items.append(f"Looked after by {lac.responsible_authority}")
    for concern in pupil.concerns.filter(ended_on__isnull=True):
        items.append(f"Cause for concern since {_date(concern.started_on)}: {concern.reason}")
    blocks.append(Bullets(tuple(items)) if items else Paragraph(NONE))
    return blocks


def _summary_files(pupil: Pupil) -> Iterable[PupilFile]:
    return [_pdf("Summary sheet.pdf", summary_document(pupil))]


SUMMARY_PART = PupilRecordPart(
    key="summary",
    title="Summary sheet",
    data=_details,
    files=_summary_files,
    order=0,
)


# --- The SEN register's history ------------------------------------------------------------


def _status_text(value: object) -> str:
    return codes.provision_label(str(value)) if value else "Not on the register"


def _needs_text(value: object) -> str:
    if not isinstance(value, list) or not value:
        return "none"
    return ", ".join(str(code) for code in value)


def register_document(pupil: Pupil) -> Document:
    history = register_history(pupil)
    episodes = history.episodes
    needs = _needs(pupil)
    blocks: list[Block] = [Heading("Time on the SEN register")]
    if episodes:
        blocks.append(
            Table(
                ("SEN status", "From", "To", "Why it started", "Why it ended"),
                tuple(
                    (
                        codes.provision_label(e.status),
                        _date(e.start),
                        _date(e.end) if e.end else "Still in force",
                        e.start_reason or "—",
                        e.end_reason or "—",
                    )
                    for e in episodes
                ),
                caption="Each period with one SEN status, oldest first",
            )
        )
    else:
        blocks.append(Paragraph("Never on this school's SEN register."))
    blocks.append(Heading("Needs now, in order of importance"))
    blocks.append(
        Bullets(tuple(codes.need_label(c) for c in needs), numbered=True)
        if needs
        else Paragraph(NONE)
    )
    spans = sorted(history.needs, key=lambda n: (n.start, n.rank))
    if spans:
        rows = tuple(
            (
                codes.need_label(n.code),
                str(n.rank),
                _date(n.start),
                _date(n.end) if n.end else "Still held",
            )
            for n in spans
        )
        blocks.append(Table(("Need", "Rank", "From", "To"), rows, caption="Need types over time"))
    events = AuditEvent.objects.filter(pupil_id=pupil.pk, type__in=REGISTER_CHANGES).order_by(
        "at", "pk"
    )
    blocks.append(Heading("Every change to the SEN record"))
    rows = tuple(
        (
            _date(e.at.date()),
            f"{_status_text(e.old.get('status'))} with {_needs_text(e.old.get('needs'))} → "
            f"{_status_text(e.new.get('status'))} with {_needs_text(e.new.get('needs'))}",
            e.new.get("effective", "") or "—",
            e.reason or "—",
        )
        for e in events
    )
    blocks.append(
        Table(("Recorded", "Change", "Effective", "Reason"), rows, caption="Oldest first")
        if rows
        else Paragraph(NONE)
    )
    notices = ParentNotification.objects.filter(pupil=pupil).order_by("effective", "pk")
    blocks.append(Heading("Parents told"))
    notice_rows = tuple(
        (
            n.get_kind_display(),
            _date(n.effective),
            f"{_date(n.sent_on)} ({n.get_method_display()})" if n.sent_on else "Not yet",
            _date(n.acknowledged_on) if n.acknowledged_on else "—",
        )
        for n in notices
    )
    blocks.append(
        Table(("Change", "Effective", "Told", "Acknowledged"), notice_rows)
        if notice_rows
        else Paragraph(NONE)
    )
    return _document(pupil, "SEN register history", blocks)


def _register_data(pupil: Pupil) -> Mapping[str, Any]:
    history = register_history(pupil)
    return {
        "episodes": [
            {
                "status": e.status,
                "start": jsonable(e.start),
                "end": jsonable(e.end),
                "start_reason": e.start_reason,
                "end_reason": e.end_reason,
            }
            for e in history.episodes
        ],  # fmt: skip
        "needs": _needs(pupil),
        "need_history": [
            {"code": n.code, "rank": n.rank, "start": jsonable(n.start), "end": jsonable(n.end)}
            for n in history.needs
        ],
        "parent_notifications": [
            {
                "kind": n.kind,
                "from": n.from_status,
                "to": n.to_status,
                "effective": jsonable(n.effective),
                "sent_on": jsonable(n.sent_on),
                "method": n.method,
                "acknowledged_on": jsonable(n.acknowledged_on),
            }
            for n in ParentNotification.objects.filter(pupil=pupil).order_by("effective", "pk")
        ],  # fmt: skip
    }


REGISTER_PART = PupilRecordPart(
    key="register",
    title="SEN register history",
    data=_register_data,
    files=lambda pupil: [_pdf("SEN register history.pdf", register_document(pupil))],
    order=10,
)


# --- The other registers ----------------------------------------------------------------------


def _records_rows(pupil: Pupil) -> dict[str, list[tuple[str, ...]]]:
    day = today()
    rows: dict[str, list[tuple[str, ...]]] = {}
    rows["medical"] = [
        (c.condition, _yes(c.has_ihp), _date(c.ihp_review_date), c.notes or "—",
         _date(c.ended_on) if c.ended_on else "Current")
        for c in pupil.medical_conditions.all()
    ]  # fmt: skip
    exams = []
    for a in pupil.exam_arrangements.all():
        a.pupil = pupil
        exams.append(
            (a.label, a.key_stage, _date(a.approved_on), _date(a.expires_on),
             a.status(day).label, a.evidence)
        )  # fmt: skip
    rows["exams"] = exams
    eal = getattr(pupil, "eal_record", None)
    rows["eal"] = (
        [(eal.first_language, _date(eal.started_in_english_schools), eal.notes or "—")]
        if eal
        else []
    )
    lac = getattr(pupil, "lac_record", None)
    rows["lac"] = (
        [(lac.responsible_authority, _date(lac.pep_date), _date(lac.pep_review_date),
          lac.designated_teacher_label or "—")]
        if lac
        else []
    )  # fmt: skip
    rows["concerns"] = [
        (c.reason, _date(c.started_on), _date(c.review_date),
         _date(c.ended_on) if c.ended_on else "Open", c.end_reason or "—")
        for c in pupil.concerns.all()
    ]  # fmt: skip
    return rows


_RECORD_TABLES = {
    "medical": ("Medical needs and disabilities",
                ("Condition", "Healthcare plan", "Plan review", "Notes", "Ended")),
    "exams": ("Exam access arrangements",
              ("Arrangement", "Key stage", "Approved", "Expires", "Status", "Evidence")),
    "eal": ("English as an additional language",
            ("First language", "Started in English schools", "Notes")),
    "lac": ("Looked after", ("Responsible authority", "Latest PEP", "Next PEP review",
                              "Designated teacher")),
    "concerns": ("Cause for concern", ("Reason", "Started", "Review", "Ended", "Why it ended")),
}  # fmt: skip


def _records_files(pupil: Pupil) -> list[PupilFile]:
    rows = _records_rows(pupil)
    if not any(rows.values()):
        return []
    blocks: list[Block] = []
    for key, (title, header) in _RECORD_TABLES.items():
        blocks.append(Heading(title))
        blocks.append(Table(header, tuple(rows[key])) if rows[key] else Paragraph(NONE))
    return [_pdf("Other registers.pdf", _document(pupil, "Other registers", blocks))]


RECORDS_PART = PupilRecordPart(
    key="records",
    title="Other registers",
    data=lambda pupil: {k: [list(r) for r in v] for k, v in _records_rows(pupil).items()},
    files=_records_files,
    order=20,
)


# --- This app's own records ---------------------------------------------------------------------


def _entries_text(entries: list[SenEntry]) -> str:
    return "; ".join(f"{e.provision} from {_date(e.start)}" for e in entries) or "none"


def _transfer_files(pupil: Pupil) -> list[PupilFile]:
    histories = list(pupil.ctf_histories.order_by("received_at", "pk"))
    if not histories:
        return []
    blocks: list[Block] = [
        Paragraph(
            "The SEN history each previous school sent in a Common Transfer File, as it was sent."
        ),
        Table(
            ("Previous school", "Received", "SEN provision", "Needs, in order"),
            tuple(
                (
                    f"{h.source_name} ({h.source_laestab})" if h.source_laestab else h.source_name,
                    _date(h.received_at.date()),
                    _entries_text(h.sen_entries),
                    ", ".join(codes.need_label(c) for c in h.needs) or "none",
                )
                for h in histories
            ),
        ),
    ]
    return [
        _pdf(
            "SEN history from previous schools.pdf",
            _document(pupil, "SEN history from previous schools", blocks),
        )
    ]


def _transfer_data(pupil: Pupil) -> Mapping[str, Any]:
    return {
        "ctf_histories": [
            {"source": h.source_name, "laestab": h.source_laestab, "file": h.filename,
             "received_at": h.received_at.isoformat(), "entries": h.entries, "needs": h.needs}
            for h in pupil.ctf_histories.order_by("received_at", "pk")
        ],
        "transfer_in_decisions": [
            {"outcome": d.outcome, "status": d.status, "needs": d.needs,
             "effective": jsonable(d.effective), "reason": d.reason,
             "decided_at": d.decided_at.isoformat() if d.decided_at else None}
            for d in pupil.transfer_in_decisions.order_by("pk")
        ],
        "consents": [
            {"given_by": c.given_by, "name": c.given_by_name, "given_on": jsonable(c.given_on),
             "purposes": c.purposes, "organisations": c.organisation_list, "notes": c.notes,
             "withdrawn_on": jsonable(c.withdrawn_on), "withdrawal_note": c.withdrawal_note}
            for c in pupil.sharing_consents.order_by("given_on", "pk")
        ],
        "sharing": [
            {"purpose": SharingPurpose(s.purpose).label, "recipient": s.recipient,
             "shared_on": jsonable(s.shared_on), "consent_covered": s.covered,
             "reason": exception_label(s.exception) if s.exception else "",
             "words": s.reason}
            for s in pupil.sharing_records.order_by("shared_on", "pk")
        ],
        "record_packs": [
            {"recipient": p.sharing.recipient, "sent_on": jsonable(p.sent_on),
             "file": p.file_name, "sha256": p.file_sha256, "parts": p.parts,
             "acknowledged_on": jsonable(p.acknowledged_on),
             "acknowledged_by": p.acknowledged_by_name}
            for p in pupil.record_packs.select_related("sharing").order_by("sent_on", "pk")
        ],
    }  # fmt: skip


def _transfer_erase(pupil: Pupil, by: User | None) -> None:
    from sendreg.transfer.services import transfer_records_erase

    transfer_records_erase(pupil=pupil, by=by)


TRANSFER_PART = PupilRecordPart(
    key="transfer",
    title="Transfers and consent to share",
    data=_transfer_data,
    files=_transfer_files,
    erase=_transfer_erase,
    order=90,
)

PARTS = (SUMMARY_PART, REGISTER_PART, RECORDS_PART, TRANSFER_PART)
