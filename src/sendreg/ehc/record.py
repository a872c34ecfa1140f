"""What the EHC app holds about a pupil, for a record pack, a subject access request and
the receiving school (``lib.extensions.PUPIL_RECORD_PARTS``)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from sendreg.ehc import documents, selectors
from sendreg.ehc.models import EhcDueDate
from sendreg.ehc.rules import EventKind
from sendreg.lib.dates import today
from sendreg.lib.diff import jsonable
from sendreg.lib.documents import PDF_TYPE, document_pdf
from sendreg.lib.extensions import PupilFile
from sendreg.pupils.models import Pupil

_EVENT_FIELDS = (
    "kind", "on", "meeting_on", "requested_by", "evidence", "local_authority", "named_school",
    "sections", "adulthood", "attendees", "pupil_views", "parent_views", "outcome", "notes",
    "recorded_by_label", "recorded_at", "source", "withdrawn_at", "withdrawn_by_label",
    "withdrawn_reason",
)  # fmt: skip


def _value(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return jsonable(value)


def data(pupil: Pupil) -> Mapping[str, Any]:
    """Every EHC row kept about the pupil, as plain values, with the stage and the deadlines."""
    record = selectors.ehc_record(pupil, today=today())
    events = []
    for event in record.events:
        row = {name: _value(getattr(event, name)) for name in _EVENT_FIELDS}
        if event.kind == EventKind.REVIEW_SCHEDULED:
            row["invitees"] = [
                {
                    "name": i.name,
                    "role": i.role,
                    "organisation": i.organisation,
                    "advice_requested": i.advice_requested,
                    "invited_on": _value(i.invited_on),
                }
                for i in record.invitees.get(event.pk, [])
            ]
        events.append(row)
    due_dates = [
        {
            "duty": row.duty_key,
            "due": _value(row.due),
            "reason": row.reason,
            "by": row.by_label,
            "at": _value(row.at),
        }  # fmt: skip
        for row in EhcDueDate.objects.filter(pupil=pupil).order_by("at", "id")
    ]
    return {
        "stage": record.stage.value,
        "events": events,
        "due_dates": due_dates,
        "deadlines": [deadline.as_json() for deadline in record.all_deadlines()],
    }


def files(pupil: Pupil) -> Iterator[PupilFile]:
    """The EHC record as a PDF, and the draft report of each review meeting held."""
    day = today()
    record = selectors.ehc_record(pupil, today=day)
    if not record.events:
        return
    stem = f"{pupil.surname}-{pupil.forename}".replace(" ", "-")
    yield PupilFile(
        f"ehc-record-{stem}.pdf",
        document_pdf(documents.record_summary(record=record, today=day)),
        PDF_TYPE,
    )
    for event in record.active_events:
        if event.kind != EventKind.REVIEW_HELD:
            continue
        invitees = selectors.held_review_invitees(record, event)
        report = documents.review_report(record=record, held=event, invitees=invitees, today=day)
        yield PupilFile(
            f"ehc-annual-review-{stem}-{event.on.isoformat()}.pdf", document_pdf(report), PDF_TYPE
        )
