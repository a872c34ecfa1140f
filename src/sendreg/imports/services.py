"""Apply an MIS export to a school: plan first, then write it all in one short transaction.

``import_plan`` works out what an export would do and writes nothing; the
preview page and ``--dry-run`` show it. ``import_apply`` plans outside any
transaction (reading and comparing a large file takes seconds, and on SQLite a
transaction holds the only write lock), then takes the lock and writes the plan
in a few bulk statements. If anything in sendreg changed while the file was
being planned (an audit event was written), it plans again under the lock, so
what is applied is always what the file says against the records as they are,
and a failure part-way leaves the database exactly as it was.

The MIS is the source of pupil details and characteristics. It is not the
source of the SEN register: only the first import into an empty register seeds
it (``_seed_register``). After that the MIS's SEN values are kept beside the
register, and any difference is shown to the SENCO as a discrepancy.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import chain
from operator import attrgetter
from typing import Any, NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from sendreg import codes
from sendreg.accounts.models import Membership, School, User
from sendreg.audit.models import AuditEvent
from sendreg.audit.services import actor_label_for, audit_record
from sendreg.imports import rules as import_rules
from sendreg.imports.models import ColumnMapping, ImportRun
from sendreg.imports.parsers import (
    ClassRow,
    ImportRefused,
    ParseResult,
    Problem,
    PupilRow,
    parse_export,
)
from sendreg.lib.bulk import bulk_insert, bulk_update, driver_value
from sendreg.lib.database import refresh_statistics
from sendreg.lib.diff import jsonable
from sendreg.lib.jsontext import JsonTexts, json_encoder, json_text
from sendreg.lib.memory import collection_paused
from sendreg.pupils.models import Pupil, TeachingGroup
from sendreg.pupils.selectors import of_school, on_roll
from sendreg.pupils.services import teaching_group_set
from sendreg.register import rules
from sendreg.register.models import MisSenRecord, SenEpisode
from sendreg.register.selectors import Comparer, Discrepancy, register_states
from sendreg.register.services import HistoricChange, sen_histories_load

#: Pupil fields the MIS owns, as named on both PupilRow and Pupil.
MIS_FIELDS = (
    "legal_surname", "legal_forename", "preferred_forename", "date_of_birth", "gender",
    "year_group", "reg_group", "eal", "fsm", "pupil_premium", "looked_after", "medical",
    "attendance", "admission_date", "leaving_date",
)  # fmt: skip
_FLAGS = frozenset({"eal", "fsm", "pupil_premium", "looked_after", "medical"})
_SEN_FIELDS = frozenset({"sen_status", "needs"})
#: A file with at least this share of the pupils on roll is taken to be the whole roll.
WHOLE_ROLL_SHARE = import_rules.WHOLE_ROLL_SHARE

UNKNOWN_PUPIL = "No pupil with UPN {upn} is on roll at this school; import the pupil data first."
UNKNOWN_TEACHER = (
    "No member of staff at this school is called or has the email {teacher!r}; "
    "add them with `sendreg user add` or correct the class list."
)
NOT_COPIED = "Not copied to the register: {reason} Resolve it with the SENCO."

#: The columns of an audit event, in the order ``_EventRows`` gives them.
_EVENT_FIELDS = (
    "at", "school_id", "actor_id", "actor_label", "type", "target_model", "target_id",
    "pupil_id", "pupil_label", "old", "new", "reason", "source",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class PupilChange:
    pupil_id: int
    upn: str
    name: str
    changes: dict[str, tuple[Any, Any]]
    #: The row, for the values it gives that did not change (``values``).
    row: PupilRow | None = None

    @property
    def values(self) -> dict[str, Any]:
        """Every MIS value the row gives (changed or not), as the pupil will hold them."""
        return _row_values(self.row) if self.row is not None else {}


@dataclass(frozen=True)
class Leaver:
    pupil_id: int
    upn: str
    name: str


@dataclass
class ImportPlan:
    school: School
    filename: str
    sha256: str
    parsed: ParseResult
    whole_roll: bool
    creates: list[PupilRow] = field(default_factory=list)
    updates: list[PupilChange] = field(default_factory=list)
    unchanged: int = 0
    #: Rows whose SEN values seed an empty register, with the status and needs to record.
    seeds: list[tuple[PupilRow, str, list[str]]] = field(default_factory=list)
    #: Rows with MIS SEN values that break a census rule and so were not copied.
    seed_problems: list[Problem] = field(default_factory=list)
    mis_records: dict[str, tuple[str, list[str]]] = field(default_factory=dict)
    #: UPNs whose row is exactly as last imported, SEN values included: nothing to write.
    sen_unchanged: set[str] = field(default_factory=set)
    #: The MIS records of the pupils compared field by field: pupil id -> (pk, status, needs).
    mis_held: dict[int, tuple[int, str, list[str]]] = field(default_factory=dict)
    discrepancies: list[Discrepancy] = field(default_factory=list)
    possible_leavers: list[Leaver] = field(default_factory=list)
    #: The possible leavers the import marked as left (only when applied).
    left: list[Leaver] = field(default_factory=list)
    #: Class lists: group name -> (pupil ids, teacher ids), and what happens to each group.
    groups: dict[str, tuple[set[int], set[int]]] = field(default_factory=dict)
    new_groups: list[str] = field(default_factory=list)
    #: Pupils already in the school, by UPN: their ids and names.
    ids: dict[str, int] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    #: Pupils whose values match the row but whose stored fingerprint does not.
    refingerprint: dict[int, str] = field(default_factory=dict)
    changed_groups: list[str] = field(default_factory=list)
    class_problems: list[Problem] = field(default_factory=list)
    #: Pupils on roll, the UPNs in the file (used or not) and how many of those are on roll.
    on_roll: int = 0
    in_file: int = 0
    shared: int = 0

    @property
    def kind(self) -> str:
        return self.parsed.kind

    @property
    def other_school(self) -> bool:
        """The file shares almost no pupils with the roll: it may be another school's."""
        return import_rules.looks_like_another_school(
            on_roll=self.on_roll, in_file=self.in_file, shared=self.shared
        )

    def other_school_message(self) -> str:
        leavers = ""
        if self.possible_leavers:
            leavers = import_rules.OTHER_SCHOOL_LEAVERS.format(
                leavers=import_rules.plural(len(self.possible_leavers), "pupil")
            )
        return import_rules.OTHER_SCHOOL.format(
            shared=f"{self.shared:,}",
            in_file=import_rules.plural(self.in_file, "pupil"),
            is_are="is" if self.shared == 1 else "are",
            school=self.school.name,
            creates=import_rules.plural(len(self.creates), "new pupil"),
            leavers=leavers,
        )

    @property
    def unusable_rows(self) -> int:
        """Rows that cannot be used (one row may have several problems)."""
        return len({problem.row for problem in self.errors})

    @property
    def errors(self) -> list[Problem]:
        return self.parsed.errors

    @property
    def warnings(self) -> list[Problem]:
        return [*self.parsed.warnings, *self.seed_problems, *self.class_problems]

    @property
    def seeding(self) -> bool:
        return bool(self.seeds or self.seed_problems)

    def summary(self) -> dict[str, Any]:
        """The ``--json`` shape of ``sendreg import`` (a public interface: see the README)."""
        return {
            "file": self.filename,
            "sha256": self.sha256,
            "kind": self.kind,
            "whole_roll": self.whole_roll,
            "rows": self.parsed.total_rows,
            "other_school": self.other_school,
            "created": len(self.creates) + len(self.new_groups),
            "updated": len(self.updates) + len(self.changed_groups),
            "unchanged": self.unchanged,
            "register_seeded": len(self.seeds),
            "groups": len(self.groups),
            "errors": [_problem(p) for p in self.errors],
            "warnings": [_problem(p) for p in self.warnings],
            "discrepancies": [d.as_json() for d in self.discrepancies],
            "possible_leavers": [leaver.upn for leaver in self.possible_leavers],
            "left": [leaver.upn for leaver in self.left],
        }


