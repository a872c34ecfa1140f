"""One document, two files: a PDF to share and a Word file to edit, from the same blocks.

Support plans, review records, meeting notes, pupil passports, EHC letters, the
termly pack and record packs are all headings, paragraphs, lists, tables and
label-value facts. An app builds a ``Document`` of those blocks once; this module
renders it to HTML (for the screen and WeasyPrint) and to DOCX (python-docx), so
the two files always say the same thing. Every value is text: the HTML template
escapes it, and DOCX runs hold it as text, never as markup or fields.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from sendreg.lib.text import xml_safe as xml_safe

PDF_TYPE = "application/pdf"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# Characters XML 1.0 cannot hold (DOCX is XML): a stray control character typed or
# imported long ago must not stop a document from being made (``lib.text.xml_safe``).


@dataclass(frozen=True)
class Heading:
    kind: ClassVar[str] = "heading"
    text: str
    #: 2 for a section, 3 for a part of one (the title is level 1).
    level: int = 2


@dataclass(frozen=True)
class Paragraph:
    kind: ClassVar[str] = "paragraph"
    text: str
    #: Shown in bold: a warning or the one line that matters most.
    strong: bool = False


@dataclass(frozen=True)
class Bullets:
    kind: ClassVar[str] = "bullets"
    items: tuple[str, ...]
    numbered: bool = False


@dataclass(frozen=True)
class Facts:
    """Label and value pairs: "Date of birth: 3 May 2014"."""

    kind: ClassVar[str] = "facts"
    items: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Table:
    kind: ClassVar[str] = "table"
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""


@dataclass(frozen=True)
class PageBreak:
    kind: ClassVar[str] = "page_break"


@dataclass(frozen=True)
class Chart:
    """An SVG chart from ``lib.charts`` (every text in it escaped where it was drawn).

    The PDF shows it; the Word file leaves it out, as a chart always comes with its table.
    """

    kind: ClassVar[str] = "chart"
    svg: str

    @property
    def html(self) -> SafeString:
        # WeasyPrint styles an SVG from the SVG's own stylesheet, not the page's: the chart's
        # colours (classes from ``lib.charts``) go inside it, after the opening tag.
        head, _, rest = self.svg.partition(">")
        return mark_safe(f"{head}><style>{CHART_STYLE}</style>{rest}")  # noqa: S308


#: The colours of ``lib.charts``'s classes, for print: greys and dark colours that copy well.
CHART_STYLE = (
    ".chart-label, .chart-value { font-size: 12px; fill: #1d1d1d; }"
    ".chart-bar { fill: #555; }"
    ".chart-compare { stroke: #000; stroke-width: 3; }"
    ".chart-axis { stroke: #505a5f; stroke-width: 1; }"
    ".chart-line { fill: none; stroke-width: 2.5; }"
    ".chart-series-1 { stroke: #1d5fa8; fill: #1d5fa8; }"
    ".chart-series-2 { stroke: #b35900; fill: #b35900; }"
    ".chart-series-3 { stroke: #00703c; fill: #00703c; }"
    "polyline.chart-line { fill: none; }"
)


Block = Heading | Paragraph | Bullets | Facts | Table | PageBreak | Chart


@dataclass(frozen=True)
class Document:
    title: str
    blocks: Sequence[Block]
    #: Under the title: the school's name, the pupil's name, a date.
    subtitle: str = ""
    #: At the foot of every page of the PDF and at the end of the DOCX.
    footer: str = ""
    #: Author and title in the file's properties.
    author: str = ""
    meta: dict[str, str] = field(default_factory=dict)


def document_html(document: Document) -> str:
    """The document as one HTML page, every value escaped, for WeasyPrint or the screen."""
    return xml_safe(render_to_string("documents/document.html", {"document": document}))


def _refuse_fetch(url: str, *args: object, **kwargs: object) -> dict[str, object]:
    # Documents embed nothing from outside: refusing every fetch keeps a URL typed into
    # a plan from reaching the network when the PDF is made.
    raise ValueError(f"Documents load nothing from outside ({url}).")


def document_pdf(document: Document) -> bytes:
    from weasyprint import HTML

    pdf: bytes | None = HTML(string=document_html(document), url_fetcher=_refuse_fetch).write_pdf()
    assert pdf is not None
    return pdf


def document_docx(document: Document) -> bytes:
    from docx import Document as DocxDocument
    from docx.enum.text import WD_BREAK
    from docx.shared import Pt

    docx = DocxDocument()
    normal = docx.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(11)
    properties = docx.core_properties
    properties.author = xml_safe(document.author)
    properties.last_modified_by = properties.author
    properties.title = xml_safe(document.title)
    properties.comments = ""

    docx.add_heading(xml_safe(document.title), level=1)
    if document.subtitle:
        docx.add_paragraph(xml_safe(document.subtitle))
    for block in document.blocks:
        if isinstance(block, Heading):
            docx.add_heading(xml_safe(block.text), level=min(max(block.level, 2), 4))
        elif isinstance(block, Paragraph):
            paragraph = docx.add_paragraph()
            lines = xml_safe(block.text).split("\n")
            for number, line in enumerate(lines):
                run = paragraph.add_run(line)
                run.bold = block.strong
                if number < len(lines) - 1:
                    run.add_break(WD_BREAK.LINE)
        elif isinstance(block, Bullets):
            style = "List Number" if block.numbered else "List Bullet"
            for item in block.items:
                docx.add_paragraph(xml_safe(item), style=style)
        elif isinstance(block, Facts):
            for label, value in block.items:
                paragraph = docx.add_paragraph()
                paragraph.add_run(f"{xml_safe(label)}: ").bold = True
                paragraph.add_run(xml_safe(value))
        elif isinstance(block, Table):
            if block.caption:
                docx.add_paragraph().add_run(xml_safe(block.caption)).italic = True
            table = docx.add_table(rows=1, cols=len(block.header))
            table.style = "Table Grid"
            for cell, text in zip(table.rows[0].cells, block.header, strict=True):
                cell.text = ""
                cell.paragraphs[0].add_run(xml_safe(text)).bold = True
            for row in block.rows:
                cells = table.add_row().cells
                for cell, text in zip(cells, row, strict=True):
                    cell.text = xml_safe(text)
        elif isinstance(block, PageBreak):
            docx.add_page_break()  # type: ignore[no-untyped-call]
    if document.footer:
        docx.add_paragraph().add_run(xml_safe(document.footer)).italic = True
    out = io.BytesIO()
    docx.save(out)
    return out.getvalue()
