"""Import a school's EHC tracker spreadsheet: one row per pupil, with the dates it kept.

Columns: UPN, Request date, Plan issued, Last review, Next review (any may be blank
but the UPN). Each date becomes an event of the pupil's EHC record: the request, the
final plan, the last review meeting held, and the next review meeting arranged. The
file is read with the imports app's CSV and XLSX reader; it is previewed with nothing
written, and applied in one transaction through the same service as the pages, so the
order of events is checked the same way. Importing the same file twice adds nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from sendreg.accounts.models import User
from sendreg.accounts.permissions import Permission
from sendreg.audit.services import actor_label_for
from sendreg.ehc import rules
from sendreg.ehc.models import EhcEvent, EhcInvitee
from sendreg.ehc.rules import EventKind
from sendreg.imports import parsers
from sendreg.imports.columns import cell_text, date_reader, header_key
from sendreg.imports.kinds import ImportKind, ImportOutcome, ImportRequest
from sendreg.imports.services import file_sha256, import_run_record
from sendreg.pupils.models import Pupil
from sendreg.pupils.rules import normalise_upn, validate_upn
from sendreg.register.selectors import with_sen_status

KIND = "ehc"
UPN, REQUEST, PLAN, LAST, NEXT = "UPN", "Request date", "Plan issued", "Last review", "Next review"
COLUMNS = (UPN, REQUEST, PLAN, LAST, NEXT)
DATE_COLUMNS = (REQUEST, PLAN, LAST, NEXT)
#: The event each date column becomes.
EVENT_OF = {
    REQUEST: EventKind.REQUEST,
    PLAN: EventKind.PLAN_ISSUED,
    LAST: EventKind.REVIEW_HELD,
    NEXT: EventKind.REVIEW_SCHEDULED,
}
COLUMN_OF = {kind: column for column, kind in EVENT_OF.items()}
#: Each date column as messages name it: "The date the plan was issued '31/02/2025' is ..."
DATE_LABELS = {
    REQUEST: "date of the request",
    PLAN: "date the plan was issued",
    LAST: "date of the last review",
    NEXT: "date of the next review",
}
EXPECTED = {
    UPN: "the 13-character UPN of a pupil of this school",
    REQUEST: "the date the request for an EHC needs assessment was made, not in the future",
    PLAN: "the date the final EHC plan was issued, after the request and not in the future",
    LAST: "the date of the last annual review meeting held, after the plan was issued",
    NEXT: "the date of the next annual review meeting, after the last one",
}
HEADER_MISSING = (
    "The file is not an EHC tracker: its first rows have no heading row with the columns "
    "UPN and at least one of Request date, Plan issued, Last review and Next review. "
    "Columns found: {found}."
)
NO_SUCH_PUPIL = "No pupil with UPN {upn} at this school: import the pupils from the MIS first."
DUPLICATE_UPN = "The UPN {upn} is also on row {first}: give each pupil one row."
NOTHING_ON_ROW = "The row has a UPN but no dates, so there is nothing to import."
NOT_E = (
    "{name} has a final plan but is not E on the SEN register: the SENCO is offered the "
    "change on the pupil's EHC page (an import never changes the register)."
)
CHANGED_SINCE_PREVIEW = (
    "The EHC records changed while the file was being checked, so nothing was imported: "
    "{problem} Upload the file again."
)
SOURCE = "import of {filename} (sha256 {sha})"


# --- Reading the table ------------------------------------------------------------------------


def _rows(data: bytes, filename: str) -> Iterator[Sequence[object]]:
    """Every row of the first sheet or the CSV file, blank ones too (row numbers match Excel's)."""
    max_bytes = settings.SENDREG_IMPORT_MAX_MB * parsers.MEGABYTE
    if len(data) > max_bytes:
        raise parsers.ImportRefused(
            f"The file is larger than {settings.SENDREG_IMPORT_MAX_MB} MB, "
            "the most sendreg accepts."
        )
    if not data.strip():
        raise parsers.ImportRefused("The file is empty.")
    if data.startswith(b"PK\x03\x04"):
        return parsers._xlsx_rows(data, filename, max_bytes)
    parsers._refuse_other_formats(data, filename)
    columns = {column: column for column in COLUMNS}
    return parsers._csv_rows(parsers._decode(data, filename), columns)


@dataclass(frozen=True)
class Header:
    row: int
    index: dict[str, int]


_KEYS = {header_key(column): column for column in COLUMNS}


def _header(rows: Iterator[Sequence[object]]) -> Header:
    seen: list[str] = []
    for number, cells in enumerate(rows, start=1):
        texts = [cell_text(cell) for cell in cells]
        if not any(texts):
            continue
        index = {}
        for position, text in enumerate(texts):
            column = _KEYS.get(header_key(text))
            if column is not None and column not in index:
                index[column] = position
        if UPN in index and any(column in index for column in DATE_COLUMNS):
            return Header(number, index)
        # Name the columns of the row most like a heading: the first with a UPN column,
        # or else the first row of all.
        if not seen or (UPN in index and UPN not in {_KEYS.get(header_key(t)) for t in seen}):
            seen = [text for text in texts if text]
        if number >= parsers.HEADER_SEARCH_ROWS:
            break
    found = ", ".join(f'"{text}"' for text in seen[:20]) or "none"
    raise parsers.ImportRefused(HEADER_MISSING.format(found=found))


def recognise(filename: str, data: bytes) -> bool:
    """An EHC tracker has a UPN column and one of the tracker's date columns."""
    try:
        rows = _rows(data, filename)
        try:
            _header(rows)
        finally:
            close = getattr(rows, "close", None)
            if close is not None:
                close()
    except parsers.ImportRefused:
        return False
    return True


# --- Planning ---------------------------------------------------------------------------------


@dataclass
class RowPlan:
    row: int
    pupil: Pupil
    new: list[rules.Event] = field(default_factory=list)
    unchanged: int = 0


@dataclass
class TrackerPlan:
    filename: str
    sha256: str
    rows: int = 0
    planned: list[RowPlan] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)

    def summary(self, *, applied: bool) -> dict[str, Any]:
        return {
            "file": self.filename,
            "sha256": self.sha256,
            "kind": KIND,
            "rows": self.rows,
            "pupils": sum(1 for p in self.planned if p.new),
            "created": sum(len(p.new) for p in self.planned),
            "unchanged": sum(p.unchanged for p in self.planned),
            "errors": self.errors,
            "warnings": self.warnings,
            "applied": applied,
        }