def _problem(problem: Problem) -> dict[str, Any]:
    found = {
        "row": problem.row,
        "field": problem.field,
        "code": problem.code,
        "upn": problem.upn,
        "message": str(problem.message),
    }
    if problem.value:
        found["value"] = problem.value
    return found


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse_with_saved_mapping(
    school: School, data: bytes, filename: str, mapping: dict[str, str] | None
) -> tuple[ParseResult, dict[str, str]]:
    """Parse with the mapping given, or else the school's saved one when the layout needs it."""
    max_bytes = settings.SENDREG_IMPORT_MAX_MB * 1024 * 1024
    try:
        return parse_export(data, filename, mapping=mapping, max_bytes=max_bytes), mapping or {}
    except ImportRefused:
        saved = ColumnMapping.objects.filter(school=school).values_list("mapping", flat=True)
        saved_mapping = next(iter(saved), None)
        if mapping or not saved_mapping:
            raise
        return (
            parse_export(data, filename, mapping=saved_mapping, max_bytes=max_bytes),
            saved_mapping,
        )


def import_plan(
    *,
    school: School,
    data: bytes,
    filename: str,
    mapping: dict[str, str] | None = None,
    whole_roll: bool | None = None,
    today: dt.date,
) -> ImportPlan:
    """What importing ``data`` would do. Writes nothing; raises ImportRefused for an unusable file.

    ``whole_roll`` None means: decide from the size of the file against the roll.
    """
    with collection_paused():
        return _import_plan(
            school=school,
            data=data,
            filename=filename,
            mapping=mapping,
            whole_roll=whole_roll,
            today=today,
        )


