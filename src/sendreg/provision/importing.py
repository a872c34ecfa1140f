"""Import a school's provision-map spreadsheet: one row per pupil per intervention.

The file is read by the imports app's table reader (CSV in any of the usual encodings and
delimiters, or .xlsx; hostile files refused) and its cell readers; the columns and their
other names are this module's own. Like an MIS import it is planned first (the preview and
``--dry-run`` write nothing) and applied in one transaction, and a row that cannot be used
is reported with its spreadsheet row, its column and what was expected, and skipped.

Interventions are matched by name (ignoring case and spacing) and created when new; runs
by intervention, start date and end date; pupils by UPN. Applying the same file twice
changes nothing: the second plan finds everything already there. A blank score leaves a
score already recorded as it is.
"""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from sendreg import codes
from sendreg.accounts.models import School, User
from sendreg.accounts.permissions import Permission
from sendreg.audit.models import AuditEvent
from sendreg.audit.services import actor_label_for
from sendreg.imports import parsers
from sendreg.imports.columns import (
    NEED_DESCRIPTIONS,
    cell_text,
    date_reader,
    header_key,
    show,
)
from sendreg.imports.kinds import ImportKind, ImportOutcome, ImportRequest
from sendreg.imports.parsers import ImportRefused, Problem
from sendreg.imports.services import file_sha256, import_run_record
from sendreg.lib.diff import jsonable
from sendreg.provision import rules
from sendreg.provision.models import Enrolment, Intervention, ProvisionEvent, Run
from sendreg.provision.services import normalise_name
from sendreg.pupils.models import Pupil
from sendreg.pupils.rules import UPN_BAD_CHARACTERS, normalise_upn, validate_upn

KIND = "provision"
#: What a new intervention's staff role is when the file does not say.
ROLE_NOT_GIVEN = "Not recorded"
#: The scale a new intervention measures on when the file gives scores.
IMPORTED_SCALE = "Score from the imported provision map"


@dataclass(frozen=True)
class Column:
    name: str
    heading: str  # as the README lists it, and as --map accepts it
    label: str  # words for messages
    aliases: tuple[str, ...]


COLUMNS: tuple[Column, ...] = (
    Column("upn", "UPN", "UPN", ("UPN", "Unique Pupil Number", "Pupil UPN")),
    Column(
        "intervention",
        "Intervention",
        "intervention",
        ("Intervention", "Intervention Name", "Provision", "Programme", "Program"),
    ),
    Column(
        "need", "Need", "need", ("Need", "Need Type", "Area of Need", "SEN Need", "Target Need")
    ),
    Column(
        "staff_role",
        "Staff role",
        "staff role",
        ("Staff Role", "Staff", "Delivered By", "Role", "Staffing"),
    ),
    Column("group_size", "Group size", "group size", ("Group Size", "Group", "Pupils in Group")),
    Column(
        "sessions_per_week",
        "Sessions per week",
        "sessions per week",
        ("Sessions per Week", "Sessions a Week", "Sessions/Week", "Sessions", "Frequency"),
    ),
    Column(
        "minutes_per_session",
        "Minutes per session",
        "minutes per session",
        ("Minutes per Session", "Minutes a Session", "Session Length", "Minutes", "Mins"),
    ),
    Column("weeks", "Weeks", "number of weeks", ("Weeks", "Number of Weeks", "Duration Weeks")),
    Column(
        "hourly_rate",
        "Hourly rate",
        "hourly rate",
        ("Hourly Rate", "Rate", "Staff Rate", "Cost per Hour", "Hourly Cost"),
    ),
    Column(
        "resources",
        "Resources",
        "resources cost",
        ("Resources", "Resources Cost", "Resources per Pupil", "Materials"),
    ),
    Column("start_date", "Start date", "start date", ("Start Date", "Start", "From", "Started")),
    Column("end_date", "End date", "end date", ("End Date", "End", "To", "Ended")),
    Column(
        "entry_score",
        "Entry score",
        "entry score",
        ("Entry Score", "Entry", "Baseline", "Pre Score", "Score Before", "Start Score"),
    ),
    Column(
        "exit_score",
        "Exit score",
        "exit score",
        ("Exit Score", "Exit", "Post Score", "Score After", "End Score", "Outcome Score"),
    ),
)
BY_NAME = {c.name: c for c in COLUMNS}
REQUIRED = ("upn", "intervention", "start_date", "end_date")
#: header_key(alias) -> (column name, preference: lower is better)
ALIASES: dict[str, tuple[str, int]] = {}
for _column in COLUMNS:
    for _rank, _alias in enumerate(_column.aliases):
        ALIASES.setdefault(header_key(_alias), (_column.name, _rank))