def _problem(row: int, column: str, message: str) -> dict[str, Any]:
    return {"row": row, "field": column, "message": message, "expected": EXPECTED[column]}


def _existing(pupil_ids: list[int]) -> dict[int, list[rules.Event]]:
    events = list(EhcEvent.objects.filter(pupil_id__in=pupil_ids, withdrawn_at__isnull=True))
    invited: dict[int, list[dt.date | None]] = {}
    for review_id, on in EhcInvitee.objects.filter(review__in=events).values_list(
        "review_id", "invited_on"
    ):
        invited.setdefault(review_id, []).append(on)
    found: dict[int, list[rules.Event]] = {}
    for event in events:
        found.setdefault(event.pupil_id, []).append(event.as_rule(tuple(invited.get(event.pk, []))))
    return found


def _same(a: rules.Event, b: rules.Event) -> bool:
    if a.kind != b.kind:
        return False
    if a.kind == EventKind.REVIEW_SCHEDULED:
        return a.meeting_on == b.meeting_on
    return a.on == b.on


def tracker_plan(request: ImportRequest) -> TrackerPlan:
    """What the file would add, row by row, with every problem; writes nothing."""
    plan = TrackerPlan(filename=request.filename, sha256=file_sha256(request.data))
    rows = _rows(request.data, request.filename)
    try:
        header = _header(rows)
        read: list[tuple[int, str, dict[str, dt.date]]] = []
        readers = {column: date_reader(label) for column, label in DATE_LABELS.items()}
        for number, cells in enumerate(rows, start=header.row + 1):
            values = {
                column: cells[position] if position < len(cells) else None
                for column, position in header.index.items()
            }
            if all(not cell_text(value) for value in values.values()):
                continue
            plan.rows += 1
            upn = normalise_upn(cell_text(values.get(UPN)))
            try:
                validate_upn(upn)
            except ValidationError as exc:
                plan.errors.append(_problem(number, UPN, " ".join(exc.messages)))
                continue
            dates: dict[str, dt.date] = {}
            bad = False
            for column in DATE_COLUMNS:
                if column not in header.index:
                    continue
                value, problem = readers[column](values.get(column))
                if problem:
                    plan.errors.append(_problem(number, column, problem))
                    bad = True
                elif value is not None:
                    dates[column] = value
            if not bad:
                read.append((number, upn, dates))
    finally:
        rows.close()  # type: ignore[attr-defined]
    _plan_events(plan, read, request)
    return plan