def _import_plan(
    *,
    school: School,
    data: bytes,
    filename: str,
    mapping: dict[str, str] | None,
    whole_roll: bool | None,
    today: dt.date,
) -> ImportPlan:
    parsed, _ = parse_with_saved_mapping(school, data, filename, mapping)
    plan = ImportPlan(
        school=school,
        filename=filename,
        sha256=file_sha256(data),
        parsed=parsed,
        whole_roll=bool(whole_roll),
    )
    if parsed.kind == "classes":
        _plan_classes(plan, parsed.rows, today)  # type: ignore[arg-type]
    else:
        _plan_pupils(plan, parsed.rows, whole_roll, today)  # type: ignore[arg-type]
    return plan


class _RowReader:
    """The pupil fields a file's rows set (only those whose columns the file has), read
    from each row in one call, and their fingerprint.

    Every row of a file has the same columns (``PupilRow.present``), so which fields,
    where each sits and the text the fingerprint digests are worked out once a file.
    """

    def __init__(self, present: frozenset[str]) -> None:
        self.names = tuple(name for name in MIS_FIELDS if name in present)
        self.flags = tuple(i for i, name in enumerate(self.names) if name in _FLAGS)
        self.gender = self.names.index("gender") if "gender" in self.names else None
        self.get = attrgetter(*self.names) if len(self.names) > 1 else None
        self.sen = bool(present & _SEN_FIELDS)
        # What ``_fingerprint`` digests, as one %-format: for every value a row holds (text,
        # numbers, dates, decimals, None, a tuple) %s gives what an f-string does, so the
        # text (and the digest) is the same; %-formatting is faster than str.format.
        template = "\x1f".join(f"{name}\x1e%s" for name in self.names)
        self.template = template + "\x1f~sen\x1e%s" if self.sen else template

    def values(self, row: PupilRow) -> list[Any]:
        """The row's values in ``names`` order, as the pupil will hold them."""
        if self.get is None:
            values = [getattr(row, name) for name in self.names]
        else:
            values = list(self.get(row))
        for i in self.flags:
            values[i] = bool(values[i])  # a blank flag in an MIS export means "no"
        if self.gender is not None and values[self.gender] not in {"F", "M"}:
            values[self.gender] = ""
        return values

    def fingerprint(self, row: PupilRow, values: list[Any]) -> str:
        """As ``_row_fingerprint(row, dict(zip(names, values)))``."""
        if self.sen:
            text = self.template % (*values, (row.sen_status, row.needs))
        else:
            text = self.template % tuple(values)
        return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _row_values(row: PupilRow) -> dict[str, Any]:
    """The pupil fields this row sets: only those whose columns the file has.

    Field by field, as the rule reads; ``_RowReader`` gives the same faster (tested).
    """
    values: dict[str, Any] = {}
    for name in MIS_FIELDS:
        if name not in row.present:
            continue
        value = getattr(row, name)
        if name in _FLAGS:
            value = bool(value)  # a blank flag in an MIS export means "no"
        elif name == "gender":
            value = value if value in {"F", "M"} else ""
        values[name] = value
    return values


def _fingerprint(values: dict[str, Any]) -> str:
    # ``values`` is always built in MIS_FIELDS order, so joining its items is stable, and
    # much cheaper than sorting and repr()-ing dates and decimals.
    text = "\x1f".join(f"{name}\x1e{value}" for name, value in values.items())
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _row_fingerprint(row: PupilRow, values: dict[str, Any]) -> str:
    """A digest of everything the row says of the pupil: their details and, when the file
    has SEN columns, the MIS's SEN values (so an unchanged row needs neither compared)."""
    if row.present & _SEN_FIELDS:
        return _fingerprint({**values, "~sen": (row.sen_status, row.needs)})
    return _fingerprint(values)


class _Known(NamedTuple):
    """What planning needs to know of a pupil already in the school (a named tuple: one
    is made for every pupil, and a tuple is made several times faster than a dataclass)."""

    pk: int
    fingerprint: str
    leaving_date: dt.date | None
    name: str


