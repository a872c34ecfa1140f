"""Read and write Common Transfer Files (CTF): the XML that moves a pupil's record between schools.

Reading saves nothing: it returns the header, the pupils it could use and the
problems of those it could not, so that the import can preview them. XML from
outside is parsed only with defusedxml, with every document type declaration
refused: a CTF never needs one, and a DTD is how a file reads the server's own
files (external entities) or exhausts its memory (entity expansion).

Writing builds the tree with ElementTree: every value is set as an element's text,
so a name cannot become markup.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET  # noqa: S405 - used to build XML, never to parse it
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element, SubElement  # noqa: S405 - building only

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from sendreg import codes
from sendreg.codes import ON_REGISTER, SenProvision
from sendreg.lib.documents import xml_safe
from sendreg.pupils.rules import normalise_upn, shown_name, validate_upn
from sendreg.transfer.rules import SenEntry, nc_year_code, relationship_code, split_name

DOCUMENT_NAME = "Common Transfer File"
#: The CTF version written in the header (unverified against the current year's specification).
CTF_VERSION = "25.0"
SUPPLIER_ID = "sendreg"

REFUSED_DTD = (
    "The file was refused: it declares a document type (DTD) or entities. A Common Transfer "
    "File never needs them, and they can be used to read files on the server or to exhaust its "
    "memory, so sendreg does not read such files. Nothing was imported. Export the CTF again "
    "from the sending school's MIS, or ask them to."
)
REFUSED_NOT_XML = "The file is not well-formed XML ({detail}), so it is not a readable CTF."
REFUSED_NOT_CTF = (
    "The file is XML but not a Common Transfer File: its first element is <{root}>, not <CTfile>."
)
REFUSED_EMPTY = "The file is empty."
REFUSED_NO_PUPILS = "The Common Transfer File holds no pupils (no CTFpupilData/Pupil elements)."
REFUSED_TOO_BIG = "The file is {size} MB; the largest file sendreg accepts is {limit} MB."

_Report = Callable[[str, str], None]
_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?CTfile[\s/>]")
_SNIFF = 64 * 1024


class CtfRefused(Exception):
    """The whole file is refused; nothing is imported. str(exc) is the user-facing message."""


@dataclass(frozen=True)
class CtfSchool:
    lea: str = ""
    estab: str = ""
    urn: str = ""
    name: str = ""
    academic_year: str = ""

    @property
    def laestab(self) -> str:
        return f"{self.lea}{self.estab}"

    @property
    def label(self) -> str:
        if self.name and self.laestab:
            return f"{self.name} ({self.laestab})"
        return self.name or self.laestab or "an unnamed school"


@dataclass(frozen=True)
class CtfHeader:
    source: CtfSchool
    dest: CtfSchool
    written_at: dt.datetime | None = None
    version: str = ""
    qualifier: str = ""
    supplier: str = ""


@dataclass(frozen=True)
class CtfContact:
    name: str
    relationship: str
    parental_responsibility: bool
    email: str = ""
    phone: str = ""
    #: Address lines; empty when none may be written.
    address: tuple[str, ...] = ()


@dataclass(frozen=True)
class CtfPupil:
    #: The pupil's place in the file (1 for the first): how problems are reported.
    number: int
    upn: str
    surname: str
    forename: str
    date_of_birth: dt.date
    gender: str = ""
    preferred_surname: str = ""
    preferred_forename: str = ""
    former_upn: str = ""
    year_group: int | None = None
    looked_after: bool | None = None
    medical: bool | None = None
    sen: tuple[SenEntry, ...] = ()
    #: Need codes in rank order, primary first.
    needs: tuple[str, ...] = ()
    contacts: tuple[CtfContact, ...] = ()

    @property
    def name(self) -> str:
        return shown_name(
            self.forename, self.surname, self.preferred_forename, self.preferred_surname
        )


@dataclass(frozen=True)
class CtfProblem:
    number: int
    field: str
    message: str
    upn: str = ""
    name: str = ""

    def as_json(self) -> dict[str, object]:
        return {
            "row": self.number,
            "field": self.field,
            "message": self.message,
            "upn": self.upn,
            "name": self.name,
        }


@dataclass
class CtfFile:
    header: CtfHeader
    pupils: list[CtfPupil] = field(default_factory=list)
    #: Pupils that cannot be used; they are not in ``pupils``.
    errors: list[CtfProblem] = field(default_factory=list)
    warnings: list[CtfProblem] = field(default_factory=list)
    #: Every Pupil element in the file, usable or not.
    total: int = 0


# --- Recognising and reading --------------------------------------------------------------


def is_ctf(data: bytes) -> bool:
    """Whether the file looks like a CTF: XML whose root element is CTfile.

    Only the start is looked at, without parsing, so that a hostile file is
    recognised as a CTF (and then refused with a clear message) rather than read.
    """
    start = data[:_SNIFF].lstrip(b"\xef\xbb\xbf").lstrip()
    return start.startswith(b"<") and _ROOT.search(start) is not None


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child(element: Element | None, name: str) -> Element | None:
    if element is None:
        return None
    for child in element:
        if _local(child.tag) == name:
            return child
    return None


def _children(element: Element | None, name: str) -> list[Element]:
    if element is None:
        return []
    return [child for child in element if _local(child.tag) == name]


def _text(element: Element | None, *path: str) -> str:
    for name in path:
        element = _child(element, name)
    if element is None or element.text is None:
        return ""
    return " ".join(element.text.split())


def _flag(value: str) -> bool | None:
    lowered = value.lower()
    if lowered in {"true", "1", "yes", "y"}:
        return True
    if lowered in {"false", "0", "no", "n"}:
        return False
    return None


def parse_ctf(data: bytes, *, max_bytes: int) -> CtfFile:
    """Read a CTF. Raises ``CtfRefused`` for a file that cannot be used at all."""
    if len(data) > max_bytes:
        raise CtfRefused(
            REFUSED_TOO_BIG.format(
                size=f"{len(data) / 1048576:.1f}", limit=f"{max_bytes / 1048576:g}"
            )
        )
    if not data.strip():
        raise CtfRefused(REFUSED_EMPTY)
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise CtfRefused(REFUSED_DTD) from None
    except ET.ParseError as exc:
        raise CtfRefused(REFUSED_NOT_XML.format(detail=exc)) from None
    if _local(root.tag) != "CTfile":
        raise CtfRefused(REFUSED_NOT_CTF.format(root=_local(root.tag)))
    header = _header(_child(root, "Header"))
    result = CtfFile(header=header)
    elements = _children(_child(root, "CTFpupilData"), "Pupil")
    if not elements:
        raise CtfRefused(REFUSED_NO_PUPILS)
    result.total = len(elements)
    seen: dict[str, int] = {}
    for number, element in enumerate(elements, 1):
        _read_pupil(number, element, result, seen)
    return result


def _school(element: Element | None) -> CtfSchool:
    return CtfSchool(
        lea=_text(element, "LEA"),
        estab=_text(element, "Estab"),
        urn=_text(element, "URN"),
        name=_text(element, "SchoolName"),
        academic_year=_text(element, "AcademicYear"),
    )


def _header(element: Element | None) -> CtfHeader:
    written = _text(element, "DateTime")
    written_at = None
    if written:
        try:
            written_at = dt.datetime.fromisoformat(written)
        except ValueError:
            written_at = None
    return CtfHeader(
        source=_school(_child(element, "SourceSchool")),
        dest=_school(_child(element, "DestSchool")),
        written_at=written_at,
        version=_text(element, "CTFversion"),
        qualifier=_text(element, "DocumentQualifier"),
        supplier=_text(element, "SupplierID"),
    )


MISSING = "The {what} is missing."
BAD_DATE = "The {what} '{value}' is not a date like 2014-05-17."
BAD_GENDER = "The gender '{value}' is not M or F."
BAD_PROVISION = "The SEN provision '{value}' is not E, K or N."
STATEMENT_RECODED = (
    "The previous school recorded S (a statement), which is discontinued: it is read as E "
    "(EHC plan), as census rule 2115 says."
)
BAD_NEED = "The need type '{value}' is not a census need type."
BAD_RANK = "The rank '{value}' of need {code} is not a whole number from 1."
RANK_TWICE = "Two needs share rank {rank}."
NEED_TWICE = "The need {code} is listed twice."
UPN_TWICE = "The UPN {upn} appears more than once in the file (first as pupil {first})."
BAD_YEAR = "The NC year '{value}' is not a year group; the pupil is imported without one."


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def _read_pupil(number: int, element: Element, result: CtfFile, seen: dict[str, int]) -> None:
    upn = normalise_upn(_text(element, "UPN"))
    surname, forename = _text(element, "Surname"), _text(element, "Forename")
    name = f"{forename} {surname}".strip()
    errors: list[CtfProblem] = []
    warnings: list[CtfProblem] = []

    def error(field_name: str, message: str) -> None:
        errors.append(CtfProblem(number, field_name, message, upn, name))

    def warn(field_name: str, message: str) -> None:
        warnings.append(CtfProblem(number, field_name, message, upn, name))

    if not upn:
        error("upn", MISSING.format(what="UPN"))
    else:
        try:
            validate_upn(upn)
        except Exception as exc:  # ValidationError: its message says what is wrong
            error("upn", " ".join(getattr(exc, "messages", [str(exc)])))
        if upn in seen:
            error("upn", UPN_TWICE.format(upn=upn, first=seen[upn]))
        else:
            seen[upn] = number
    if not surname:
        error("surname", MISSING.format(what="surname"))
    if not forename:
        error("forename", MISSING.format(what="forename"))
    dob_text = _text(element, "DOB")
    born = _date(dob_text)
    if born is None:
        error(
            "date_of_birth",
            BAD_DATE.format(what="date of birth", value=dob_text)
            if dob_text
            else MISSING.format(what="date of birth"),
        )
    gender = (_text(element, "Gender") or _text(element, "Sex")).upper()
    if gender and gender not in {"M", "F"}:
        warn("gender", BAD_GENDER.format(value=gender))
        gender = ""

    details = _child(element, "BasicDetails")
    year_text = _text(details, "NCyearActual")
    year = codes.parse_year(year_text) if year_text else None
    if year_text and year is None:
        warn("year_group", BAD_YEAR.format(value=year_text))

    sen, needs = _sen_history(_child(element, "SENhistory"), error, warn)
    contacts = tuple(
        CtfContact(
            name=" ".join(filter(None, [_text(c, "Forename"), _text(c, "Surname")])),
            relationship=_text(c, "Relationship"),
            parental_responsibility=bool(_flag(_text(c, "Responsibility"))),
            email=_text(c, "Email"),
        )
        for c in _children(_child(element, "Contacts"), "Contact")
    )
    result.warnings.extend(warnings)
    if errors or born is None:
        result.errors.extend(errors)
        return
    result.pupils.append(
        CtfPupil(
            number=number,
            upn=upn,
            surname=surname,
            forename=forename,
            date_of_birth=born,
            gender=gender,
            preferred_surname=_text(details, "PreferredSurname"),
            preferred_forename=_text(details, "PreferredForename"),
            former_upn=normalise_upn(_text(details, "FormerUPN")),
            year_group=year,
            looked_after=_flag(_text(element, "LookedAfter", "InCare")),
            medical=_flag(_text(details, "MedicalFlag")),
            sen=sen,
            needs=needs,
            contacts=contacts,
        )
    )


def _sen_history(
    history: Element | None,
    error: _Report,
    warn: _Report,
) -> tuple[tuple[SenEntry, ...], tuple[str, ...]]:
    entries: list[SenEntry] = []
    for element in _children(history, "SEN"):
        start_text = _text(element, "StartDate")
        start = _date(start_text)
        provision = _text(element, "SENprovision").upper()
        if start is None:
            error(
                "sen_start",
                BAD_DATE.format(what="SEN start date", value=start_text)
                if start_text
                else MISSING.format(what="SEN start date"),
            )
            continue
        if provision == codes.DISCONTINUED_STATEMENT:
            warn("sen_provision", STATEMENT_RECODED)
            provision = SenProvision.EHC_PLAN.value
        if provision not in {p.value for p in SenProvision}:
            error("sen_provision", BAD_PROVISION.format(value=provision))
            continue
        entries.append(SenEntry(start, provision))
        end = _date(_text(element, "EndDate"))
        if end is not None and provision in ON_REGISTER:
            entries.append(SenEntry(end, SenProvision.NO_SEN.value))
    ranked: list[tuple[int, str]] = []
    for element in _children(_child(history, "SENneeds"), "SENneed"):
        code = _text(element, "SENtype").upper()
        rank_text = _text(element, "SENtypeRank")
        if codes.need_type(code) is None:
            error("sen_needs", BAD_NEED.format(value=code))
            continue
        if not rank_text.isdecimal() or int(rank_text) < 1:
            error("sen_needs", BAD_RANK.format(value=rank_text, code=code))
            continue
        ranked.append((int(rank_text), code))
    ranks = [rank for rank, _ in ranked]
    for rank in sorted({r for r in ranks if ranks.count(r) > 1}):
        error("sen_needs", RANK_TWICE.format(rank=rank))
    needs = [code for _, code in sorted(ranked)]
    for code in sorted({c for c in needs if needs.count(c) > 1}):
        error("sen_needs", NEED_TWICE.format(code=code))
    # The same start date twice: the later element in the file wins, as an MIS would read it.
    by_start = {entry.start: entry for entry in entries}
    return tuple(sorted(by_start.values(), key=lambda e: e.start)), tuple(needs)


# --- Writing ------------------------------------------------------------------------------


def _add(parent: Element, name: str, value: str) -> Element | None:
    """A child element holding ``value`` as text, or nothing when the value is empty."""
    if not value:
        return None
    element = SubElement(parent, name)
    element.text = xml_safe(value)
    return element


def build_ctf(
    *,
    source: CtfSchool,
    dest: CtfSchool,
    pupils: Sequence[CtfPupil],
    written_at: dt.datetime,
) -> bytes:
    """The CTF as UTF-8 bytes: the header, then each pupil's basic details and SEN history."""
    root = Element("CTfile")
    header = SubElement(root, "Header")
    _add(header, "DocumentName", DOCUMENT_NAME)
    _add(header, "CTFversion", CTF_VERSION)
    _add(header, "DateTime", written_at.replace(microsecond=0, tzinfo=None).isoformat())
    _add(header, "DocumentQualifier", "full")
    _add(header, "SupplierID", SUPPLIER_ID)
    source_element = SubElement(header, "SourceSchool")
    for name, value in (
        ("LEA", source.lea),
        ("Estab", source.estab),
        ("URN", source.urn),
        ("SchoolName", source.name),
        ("AcademicYear", source.academic_year),
    ):
        _add(source_element, name, value)
    dest_element = SubElement(header, "DestSchool")
    _add(dest_element, "LEA", dest.lea)
    _add(dest_element, "Estab", dest.estab)

    data = SubElement(root, "CTFpupilData")
    for pupil in pupils:
        _write_pupil(data, pupil)
    ET.indent(root)
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return body + b"\n"


