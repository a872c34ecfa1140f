from __future__ import annotations

from sendreg.lib.documents import (
    Bullets,
    Document,
    Facts,
    Heading,
    PageBreak,
    Paragraph,
    Table,
    document_docx,
    document_html,
    document_pdf,
)
from tests.documents.readers import docx_text, pdf_text

DOCUMENT = Document(
    title="Support plan for Maisie Young",
    subtitle="Oakfield Academy, 30 November 2026",
    footer="Confidential: Maisie Young's support plan",
    author="Oakfield Academy",
    blocks=(
        Heading("What we know"),
        Facts((("Reading age", "8 years 2 months"), ("Primary need", "SLCN – Speech"))),
        Paragraph("Maisie finds long instructions hard.\nShe likes visual timetables."),
        Heading("Outcomes", level=3),
        Bullets(("Read 40 words a minute", "Ask for help in class"), numbered=True),
        Table(("Outcome", "Target"), (("Reading", "40 wpm"), ("Speaking", "<b>two</b> times"))),
        PageBreak(),
        Paragraph('=HYPERLINK("http://x")\x0b and a control character', strong=True),
    ),
)


def test_pdf_and_docx_say_the_same_things() -> None:
    pdf = pdf_text(document_pdf(DOCUMENT))
    docx = docx_text(document_docx(DOCUMENT))
    for text in (
        "Support plan for Maisie Young",
        "Reading age",
        "8 years 2 months",
        "She likes visual timetables.",
        "Read 40 words a minute",
        "40 wpm",
        "<b>two</b> times",
        "and a control character",
    ):
        assert text in pdf
        assert text in docx


def test_values_are_escaped_in_html() -> None:
    html = document_html(DOCUMENT)
    assert "&lt;b&gt;two&lt;/b&gt;" in html
    assert "<b>two</b>" not in html


def test_footer_is_on_every_pdf_page() -> None:
    from tests.documents.readers import pdf_pages

    pages = pdf_pages(document_pdf(DOCUMENT))
    assert len(pages) == 2
    assert all("Confidential: Maisie Young's support plan" in page for page in pages)