def _plan_pupils(
    plan: ImportPlan, rows: Sequence[PupilRow], whole_roll: bool | None, today: dt.date
) -> None:
    school = plan.school
    # Unordered: Pupil's default ordering would have the database sort the whole school.
    pupils = Pupil.objects.filter(school=school).order_by()
    identity = ("pk", "upn", "mis_fingerprint", "leaving_date", "legal_forename", "legal_surname")
    reader = _RowReader(rows[0].present) if rows else None
    known: dict[str, _Known] = {}
    if reader is not None and len(rows) > _COMPARE_WHOLE_SCHOOL:
        # A big file: read every pupil's values once, with what identifies them, and
        # compare each pupil as they come, so that the school's values are never all held.
        by_upn = {row.upn: row for row in rows}
        compare = _FieldComparer(plan, reader, start=len(identity))
        # iterator(): the queryset's cache would hold every pupil until the loop ends; on
        # PostgreSQL its server-side cursor also spares this process the whole result. Each
        # fetch from that cursor costs a round trip: 10,000 rows at a time (a few MB) read
        # 50,000 pupils in 0.23-0.28 s, against 0.34-0.45 s 2,000 at a time.
        read = pupils.values_list(*identity, *_COMPARED[1:])
        for current in read.iterator(chunk_size=_READ_CHUNK):
            pk, upn, stored, leaving, forename, surname = current[: len(identity)]
            known[upn] = _Known(pk, stored, leaving, f"{forename} {surname}")
            row = by_upn.get(upn)
            if row is None:
                continue
            values = reader.values(row)
            fingerprint = reader.fingerprint(row, values)
            if fingerprint == stored:
                plan.unchanged += 1
                plan.sen_unchanged.add(upn)
            else:
                compare(pk, current, row, values, fingerprint)
        plan.creates = [row for row in rows if row.upn not in known]
    else:
        known = {
            upn: _Known(pk, fingerprint, leaving, f"{forename} {surname}")
            for pk, upn, fingerprint, leaving, forename, surname in pupils.values_list(*identity)
        }
        to_compare: dict[int, tuple[PupilRow, list[Any], str]] = {}
        for row in rows:
            pupil = known.get(row.upn)
            if pupil is None:
                plan.creates.append(row)
                continue
            assert reader is not None
            values = reader.values(row)
            fingerprint = reader.fingerprint(row, values)
            if pupil.fingerprint == fingerprint:
                plan.unchanged += 1
                plan.sen_unchanged.add(row.upn)
            else:
                to_compare[pupil.pk] = (row, values, fingerprint)
        if reader is not None:
            _compare_fields(plan, reader, to_compare)
    plan.names = {upn: pupil.name for upn, pupil in known.items()}
    plan.ids = {upn: pupil.pk for upn, pupil in known.items()}

    on_roll_now = {
        upn: p for upn, p in known.items() if p.leaving_date is None or p.leaving_date > today
    }
    # A row skipped for an error (a bad date of birth, say) still names a pupil who
    # is on roll: never call them a possible leaver.
    in_file = {row.upn for row in rows} | {p.upn for p in plan.errors if p.upn}
    plan.on_roll, plan.in_file = len(on_roll_now), len(in_file)
    plan.shared = len(in_file & on_roll_now.keys())
    if whole_roll is None:
        # Another school's export of the same size is not this school's whole roll.
        whole_roll = import_rules.is_whole_roll(rows=len(rows), on_roll=plan.on_roll) and (
            not plan.other_school
        )
    plan.whole_roll = whole_roll
    if whole_roll:
        plan.possible_leavers = [
            Leaver(p.pk, upn, p.name)
            for upn, p in sorted(on_roll_now.items())
            if upn not in in_file
        ]

    sen_rows = [row for row in rows if row.present & _SEN_FIELDS]
    if not sen_rows:
        return
    register_empty = not SenEpisode.objects.filter(pupil__school=school).exists()
    # One (status, needs) for all the pupils who have the same: a school has a few dozen.
    # Like the MIS records read to compare with, they are only compared, never changed.
    shared: dict[tuple[str, tuple[str, ...]], tuple[str, list[str]]] = {}
    for row in sen_rows:
        key = (row.sen_status, row.needs)
        record = shared.get(key)
        if record is None:
            record = shared[key] = (row.sen_status, list(row.needs))
        plan.mis_records[row.upn] = record
        if register_empty and row.sen_status in codes.ON_REGISTER:
            try:
                rules.validate_needs(status=row.sen_status, needs=list(row.needs))
            except ValidationError as exc:
                message = NOT_COPIED.format(reason=" ".join(exc.messages))
                plan.seed_problems.append(
                    Problem(row.row, "sen_status", message, row.upn, "not_copied_to_register")
                )
            else:
                plan.seeds.append((row, row.sen_status, list(row.needs)))
    plan.discrepancies = _predicted_discrepancies(plan, today)


#: Above this many rows, the whole school is read in one query, with every pupil's values,
#: rather than in batches of named pupils (whose IN lists cost more to build than to answer).
_COMPARE_WHOLE_SCHOOL = 2000
#: Pupils read at a time when a big file is compared with the whole school.
_READ_CHUNK = 10_000


#: What is read of a pupil to compare with a row: their details and their MIS record.
#: The needs are read as text (each distinct text decoded once: see ``lib.jsontext``).
_COMPARED = ("pk", *MIS_FIELDS, "mis_sen__pk", "mis_sen__status", json_text("mis_sen__needs"))


