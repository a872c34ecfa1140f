"""What each register's CSV and XLSX export holds: a header and the cells of a row.

The exports are built from the same prepared rows as the pages. None of them has an
address column, and none reads a contact: the looked-after export says only whether
the addresses recorded are protected.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sendreg.lib.spreadsheets import Cell
from sendreg.pupils.models import Pupil
from sendreg.records.selectors import ConcernRow, EalRow, ExamRow, LacRow, MedicalRow

PUPIL_HEADER = ["UPN", "Surname", "Forename", "Year", "Registration group"]


def _pupil_cells(pupil: Pupil) -> list[Cell]:
    return [pupil.upn, pupil.surname, pupil.forename, pupil.year_label, pupil.reg_group]


def _yes(flag: bool) -> str:
    return "Yes" if flag else "No"


@dataclass(frozen=True)
class Export:
    slug: str
    title: str
    header: Sequence[str]
    cells: Callable[[Any], list[Cell]]

    def rows(self, rows: Sequence[Any]) -> list[list[Cell]]:
        return [self.cells(row) for row in rows]


def _medical(row: MedicalRow) -> list[Cell]:
    r = row.record
    if r is None:
        return [*_pupil_cells(row.pupil), row.condition_label, _yes(False), None, "", ""]
    review = row.review.label if r.has_ihp else ""
    return [
        *_pupil_cells(r.pupil), r.condition, _yes(r.has_ihp), r.ihp_review_date, review, r.notes,
    ]  # fmt: skip


def _eal(row: EalRow) -> list[Cell]:
    r = row.record
    return [
        *_pupil_cells(row.pupil),
        r.first_language if r else "Not recorded",
        r.started_in_english_schools if r else None,
        _yes(row.pupil.eal),
        r.notes if r else "",
    ]


def _lac(row: LacRow) -> list[Cell]:
    r = row.record
    return [
        *_pupil_cells(row.pupil),
        r.responsible_authority if r else "Not recorded",
        r.pep_date if r else None,
        r.pep_review_date if r else None,
        row.pep_review.label,
        r.designated_teacher_label if r else "",
        row.address.label,
    ]


def _concern(row: ConcernRow) -> list[Cell]:
    r = row.record
    return [
        *_pupil_cells(r.pupil), r.reason, r.started_on, r.owner.name, r.review_date,
        row.review.label if r.ended_on is None else "Ended", r.ended_on, r.end_reason,
    ]  # fmt: skip


def _exam(row: ExamRow) -> list[Cell]:
    r = row.record
    return [
        *_pupil_cells(r.pupil), r.label, r.get_key_stage_display(), r.evidence, r.approved_on,
        r.expires_on, row.status.label, row.status.reason,
    ]  # fmt: skip


MEDICAL = Export(
    "medical-register",
    "Medical needs",
    [
        *PUPIL_HEADER,
        "Condition",
        "Individual Healthcare Plan",
        "IHP review date",
        "IHP review",
        "Notes",
    ],  # fmt: skip
    _medical,
)
EAL = Export(
    "eal-register",
    "EAL",
    [
        *PUPIL_HEADER,
        "First language",
        "Started in English schools",
        "Marked EAL in the MIS",
        "Notes",
    ],  # fmt: skip
    _eal,
)
LAC = Export(
    "looked-after-register",
    "Looked-after children",
    [
        *PUPIL_HEADER,
        "Responsible authority",
        "Latest PEP",
        "Next PEP review",
        "PEP review",
        "Designated teacher",
        "Address protected",
    ],  # fmt: skip
    _lac,
)
CONCERNS = Export(
    "cause-for-concern",
    "Cause for concern",
    [
        *PUPIL_HEADER,
        "Concern",
        "Started on",
        "Owner",
        "Review date",
        "Review",
        "Ended on",
        "End reason",
    ],  # fmt: skip
    _concern,
)
EXAMS = Export(
    "exam-access-arrangements",
    "Exam access arrangements",
    [
        *PUPIL_HEADER,
        "Arrangement",
        "Key stage",
        "Evidence",
        "Approved on",
        "Expires on",
        "Status",
        "Why",
    ],  # fmt: skip
    _exam,
)
