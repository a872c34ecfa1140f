"""A subject access copy: everything held about one pupil, as a ZIP of PDF and JSON.

- ``record.json``: every part's data (``lib.extensions.PUPIL_RECORD_PARTS``), the
  audit trail of the pupil's record, and who opened or downloaded it (the access log);
- ``summary.pdf``: the same, readable by a parent (``sendreg.lib.documents``);
- ``files/<part>/...``: each part's documents (plans, reports, letters), as kept.

Protected addresses are never included, and nor are staff members' network addresses
(they are the staff's personal data, not the pupil's): the copy says who looked and when.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from sendreg.accounts.models import User
from sendreg.audit.access import what_label
from sendreg.audit.models import AccessEvent
from sendreg.audit.selectors import events_for_pupil, with_actor
from sendreg.lib.documents import (
    Block,
    Document,
    Facts,
    Heading,
    Paragraph,
    Table,
    document_pdf,
)
from sendreg.lib.extensions import PUPIL_RECORD_PARTS, audit_type_label
from sendreg.privacy.parts import ADDRESS_WITHHELD
from sendreg.pupils.models import Pupil

ZIP_TYPE = "application/zip"
INTRODUCTION = (
    "This is a copy of everything {school} keeps in sendreg about {pupil}, made on {day} "
    "in answer to a request for it (a subject access request under the UK GDPR). It has "
    "what the school has recorded, the history of every change with who made it, and a "
    "list of the times staff opened or downloaded the record. The file record.json holds "
    "the same in a form computers can read. Addresses marked as protected are not included."
)


@dataclass(frozen=True)
class SubjectAccessCopy:
    filename: str
    content: bytes


def _plain(value: Any) -> Any:
    """JSON-able values: dates as ISO text, decimals as text, everything else as it is."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def _audit_trail(pupil: Pupil) -> list[dict[str, Any]]:
    trail = []
    for event in events_for_pupil(pupil).order_by("at", "id"):
        old, new = dict(event.old), dict(event.new)
        if event.target_model == "pupils.contact":
            for values in (old, new):
                if "address" in values:
                    values["address"] = ADDRESS_WITHHELD
        trail.append(
            {
                "at": event.at,
                "what": audit_type_label(event.type),
                "by": event.actor_label,
                "before": old,
                "after": new,
                "reason": event.reason,
                "source": event.source,
            }
        )
    return trail


def _access_log(pupil: Pupil) -> list[dict[str, Any]]:
    events = AccessEvent.objects.filter(school_id=pupil.school_id, pupil_id=pupil.pk)
    return [
        {
            "at": e.at,
            "who": getattr(e, "actor_name", None) or "A removed account",
            "what": what_label(e.what),
            "detail": e.detail,
        }
        for e in with_actor(events).order_by("at", "id")
    ]


def _summary_blocks(record: Mapping[str, Any]) -> list[Block]:
    blocks: list[Block] = []
    for part in record["parts"].values():
        blocks.append(Heading(part["title"]))
        blocks.extend(_data_blocks(part["data"]))
    blocks.append(Heading("Changes to the record"))
    trail = record["audit_trail"]
    if trail:
        blocks.append(
            Table(
                header=("When", "What", "By", "Before", "After", "Reason"),
                rows=tuple(
                    (
                        e["at"][:16].replace("T", " "),
                        e["what"],
                        e["by"],
                        _text(e["before"]),
                        _text(e["after"]),
                        e["reason"],
                    )
                    for e in trail
                ),  # fmt: skip
                caption="Every change, oldest first",
            )
        )
    else:
        blocks.append(Paragraph("No changes recorded."))
    blocks.append(Heading("Who opened or downloaded the record"))
    access = record["access_log"]
    if access:
        blocks.append(
            Table(
                header=("When", "Who", "What"),
                rows=tuple((a["at"][:16].replace("T", " "), a["who"], a["what"]) for a in access),
                caption="Every time, oldest first",
            )
        )
    else:
        blocks.append(Paragraph("No one has opened it."))
    return blocks


def _label(key: str) -> str:
    return key.replace("_", " ").capitalize()


def _text(value: Any) -> str:
    if value in (None, "", [], {}):
        return "—"
    if isinstance(value, Mapping):
        return "; ".join(f"{_label(str(k))}: {_text(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    return str(value)


def _data_blocks(data: Mapping[str, Any]) -> list[Block]:
    """One part's data as facts (single values) and tables (lists of rows)."""
    facts: list[tuple[str, str]] = []
    blocks: list[Block] = []
    for key, value in data.items():
        if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
            header = tuple(dict.fromkeys(k for row in value for k in row))
            blocks.append(
                Table(
                    header=tuple(_label(h) for h in header),
                    rows=tuple(tuple(_text(row.get(h)) for h in header) for row in value),
                    caption=_label(key),
                )
            )
        elif isinstance(value, list) and not value:
            blocks.append(Paragraph(f"{_label(key)}: none recorded."))
        else:
            facts.append((_label(key), _text(value)))
    return ([Facts(tuple(facts))] if facts else []) + blocks


def subject_access_copy(pupil: Pupil, *, by: User) -> SubjectAccessCopy:
    now = timezone.localtime()
    record: dict[str, Any] = {
        "made_at": now,
        "made_by": f"{by.name} <{by.email}>",
        "school": str(pupil.school),
        "pupil": str(pupil),
        "parts": {},
        "audit_trail": _audit_trail(pupil),
        "access_log": _access_log(pupil),
    }
    files: list[tuple[str, bytes]] = []
    for part in PUPIL_RECORD_PARTS:
        record["parts"][part.key] = {"title": part.title, "data": part.data(pupil)}
        if part.files is not None:
            files.extend((f"files/{part.key}/{f.name}", f.content) for f in part.files(pupil))
    record = _plain(record)
    document = Document(
        title=f"Subject access copy: {pupil}",
        subtitle=f"{pupil.school.name}, {now:%d %B %Y}",
        footer=f"Personal data about {pupil}. Keep it safe.",
        author=pupil.school.name,
        blocks=[
            Paragraph(
                INTRODUCTION.format(school=pupil.school.name, pupil=pupil, day=f"{now:%d %B %Y}")
            ),
            *_summary_blocks(record),
        ],
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("record.json", json.dumps(record, indent=2, ensure_ascii=False))
        archive.writestr("summary.pdf", document_pdf(document))
        for name, content in files:
            archive.writestr(name, content)
    filename = f"subject-access-{pupil.upn}-{now:%Y-%m-%d}.zip"
    return SubjectAccessCopy(filename=filename, content=out.getvalue())