class _FieldComparer:
    """Compares a pupil's values, as read (``_COMPARED`` from ``start`` on), with their row's:
    a pupil with a changed value is an update, with the old and new of each change.

    The pupil's MIS record is read with their details, so that writing it needs no second
    read of the school.
    """

    def __init__(self, plan: ImportPlan, reader: _RowReader, *, start: int) -> None:
        self.plan = plan
        self.names = reader.names
        first = start  # where the first of MIS_FIELDS sits in what is read
        self.at = tuple(first + MIS_FIELDS.index(name) for name in reader.names)
        self.surname = first + MIS_FIELDS.index("legal_surname")
        self.forename = first + MIS_FIELDS.index("legal_forename")
        self.record = first + len(MIS_FIELDS)
        # Lists shared between pupils with the same needs: only ever compared, never changed.
        self.needs_of = JsonTexts(list)

    def __call__(
        self, pk: int, current: Sequence[Any], row: PupilRow, values: list[Any], fingerprint: str
    ) -> None:
        plan, record = self.plan, self.record
        if current[record] is not None:
            needs = self.needs_of[current[record + 2]]
            plan.mis_held[pk] = (current[record], current[record + 1], needs)
        changes = {
            name: (current[at], value)
            for name, at, value in zip(self.names, self.at, values, strict=True)
            if current[at] != value
        }
        if changes:
            name = f"{current[self.forename]} {current[self.surname]}"
            plan.updates.append(PupilChange(pk, row.upn, name, changes, row))
        else:
            plan.unchanged += 1
        plan.refingerprint[pk] = fingerprint


def _compare_fields(
    plan: ImportPlan, reader: _RowReader, rows: dict[int, tuple[PupilRow, list[Any], str]]
) -> None:
    """Field by field, for the few pupils whose fingerprint differs from the row's."""
    ids = list(rows)
    compare = _FieldComparer(plan, reader, start=1)
    for start in range(0, len(ids), 500):
        batch = Pupil.objects.filter(pk__in=ids[start : start + 500]).order_by()
        for current in batch.values_list(*_COMPARED):
            compare(current[0], current, *rows[current[0]])


def _predicted_discrepancies(plan: ImportPlan, today: dt.date) -> list[Discrepancy]:
    """The differences between the MIS values in this file and the register after the import.

    Reads the whole school's register in two queries rather than naming every
    pupil in an IN list, which costs more to build than to answer.
    """
    upns = {pk: upn for upn, pk in plan.ids.items()}
    states = register_states(
        Pupil.objects.filter(school=plan.school),
        day=today,
        records=of_school(plan.school.pk),
    )
    statuses = {upns[pk]: s.status for pk, s in states.items() if s.status}
    needs = {upns[pk]: list(s.needs) for pk, s in states.items() if s.status}
    for row, status, seeded_needs in plan.seeds:
        statuses[row.upn], needs[row.upn] = status, seeded_needs
    names = dict(plan.names)
    for row in plan.creates:
        names.setdefault(row.upn, f"{row.legal_forename} {row.legal_surname}")
    found: list[Discrepancy] = []
    comparer = Comparer()
    for upn, (mis_status, mis_needs) in plan.mis_records.items():
        found += comparer(
            upn=upn,
            name=names.get(upn, upn),
            mis_status=mis_status,
            mis_needs=mis_needs,
            status=statuses.get(upn),
            needs=needs.get(upn, []),
        )
    return found


def _plan_classes(plan: ImportPlan, rows: Sequence[ClassRow], today: dt.date) -> None:
    school = plan.school
    pupils = dict(Pupil.objects.filter(on_roll(today), school=school).values_list("upn", "pk"))
    staff = _staff_index(school)
    for row in rows:
        pupil_id = pupils.get(row.upn)
        if pupil_id is None:
            message = UNKNOWN_PUPIL.format(upn=row.upn)
            plan.class_problems.append(Problem(row.row, "upn", message, row.upn, "pupil_not_found"))
            continue
        group_pupils, group_teachers = plan.groups.setdefault(row.group, (set(), set()))
        group_pupils.add(pupil_id)
        if row.teacher:
            teacher_id = _find_teacher(staff, row.teacher)
            if teacher_id is None:
                message = UNKNOWN_TEACHER.format(teacher=row.teacher)
                plan.class_problems.append(
                    Problem(row.row, "teacher", message, row.upn, "teacher_not_found")
                )
            else:
                group_teachers.add(teacher_id)
    current = {
        g.name: g
        for g in TeachingGroup.objects.filter(school=school, name__in=plan.groups).prefetch_related(
            "pupils", "teachers"
        )
    }
    for name, (group_pupils, group_teachers) in plan.groups.items():
        group = current.get(name)
        if group is None:
            plan.new_groups.append(name)
        elif {p.pk for p in group.pupils.all()} == group_pupils and {
            t.pk for t in group.teachers.all()
        } == group_teachers:
            plan.unchanged += 1
        else:
            plan.changed_groups.append(name)


_TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir"})


def _name_keys(name: str) -> list[str]:
    """Ways an MIS writes a teacher: "Jane Patel", "Mrs J Patel", "J. Patel", "Patel"."""
    words = [w.strip(".,").lower() for w in name.split()]
    words = [w for w in words if w and w not in _TITLES]
    if not words:
        return []
    keys = [" ".join(words)]
    if len(words) > 1:
        keys.append(f"{words[0][0]} {words[-1]}")
    return keys


def _staff_index(school: School) -> dict[str, int | None]:
    """Staff by email and by name keys; a key two people share maps to None (ambiguous)."""
    index: dict[str, int | None] = {}
    for user_id, email, name in Membership.objects.filter(school=school).values_list(
        "user_id", "user__email", "user__name"
    ):
        index[email.lower()] = user_id
        for key in _name_keys(name):
            index[key] = user_id if index.get(key, user_id) == user_id else None
    return index


def _find_teacher(index: dict[str, int | None], teacher: str) -> int | None:
    if "@" in teacher:
        return index.get(teacher.strip().lower())
    for key in _name_keys(teacher):
        if index.get(key):
            return index[key]
    return None


def _change_mark() -> int:
    """The newest audit event's id: every change in sendreg writes one, so a different
    mark means something changed."""
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _refuse_another_school(plan: ImportPlan) -> None:
    raise ImportRefused(plan.other_school_message() + import_rules.OTHER_SCHOOL_OVERRIDE)


def import_apply(
    *,
    school: School,
    data: bytes,
    filename: str,
    by: User | None,
    today: dt.date,
    mapping: dict[str, str] | None = None,
    whole_roll: bool | None = None,
    leavers: Iterable[int] = (),
    all_leavers: bool = False,
    left_on: dt.date | None = None,
    other_school_ok: bool = False,
    actor_label: str = "",
) -> tuple[ImportPlan, ImportRun]:
    """Plan and apply an import; mark the chosen possible leavers as left.

    Every pupil created or changed gets an audit event naming the file; so does
    the import itself. Nothing is deleted. A file that looks like another school's
    (``ImportPlan.other_school``) is refused unless ``other_school_ok``.
    """
    options: dict[str, Any] = {
        "school": school,
        "data": data,
        "filename": filename,
        "mapping": mapping,
        "whole_roll": whole_roll,
        "today": today,
    }
    with collection_paused():
        plan, run = _import_apply(
            options,
            by=by,
            today=today,
            mapping=mapping,
            leavers=set(leavers),
            all_leavers=all_leavers,
            left_on=left_on,
            other_school_ok=other_school_ok,
            actor_label=actor_label,
        )
    if import_rules.statistics_stale(created=len(plan.creates)):
        refresh_statistics()
    return plan, run


def _import_apply(
    options: dict[str, Any], *, by: User | None, today: dt.date, mapping: dict[str, str] | None,
    leavers: set[int], all_leavers: bool, left_on: dt.date | None, other_school_ok: bool,
    actor_label: str,
) -> tuple[ImportPlan, ImportRun]:  # fmt: skip
    mark = _change_mark()
    plan = import_plan(**options)
    if plan.other_school and not other_school_ok:
        _refuse_another_school(plan)
    with transaction.atomic():
        if _change_mark() != mark:
            # Something changed while the file was planned: plan again, now that this
            # transaction holds the lock (on SQLite) and sees the records as they are.
            plan = import_plan(**options)
            if plan.other_school and not other_school_ok:
                _refuse_another_school(plan)
        return plan, _write(
            plan,
            by=by,
            today=today,
            mapping=mapping,
            leavers=leavers,
            all_leavers=all_leavers,
            left_on=left_on,
            actor_label=actor_label,
        )


def _write(
    plan: ImportPlan, *, by: User | None, today: dt.date, mapping: dict[str, str] | None,
    leavers: set[int], all_leavers: bool, left_on: dt.date | None, actor_label: str,
) -> ImportRun:  # fmt: skip
    """Write a plan: a few bulk statements, then the Imports list's entry."""
    school = plan.school
    label = actor_label or actor_label_for(by)
    source = f"import of {plan.filename} (sha256 {plan.sha256[:12]})"
    now = timezone.now()
    if plan.kind == "classes":
        _apply_classes(plan, by=by, label=label, source=source)
    else:
        _apply_pupils(plan, by=by, label=label, source=source, now=now, today=today)
        left = [
            leaver for leaver in plan.possible_leavers if all_leavers or leaver.pupil_id in leavers
        ]
        plan.left = left
        if left:
            _mark_left(plan, left, left_on or today, by=by, label=label, source=source, now=now)
    if mapping:
        ColumnMapping.objects.update_or_create(school=school, defaults={"mapping": mapping})
    return import_run_record(
        school=school,
        kind=plan.kind,
        filename=plan.filename,
        sha256=plan.sha256,
        summary=plan.summary(),
        by=by,
        actor_label=label,
        whole_roll=plan.whole_roll,
    )


