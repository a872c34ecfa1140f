"""CSV and XLSX responses whose cells are always data, never formulas.

A value from an import or a form that starts with =, +, - or @ (or a tab or
carriage return) could run as a formula when a SENCO opens the export in a
spreadsheet. CSV cells get a leading apostrophe; XLSX cells are typed as text.

An XLSX file is XML, which cannot hold control characters: a value with one
(older data, from before they were removed at the edge) is written without it
rather than making the whole export fail.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from sendreg.lib.text import xml_safe

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

Cell = str | int | float | Decimal | dt.date | bool | None


def neutralise(value: Cell) -> Cell:
    """The value as it may go into a CSV cell: text that looks like a formula made inert."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow(["" if v is None else neutralise(v) for v in row])
    return out.getvalue()


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[Cell]]
) -> HttpResponse:
    # A BOM makes Excel read the file as UTF-8, so names like Zoë survive.
    body = "\ufeff" + csv_text(header, rows)
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def text_cell(sheet: Worksheet, value: Cell, *, bold: bool = False) -> WriteOnlyCell:
    if isinstance(value, str):
        value = xml_safe(value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        # Typed as a string, the cell is shown as written and never evaluated.
        cell.data_type = "s"
    if bold:
        cell.font = Font(bold=True)
    return cell


def add_sheet(
    book: Workbook, title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> Worksheet:
    sheet = book.create_sheet(title=xml_safe(title)[:31])
    sheet.append([text_cell(sheet, h, bold=True) for h in header])
    for row in rows:
        sheet.append([text_cell(sheet, v) for v in row])
    return sheet


def xlsx_bytes(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]]) -> bytes:
    book = Workbook(write_only=True)
    for title, header, rows in sheets:
        add_sheet(book, title, header, rows)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[Cell]], *, title: str = "Sheet1"
) -> HttpResponse:
    response = HttpResponse(xlsx_bytes([(title, header, rows)]), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