#: Run values that every row of one run must agree on.
RUN_VALUES = (
    "group_size", "sessions_per_week", "minutes_per_session", "weeks", "hourly_rate", "resources",
)  # fmt: skip


def column_for_key(key: str) -> str | None:
    """The column a ``--map`` key names: a column name ("group_size") or any of its headings."""
    wanted = header_key(key)
    for column in COLUMNS:
        if header_key(column.name) == wanted:
            return column.name
    found = ALIASES.get(wanted)
    return found[0] if found else None


# --- Reading the table ------------------------------------------------------------------------


def _max_bytes() -> int:
    return int(getattr(settings, "SENDREG_IMPORT_MAX_MB", 50)) * parsers.MEGABYTE


def read_table(
    data: bytes, filename: str, headers: Mapping[str, str]
) -> Generator[Sequence[object], None, None]:
    """The rows of a CSV or .xlsx file, through the imports app's reader.

    ``headers`` are the headings to look for when choosing a CSV file's delimiter. Raises
    ``ImportRefused`` for a file that is not a spreadsheet, is empty or is too big.
    """
    max_bytes = _max_bytes()
    if len(data) > max_bytes:
        raise ImportRefused(
            f"The file is more than {max_bytes // parsers.MEGABYTE} MB, the largest file "
            "sendreg accepts."
        )
    if not data.removeprefix(b"\xef\xbb\xbf").strip():
        raise ImportRefused("The file is empty.")
    if data.startswith(b"PK\x03\x04"):
        return parsers._xlsx_rows(data, filename, max_bytes)
    parsers._refuse_other_formats(data, filename)
    return parsers._csv_rows(parsers._decode(data, filename), headers)


def _sniff_headers(mapping: Mapping[str, str]) -> dict[str, str]:
    """Every heading this import knows, so that the delimiter that finds them is chosen."""
    known = {f"{c.name}:{alias}": alias for c in COLUMNS for alias in c.aliases}
    return {**known, **mapping}


@dataclass(frozen=True)
class Header:
    row: int
    index: dict[str, int]
    headings: dict[str, str]
    duplicates: list[tuple[str, str, str]]


def _find_header(rows: Iterator[Sequence[object]], mapping: Mapping[str, str]) -> Header:
    """The header row within the top ten non-blank rows: the first with a UPN column."""
    upn_keys = (
        {header_key(mapping["upn"])}
        if "upn" in mapping
        else {header_key(a) for a in BY_NAME["upn"].aliases}
    )
    tops: list[list[str]] = []
    for number, cells in enumerate(rows, start=1):
        texts = [cell_text(c) for c in cells]
        if not any(texts):
            continue
        if any(header_key(t) in upn_keys for t in texts):
            return _match(number, texts, mapping)
        tops.append(texts)
        if len(tops) >= parsers.HEADER_SEARCH_ROWS:
            break
    if not tops:
        raise ImportRefused("The file is empty.")
    found = ", ".join(f'"{t}"' for t in tops[0] if t)[:600] or "none"
    raise ImportRefused(
        "The file has no UPN column in its first rows, so it is not a provision map sendreg "
        f"can read. The columns it reads are: {', '.join(c.heading for c in COLUMNS)}. "
        f"Columns found: {found}. Name a column of yours with --map, for example "
        '--map "UPN=Pupil Ref".'
    )


def _match(number: int, texts: list[str], mapping: Mapping[str, str]) -> Header:
    keys = [header_key(t) for t in texts]
    index: dict[str, int] = {}
    for name, heading in mapping.items():
        wanted = header_key(heading)
        position = next((i for i, k in enumerate(keys) if k and k == wanted), None)
        if position is None:
            raise ImportRefused(
                f'--map says the {BY_NAME[name].heading} column is "{heading}", but the file '
                "has no column of that name."
            )
        index[name] = position
    taken = set(index.values())
    options: dict[str, list[tuple[int, int]]] = {}
    for position, key in enumerate(keys):
        found = ALIASES.get(key)
        if found and position not in taken and found[0] not in mapping:
            options.setdefault(found[0], []).append((found[1], position))
    duplicates = []
    for name, choices in options.items():
        choices.sort()
        index[name] = choices[0][1]
        duplicates += [(name, texts[choices[0][1]], texts[p]) for _, p in choices[1:]]
    missing = [BY_NAME[n].heading for n in REQUIRED if n not in index]
    if missing:
        raise ImportRefused(
            f"The file does not have the columns a provision map needs. Missing: "
            f"{', '.join(missing)}. If one of your columns holds the same information under "
            f'another name, say which with --map, for example --map "{missing[0]}=Your Column".'
        )
    return Header(
        row=number,
        index=index,
        headings={n: texts[i] for n, i in index.items()},
        duplicates=duplicates,
    )