def _plan_events(
    plan: TrackerPlan, read: list[tuple[int, str, dict[str, dt.date]]], request: ImportRequest
) -> None:
    pupils = {
        p.upn: p
        for p in Pupil.objects.filter(school=request.school, upn__in=[upn for _, upn, _ in read])
    }
    existing = _existing([p.pk for p in pupils.values()])
    found = Pupil.objects.filter(pk__in=[p.pk for p in pupils.values()]).only("id")
    statuses = {p.pk: getattr(p, "sen_status", None) for p in with_sen_status(found, request.today)}
    first_row: dict[str, int] = {}
    for number, upn, dates in read:
        pupil = pupils.get(upn)
        if pupil is None:
            plan.errors.append(_problem(number, UPN, NO_SUCH_PUPIL.format(upn=upn)))
            continue
        if upn in first_row:
            plan.errors.append(
                _problem(number, UPN, DUPLICATE_UPN.format(upn=upn, first=first_row[upn]))
            )
            continue
        first_row[upn] = number
        if not dates:
            plan.warnings.append({"row": number, "field": UPN, "message": NOTHING_ON_ROW})
            continue
        row = _plan_row(plan, number, pupil, dates, existing.get(pupil.pk, []), request.today)
        if row is None:
            continue
        plan.planned.append(row)
        if PLAN in dates and statuses.get(pupil.pk) != "E":
            plan.warnings.append(
                {"row": number, "field": PLAN, "message": NOT_E.format(name=pupil)}
            )


def _plan_row(
    plan: TrackerPlan,
    number: int,
    pupil: Pupil,
    dates: dict[str, dt.date],
    existing: list[rules.Event],
    today: dt.date,
) -> RowPlan | None:
    candidates: list[tuple[str, rules.Event]] = []
    for column in DATE_COLUMNS:
        if column not in dates:
            continue
        day = dates[column]
        if column == NEXT:
            event = rules.Event(kind=EVENT_OF[column], on=min(day, today), meeting_on=day)
        else:
            event = rules.Event(kind=EVENT_OF[column], on=day)
        candidates.append((column, event))
    row = RowPlan(row=number, pupil=pupil)
    events = list(existing)
    # Add the row's events in date order, checking each against what is there.
    for column, event in sorted(candidates, key=lambda pair: pair[1].sort_key()):
        if any(_same(event, old) for old in existing):
            row.unchanged += 1
            continue
        try:
            rules.validate_new_event(events, event, today=today)
        except ValidationError as exc:
            plan.errors.append(_problem(number, column, " ".join(exc.messages)))
            return None
        # Later events of the same row sort after this one on the day it was added.
        numbered = rules.Event(
            kind=event.kind,
            on=event.on,
            meeting_on=event.meeting_on,
            id=rules.NEW - 1000 + len(row.new),
        )
        events.append(numbered)
        row.new.append(event)
    return row


# --- The import kind ---------------------------------------------------------------------------


def plan(request: ImportRequest) -> ImportOutcome:
    tracker = tracker_plan(request)
    return ImportOutcome(tracker.summary(applied=False), {"plan": tracker})


@transaction.atomic
def apply(request: ImportRequest, by: User | None) -> ImportOutcome:
    """Plan again and record every new event, in one transaction: all of them or none."""
    from sendreg.ehc.services import ehc_event_record

    tracker = tracker_plan(request)
    source = SOURCE.format(filename=request.filename, sha=tracker.sha256[:12])
    label = actor_label_for(by)
    try:
        for row in tracker.planned:
            for event in row.new:
                details = {"meeting_on": event.meeting_on} if event.meeting_on else {}
                ehc_event_record(
                    pupil=row.pupil,
                    kind=event.kind,
                    on=event.on,
                    details=details,
                    by=by,
                    today=request.today,
                    source=source,
                    actor_label=label,
                )
    except ValidationError as exc:
        raise parsers.ImportRefused(
            CHANGED_SINCE_PREVIEW.format(problem=" ".join(exc.messages))
        ) from None
    summary = tracker.summary(applied=True)
    import_run_record(
        school=request.school,
        kind=KIND,
        filename=request.filename,
        sha256=tracker.sha256,
        summary=summary,
        by=by,
        actor_label=label,
    )
    return ImportOutcome(summary, {"plan": tracker})


EHC_TRACKER = ImportKind(
    key=KIND,
    label="EHC tracker",
    recognise=recognise,
    plan=plan,
    apply=apply,
    preview_template="ehc/import_preview.html",
    permission=Permission.EHC_EDIT,
    order=50,
)
