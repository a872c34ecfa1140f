"""What the columns of an MIS export mean, and how to read one cell of each.

SIMS, Arbor and Bromcom name the same column differently ("Legal Surname",
"Last Name", "Surname") and write the same value differently ("K", "SEN
Support"; "T", "True", "Yes", 1). This module is the one place that knows those
spellings. It is pure: no files, no Django settings, no database.

Cell readers take the raw cell (a ``str`` from a CSV file; ``str``, ``int``,
``float``, ``bool``, ``datetime`` or ``None`` from an XLSX file) and return
``(value, problem)``, where ``problem`` is a plain-English message or ``None``.
Most readers are memoised, because an export repeats the same few values
(dates of birth, "Yes", "K", "Year 7") thousands of times and a dictionary
lookup is much cheaper than parsing the text again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from sendreg.codes import DISCONTINUED_STATEMENT, NEED_TYPES, SenProvision, need_type, parse_year
from sendreg.register.rules import RULE_S_DISCONTINUED


class Coded(str):
    """A problem's message that also carries its stable code (``"not_a_date"``).

    It is a ``str``, so it reads and compares as the message; the code is what
    scripts and the census check go by, since the wording may change.
    """

    code: str

    def __new__(cls, message: str, code: str) -> Coded:
        coded = super().__new__(cls, message)
        coded.code = code
        return coded


def code_of(message: str, default: str = "") -> str:
    return message.code if isinstance(message, Coded) else default


#: ``(value, problem)``: ``problem`` is None when the cell was read cleanly.
Reading = tuple[Any, str | None]
Reader = Callable[[object], Reading]

_CACHE_SIZE = 4096


@dataclass(frozen=True)
class Field:
    """One field sendreg reads from an export, and the headers that mean it."""

    name: str
    heading: str  # the usual header, shown in messages and accepted by --map
    label: str  # words for messages: "The {label} is missing."
    aliases: tuple[str, ...]  # in order of preference when a file has two of them


PUPIL_FIELDS: tuple[Field, ...] = (
    Field("upn", "UPN", "UPN", ("UPN", "Unique Pupil Number", "Pupil UPN")),
    Field(
        "legal_surname",
        "Legal Surname",
        "legal surname",
        ("Legal Surname", "Surname", "Last Name", "Family Name"),
    ),
    Field(
        "legal_forename",
        "Legal Forename",
        "legal forename",
        ("Legal Forename", "Forename", "First Name", "Given Name"),
    ),
    Field(
        "preferred_forename",
        "Preferred Forename",
        "preferred forename",
        ("Preferred Forename", "Preferred Name", "Preferred First Name", "Known As"),
    ),
    Field(
        "date_of_birth", "Date of Birth", "date of birth", ("DOB", "Date of Birth", "Birth Date")
    ),
    Field("gender", "Gender", "gender", ("Gender", "Sex")),
    Field(
        "year_group",
        "Year",
        "year group",
        ("Year", "Year Group", "NC Year", "Curriculum Year", "National Curriculum Year"),
    ),
    Field(
        "reg_group",
        "Reg Group",
        "registration group",
        (
            "Reg",
            "Reg Group",
            "Registration Group",
            "Registration Form",
            "Form",
            "Form Group",
            "Tutor Group",
        ),
    ),
    Field("sen_status", "SEN Status", "SEN status", ("SEN Status", "SEN Provision", "SEN Stage")),
    Field(
        "need_1",
        "SEN Need Type 1",
        "primary need",
        (
            "SEN Need Type 1",
            "Primary Need",
            "Primary SEN Need",
            "SEN Need 1",
            "SEN Type Rank 1",
            "Primary SEN Need Type",
        ),
    ),
    Field(
        "need_2",
        "SEN Need Type 2",
        "secondary need",
        (
            "SEN Need Type 2",
            "Secondary Need",
            "Secondary SEN Need",
            "SEN Need 2",
            "SEN Type Rank 2",
            "Secondary SEN Need Type",
        ),
    ),
    Field("eal", "EAL", "EAL", ("EAL", "English as an Additional Language")),
    Field("fsm", "FSM", "FSM", ("FSM", "FSM Eligible", "Free School Meals")),
    Field(
        "pupil_premium",
        "Pupil Premium",
        "pupil premium",
        ("Pupil Premium", "PP", "Pupil Premium Indicator"),
    ),
    Field(
        "looked_after",
        "In LA Care",
        "looked-after",
        ("In LA Care", "In Care", "Looked After", "CLA", "LAC"),
    ),
    Field(
        "medical",
        "Medical",
        "medical",
        (
            "Medical",
            "Medical Flag",
            "Medical Needs",
            "Has Medical Needs",
            "Medical Conditions Flag",
        ),
    ),
    Field("attendance", "Attendance %", "attendance", ("Attendance %", "Attendance")),
    Field("admission_date", "Admission Date", "admission date", ("Admission Date",)),
    Field("leaving_date", "Leaving Date", "leaving date", ("Leaving Date",)),
)

CLASS_FIELDS: tuple[Field, ...] = (
    PUPIL_FIELDS[0],
    Field("group", "Class", "class", ("Class", "Teaching Group", "Group", "Class Name")),
    # An email names one staff account, so it wins over a name when a file has both.
    Field(
        "teacher",
        "Teacher",
        "teacher",
        ("Teacher Email", "Staff Email", "Teacher", "Teacher Name", "Staff"),
    ),
)

FIELDS: dict[str, Field] = {f.name: f for f in (*PUPIL_FIELDS, *CLASS_FIELDS)}

#: A pupils file must have these columns.
REQUIRED_PUPIL_FIELDS = ("upn", "legal_surname", "legal_forename", "date_of_birth")

#: Columns that only a pupils file has; a group and teacher file with a date of
#: birth is a pupils file that happens to carry a class.
PERSONAL_FIELDS = frozenset({"date_of_birth"})


def header_key(text: str) -> str:
    """A header (or any label) reduced to lower-case letters and digits.

    "Attendance %", "attendance" and "ATTENDANCE" all become "attendance";
    "D.O.B." becomes "dob"; "&" reads as "and".
    """
    return "".join(c for c in text.replace("&", "and").lower() if c.isalnum())


def _alias_table() -> dict[str, tuple[str, int]]:
    table: dict[str, tuple[str, int]] = {}
    for field in FIELDS.values():
        for rank, alias in enumerate(field.aliases):
            table.setdefault(header_key(alias), (field.name, rank))
    return table


#: header_key(alias) -> (field name, preference: lower is better)
ALIASES: dict[str, tuple[str, int]] = _alias_table()


def field_for_key(text: str) -> str | None:
    """The field a ``--map`` key names: a field name ("date_of_birth") or any header alias."""
    key = header_key(text)
    for field in FIELDS.values():
        if header_key(field.name) == key:
            return field.name
    found = ALIASES.get(key)
    return found[0] if found else None


@dataclass(frozen=True)
class Layout:
    """Where each field is in a header row."""

    index: dict[str, int]  # field -> column number (0-based)
    headers: dict[str, str]  # field -> the header as written in the file
    ignored_duplicates: list[tuple[str, str, str]]  # (field, header used, header ignored)
    missing_mapped: list[tuple[str, str]]  # (field, header) from --map not in the file


def match_headers(cells: Sequence[str], mapping: Mapping[str, str]) -> Layout:
    """Find each field's column. A ``--map`` entry wins; otherwise the preferred alias does."""
    index: dict[str, int] = {}
    missing: list[tuple[str, str]] = []
    keys = [header_key(cell) for cell in cells]
    for field, header in mapping.items():
        wanted = header_key(header)
        position = next((i for i, key in enumerate(keys) if key and key == wanted), None)
        if position is None:
            missing.append((field, header))
        else:
            index[field] = position
    taken = set(index.values())
    candidates: dict[str, list[tuple[int, int]]] = {}
    for position, key in enumerate(keys):
        found = ALIASES.get(key)
        if found and position not in taken and found[0] not in mapping:
            candidates.setdefault(found[0], []).append((found[1], position))
    duplicates: list[tuple[str, str, str]] = []
    for field, options in candidates.items():
        options.sort()
        index[field] = options[0][1]
        duplicates.extend((field, cells[options[0][1]], cells[p]) for _, p in options[1:])
    return Layout(
        index=index,
        headers={field: cells[i] for field, i in index.items()},
        ignored_duplicates=duplicates,
        missing_mapped=missing,
    )