def resolve_mapping(mapping: Mapping[str, str]) -> dict[str, str]:
    """``--map`` keys as column names; a key this import does not read refuses the file."""
    resolved: dict[str, str] = {}
    for key, heading in mapping.items():
        name = column_for_key(key)
        if name is None:
            known = ", ".join(c.heading for c in COLUMNS)
            raise ImportRefused(
                f'--map "{key}": this is not a column of a provision map. The columns it '
                f"reads are: {known}."
            )
        resolved[name] = heading
    return resolved


# --- Reading cells ----------------------------------------------------------------------------

_read_start = date_reader("start date", required=True)
_read_end = date_reader("end date", required=True)


def _number(cell: object) -> Decimal | None:
    """A number from a cell: text with a £ sign or thousands commas, or an XLSX number."""
    if isinstance(cell, bool):
        raise InvalidOperation
    if isinstance(cell, int):
        value = Decimal(cell)
    elif isinstance(cell, float):
        value = Decimal(repr(cell))
    else:
        text = cell_text(cell).replace("£", "").replace(",", "").strip()
        if not text:
            return None
        value = Decimal(text)
    # Infinity and NaN are numbers to Decimal but never a group size or a score; and a number
    # past a billion is a slip, not a value sendreg can keep.
    if not value.is_finite() or abs(value) >= 10**9:
        raise InvalidOperation
    return value


def _whole(label: str, cell: object, *, expected: str) -> tuple[int | None, str | None]:
    try:
        value = _number(cell)
    except (InvalidOperation, ValueError):
        return None, f"The {label} {show(cell_text(cell))} is not a number; expected {expected}."
    if value is None:
        return None, None
    if value < 0:
        return None, f"The {label} {show(cell_text(cell))} is negative; expected {expected}."
    if value != value.to_integral_value() or value < 1 or value > 32767:
        return None, f"The {label} {show(cell_text(cell))} is not {expected}."
    return int(value), None


def _amount(
    label: str, cell: object, *, expected: str, places: int, positive: bool = False
) -> tuple[Decimal | None, str | None]:
    try:
        value = _number(cell)
    except (InvalidOperation, ValueError):
        return None, f"The {label} {show(cell_text(cell))} is not a number; expected {expected}."
    if value is None:
        return None, None
    if value < 0 or (positive and value == 0):
        return None, f"The {label} {show(cell_text(cell))} is not {expected}."
    if value != round(value, places) or value >= 10_000_000:
        return None, f"The {label} {show(cell_text(cell))} is not {expected}."
    return value, None


def _score(label: str, cell: object) -> tuple[Decimal | None, str | None]:
    try:
        value = _number(cell)
    except (InvalidOperation, ValueError):
        return None, f"The {label} {show(cell_text(cell))} is not a number; expected a score."
    if value is None:
        return None, None
    if value != round(value, 2) or abs(value) >= 100_000:
        return None, (
            f"The {label} {show(cell_text(cell))} is not a score sendreg can keep "
            "(expected a number with at most two decimal places)."
        )
    return value, None


_AREA_KEYS = {header_key(a.label): a.value for a in rules.TARGET_AREAS} | {
    header_key(a.value): a.value for a in rules.TARGET_AREAS
}


def _need(cell: object) -> tuple[tuple[str, str] | None, str | None]:
    """("need", code) or ("area", value) from a code, a need's description or a broad area."""
    text = cell_text(cell)
    if not text:
        return None, None
    found = codes.need_type(text)
    if found is not None:
        return ("need", found.code), None
    key = header_key(text)
    if key in NEED_DESCRIPTIONS:
        return ("need", NEED_DESCRIPTIONS[key]), None
    if key in _AREA_KEYS:
        return ("area", _AREA_KEYS[key]), None
    return None, (
        f"The need {show(text)} is not a need type or a broad area of need (expected a code "
        "such as SPLD or SEMH, or an area such as Cognition and learning)."
    )