def _write_pupil(parent: Element, pupil: CtfPupil) -> None:
    element = SubElement(parent, "Pupil")
    _add(element, "UPN", pupil.upn)
    _add(element, "Surname", pupil.surname)
    _add(element, "Forename", pupil.forename)
    _add(element, "DOB", pupil.date_of_birth.isoformat())
    _add(element, "Gender", pupil.gender)
    details = SubElement(element, "BasicDetails")
    _add(details, "FormerUPN", pupil.former_upn)
    _add(details, "PreferredSurname", pupil.preferred_surname)
    _add(details, "PreferredForename", pupil.preferred_forename)
    _add(details, "NCyearActual", nc_year_code(pupil.year_group))
    if pupil.medical is not None:
        _add(details, "MedicalFlag", "true" if pupil.medical else "false")
    if pupil.looked_after is not None:
        looked_after = SubElement(element, "LookedAfter")
        _add(looked_after, "InCare", "true" if pupil.looked_after else "false")
    if pupil.sen or pupil.needs:
        history = SubElement(element, "SENhistory")
        for entry in pupil.sen:
            sen = SubElement(history, "SEN")
            _add(sen, "StartDate", entry.start.isoformat())
            _add(sen, "SENprovision", entry.provision)
        if pupil.needs:
            needs = SubElement(history, "SENneeds")
            for rank, code in enumerate(pupil.needs, 1):
                need = SubElement(needs, "SENneed")
                _add(need, "SENtype", code)
                _add(need, "SENtypeRank", str(rank))
    if pupil.contacts:
        _write_contacts(element, pupil.contacts)


def _write_contacts(parent: Element, contacts: Iterable[CtfContact]) -> None:
    element = SubElement(parent, "Contacts")
    for order, contact in enumerate(contacts, 1):
        person = SubElement(element, "Contact")
        _add(person, "Order", str(order))
        forename, surname = split_name(contact.name)
        _add(person, "Surname", surname)
        _add(person, "Forename", forename)
        _add(person, "Relationship", relationship_code(contact.relationship))
        _add(person, "Responsibility", "true" if contact.parental_responsibility else "false")
        if contact.phone:
            phones = SubElement(person, "Phones")
            phone = SubElement(phones, "Phone")
            _add(phone, "TelephoneNumber", contact.phone)
        _add(person, "Email", contact.email)
        if contact.address:
            address = SubElement(person, "Address")
            lines = SubElement(address, "AddressLines")
            for number, line in enumerate(contact.address[:5], 1):
                _add(lines, f"AddressLine{number}", line)