def is_upn_header(text: str, mapping: Mapping[str, str]) -> bool:
    """Whether a cell could be the UPN column's header (used to find the header row)."""
    key = header_key(text)
    if "upn" in mapping:
        return key == header_key(mapping["upn"])
    found = ALIASES.get(key)
    return found is not None and found[0] == "upn"


def recognised_count(cells: Sequence[str], mapping: Mapping[str, str]) -> int:
    """How many cells are known or ``--map``ped headers (to choose a delimiter or a header row)."""
    mapped = {header_key(header) for header in mapping.values()}
    return sum(1 for cell in cells if (key := header_key(cell)) in ALIASES or key in mapped)


# Cell readers ---------------------------------------------------------------


def cell_text(cell: object) -> str:
    """A cell as stripped text; whole-number floats lose their ".0" (XLSX stores 7 as 7.0)."""
    if type(cell) is str:
        return cell.strip()
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime) and cell.time() == time():
        return cell.date().isoformat()
    return str(cell).strip()


def show(text: str, limit: int = 40) -> str:
    """A value quoted for a message, shortened so a stray paragraph cannot flood the report."""
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"'{text}'"


#: The longest text each field's record holds (the database refuses longer values).
MAX_LENGTHS: dict[str, int] = {
    "legal_surname": 100,
    "legal_forename": 100,
    "preferred_forename": 100,
    "reg_group": 30,
    "sen_status": 60,
    "need": 60,
    "group": 60,
    "teacher": 200,
}


