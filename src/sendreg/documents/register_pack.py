"""The register pack: the whole SEN register as an Excel workbook, the way SENCOs work.

Three sheets:

- **Summary**: counts and percentages as live formulas over the Register sheet and the
  roll, so that a SENCO who edits a row (or the roll) sees the figures follow;
- **Register**: one row per pupil on the register today, with status, ranked needs,
  flags and attendance, every code beside its meaning;
- **Codes**: what each code means.

Every cell that comes from data is typed as text (``lib.spreadsheets.text_cell``), so
a name or group that starts with "=" is shown as written and never runs as a formula.
Only the Summary's own formulas are formulas. No contact or address is in the pack.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from sendreg import codes
from sendreg.accounts.models import Membership
from sendreg.lib.national import comparison_for
from sendreg.lib.spreadsheets import Cell, text_cell
from sendreg.pupils.rules import PERSISTENT_ABSENCE_AT_OR_BELOW
from sendreg.register.selectors import (
    RegisterFilters,
    RegisterRow,
    register_counts,
    register_rows,
)

REGISTER = "Register"
SUMMARY = "Summary"
CODES = "Codes"

#: The Register sheet's columns. The Summary's formulas find their columns by these names.
COLUMNS = (
    "UPN", "Surname", "Forename", "Year", "Registration group", "SEN status",
    "Status meaning", "On register since", "Primary need", "Primary need meaning",
    "Secondary need", "Secondary need meaning", "Further needs", "EAL", "FSM",
    "Pupil premium", "Looked after", "Medical", "Attendance %",
)  # fmt: skip

PERCENT = "0.0%"
DATE = "dd/mm/yyyy"
YES, NO = "Yes", "No"
#: The Summary's count of ``pupils.rules.persistently_absent`` as Excel says it: attendance
#: at or below the threshold (10% or more of sessions missed).
PERSISTENT_ABSENCE_CRITERION = f"<={PERSISTENT_ABSENCE_AT_OR_BELOW:g}"
PERSISTENT_ABSENCE_LABEL = (
    f"Attendance of {PERSISTENT_ABSENCE_AT_OR_BELOW:g}% or below "
    "(persistently absent: 10% or more of sessions missed)"
)


def _column(name: str) -> str:
    """The Register sheet's whole column for ``name``, as an absolute reference."""
    letter = get_column_letter(COLUMNS.index(name) + 1)
    return f"{REGISTER}!${letter}:${letter}"


def _yes(flag: bool) -> str:
    return YES if flag else NO


def register_cells(row: RegisterRow) -> list[Cell]:
    needs = list(row.needs)
    primary = needs[0] if needs else None
    secondary = needs[1] if len(needs) > 1 else None
    return [
        row.upn, row.surname, row.forename, row.year_label, row.reg_group, row.status,
        row.status_meaning, row.since,
        primary.code if primary else "", primary.meaning if primary else "",
        secondary.code if secondary else "", secondary.meaning if secondary else "",
        "; ".join(f"{n.code} – {n.meaning}" for n in needs[2:]),
        _yes(row.eal), _yes(row.fsm), _yes(row.pupil_premium), _yes(row.looked_after),
        _yes(row.medical), row.attendance,
    ]  # fmt: skip


def _cell(sheet: Worksheet, value: Cell, *, number_format: str = "") -> WriteOnlyCell:
    cell = text_cell(sheet, value)
    if isinstance(value, dt.date):
        cell.number_format = DATE
    elif number_format:
        cell.number_format = number_format
    return cell


def _formula(sheet: Worksheet, formula: str, *, number_format: str = "") -> WriteOnlyCell:
    # Built here from the sheet's own column names and code lists, never from data.
    cell = WriteOnlyCell(sheet, value=formula)
    if number_format:
        cell.number_format = number_format
    return cell


def _widths(sheet: Worksheet, widths: Sequence[int]) -> None:
    for index, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def _register_sheet(book: Workbook, rows: Sequence[RegisterRow]) -> None:
    sheet = book.create_sheet(REGISTER)
    _widths(sheet, [15, 18, 16, 11, 12, 10, 30, 14, 10, 32, 10, 32, 40, 6, 6, 8, 8, 8, 12])
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{len(rows) + 1}"
    sheet.append([text_cell(sheet, name, bold=True) for name in COLUMNS])
    for row in rows:
        sheet.append([_cell(sheet, value) for value in register_cells(row)])


def _share(part: str, whole: str) -> str:
    return f"=IF({whole}=0,0,{part}/{whole})"


#: Where the Summary keeps the roll and the register total, which every share divides by.
ROLL_ROW = 5
ROLL = f"$B${ROLL_ROW}"
ON_REGISTER = f"$B${ROLL_ROW + 1}"


