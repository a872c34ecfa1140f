"""The termly pack: the term's figures, charts, trends and findings for leaders and governors.

One pack, two versions, each as a PDF (``lib.documents``) and an XLSX workbook
(``lib.spreadsheets``, every text cell typed as text so nothing in it runs as a formula):

- **leaders** (``INSIGHT_VIEW``: the SENCO, deputy and head): every figure, each finding with
  the pupils concerned named, the note on each complex case, and the SENCO's note and action;
- **governors** (and anyone else who sees only figures): no pupil named, no UPN, no staff-
  written text (a note may name a pupil), every count from 1 to 4 shown as "fewer than 5",
  any count from which one could be worked out withheld too, and no percentage computed
  from a withheld count (``presenters`` with ``suppress``, as the analysis page does).

Plain English: the text is spelled out at first use (``plain_english.spell_out_document``) and
the pack ends with a glossary of every acronym it uses, so none is left unexplained.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sendreg.accounts.models import School
from sendreg.insight import presenters, selectors
from sendreg.insight.selectors import Analysis
from sendreg.lib.documents import (
    Block,
    Bullets,
    Chart,
    Document,
    Heading,
    Paragraph,
    Table,
)
from sendreg.lib.figures import FEWER_THAN, Withheld
from sendreg.lib.plain_english import Glossary, acronyms_in, load_glossary, spell_out_document
from sendreg.lib.spreadsheets import xlsx_bytes
from sendreg.register.rules import census_term


class Version(StrEnum):
    LEADERS = "leaders"
    GOVERNORS = "governors"

    @property
    def label(self) -> str:
        return {
            Version.LEADERS: "for leaders (pupils named)",
            Version.GOVERNORS: "for governors (no pupil named)",
        }[self]


GOVERNORS_NOTE = (
    f"This is the governors' version. No pupil is named. Any number from 1 to 4 is shown as "
    f"“{FEWER_THAN}”, and a number from which one could be worked out is not shown either, "
    "so that no child can be identified. A percentage worked out from a number that is not "
    "shown is left out. The SENCO's notes on the findings are in the leaders' version, "
    "because they may name pupils."
)
LEADERS_NOTE = (
    "This is the leaders' version: it names the pupils each finding concerns. Keep it within "
    "the school's leadership. Governors have their own version, with no pupil named."
)


def term_label(day: dt.date) -> str:
    """ "Autumn term 2025": the term a day falls in, by its month."""
    return f"{census_term(day).value.capitalize()} term {day.year}"


@dataclass(frozen=True)
class Pack:
    """What both files of one version of the pack are made from."""

    school: School
    day: dt.date
    version: Version
    found: Analysis
    tables: list[presenters.Table]
    findings: list[presenters.FindingView]

    @property
    def governors(self) -> bool:
        return self.version == Version.GOVERNORS

    @property
    def title(self) -> str:
        return f"Special educational needs: the termly pack, {term_label(self.day)}"

    @property
    def stem(self) -> str:
        return f"termly-pack-{self.school.urn}-{self.day.isoformat()}-{self.version.value}"


def termly_pack(school: School, day: dt.date, version: Version) -> Pack:
    """The pack of ``school`` on ``day``: read from the day's snapshot if there is one, else
    from the live register (as the analysis page does). Never writes."""
    found = selectors.analysis(school, day)
    governors = version == Version.GOVERNORS
    names = None
    cases: Mapping[str, Any] = {}
    notes: Mapping[str, Any] = {}
    if not governors:
        upns = {upn for f in found.findings for upn in f.upns}
        links = selectors.pupils_by_upn(school, upns)
        names = {upn: (link.name, "") for upn, link in links.items()}
        cases = selectors.case_notes(school)
        notes = selectors.finding_notes(school)
    return Pack(
        school=school,
        day=day,
        version=version,
        found=found,
        tables=presenters.tables(found, suppress=governors),
        findings=presenters.finding_views(
            found, names=names, suppress=governors, notes=notes, cases=cases
        ),
    )


# --- The figures in words ---------------------------------------------------------------------


def _row(table: presenters.Table, label_start: str) -> tuple[str, ...] | None:
    return next((r for r in table.rows if r[0].startswith(label_start)), None)


def summary(pack: Pack) -> list[str]:
    """The term at a glance, in sentences, from the headline table as it may be shown."""
    headline = pack.tables[0]
    found = pack.found
    lines = [f"On {pack.day:%-d %B %Y} the school had {found.roll} pupils on roll."]
    for start, words, who in (
        ("EHC", "had an education, health and care (EHC) plan", "with an EHC plan"),
        ("SEN support", "were on special educational needs (SEN) support", "on SEN support"),
        ("All with SEN", "were on the SEN register in all", "on the SEN register"),
    ):
        row = _row(headline, start)
        if row is None:
            continue
        _, count, share, england = row
        if count == Withheld.SECONDARY:
            lines.append(
                f"The number {who} is not shown, so that a small number cannot be worked out."
            )
            continue
        sentence = f"{count[:1].upper()}{count[1:]} {words}"
        if share:
            sentence += f", {share} of the roll"
            if england:
                sentence += f" (England: {england})"
        lines.append(sentence + ".")
    if found.findings:
        serious = sum(1 for f in found.findings if f.severity == "high")
        lines.append(
            f"The term's questions raised {len(found.findings)} findings, "
            f"{serious} of them to act on now."
        )
    else:
        lines.append("The term's questions raised no finding.")
    return lines


def _finding_blocks(pack: Pack) -> list[Block]:
    blocks: list[Block] = [Heading("Findings: the questions asked this term")]
    if not pack.findings:
        blocks.append(Paragraph("No finding: every question was answered well."))
    for view in pack.findings:
        f = view.finding
        severity = f.severity.label
        if pack.governors:
            blocks += [
                Heading(view.question, level=3),
                Paragraph(f"{severity}. Pupils or needs concerned: {view.count}."),
            ]
            continue
        blocks += [
            Heading(f.title, level=3),
            Paragraph(f"{severity}. {f.detail}"),
            Paragraph(f"The question: {view.question}"),
        ]
        if view.pupils:
            blocks.append(
                Bullets(
                    tuple(
                        f"{name} ({upn})" + (f": {case}" if case else "")
                        for upn, name, _url, case in view.pupils
                    )
                )
            )
        if view.note is not None and (view.note.note or view.note.action):
            if view.note.note:
                blocks.append(Paragraph(f"The SENCO's note: {view.note.note}"))
            if view.note.action:
                blocks.append(Paragraph(f"Action: {view.note.action}"))
    return blocks


def glossary_rows(texts: Iterable[str], glossary: Glossary) -> list[tuple[str, str]]:
    """Each acronym the texts use that the glossary knows, once, alphabetically."""
    found: dict[str, str] = {}
    for text in texts:
        for match in acronyms_in(text):
            token = match.group()
            meaning = glossary.meaning(token)
            if meaning is not None:
                found.setdefault(glossary.key(token), meaning)
    return sorted(found.items(), key=lambda item: item[0].lower())


def _texts(blocks: Sequence[Block]) -> list[str]:
    texts: list[str] = []
    for block in blocks:
        if isinstance(block, Heading | Paragraph):
            texts.append(block.text)
        elif isinstance(block, Bullets):
            texts += block.items
        elif isinstance(block, Table):
            texts += [block.caption, *block.header, *(cell for row in block.rows for cell in row)]
    return texts


def pack_document(pack: Pack) -> Document:
    intro = GOVERNORS_NOTE if pack.governors else LEADERS_NOTE
    blocks: list[Block] = [
        Paragraph(
            "This pack sets out the figures of the special educational needs (SEN) register "
            "this term, how they compare with England, how they have changed, and the "
            "questions the special educational needs co-ordinator (SENCO) asks each term."
        ),
        Paragraph(intro, strong=True),
        Heading("The term at a glance"),
        Bullets(tuple(summary(pack))),
    ]
    for table in pack.tables:
        blocks.append(Heading(table.title))
        if table.chart is not None:
            blocks.append(Chart(str(table.chart)))
        if table.rows:
            blocks.append(Table(header=table.columns, rows=tuple(table.rows)))
        else:
            blocks.append(Paragraph("Nothing to show."))
        if table.note:
            blocks.append(Paragraph(table.note))
    blocks += _finding_blocks(pack)
    glossary = load_glossary()
    words = glossary_rows(_texts(blocks), glossary)
    if words:
        blocks += [
            Heading("Glossary: the short forms used in this pack"),
            Table(header=("Short form", "What it means"), rows=tuple(words)),
        ]
    document = Document(
        title=pack.title,
        subtitle=f"{pack.school.name}, {pack.day:%-d %B %Y}. The version {pack.version.label}.",
        blocks=blocks,
        footer=f"{pack.school.name}: termly SEN pack {pack.version.label}",
        author=pack.school.name,
    )
    return spell_out_document(document, glossary)


def _finding_row(view: presenters.FindingView) -> tuple[str, ...]:
    f = view.finding
    pupils = "; ".join(
        f"{name} ({upn})" + (f": {case}" if case else "") for upn, name, _u, case in view.pupils
    )
    note = view.note
    notes = " ".join(x for x in (note.note, note.action) if x) if note else ""
    return (view.question, f.severity.label, f"{f.title}. {f.detail}", pupils, notes)


def pack_xlsx(pack: Pack) -> bytes:
    """The same tables as a workbook: a sheet of the summary, one per table, the findings and
    the glossary. Every text cell is typed as text."""
    document = pack_document(pack)
    sheets: list[tuple[str, Sequence[str], Iterable[Sequence[Any]]]] = [
        (
            "Summary",
            ("The termly pack", ""),
            [
                ("School", pack.school.name),
                ("Day", pack.day.isoformat()),
                ("Version", pack.version.label),
                ("About this version", GOVERNORS_NOTE if pack.governors else LEADERS_NOTE),
                *(("", line) for line in summary(pack)),
            ],
        )
    ]
    for table in pack.tables:
        sheets.append((table.title[:31], table.columns, table.rows))
    if pack.governors:
        sheets.append(
            (
                "Findings",
                ("Question", "How serious", "Pupils or needs concerned"),
                [(v.question, v.finding.severity.label, v.count) for v in pack.findings],
            )
        )
    else:
        sheets.append(
            (
                "Findings",
                ("Question", "How serious", "Finding", "Pupils concerned", "SENCO's note"),
                [_finding_row(view) for view in pack.findings],
            )
        )
    glossary = next((b for b in reversed(document.blocks) if isinstance(b, Table)), None)
    if glossary is not None and glossary.header == ("Short form", "What it means"):
        sheets.append(("Glossary", glossary.header, glossary.rows))
    return xlsx_bytes(sheets)