@transaction.atomic
def import_run_record(
    *,
    school: School,
    kind: str,
    filename: str,
    sha256: str,
    summary: dict[str, Any],
    by: User | None,
    actor_label: str = "",
    whole_roll: bool = False,
) -> ImportRun:
    """List an applied file on the Imports page and audit it. Call it inside the apply."""
    label = actor_label or actor_label_for(by)
    run = ImportRun.objects.create(
        school=school,
        by=by,
        by_label=label,
        filename=filename,
        sha256=sha256,
        kind=kind,
        whole_roll=whole_roll,
        summary=summary,
    )
    audit_record(
        type=AuditEvent.Type.IMPORT_APPLIED,
        school_id=school.pk,
        target=run,
        by=by,
        actor_label=label,
        new={k: v for k, v in summary.items() if isinstance(v, int | bool | str)},
        source=f"import of {filename} (sha256 {sha256[:12]})",
    )
    return run


def _event(
    *, school: School, pupil_id: int, pupil_label: str, by: User | None, label: str,
    type: AuditEvent.Type, old: dict[str, Any], new: dict[str, Any], source: str,
    now: dt.datetime, reason: str = "",
) -> AuditEvent:  # fmt: skip
    return AuditEvent(
        at=now,
        school_id=school.pk,
        actor_id=by.pk if by else None,
        actor_label=label,
        type=type,
        target_model="pupils.pupil",
        target_id=pupil_id,
        pupil_id=pupil_id,
        pupil_label=pupil_label,
        old=old,
        new=new,
        reason=reason,
        source=source,
    )


class _EventRows:
    """Rows for ``bulk_insert`` (in ``_EVENT_FIELDS`` order) of the same events as ``_event``,
    for one import: what every event shares is worked out once, not once a pupil, and the
    values are encoded as JSON here, by one encoder (see ``_EVENT_RAW``)."""

    def __init__(
        self, *, school: School, by: User | None, label: str, source: str, now: dt.datetime
    ) -> None:
        self.head = (driver_value(AuditEvent, "at", now), school.pk, by.pk if by else None, label)
        self.source = source
        self.encode = json_encoder()

    def __call__(
        self, type: AuditEvent.Type, pupil_id: int, pupil_label: str, old: dict[str, Any],
        new: dict[str, Any],
    ) -> tuple[Any, ...]:  # fmt: skip
        encode = self.encode
        return (
            *self.head, type.value, "pupils.pupil", pupil_id, pupil_id, pupil_label, encode(old),
            encode(new), "", self.source,
        )  # fmt: skip


#: The event columns ``_EventRows`` gives as the database driver takes them.
_EVENT_RAW = ("at", "old", "new")


#: What a new pupil holds for an MIS column the file does not have.
_PUPIL_DEFAULTS: dict[str, Any] = {
    name: Pupil._meta.get_field(name).get_default() for name in MIS_FIELDS
}


def _display_name(values: dict[str, Any]) -> str:
    """As ``str(pupil)``: the preferred forename if there is one, then the surname."""
    forename = values.get("preferred_forename") or values["legal_forename"]
    return f"{forename} {values['legal_surname']}"


def _apply_pupils(
    plan: ImportPlan, *, by: User | None, label: str, source: str, now: dt.datetime,
    today: dt.date,
) -> None:  # fmt: skip
    school = plan.school
    event = _EventRows(school=school, by=by, label=label, source=source, now=now)
    # Generators, not lists: each event row is made as the database takes it.
    events: list[Iterable[tuple[Any, ...]]] = []
    created_ids: dict[str, int] = {}
    if plan.creates:
        reader = _RowReader(plan.creates[0].present)
        new_rows = [(row, reader.values(row)) for row in plan.creates]
        bulk_insert(
            Pupil,
            ["school_id", "upn", "mis_fingerprint", *reader.names],
            (
                (school.pk, row.upn, reader.fingerprint(row, values), *values)
                for row, values in new_rows
            ),
        )
        wanted = {row.upn for row in plan.creates}
        created_ids = {
            upn: pk
            for upn, pk in Pupil.objects.filter(school=school).order_by().values_list("upn", "pk")
            if upn in wanted
        }
        events.append(
            event(
                AuditEvent.Type.PUPIL_CREATED,
                created_ids[row.upn],
                _display_name(full),
                {},
                {"upn": row.upn, **{k: jsonable(full[k]) for k in MIS_FIELDS}},
            )
            for row, full in (
                (row, {**_PUPIL_DEFAULTS, **dict(zip(reader.names, values, strict=True))})
                for row, values in new_rows
            )
        )
    if plan.updates:
        fields = sorted({name for change in plan.updates for name in change.changes})
        bulk_update(
            Pupil,
            [*fields, "mis_fingerprint"],
            (
                (change.pupil_id, *_new_values(change, fields), plan.refingerprint[change.pupil_id])
                for change in plan.updates
            ),
            # A details form left open while the import ran must not overwrite what it brought.
            increment=["details_version"],
        )
        updated_type = AuditEvent.Type.PUPIL_UPDATED
        events.append(
            event(
                updated_type,
                change.pupil_id,
                change.name,
                {k: jsonable(v[0]) for k, v in change.changes.items()},
                {k: jsonable(v[1]) for k, v in change.changes.items()},
            )
            for change in plan.updates
        )
    updated = {change.pupil_id for change in plan.updates}
    bulk_update(
        Pupil,
        ["mis_fingerprint"],
        ((pk, fp) for pk, fp in plan.refingerprint.items() if pk not in updated),
    )
    ids = {**plan.ids, **created_ids}
    _apply_mis_records(plan, ids, now)
    bulk_insert(AuditEvent, _EVENT_FIELDS, chain.from_iterable(events), raw=_EVENT_RAW)
    if plan.seeds:
        _seed_register(plan, ids, by=by, label=label, source=source, now=now, today=today)