def text_reader(label: str, *, max_length: int, required: bool = False) -> Reader:
    """Text up to ``max_length`` characters: longer is a problem (fatal for a required field,
    else the value is left blank), never silently cut."""
    missing = Coded(f"The {label} is missing.", "missing")
    too_long = Coded(
        f"The {label} is longer than {max_length} characters, the most sendreg keeps"
        + ("." if required else "; it was left blank."),
        "too_long",
    )

    def read(cell: object) -> Reading:
        # Most cells are CSV text; skipping the call to cell_text is measurably faster.
        text = cell.strip() if type(cell) is str else cell_text(cell)
        if required and not text:
            return "", missing
        if len(text) > max_length:
            return "", too_long
        return text, None

    return read


def _kept_as_given(text: str, limit: int) -> str:
    """An unknown code kept for the census check to report, cut to what its record holds."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


_MONTH_NAMES = (
    "january february march april may june july august september october november december"
).split()
#: "september", "sep" and "sept" -> 9
_MONTHS: dict[str, int] = {
    **{name: number for number, name in enumerate(_MONTH_NAMES, start=1)},
    **{name[:3]: number for number, name in enumerate(_MONTH_NAMES, start=1)},
    "sept": 9,
}

# Excel counts days from 30 December 1899 (its 1900 leap-year bug is absorbed by
# starting a day early); serials below 61 are January and February 1900.
_EXCEL_EPOCH = date(1899, 12, 30)
_EARLIEST_YEAR, _LATEST_YEAR = 1900, 2100

DATE_FORMAT_HINT = "write it as dd/mm/yyyy (for example 25/12/2012) or yyyy-mm-dd"


class _NotADate(ValueError):
    pass


def _number(text: str, max_digits: int) -> int:
    if not (text.isdecimal() and text.isascii() and 0 < len(text) <= max_digits):
        raise _NotADate
    return int(text)


def parse_date_text(text: str) -> date:
    """Read dd/mm/yyyy, d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy, yyyy-mm-dd or "1 Sep 2012".

    A trailing midnight time ("01/09/2012 00:00:00", ISO "T00:00:00") is ignored.
    Day comes before month: English MIS exports never write American dates.
    Raises ``_NotADate`` when the text is not a date, ``ValueError`` when it is
    shaped like one but does not exist (31/02/2012).
    """
    parts = text.split()
    if len(parts) == 2 and ":" in parts[1]:
        text = parts[0]
    elif len(text) > 10 and text[10] == "T" and ":" in text[11:]:
        text = text[:10]
    pieces: list[str] = []
    for separator in "/-.":
        if separator in text:
            pieces = text.split(separator)
            break
    else:
        pieces = text.split()
    if len(pieces) != 3:
        raise _NotADate
    first, middle, last = (p.strip() for p in pieces)
    if len(first) == 4:
        year, day = _number(first, 4), _number(last, 2)
    else:
        day, year = _number(first, 2), _number(last, 4)
        if len(last) != 4:
            raise _NotADate
    month = _MONTHS.get(middle.lower()) or _number(middle, 2)
    return date(year, month, day)


def _excel_serial(serial: float) -> date:
    return _EXCEL_EPOCH + timedelta(days=int(serial) + (1 if serial < 61 else 0))


def date_reader(label: str, *, required: bool = False) -> Reader:
    """Dates from text, XLSX date cells, or XLSX numbers (Excel day serials)."""
    missing = Coded(f"The {label} is missing.", "missing")

    @lru_cache(maxsize=_CACHE_SIZE, typed=True)
    def read(cell: object) -> Reading:
        if isinstance(cell, datetime):
            found = cell.date()
        elif isinstance(cell, date):
            found = cell
        elif isinstance(cell, int | float) and not isinstance(cell, bool):
            if not 1 <= cell < 80_000:
                return (
                    None,
                    Coded(
                        f"The {label} {show(cell_text(cell))} is not a date; {DATE_FORMAT_HINT}.",
                        "not_a_date",
                    ),
                )
            found = _excel_serial(cell)
        else:
            text = cell_text(cell)
            if not text:
                return None, missing if required else None
            try:
                found = parse_date_text(text)
            except _NotADate:
                return None, Coded(
                    f"The {label} {show(text)} is not a date; {DATE_FORMAT_HINT}.", "not_a_date"
                )
            except ValueError:
                return None, Coded(
                    f"The {label} {show(text)} is not a real date; {DATE_FORMAT_HINT}.",
                    "not_a_real_date",
                )
        if not _EARLIEST_YEAR <= found.year <= _LATEST_YEAR:
            return None, Coded(
                f"The {label} {found:%d/%m/%Y} is not a plausible date.", "implausible_date"
            )
        return found, None

    return read


_GENDERS = {"M": "M", "MALE": "M", "F": "F", "FEMALE": "F"}


@lru_cache(maxsize=_CACHE_SIZE, typed=True)
def read_gender(cell: object) -> Reading:
    """M or F from any spelling; anything else is kept, upper-cased, for the school to review."""
    text = cell_text(cell).upper()
    return _GENDERS.get(text, text), None


@lru_cache(maxsize=_CACHE_SIZE, typed=True)
def read_year(cell: object) -> Reading:
    text = cell_text(cell)
    if not text:
        return None, None
    try:
        year = parse_year(text)
    except ValueError:
        # parse_year trusts str.isdigit(), which is also true of "²" and of digit
        # strings too long for int(); neither is a year group.
        year = None
    if year is None:
        return None, Coded(
            f"The year group {show(text)} was not understood (expected, for example, "
            "Year 7, Y7, 7, R or N2); it was left blank.",
            "year_not_understood",
        )
    return year, None


_TRUE = frozenset({"yes", "y", "true", "t", "1"})
_FALSE = frozenset({"no", "n", "false", "f", "0"})


def flag_reader(label: str) -> Reader:
    """Yes/No in any of the spellings MIS exports use; blank is None (not known)."""

    @lru_cache(maxsize=_CACHE_SIZE, typed=True)
    def read(cell: object) -> Reading:
        if isinstance(cell, bool):
            return cell, None
        text = cell_text(cell).lower()
        if text in _TRUE:
            return True, None
        if text in _FALSE:
            return False, None
        if not text:
            return None, None
        return None, Coded(
            f"The {label} value {show(cell_text(cell))} is not yes or no "
            "(expected Yes/No, Y/N, True/False or 1/0); it was left blank.",
            "not_yes_or_no",
        )

    return read


_HUNDRED = Decimal(100)
_ONE = Decimal(1)


@lru_cache(maxsize=_CACHE_SIZE, typed=True)
def read_attendance(cell: object) -> Reading:
    """A percentage. A number of 1 or less from an XLSX cell is a fraction (0.945 is 94.5%)."""
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        value = Decimal(cell) if isinstance(cell, int) else Decimal(repr(cell))
        if value.is_finite() and 0 <= value <= 1:
            value = value.scaleb(2)
        text = cell_text(cell)
    else:
        text = cell_text(cell)
        if not text:
            return None, None
        try:
            value = Decimal(text.removesuffix("%").strip())
        except InvalidOperation:
            return None, Coded(
                f"The attendance {show(text)} is not a percentage; it was left blank.",
                "not_a_percentage",
            )
    if not (value.is_finite() and 0 <= value <= _HUNDRED):
        return None, Coded(
            f"The attendance {show(text)} is not a percentage from 0 to 100; it was left blank.",
            "percentage_out_of_range",
        )
    if value == value.to_integral_value():
        # Whole percentages read as 100, not 1E+2 or 100.00, wherever they are shown.
        value = value.quantize(_ONE)
    return value, None


def _code_and_words(text: str) -> list[str]:
    """Both halves of "K - SEN Support" or "SPLD – Specific learning difficulty"."""
    for dash in (" - ", " – ", " — ", ": "):
        if dash in text:
            return [part.strip() for part in text.split(dash, 1)]
    return [text]


_STATEMENT_KEYS = frozenset(
    {
        "s",
        "statement",
        "statementofsen",
        "statementofspecialeducationalneeds",
    }
)
_STATUS_KEYS: dict[str, str] = {header_key(p.value): p.value for p in SenProvision}
_STATUS_KEYS.update({header_key(p.label): p.value for p in SenProvision})
_STATUS_KEYS.update(
    {
        "ehcplan": SenProvision.EHC_PLAN,
        "ehcp": SenProvision.EHC_PLAN,
        "ehc": SenProvision.EHC_PLAN,
        "educationhealthandcareplan": SenProvision.EHC_PLAN,
        "sensupport": SenProvision.SEN_SUPPORT,
        "nosen": SenProvision.NO_SEN,
        "none": SenProvision.NO_SEN,
        "nospecialeducationalneed": SenProvision.NO_SEN,
        "nospecialeducationalneeds": SenProvision.NO_SEN,
    }
)

STATUS_DISCONTINUED = Coded(
    f"SEN status {DISCONTINUED_STATEMENT} (statement) has been discontinued; "
    f"it was recorded as {SenProvision.EHC_PLAN} ({SenProvision.EHC_PLAN.label.lower()}).",
    RULE_S_DISCONTINUED,
)


@lru_cache(maxsize=_CACHE_SIZE, typed=True)
def read_sen_status(cell: object) -> Reading:
    """E, K or N from a code or a description; S becomes E, as census rule 2115 says."""
    text = cell_text(cell)
    if not text:
        return "", None
    for part in _code_and_words(text):
        key = header_key(part)
        if key in _STATUS_KEYS:
            return str(_STATUS_KEYS[key]), None
        if key in _STATEMENT_KEYS:
            return SenProvision.EHC_PLAN.value, STATUS_DISCONTINUED
    return _kept_as_given(text, MAX_LENGTHS["sen_status"]), Coded(
        f"The SEN status {show(text)} is not a census code (expected E for an education, "
        "health and care plan, K for SEN support or N for no SEN, or their descriptions); "
        "it was kept as given.",
        "sen_status_unknown",
    )


def _need_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for need in NEED_TYPES:
        key = header_key(need.meaning)
        table[key] = need.code
        table[key.replace("difficulty", "difficulties")] = need.code
        table[key.removesuffix("s")] = need.code
    table.update(
        {
            "autism": "ASD",
            "autisticspectrumcondition": "ASD",
            "autismspectrumdisorder": "ASD",
            "autismspectrumcondition": "ASD",
            "asc": "ASD",
            "otherdifficultydisability": "OTH",
            "otherdifficultyordisability": "OTH",
            "nospecialistassessment": "NSA",
        }
    )
    return table


#: header_key(description) -> census need code
NEED_DESCRIPTIONS: dict[str, str] = _need_table()


def need_reader(label: str) -> Reader:
    """A census need code from a code ("SPLD", "spld") or a description."""

    @lru_cache(maxsize=_CACHE_SIZE, typed=True)
    def read(cell: object) -> Reading:
        text = cell_text(cell)
        if not text:
            return "", None
        for part in _code_and_words(text):
            need = need_type(part)
            if need is not None:
                return need.code, None
            code = NEED_DESCRIPTIONS.get(header_key(part))
            if code is not None:
                return code, None
        return _kept_as_given(text, MAX_LENGTHS["need"]), Coded(
            f"The {label} {show(text)} is not a census need type code or description; "
            "it was kept as given.",
            "need_unknown",
        )

    return read


#: field name -> (reader, whether a problem makes the row unusable)
READERS: dict[str, tuple[Reader, bool]] = {
    "legal_surname": (
        text_reader("legal surname", max_length=MAX_LENGTHS["legal_surname"], required=True),
        True,
    ),
    "legal_forename": (
        text_reader("legal forename", max_length=MAX_LENGTHS["legal_forename"], required=True),
        True,
    ),
    "preferred_forename": (
        text_reader("preferred forename", max_length=MAX_LENGTHS["preferred_forename"]),
        False,
    ),
    "date_of_birth": (date_reader("date of birth", required=True), True),
    "gender": (read_gender, False),
    "year_group": (read_year, False),
    "reg_group": (text_reader("registration group", max_length=MAX_LENGTHS["reg_group"]), False),
    "sen_status": (read_sen_status, False),
    "need_1": (need_reader("primary need"), False),
    "need_2": (need_reader("secondary need"), False),
    "eal": (flag_reader("EAL"), False),
    "fsm": (flag_reader("FSM"), False),
    "pupil_premium": (flag_reader("pupil premium"), False),
    "looked_after": (flag_reader("looked-after"), False),
    "medical": (flag_reader("medical"), False),
    "attendance": (read_attendance, False),
    "admission_date": (date_reader("admission date"), False),
    "leaving_date": (date_reader("leaving date"), False),
    "group": (text_reader("class", max_length=MAX_LENGTHS["group"], required=True), True),
    "teacher": (text_reader("teacher", max_length=MAX_LENGTHS["teacher"]), False),
}
