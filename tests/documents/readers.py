"""Read generated documents back as text, the way a test can look inside them."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import docx
import openpyxl
import pypdf


def _spaced(text: str) -> str:
    # Lines wrap wherever the page width falls, so compare text with every run of
    # white space (line breaks included) as one space.
    return " ".join(text.split())


def pdf_pages(body: bytes) -> list[str]:
    """Each page's text, white space run together."""
    return [_spaced(page.extract_text()) for page in pypdf.PdfReader(io.BytesIO(body)).pages]


def pdf_text(body: bytes) -> str:
    """Every page's text, and the document's metadata, of a PDF."""
    reader = pypdf.PdfReader(io.BytesIO(body))
    metadata = " ".join(str(v) for v in (reader.metadata or {}).values())
    return " ".join(pdf_pages(body)) + " " + _spaced(metadata)


def docx_text(body: bytes) -> str:
    """Paragraphs, tables, headers, footers and core properties of a DOCX."""
    document = docx.Document(io.BytesIO(body))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    for section in document.sections:
        parts += [p.text for p in section.header.paragraphs]
        parts += [p.text for p in section.footer.paragraphs]
    props = document.core_properties
    parts += [props.author, props.title, props.subject, props.comments, props.keywords]
    return "\n".join(part or "" for part in parts)


def zip_text(body: bytes) -> str:
    """Every file inside an Office document (a zip), decoded: catches what readers skip."""
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return "\n".join(
            archive.read(name).decode("utf-8", errors="replace") for name in archive.namelist()
        )


def xlsx_cells(body: bytes, *, formulas: bool = True) -> dict[str, list[list[Any]]]:
    """Every sheet's cells, by sheet title; formulas as written unless ``formulas`` is False."""
    book = openpyxl.load_workbook(io.BytesIO(body), data_only=not formulas)
    return {
        sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)]
        for sheet in book.worksheets
    }


def xlsx_text(body: bytes) -> str:
    cells = xlsx_cells(body)
    return "\n".join(
        "\t".join("" if v is None else str(v) for v in row)
        for rows in cells.values()
        for row in rows
    )