def _new_values(change: PupilChange, fields: list[str]) -> list[Any]:
    """What ``fields`` will hold for the pupil: the changes, and the row's other values
    (read again from the row only when some of ``fields`` did not change for this pupil)."""
    if len(change.changes) == len(fields):
        return [change.changes[name][1] for name in fields]
    values = change.values
    return [values[name] for name in fields]


def _seed_register(
    plan: ImportPlan, ids: dict[str, int], *, by: User | None, label: str, source: str,
    now: dt.datetime, today: dt.date,
) -> None:  # fmt: skip
    """The first import into an empty register copies the MIS's SEN status and needs, through
    the register's own service (same rules, same audit events), from today."""
    pupils = Pupil.objects.in_bulk([ids[row.upn] for row, _, _ in plan.seeds])
    reason = f"The register was empty, so it was seeded from the MIS ({source})."
    sen_histories_load(
        histories=[
            (
                pupils[ids[row.upn]],
                [HistoricChange(today, status, tuple(codes_), reason, recorded_at=now)],
            )
            for row, status, codes_ in plan.seeds
        ],
        by=by,
        today=today,
        source=source,
        notify=False,
        actor_label=label,
    )


def _apply_mis_records(plan: ImportPlan, ids: dict[str, int], now: dt.datetime) -> None:
    """Keep the MIS's SEN values; a changed value clears any request to correct the MIS.

    Rows exactly as last imported (``plan.sen_unchanged``) are skipped; the others'
    records were read with the pupils' details when the plan compared them.
    """
    new_records, changed = [], []
    for upn, (status, needs) in plan.mis_records.items():
        if upn in plan.sen_unchanged:
            continue
        pupil_id = ids[upn]
        held = plan.mis_held.get(pupil_id)
        if held is None:
            new_records.append((pupil_id, status, needs, now))
        elif held[1:] != (status, needs):
            changed.append((held[0], status, needs, now, None, None))
    bulk_update(
        MisSenRecord,
        ["status", "needs", "imported_at", "correction_requested_at", "correction_requested_by"],
        changed,
    )
    bulk_insert(MisSenRecord, ["pupil_id", "status", "needs", "imported_at"], new_records)


def _mark_left(
    plan: ImportPlan, leavers: list[Leaver], left_on: dt.date, *, by: User | None, label: str,
    source: str, now: dt.datetime,
) -> None:  # fmt: skip
    Pupil.objects.filter(pk__in=[leaver.pupil_id for leaver in leavers]).update(
        leaving_date=left_on, details_version=F("details_version") + 1
    )
    AuditEvent.objects.bulk_create(
        _event(
            school=plan.school,
            pupil_id=leaver.pupil_id,
            pupil_label=leaver.name,
            by=by,
            label=label,
            type=AuditEvent.Type.PUPIL_LEFT,
            old={"leaving_date": None},
            new={"leaving_date": left_on.isoformat()},
            reason="Not in a whole-roll export from the MIS.",
            source=source,
            now=now,
        )  # fmt: skip
        for leaver in leavers
    )


def _apply_classes(plan: ImportPlan, *, by: User | None, label: str, source: str) -> None:
    """Each group in the file gets exactly the pupils and teachers the file gives it,
    through the pupils' service, so that each group's change is audited."""
    for name in [*plan.new_groups, *plan.changed_groups]:
        pupil_ids, teacher_ids = plan.groups[name]
        teaching_group_set(
            school=plan.school,
            name=name,
            pupil_ids=pupil_ids,
            teacher_ids=teacher_ids,
            by=by,
            source=source,
            actor_label=label,
        )