@dataclass(frozen=True)
class ProvisionLine:
    """One usable row of the file."""

    row: int
    upn: str
    pupil_id: int
    intervention: str
    need: tuple[str, str] | None
    staff_role: str
    values: dict[str, Any]  # RUN_VALUES given in the row (absent when blank)
    start: dt.date
    end: dt.date
    entry: Decimal | None
    exit: Decimal | None

    @property
    def key(self) -> str:
        return self.intervention.lower()


WHOLE = "a whole number, 1 or more"
POUNDS = "an amount in pounds, 0 or more, such as 18.50"


def _read_line(
    number: int, cells: Sequence[object], header: Header, pupils: Mapping[str, int]
) -> tuple[ProvisionLine | None, list[Problem]]:
    index = header.index
    width = max(index.values()) + 1
    if len(cells) < width:
        cells = [*cells, *([None] * (width - len(cells)))]

    def cell(name: str) -> object:
        return cells[index[name]] if name in index else None

    problems: list[Problem] = []
    upn = normalise_upn(cell_text(cell("upn")))
    pupil_id = 0
    try:
        validate_upn(upn)
    except ValidationError as exc:
        problems.append(Problem(number, "upn", exc.messages[0]))
    except ValueError:
        problems.append(Problem(number, "upn", UPN_BAD_CHARACTERS.format(upn=upn)))
    else:
        if upn not in pupils:
            problems.append(
                Problem(
                    number,
                    "upn",
                    f"No pupil of this school has the UPN {upn}; expected the UPN of a pupil "
                    "in sendreg (import the pupil data from the MIS first).",
                    upn,
                )
            )
        else:
            pupil_id = pupils[upn]
    name = normalise_name(cell_text(cell("intervention")))
    if not name:
        problems.append(Problem(number, "intervention", "The intervention's name is missing."))
    elif len(name) > 120:
        problems.append(
            Problem(number, "intervention", "The intervention's name is longer than 120 letters.")
        )
    need, problem = _need(cell("need"))
    if problem:
        problems.append(Problem(number, "need", problem, upn))
    values: dict[str, Any] = {}
    readings = {
        "group_size": _whole("group size", cell("group_size"), expected=WHOLE),
        "sessions_per_week": _amount(
            "number of sessions per week",
            cell("sessions_per_week"),
            expected="a number above 0 with at most one decimal place, such as 2 or 0.5",
            places=1,
            positive=True,
        ),
        "minutes_per_session": _whole(
            "minutes per session", cell("minutes_per_session"), expected="a whole number above 0"
        ),
        "weeks": _whole("number of weeks", cell("weeks"), expected=WHOLE),
        "hourly_rate": _amount("hourly rate", cell("hourly_rate"), expected=POUNDS, places=2),
        "resources": _amount("resources cost", cell("resources"), expected=POUNDS, places=2),
    }
    for field_name, (value, problem) in readings.items():
        if problem:
            problems.append(Problem(number, field_name, problem, upn))
        elif value is not None:
            values[field_name] = value
    start, problem = _read_start(cell("start_date"))
    if problem:
        problems.append(Problem(number, "start_date", problem, upn))
    end, problem = _read_end(cell("end_date"))
    if problem:
        problems.append(Problem(number, "end_date", problem, upn))
    if start is not None and end is not None and end < start:
        message = rules.END_BEFORE_START.format(start=start, end=end) + (
            " Expected an end date on or after the start date."
        )
        problems.append(Problem(number, "end_date", message, upn))
    entry, problem = _score("entry score", cell("entry_score"))
    if problem:
        problems.append(Problem(number, "entry_score", problem, upn))
    exit_, problem = _score("exit score", cell("exit_score"))
    if problem:
        problems.append(Problem(number, "exit_score", problem, upn))
    if problems:
        return None, problems
    return (
        ProvisionLine(
            row=number,
            upn=upn,
            pupil_id=pupil_id,
            intervention=name,
            need=need,
            staff_role=" ".join(cell_text(cell("staff_role")).split())[:100],
            values=values,
            start=start,
            end=end,
            entry=entry,
            exit=exit_,
        ),
        [],
    )


# --- The plan ---------------------------------------------------------------------------------


@dataclass
class NewIntervention:
    name: str
    staff_role: str
    needs: list[str] = field(default_factory=list)
    areas: list[str] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    scored: bool = False


@dataclass
class RunPlan:
    intervention: str  # the intervention's key
    name: str
    start: dt.date
    end: dt.date
    values: dict[str, Any]
    first_row: int
    run_id: int | None = None
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)