class _Summary:
    """The Summary sheet's rows, numbered as they are added so formulas can name their cells."""

    def __init__(self, sheet: Worksheet) -> None:
        self.sheet = sheet
        self.rows: list[list[WriteOnlyCell]] = []

    def line(self, label: str, *cells: WriteOnlyCell, heading: bool = False) -> int:
        self.rows.append([text_cell(self.sheet, label, bold=heading), *cells])
        return len(self.rows)

    def count(self, label: str, formula: str, *, of_roll: bool = True) -> int:
        """A count with its share of the roll (optional) and of the register."""
        number = len(self.rows) + 1
        return self.line(
            label,
            _formula(self.sheet, formula),
            _formula(self.sheet, _share(f"B{number}", ROLL), number_format=PERCENT)
            if of_roll
            else text_cell(self.sheet, ""),
            _formula(self.sheet, _share(f"B{number}", ON_REGISTER), number_format=PERCENT),
        )


def _summary_sheet(
    book: Workbook, *, school_name: str, phase: str, roll: int, day: dt.date
) -> None:
    sheet = book.create_sheet(SUMMARY)
    _widths(sheet, [58, 12, 12, 14])
    summary = _Summary(sheet)
    summary.line(f"SEN register pack: {school_name}", heading=True)
    summary.line(
        f"Produced on {day:%d/%m/%Y}. The figures are formulas over the {REGISTER} sheet and "
        "the roll: change a row there, or the roll, and they follow."
    )
    summary.line("")
    summary.line(
        "", *(text_cell(sheet, h, bold=True) for h in ("Pupils", "% of roll", "% of register"))
    )
    row = summary.line("Pupils on roll (the whole school)", _cell(sheet, roll))
    assert row == ROLL_ROW
    status = _column("SEN status")
    on_register = "+".join(f'COUNTIF({status},"{p.value}")' for p in codes.ON_REGISTER)
    summary.count("On the SEN register (E or K)", f"={on_register}")
    for provision in codes.ON_REGISTER:
        summary.count(codes.provision_label(provision), f'=COUNTIF({status},"{provision.value}")')

    summary.line("")
    summary.line("Primary need", heading=True)
    primary = _column("Primary need")
    for need in codes.need_types():
        summary.count(str(need), f'=COUNTIF({primary},"{need.code}")')

    summary.line("")
    summary.line("Pupils on the register who also have", heading=True)
    for name, label in (
        ("EAL", "English as an additional language (EAL)"),
        ("FSM", "Free school meals (FSM)"),
        ("Pupil premium", "Pupil premium (PP)"),
        ("Looked after", "Looked after (LAC)"),
        ("Medical", "Medical needs"),
    ):
        summary.count(label, f'=COUNTIF({_column(name)},"{YES}")', of_roll=False)

    summary.line("")
    summary.line("Attendance of pupils on the register", heading=True)
    attendance = _column("Attendance %")
    summary.line(
        "Average attendance (%)",
        _formula(
            sheet, f'=IF(COUNT({attendance})=0,"",AVERAGE({attendance}))', number_format="0.0"
        ),
    )
    summary.count(
        PERSISTENT_ABSENCE_LABEL,
        f'=COUNTIF({attendance},"{PERSISTENT_ABSENCE_CRITERION}")',
        of_roll=False,
    )

    national = comparison_for(phase)
    for figures in (national.all_schools, national.phase):
        if figures is None:
            continue
        summary.line("")
        checked = "" if figures.verified else " (reported, not yet checked against DfE tables)"
        summary.line(f"{figures.label} (DfE){checked}, for comparison", heading=True)
        for label, percent in (
            ("EHC plan", figures.ehc_percent),
            ("SEN support", figures.support_percent),
            ("All SEN", figures.all_sen_percent),
        ):
            if percent is not None:
                summary.line(
                    label, text_cell(sheet, ""), _cell(sheet, percent / 100, number_format=PERCENT)
                )

    for cells in summary.rows:
        sheet.append(cells)


def _codes_sheet(book: Workbook) -> None:
    sheet = book.create_sheet(CODES)
    _widths(sheet, [10, 60, 36])
    sheet.append(
        [text_cell(sheet, h, bold=True) for h in ("Code", "Meaning", "Broad area of need")]
    )
    for provision in codes.SenProvision:
        sheet.append([text_cell(sheet, provision.value), text_cell(sheet, provision.label), None])
    for need in codes.need_types():
        sheet.append(
            [
                text_cell(sheet, need.code),
                text_cell(sheet, need.meaning),
                text_cell(sheet, need.area.label),
            ]
        )


def register_pack_bytes(membership: Membership, *, day: dt.date) -> bytes:
    """The pack for the member's school as it stands on ``day``."""
    rows = register_rows(membership, RegisterFilters(), day=day)
    roll = register_counts(membership.school, day=day).roll
    book = Workbook(write_only=True)
    _summary_sheet(
        book,
        school_name=membership.school.name,
        phase=membership.school.phase,
        roll=roll,
        day=day,
    )
    _register_sheet(book, rows)
    _codes_sheet(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def register_pack_filename(membership: Membership, day: dt.date) -> str:
    return f"sen-register-pack-{membership.school.urn}-{day:%Y-%m-%d}.xlsx"
