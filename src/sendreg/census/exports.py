"""The census extract as files: CSV rows, and XML in the school census's shape.

The extract holds no addresses or contacts of any kind, so a looked-after child's
protected address can never reach it.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # noqa: S405 - only builds XML, never parses it
from collections.abc import Iterable, Iterator

from sendreg.accounts.models import School
from sendreg.census.selectors import ExtractRow
from sendreg.lib.spreadsheets import Cell
from sendreg.register import rules

#: The census's own abbreviations of its terms.
TERM_CODES: dict[rules.Term, str] = {
    rules.Term.AUTUMN: "AUT",
    rules.Term.SPRING: "SPR",
    rules.Term.SUMMER: "SUM",
}

EXTRACT_HEADER = [
    "UPN", "Surname", "Forename", "Date of birth", "SEN provision",
    "SEN need type rank 1", "SEN need type rank 2",
]  # fmt: skip


def extract_rows(rows: Iterable[ExtractRow]) -> Iterator[list[Cell]]:
    for r in rows:
        yield [
            r.upn, r.surname, r.forename, r.date_of_birth.isoformat(), r.provision,
            r.need_1, r.need_2,
        ]  # fmt: skip


# Characters XML 1.0 cannot hold at all. An import can bring them in (a stray control
# character in a name), and a file containing one would not open.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

EXTRACT_COMMENT = (
    " An extract of the sendreg SEN register for checking the MIS against. "
    "It is not a census return and must not be submitted. "
)


def _child(parent: ET.Element, tag: str, text: object) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = _NOT_XML.sub("", str(text))
    return element


def census_extract_xml(
    *, school: School, census: rules.CensusDay, rows: Iterable[ExtractRow]
) -> bytes:
    """The extract in the school census's shape: ``Message/Pupils/PupilOnRoll``, each with
    ``SpecialEducationalNeeds`` (``SENprovision``, and ``SENneeds/SENneed`` with ``SENtype``
    and ``SENtypeRank`` for E and K).

    Built as a tree, so every value from an import is text, never markup.
    """
    root = ET.Element("Message")
    root.append(ET.Comment(EXTRACT_COMMENT))
    header = ET.SubElement(root, "Header")
    details = ET.SubElement(header, "CollectionDetails")
    _child(details, "Collection", "SCHOOL CENSUS")
    _child(details, "Term", TERM_CODES[census.term])
    _child(details, "Year", census.date.year)
    _child(details, "ReferenceDate", census.date.isoformat())
    source = ET.SubElement(header, "Source")
    _child(source, "SourceLevel", "S")
    _child(source, "LEA", school.la_code)
    _child(source, "Estab", school.estab)
    _child(source, "URN", school.urn)
    _child(source, "SchoolName", school.name)
    _child(source, "Software", "sendreg")
    pupils = ET.SubElement(root, "Pupils")
    for row in rows:
        pupil = ET.SubElement(pupils, "PupilOnRoll")
        _child(pupil, "UPN", row.upn)
        _child(pupil, "Surname", row.surname)
        _child(pupil, "Forename", row.forename)
        _child(pupil, "DOB", row.date_of_birth.isoformat())
        sen = ET.SubElement(pupil, "SpecialEducationalNeeds")
        _child(sen, "SENprovision", row.provision)
        if row.needs:
            needs = ET.SubElement(sen, "SENneeds")
            for rank, code in enumerate(row.needs, start=1):
                need = ET.SubElement(needs, "SENneed")
                _child(need, "SENtype", code)
                _child(need, "SENtypeRank", rank)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