@dataclass
class EnrolmentPlan:
    row: int
    run: tuple[str, dt.date, dt.date]
    pupil_id: int
    upn: str
    entry: Decimal | None
    exit: Decimal | None
    enrolment_id: int | None = None
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)


@dataclass
class ProvisionPlan:
    filename: str
    sha256: str
    rows: int = 0
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    new_interventions: dict[str, NewIntervention] = field(default_factory=dict)
    runs: dict[tuple[str, dt.date, dt.date], RunPlan] = field(default_factory=dict)
    enrolments: list[EnrolmentPlan] = field(default_factory=list)

    @property
    def runs_created(self) -> list[RunPlan]:
        return [r for r in self.runs.values() if r.run_id is None]

    @property
    def runs_updated(self) -> list[RunPlan]:
        return [r for r in self.runs.values() if r.run_id is not None and r.changes]

    @property
    def enrolments_created(self) -> list[EnrolmentPlan]:
        return [e for e in self.enrolments if e.enrolment_id is None]

    @property
    def enrolments_updated(self) -> list[EnrolmentPlan]:
        return [e for e in self.enrolments if e.enrolment_id is not None and e.changes]

    @property
    def unchanged(self) -> int:
        return sum(1 for e in self.enrolments if e.enrolment_id is not None and not e.changes)

    def summary(self, *, applied: bool) -> dict[str, Any]:
        """The object ``sendreg import --kind provision --json`` prints (see the README)."""
        return {
            "file": self.filename,
            "sha256": self.sha256,
            "kind": KIND,
            "rows": self.rows,
            "interventions_created": len(self.new_interventions),
            "runs_created": len(self.runs_created),
            "runs_updated": len(self.runs_updated),
            "enrolments_created": len(self.enrolments_created),
            "enrolments_updated": len(self.enrolments_updated),
            "unchanged": self.unchanged,
            "errors": [_problem(p) for p in self.errors],
            "warnings": [_problem(p) for p in self.warnings],
            "applied": applied,
        }


def _problem(problem: Problem) -> dict[str, Any]:
    return {"row": problem.row, "field": problem.field, "message": problem.message}


_COST_NAMES = {
    "group_size": "group_size",
    "sessions_per_week": "sessions_per_week",
    "minutes_per_session": "minutes_per_session",
    "weeks": "typical_weeks",
    "hourly_rate": "hourly_rate",
    "resources": "resources_per_pupil",
}
_RUN_NAMES = {**_COST_NAMES, "weeks": "weeks"}


def provision_plan(
    *, school: School, data: bytes, filename: str, mapping: Mapping[str, str] | None = None
) -> ProvisionPlan:
    """What importing the file would do, writing nothing. Raises ``ImportRefused`` for a file
    that cannot be used at all."""
    resolved = resolve_mapping(mapping or {})
    plan = ProvisionPlan(filename=filename, sha256=file_sha256(data))
    rows = read_table(data, filename, _sniff_headers(resolved))
    try:
        header = _find_header(rows, resolved)
        plan.columns = header.headings
        for name, used, ignored in header.duplicates:
            plan.warnings.append(
                Problem(
                    header.row,
                    name,
                    f'The columns "{used}" and "{ignored}" both look like the '
                    f'{BY_NAME[name].heading} column; "{used}" was used and "{ignored}" ignored.',
                )
            )
        pupils = dict(Pupil.objects.filter(school=school).values_list("upn", "pk"))
        lines: list[ProvisionLine] = []
        for number, cells in enumerate(rows, start=header.row + 1):
            if not any(cell_text(c) for c in cells):
                continue
            plan.rows += 1
            line, problems = _read_line(number, cells, header, pupils)
            plan.errors += problems
            if line is not None:
                lines.append(line)
    finally:
        rows.close()
    if plan.rows == 0:
        raise ImportRefused("The file is empty: it has column headings but no rows under them.")
    _plan_lines(plan, school, lines)
    plan.errors.sort(key=lambda p: p.row)
    plan.warnings.sort(key=lambda p: p.row)
    return plan


