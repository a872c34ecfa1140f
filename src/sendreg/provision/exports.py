"""The provision map as a spreadsheet: XLSX with live formulas, and CSV with the figures.

One row per pupil per run. In the XLSX file each cost, hour and total is a formula over
the row's own cells, rounded exactly as ``provision.rules`` rounds (``ROUND(...,2)`` for a
run's cost, again for the part in the school year, ``SUM`` for totals), so changing a rate
or a group size in Excel updates every figure, and the unchanged file agrees with the page
to the penny. Every text cell (names, notes, anything typed into a form or an import) is
written through ``sendreg.lib.spreadsheets`` as text, so it can never run as a formula.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from sendreg import codes
from sendreg.accounts.models import School
from sendreg.lib.spreadsheets import Cell, csv_text, text_cell
from sendreg.provision import rules
from sendreg.provision.selectors import ProvisionMap, ProvisionRow, topup_threshold

HEADER = [
    "UPN", "Surname", "Forename", "Year group", "SEN status", "Needs", "Intervention", "Wave",
    "Targets", "Staff role", "Run starts", "Run ends", "Pupil joined", "Pupil left",
    "Group size", "Sessions a week", "Minutes a session", "Weeks", "Hourly rate (£)",
    "Resources per pupil (£)", "Hours in the run", "Cost of the run (£)", "Days of the run",
    "Days in the school year", "Cost this school year (£)", "Hours this school year",
    "Sessions attended", "Entry score", "Exit score", "Gain", "Target score", "Outcome note",
]  # fmt: skip
_COL = {name: get_column_letter(i) for i, name in enumerate(HEADER, start=1)}
POUNDS = "£#,##0.00"
HOURS = "0.00"
DATE = "DD/MM/YYYY"


def _status(status: str) -> str:
    return codes.provision_label(status) if status else ""


def _needs(codes_: Sequence[str]) -> str:
    return ", ".join(codes.need_label(c) for c in codes_)


def csv_rows(provision_map: ProvisionMap, statuses: dict[int, str]) -> Iterator[Sequence[Cell]]:
    for r in provision_map.rows:
        yield [
            r.upn, r.surname, r.forename, r.year_label, _status(statuses.get(r.pupil_id, "N")),
            _needs(provision_map.needs.get(r.pupil_id, ())), r.intervention, r.wave_label,
            r.targets_label, r.staff_role, r.run_start, r.run_end, r.start, r.end,
            r.costing.group_size, r.costing.sessions_per_week, r.costing.minutes_per_session,
            r.costing.weeks, r.costing.hourly_rate, r.costing.resources_per_pupil, r.hours,
            r.cost, r.days, r.days_in_year, r.cost_in_year, r.hours_in_year,
            r.sessions_attended, r.entry, r.exit, r.gain, r.target, r.outcome,
        ]  # fmt: skip


def provision_csv(provision_map: ProvisionMap, statuses: dict[int, str]) -> str:
    return csv_text(HEADER, csv_rows(provision_map, statuses))


def _cell(sheet: Worksheet, value: Any, number_format: str = "") -> WriteOnlyCell:
    """A number, date or formula cell; text goes through ``text_cell`` instead."""
    cell = WriteOnlyCell(sheet, value=value)
    if number_format:
        cell.number_format = number_format
    return cell


def _formula(sheet: Worksheet, formula: str, number_format: str = "") -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=formula)
    cell.data_type = "f"
    if number_format:
        cell.number_format = number_format
    return cell


def _value(sheet: Worksheet, value: Any, number_format: str = "") -> WriteOnlyCell:
    if value is None or isinstance(value, str):
        return text_cell(sheet, value)
    if isinstance(value, dt.date):
        return _cell(sheet, value, DATE)
    return _cell(sheet, value, number_format)


#: Where the About sheet keeps the school year's first and last days.
YEAR_START = "About!$B$3"
YEAR_END = "About!$B$4"


def _map_row(
    sheet: Worksheet, n: int, r: ProvisionRow, status: str, needs: Sequence[str]
) -> list[WriteOnlyCell]:
    c = {name: f"{letter}{n}" for name, letter in _COL.items()}
    rate, sessions, minutes = c["Hourly rate (£)"], c["Sessions a week"], c["Minutes a session"]
    weeks, group, resources = c["Weeks"], c["Group size"], c["Resources per pupil (£)"]
    starts, ends = c["Run starts"], c["Run ends"]
    days, inside = c["Days of the run"], c["Days in the school year"]
    cost, hours = c["Cost of the run (£)"], c["Hours in the run"]
    entry, exit_ = c["Entry score"], c["Exit score"]
    return [
        text_cell(sheet, r.upn),
        text_cell(sheet, r.surname),
        text_cell(sheet, r.forename),
        text_cell(sheet, r.year_label),
        text_cell(sheet, _status(status)),
        text_cell(sheet, _needs(needs)),
        text_cell(sheet, r.intervention),
        text_cell(sheet, r.wave_label),
        text_cell(sheet, r.targets_label),
        text_cell(sheet, r.staff_role),
        _value(sheet, r.run_start),
        _value(sheet, r.run_end),
        _value(sheet, r.start),
        _value(sheet, r.end),
        _value(sheet, r.costing.group_size),
        _value(sheet, r.costing.sessions_per_week),
        _value(sheet, r.costing.minutes_per_session),
        _value(sheet, r.costing.weeks),
        _value(sheet, r.costing.hourly_rate, POUNDS),
        _value(sheet, r.costing.resources_per_pupil, POUNDS),
        _formula(sheet, f"=ROUND({sessions}*{minutes}*{weeks}/60,2)", HOURS),
        _formula(
            sheet,
            f"=ROUND({rate}*{sessions}*{minutes}*{weeks}/(60*{group})+{resources},2)",
            POUNDS,
        ),
        _formula(sheet, f"={ends}-{starts}+1"),
        _formula(sheet, f"=MAX(0,MIN({ends},{YEAR_END})-MAX({starts},{YEAR_START})+1)"),
        _formula(sheet, f"=IF({inside}>={days},{cost},ROUND({cost}*{inside}/{days},2))", POUNDS),
        _formula(sheet, f"=IF({inside}>={days},{hours},ROUND({hours}*{inside}/{days},2))", HOURS),
        _value(sheet, r.sessions_attended),
        _value(sheet, r.entry),
        _value(sheet, r.exit),
        _formula(sheet, f'=IF(AND(ISNUMBER({entry}),ISNUMBER({exit_})),{exit_}-{entry},"")'),
        _value(sheet, r.target),
        text_cell(sheet, r.outcome),
    ]


def provision_xlsx(school: School, provision_map: ProvisionMap, statuses: dict[int, str]) -> bytes:
    """The workbook: the map (one row per pupil per run), each pupil's totals against the
    threshold, and a sheet that says how every figure is worked out."""
    book = Workbook(write_only=True)
    rows = provision_map.rows
    first_row, last_row = 2, max(2, len(rows) + 1)

    sheet = book.create_sheet(title="Provision map")
    sheet.append([text_cell(sheet, h, bold=True) for h in HEADER])
    for n, r in enumerate(rows, start=first_row):
        needs = provision_map.needs.get(r.pupil_id, ())
        sheet.append(_map_row(sheet, n, r, statuses.get(r.pupil_id, "N"), needs))
    total = [text_cell(sheet, "Total", bold=True)] + [None] * (len(HEADER) - 1)
    for name in ("Cost this school year (£)", "Hours this school year"):
        letter = _COL[name]
        index = HEADER.index(name)
        fmt = POUNDS if "£" in name else HOURS
        total[index] = _formula(sheet, f"=SUM({letter}{first_row}:{letter}{last_row})", fmt)
    sheet.append(total)

    _pupils_sheet(book, school, rows, statuses, last_row)
    _about_sheet(book, school, provision_map)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _pupils_sheet(
    book: Workbook,
    school: School,
    rows: Sequence[ProvisionRow],
    statuses: dict[int, str],
    last_row: int,
) -> None:
    sheet = book.create_sheet(title="Pupils")
    threshold = topup_threshold(school)
    sheet.append(
        [text_cell(sheet, "Top-up threshold (£)", bold=True), _cell(sheet, threshold, POUNDS)]
    )
    sheet.append([])
    header = ["UPN", "Surname", "Forename", "Year group", "SEN status", "Hours this school year",
              "Cost this school year (£)", "Above the threshold"]  # fmt: skip
    sheet.append([text_cell(sheet, h, bold=True) for h in header])
    seen: dict[int, ProvisionRow] = {}
    for r in rows:
        seen.setdefault(r.pupil_id, r)
    upns = f"'Provision map'!$A$2:$A${last_row}"
    hours = f"'Provision map'!${_COL['Hours this school year']}$2:${_COL['Hours this school year']}${last_row}"  # noqa: E501
    costs = f"'Provision map'!${_COL['Cost this school year (£)']}$2:${_COL['Cost this school year (£)']}${last_row}"  # noqa: E501
    first = 4
    for n, r in enumerate(seen.values(), start=first):
        sheet.append(
            [
                text_cell(sheet, r.upn),
                text_cell(sheet, r.surname),
                text_cell(sheet, r.forename),
                text_cell(sheet, r.year_label),
                text_cell(sheet, _status(statuses.get(r.pupil_id, "N"))),
                _formula(sheet, f"=SUMIF({upns},A{n},{hours})", HOURS),
                _formula(sheet, f"=SUMIF({upns},A{n},{costs})", POUNDS),
                _formula(sheet, f'=IF(G{n}>$B$1,"Yes","No")'),
            ]
        )
    last = max(first, first + len(seen) - 1)
    sheet.append(
        [
            text_cell(sheet, "Total", bold=True),
            None,
            None,
            None,
            None,
            _formula(sheet, f"=SUM(F{first}:F{last})", HOURS),
            _formula(sheet, f"=SUM(G{first}:G{last})", POUNDS),
            _formula(sheet, f'=COUNTIF(H{first}:H{last},"Yes")'),
        ]
    )


ABOUT = [
    "Cost of the run for a pupil = hourly rate × sessions a week × minutes a session ÷ 60 × "
    "weeks ÷ group size + resources per pupil, rounded to the penny (half up).",
    "Hours in the run = sessions a week × minutes a session × weeks ÷ 60, rounded to two "
    "decimal places.",
    "A run inside the school year counts in full. A run across two school years counts in "
    "each by the share of its days that fall in it, rounded to the penny.",
    "A pupil who joined late or left early costs the same as the others: the group was "
    "staffed for the whole run.",
    "Totals add the rounded amounts. A pupil whose cost this school year is above the top-up "
    "threshold (not equal to it) may be a candidate for top-up funding from the local "
    "authority.",
    "Gain = exit score − entry score. " + rules.EFFECT_SIZE_METHOD,
]


def _about_sheet(book: Workbook, school: School, provision_map: ProvisionMap) -> None:
    sheet = book.create_sheet(title="About")
    first, last = rules.school_year_bounds(provision_map.year)
    sheet.append([text_cell(sheet, "School", bold=True), text_cell(sheet, school.name)])
    sheet.append(
        [
            text_cell(sheet, "School year", bold=True),
            text_cell(sheet, rules.school_year_label(provision_map.year)),
        ]
    )
    sheet.append([text_cell(sheet, "Year starts", bold=True), _cell(sheet, first, DATE)])
    sheet.append([text_cell(sheet, "Year ends", bold=True), _cell(sheet, last, DATE)])
    if provision_map.need:
        sheet.append(
            [
                text_cell(sheet, "Pupils with the need", bold=True),
                text_cell(sheet, rules.need_area_label(provision_map.need)),
            ]
        )
    sheet.append([])
    sheet.append([text_cell(sheet, "How the figures are worked out", bold=True)])
    for line in ABOUT:
        sheet.append([text_cell(sheet, line)])
