"""The record pack: one ZIP, encrypted with AES-256, of every PDF of a pupil's record.

What goes in comes from ``lib.extensions.PUPIL_RECORD_PARTS``: each app that holds
part of the record (this one, the support plans, the EHC documents, ...) gives its
files. The pack adds an acknowledgement form for the receiving school to sign and
return. pyzipper writes the WinZip AES format, which Windows 11's File Explorer,
7-Zip and macOS's Archive Utility open with the password.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from typing import Any

import pyzipper
from django.utils.formats import date_format

from sendreg.lib.documents import Block, Document, Facts, Heading, Paragraph, Table, document_pdf
from sendreg.lib.extensions import PUPIL_RECORD_PARTS, PupilFile, PupilRecordPart
from sendreg.pupils.models import Pupil
from sendreg.transfer.models import RecordPack

ACKNOWLEDGEMENT_NAME = "00 Acknowledgement form - sign and return.pdf"
_UNSAFE = re.compile(r'[\x00-\x1f<>:"/\\|?*]+')


@dataclass(frozen=True)
class BuiltPack:
    content: bytes
    #: ``[{"key", "title", "files": [names in the ZIP]}]``
    parts: list[dict[str, Any]]


def pack_file_name(pupil: Pupil, today: dt.date) -> str:
    return f"record-pack-{pupil.upn}-{today.isoformat()}.zip"


def _safe(name: str) -> str:
    """A file or folder name that cannot climb out of its folder or upset Windows."""
    cleaned = _UNSAFE.sub(" ", name).strip(" .")
    return cleaned[:120] or "file"


def record_files(pupil: Pupil) -> list[tuple[PupilRecordPart, list[PupilFile]]]:
    """Every part of the pupil's record that has files to send, in the registry's order."""
    found = []
    for part in PUPIL_RECORD_PARTS:
        if part.files is None:
            continue
        files = list(part.files(pupil))
        if files:
            found.append((part, files))
    return found


def acknowledgement_document(
    *, pupil: Pupil, pack: RecordPack, contents: list[tuple[str, list[str]]]
) -> Document:
    """The form the receiving school signs to say the record arrived (seed 000)."""
    school = pupil.school
    blocks: list[Block] = [
        Paragraph(
            f"{school.name} has sent the SEN record of the pupil below to "
            f"{pack.sharing.recipient}. Please check that every file listed opened, then sign "
            "and date this form and return it to the SENCO at the sending school."
        ),
        Facts(
            (
                ("Pupil", f"{pupil.legal_forename} {pupil.legal_surname}"),
                ("Date of birth", date_format(pupil.date_of_birth, "j F Y")),
                ("UPN", pupil.upn),
                ("Pack reference", pack.reference),
                ("Sent", date_format(pack.sent_on, "j F Y")),
                ("Sent by", f"{pack.sent_by_label} for {school.name} ({school.laestab})"),
                (
                    "Sent to",
                    pack.sharing.recipient
                    + (f" ({pack.recipient_laestab})" if pack.recipient_laestab else "")
                    + (
                        f", for the attention of {pack.recipient_person}"
                        if pack.recipient_person
                        else ""
                    ),
                ),  # fmt: skip
            )
        ),
        Heading("What the pack holds"),
        Table(
            ("Part of the record", "File"),
            tuple((title, name) for title, names in contents for name in names),
        ),
        Heading("Sending school"),
        Facts((("Name", ""), ("Signature", ""), ("Date", ""))),
        Heading("Receiving school"),
        Facts((("Name", ""), ("Position", ""), ("Signature", ""), ("Date received", ""))),
    ]
    return Document(
        title=f"Acknowledgement of a pupil's SEN record: {pupil}",
        subtitle=f"{school.name} · {pack.reference}",
        blocks=blocks,
        footer="Keep a copy. Confidential once completed.",
        author=school.name,
    )


def build_pack(*, pupil: Pupil, pack: RecordPack, password: str, today: dt.date) -> BuiltPack:
    """The encrypted ZIP and a list of what it holds. Nothing is written anywhere."""
    found = record_files(pupil)
    parts: list[dict[str, Any]] = []
    entries: list[tuple[str, bytes]] = []
    contents: list[tuple[str, list[str]]] = []
    for index, (part, files) in enumerate(found, 1):
        folder = f"{index:02d} {_safe(part.title)}"
        names = []
        used: set[str] = set()
        for file in files:
            name = _safe(file.name)
            while name in used:
                name = f"copy of {name}"
            used.add(name)
            names.append(name)
            entries.append((f"{folder}/{name}", file.content))
        parts.append({"key": part.key, "title": part.title, "files": names})
        contents.append((part.title, [f"{folder}/{n}" for n in names]))
    form = document_pdf(acknowledgement_document(pupil=pupil, pack=pack, contents=contents))
    entries.insert(0, (ACKNOWLEDGEMENT_NAME, form))
    form_part = {"key": "acknowledgement", "title": "Acknowledgement form"}
    parts.insert(0, {**form_part, "files": [ACKNOWLEDGEMENT_NAME]})
    buffer = io.BytesIO()
    with pyzipper.AESZipFile(
        buffer, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES
    ) as archive:
        archive.setpassword(password.encode())
        archive.setencryption(pyzipper.WZ_AES, nbits=256)
        for name, content in entries:
            archive.writestr(name, content)
    return BuiltPack(content=buffer.getvalue(), parts=parts)