def _plan_lines(plan: ProvisionPlan, school: School, lines: list[ProvisionLine]) -> None:
    catalogue = {i.name.lower(): i for i in Intervention.objects.filter(school=school)}
    existing_runs = {
        (r.intervention.name.lower(), r.start_date, r.end_date): r
        for r in Run.objects.filter(school=school).select_related("intervention")
    }
    seen: dict[tuple[str, str, dt.date, dt.date], int] = {}
    for line in lines:
        key = (line.key, line.start, line.end)
        first = seen.setdefault((line.upn, *key), line.row)
        if first != line.row:
            plan.errors.append(
                Problem(
                    line.row,
                    "upn",
                    f"This row repeats row {first}: the same pupil in the same run of "
                    f"{line.intervention}; expected each pupil once in each run.",
                    line.upn,
                )
            )
            continue
        known = catalogue.get(line.key)
        intervention_values = _intervention_values(plan, line, known)
        if intervention_values is None:
            continue
        run = plan.runs.get(key)
        if run is not None:
            clash = next(
                (n for n in RUN_VALUES if n in line.values and line.values[n] != run.values[n]),
                None,
            )
            if clash is not None:
                plan.errors.append(_clash(line, run, clash))
                continue
        if not _scores_fit(plan, line, known):
            continue
        if run is None:
            run = RunPlan(
                intervention=line.key,
                name=line.intervention,
                start=line.start,
                end=line.end,
                values={**intervention_values, **line.values},
                first_row=line.row,
            )
            existing = existing_runs.get(key)
            if existing is not None:
                run.run_id = existing.pk
                own = {n: getattr(existing, _RUN_NAMES[n]) for n in RUN_VALUES}
                run.values = {**own, **line.values}
                run.changes = {
                    _RUN_NAMES[n]: (own[n], line.values[n])
                    for n in RUN_VALUES
                    if n in line.values and own[n] != line.values[n]
                }
            plan.runs[key] = run
        plan.enrolments.append(
            EnrolmentPlan(
                row=line.row,
                run=key,
                pupil_id=line.pupil_id,
                upn=line.upn,
                entry=line.entry,
                exit=line.exit,
            )
        )
        new = plan.new_interventions.get(line.key)
        if new is not None:
            new.scored = new.scored or line.entry is not None or line.exit is not None
    _compare_enrolments(plan)


def _clash(line: ProvisionLine, run: RunPlan, clash: str) -> Problem:
    return Problem(
        line.row,
        clash,
        f"Row {run.first_row} gives the {BY_NAME[clash].label} of this run of "
        f"{line.intervention} ({line.start:%d/%m/%Y} to {line.end:%d/%m/%Y}) as "
        f"{_shown(run.values[clash])}; this row says {_shown(line.values[clash])}. "
        "Expected every row of one run to agree.",
        line.upn,
    )


def _shown(value: Any) -> str:
    return f"{value:f}" if isinstance(value, Decimal) else str(value)


def _intervention_values(
    plan: ProvisionPlan, line: ProvisionLine, known: Intervention | None
) -> dict[str, Any] | None:
    """The run values an intervention gives a row that leaves some blank, or None (with an
    error) when the intervention is new and the row lacks a value it needs."""
    if known is not None:
        if line.need is not None:
            kind, value = line.need
            targets = known.need_codes if kind == "need" else known.areas
            if value not in targets and not (
                kind == "need" and rules.area_of(value) in known.areas
            ):
                plan.warnings.append(
                    Problem(
                        line.row,
                        "need",
                        f"{known.name} does not target {rules.need_area_label(value)} in the "
                        "catalogue; the row was imported. Change the catalogue if it should.",
                        line.upn,
                    )
                )
        return {name: getattr(known, attr) for name, attr in _COST_NAMES.items()}
    new = plan.new_interventions.get(line.key)
    if new is None:
        missing = [n for n in RUN_VALUES if n != "resources" and n not in line.values]
        if missing:
            column = BY_NAME[missing[0]]
            plan.errors.append(
                Problem(
                    line.row,
                    missing[0],
                    f"{line.intervention} is not in the catalogue yet, so this row must give "
                    f"its {column.label} (expected "
                    + (
                        "a number above 0"
                        if missing[0] == "sessions_per_week"
                        else POUNDS
                        if missing[0] == "hourly_rate"
                        else WHOLE
                    )
                    + ").",
                    line.upn,
                )
            )
            return None
        new = NewIntervention(
            name=line.intervention,
            staff_role=line.staff_role or ROLE_NOT_GIVEN,
            values={"resources": Decimal(0), **line.values},
        )
        plan.new_interventions[line.key] = new
    if line.need is not None:
        kind, value = line.need
        targets = new.needs if kind == "need" else new.areas
        if value not in targets:
            targets.append(value)
    return dict(new.values)


def _scores_fit(plan: ProvisionPlan, line: ProvisionLine, known: Intervention | None) -> bool:
    """Whether the row's scores fit the intervention's measure (a new one takes any score)."""
    if known is None:
        return True
    try:
        rules.validate_scores(
            measure=known.measure,
            low=known.scale_min,
            high=known.scale_max,
            scores={"entry_score": line.entry, "exit_score": line.exit},
        )
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            message = messages[0]
            if known.measure == rules.Measure.NONE:
                message = (
                    f"{known.name} is not measured in the catalogue, so it takes no scores; "
                    "say how its progress is measured first, or leave the scores out."
                )
            plan.errors.append(Problem(line.row, name, message, line.upn))
        return False
    return True


def _compare_enrolments(plan: ProvisionPlan) -> None:
    run_ids = [r.run_id for r in plan.runs.values() if r.run_id is not None]
    existing = {
        (e.run_id, e.pupil_id): e
        for e in Enrolment.objects.filter(run_id__in=run_ids).only(
            "pk", "run_id", "pupil_id", "entry_score", "exit_score"
        )
    }
    for enrolment in plan.enrolments:
        run = plan.runs[enrolment.run]
        if run.run_id is None:
            continue
        found = existing.get((run.run_id, enrolment.pupil_id))
        if found is None:
            continue
        enrolment.enrolment_id = found.pk
        for attr, value in (("entry_score", enrolment.entry), ("exit_score", enrolment.exit)):
            if value is not None and getattr(found, attr) != value:
                enrolment.changes[attr] = (getattr(found, attr), value)


# --- Applying it ------------------------------------------------------------------------------


def provision_apply(
    *,
    school: School,
    data: bytes,
    filename: str,
    by: User | None,
    mapping: Mapping[str, str] | None = None,
    actor_label: str = "",
) -> ProvisionPlan:
    """Plan the file again and write the plan in one transaction: all of it or none of it.

    Rows with errors are skipped, as the preview said. The applied file is listed on the
    Imports page and audited (``import_run_record``), and each intervention, run and pupil
    created or changed has its own audit event naming the file.
    """
    label = actor_label or actor_label_for(by)
    with transaction.atomic():
        plan = provision_plan(school=school, data=data, filename=filename, mapping=mapping)
        source = f"import of {filename} (sha256 {plan.sha256[:12]})"
        writer = _Writer(school=school, by=by, label=label, source=source)
        writer.write(plan)
        import_run_record(
            school=school,
            kind=KIND,
            filename=filename,
            sha256=plan.sha256,
            summary=plan.summary(applied=True),
            by=by,
            actor_label=label,
        )
    return plan


@dataclass
class _Writer:
    school: School
    by: User | None
    label: str
    source: str
    events: list[AuditEvent] = field(default_factory=list)

    def event(
        self,
        type: ProvisionEvent,
        model: str,
        target_id: int,
        *,
        new: dict[str, Any],
        old: dict[str, Any] | None = None,
        pupil: tuple[int, str] | None = None,
    ) -> None:
        self.events.append(
            AuditEvent(
                at=timezone.now(),
                school_id=self.school.pk,
                actor_id=self.by.pk if self.by else None,
                actor_label=self.label,
                type=type,
                target_model=model,
                target_id=target_id,
                pupil_id=pupil[0] if pupil else None,
                pupil_label=pupil[1] if pupil else "",
                old=old or {},
                new=new,
                source=self.source,
            )
        )

    def write(self, plan: ProvisionPlan) -> None:
        interventions = {i.name.lower(): i for i in Intervention.objects.filter(school=self.school)}
        for key, new in plan.new_interventions.items():
            intervention = Intervention(
                school=self.school,
                name=new.name,
                need_codes=new.needs,
                areas=new.areas,
                wave=rules.Wave.TARGETED,
                staff_role=new.staff_role,
                measure=rules.Measure.SCALE if new.scored else rules.Measure.NONE,
                scale_name=IMPORTED_SCALE if new.scored else "",
                **{_COST_NAMES[n]: v for n, v in new.values.items() if n in _COST_NAMES},
            )
            intervention.full_clean()
            intervention.save()
            interventions[key] = intervention
            self.event(
                ProvisionEvent.INTERVENTION_ADDED,
                "provision.intervention",
                intervention.pk,
                new={"name": intervention.name, "targets": intervention.targets_label},
            )
        runs: dict[tuple[str, dt.date, dt.date], Run] = {}
        existing = Run.objects.in_bulk([r.run_id for r in plan.runs.values() if r.run_id])
        for run_key, spec in plan.runs.items():
            if spec.run_id is not None:
                run = existing[spec.run_id]
                if spec.changes:
                    for attr, (_, value) in spec.changes.items():
                        setattr(run, attr, value)
                    run.full_clean()
                    run.save(update_fields=list(spec.changes))
                    self.event(
                        ProvisionEvent.RUN_CHANGED,
                        "provision.run",
                        run.pk,
                        old={a: jsonable(v[0]) for a, v in spec.changes.items()},
                        new={a: jsonable(v[1]) for a, v in spec.changes.items()},
                    )
                runs[run_key] = run
                continue
            intervention = interventions[spec.intervention]
            run = Run(
                school=self.school,
                intervention=intervention,
                start_date=spec.start,
                end_date=spec.end,
                **{_RUN_NAMES[n]: v for n, v in spec.values.items() if n in _RUN_NAMES},
            )
            run.full_clean()
            run.save()
            runs[run_key] = run
            self.event(
                ProvisionEvent.RUN_ADDED,
                "provision.run",
                run.pk,
                new={"intervention": intervention.name, "start_date": jsonable(spec.start),
                     "end_date": jsonable(spec.end)},
            )  # fmt: skip
        self._enrolments(plan, runs)
        AuditEvent.objects.bulk_create(self.events, batch_size=500)

    def _enrolments(
        self, plan: ProvisionPlan, runs: dict[tuple[str, dt.date, dt.date], Run]
    ) -> None:
        labels = {
            p.pk: str(p)
            for p in Pupil.objects.filter(pk__in={e.pupil_id for e in plan.enrolments}).only(
                "pk", "legal_forename", "legal_surname", "preferred_forename", "preferred_surname"
            )
        }
        created = [
            Enrolment(
                run=runs[e.run],
                pupil_id=e.pupil_id,
                start_date=runs[e.run].start_date,
                end_date=runs[e.run].end_date,
                entry_score=e.entry,
                exit_score=e.exit,
            )
            for e in plan.enrolments_created
        ]
        made = Enrolment.objects.bulk_create(created, batch_size=500)
        for enrolment in made:
            self.event(
                ProvisionEvent.PUPIL_ADDED,
                "provision.enrolment",
                enrolment.pk,
                pupil=(enrolment.pupil_id, labels.get(enrolment.pupil_id, "")),
                new={
                    "run": str(enrolment.run),
                    "entry_score": jsonable(enrolment.entry_score),
                    "exit_score": jsonable(enrolment.exit_score),
                },
            )
        updates = plan.enrolments_updated
        found = Enrolment.objects.in_bulk([e.enrolment_id for e in updates])
        changed: list[Enrolment] = []
        for spec in updates:
            enrolment = found[spec.enrolment_id]  # type: ignore[index]
            for attr, (_, value) in spec.changes.items():
                setattr(enrolment, attr, value)
            changed.append(enrolment)
            self.event(
                ProvisionEvent.PUPIL_CHANGED,
                "provision.enrolment",
                enrolment.pk,
                pupil=(enrolment.pupil_id, labels.get(enrolment.pupil_id, "")),
                old={a: jsonable(v[0]) for a, v in spec.changes.items()},
                new={a: jsonable(v[1]) for a, v in spec.changes.items()},
            )
        Enrolment.objects.bulk_update(changed, ["entry_score", "exit_score"], batch_size=500)


# --- The import kind --------------------------------------------------------------------------


def recognise(filename: str, data: bytes) -> bool:
    """Whether the file looks like a provision map: a UPN and an Intervention column."""
    try:
        rows = read_table(data, filename, _sniff_headers({}))
        try:
            header = _find_header(rows, {})
        finally:
            rows.close()
    except Exception:  # a file that is not a provision map may fail in many ways
        return False
    return "intervention" in header.index


def plan(request: ImportRequest) -> ImportOutcome:
    found = provision_plan(
        school=request.school, data=request.data, filename=request.filename,
        mapping=request.mapping,
    )  # fmt: skip
    return ImportOutcome(summary=found.summary(applied=False), context={"plan": found})


def apply(request: ImportRequest, by: User | None) -> ImportOutcome:
    label = "" if by is not None else f"sendreg import on the command line ({getpass.getuser()})"
    done = provision_apply(
        school=request.school, data=request.data, filename=request.filename, by=by,
        mapping=request.mapping, actor_label=label,
    )  # fmt: skip
    return ImportOutcome(summary=done.summary(applied=True), context={"plan": done})


PROVISION_KIND = ImportKind(
    key=KIND,
    label="Provision map",
    recognise=recognise,
    plan=plan,
    apply=apply,
    preview_template="provision/import_preview.html",
    permission=Permission.PROVISION_EDIT,
    order=50,
)
