"""Read a school's MIS export (SIMS, Arbor, Bromcom; CSV or XLSX) into typed rows.

The parser saves nothing: it returns rows plus row-level problems, and the
import service decides what to write. It never needs Django settings or a
database, so it can be tested and benchmarked on its own.

A file is refused as a whole (``ImportRefused``) only when nothing in it can be
used: not a spreadsheet, empty, too big, or no recognisable columns. Otherwise a
bad row is reported and skipped while the good rows are still returned.

Row numbers are spreadsheet row numbers, so a school can find the row in Excel:
the header (and any title rows above it) count, and so do blank lines.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
import re
import warnings
import zipfile
from collections.abc import Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from operator import attrgetter, itemgetter
from typing import Any, Literal, NamedTuple

from django.core.exceptions import ValidationError
from openpyxl import load_workbook

from sendreg.imports.columns import (
    CLASS_FIELDS,
    FIELDS,
    PERSONAL_FIELDS,
    PUPIL_FIELDS,
    READERS,
    REQUIRED_PUPIL_FIELDS,
    Layout,
    Reader,
    cell_text,
    code_of,
    field_for_key,
    is_upn_header,
    match_headers,
    recognised_count,
    show,
)
from sendreg.lib.text import strip_control
from sendreg.pupils.rules import (
    UPN_BAD_CHARACTERS,
    UPN_LENGTH,
    normalise_upn,
    validate_upn,
)
from sendreg.register.rules import (
    RULE_UPN_CHARACTER_13,
    RULE_UPN_CHECK_LETTER,
    RULE_UPN_DUPLICATE,
    RULE_UPN_MISSING,
    RULE_UPN_NOT_NUMERIC,
    UPN_LETTERS,
)

MEGABYTE = 1024 * 1024
#: The header must be within this many non-blank rows of the top (title rows come first).
HEADER_SEARCH_ROWS = 10

# An XLSX file is a zip of XML files, and a small one can unpack to gigabytes or
# describe millions of cells (a 307 KB workbook once held a request for 327 seconds
# and 6 GB of memory). Each limit is checked before openpyxl reads the file (from
# the zip's own directory) or while its rows stream past, so work and memory stay
# bounded whatever the file says. A school's real export is far inside every one:
# 2,000 pupils by 60 columns is 120,000 cells and a few megabytes of XML.
#: The most the workbook may unpack to, all its parts together.
XLSX_MAX_UNPACKED = 100 * MEGABYTE
#: The most the shared-strings part may unpack to (openpyxl holds it all in memory).
XLSX_MAX_SHARED_STRINGS = 25 * MEGABYTE
#: How many times smaller than its content a part larger than 1 MB may be packed.
#: Excel's own files pack about 5 to 20 times; a zip bomb, thousands of times.
XLSX_MAX_RATIO = 100
#: The most parts (files) the zip may hold; a workbook has about ten.
XLSX_MAX_PARTS = 1000
#: Rows (blank ones included), columns and cells of the first worksheet.
XLSX_MAX_ROWS = 100_000
XLSX_MAX_COLUMNS = 250
XLSX_MAX_CELLS = 2_000_000
_DELIMITERS = (",", ";", "\t", "|")
_SNIFF_CHARS = 64 * 1024
_LIST_LIMIT = 30


@dataclass(frozen=True)
class Problem:
    row: int  # spreadsheet row number (header row counted); the header row for file-wide issues
    field: str  # our field name, or "" when the problem is not about one field
    message: str
    # The row's UPN when it has a valid one, so that a skipped row still names its pupil
    # (an import must not call a pupil a leaver because their row had a bad date of birth).
    # For a problem with the UPN itself, the UPN as the file gives it.
    upn: str = ""
    #: What the problem is, for scripts and the census check, which must not depend on the
    #: wording: a census rule key from ``register.rules`` (``upn_check_letter``,
    #: ``s_discontinued``) where one applies, else a short snake_case code (``not_a_date``).
    code: str = ""
    #: The value as the file gave it, where that is what is wrong (a UPN that is no UPN).
    value: str = ""


def upn_rule(upn: str) -> str:
    """The census rule a UPN that ``validate_upn`` refuses breaks first (errors 1500 to 1550).

    The LA number (1530) needs the list of authorities, which the census check has;
    it runs the full ``register.rules.check_upn`` on the UPN a problem carries.
    """
    if not upn:
        return RULE_UPN_MISSING
    if len(upn) != UPN_LENGTH:
        return RULE_UPN_CHARACTER_13
    if not (upn[1:12].isascii() and upn[1:12].isdecimal()):
        return RULE_UPN_NOT_NUMERIC
    last = upn[12]
    if not ((last.isascii() and last.isdecimal()) or last in UPN_LETTERS):
        return RULE_UPN_CHARACTER_13
    return RULE_UPN_CHECK_LETTER


class PupilRow(NamedTuple):
    """A pupil's row as read. A named tuple: a big file has tens of thousands, and a tuple
    is made several times faster than a frozen dataclass."""

    row: int
    upn: str
    needs: tuple[str, ...]
    present: frozenset[str]
    legal_surname: str
    legal_forename: str
    preferred_forename: str
    date_of_birth: date | None
    gender: str
    year_group: int | None
    reg_group: str
    sen_status: str
    eal: bool | None
    fsm: bool | None
    pupil_premium: bool | None
    looked_after: bool | None
    attendance: Decimal | None
    admission_date: date | None
    leaving_date: date | None
    #: The MIS's medical flag (Yes when the pupil has a medical need), None when not given.
    medical: bool | None = None


#: The fields of a PupilRow read from a column each, in the order the row holds them.
_ROW_DETAILS = PupilRow._fields[4:]


@dataclass(frozen=True, slots=True)
class ClassRow:
    row: int
    upn: str
    group: str
    teacher: str


@dataclass
class ParseResult:
    kind: Literal["pupils", "classes"]
    rows: list[PupilRow] | list[ClassRow]
    errors: list[Problem]  # rows that cannot be used; they are not in ``rows``
    warnings: list[Problem]
    columns: dict[str, str]  # our field name -> the header as found in the file
    total_rows: int  # data rows read, not counting blank lines


class ImportRefused(Exception):
    """The whole file is refused; nothing is imported. str(exc) is the user-facing message."""


def parse_mapping_args(items: Iterable[str]) -> dict[str, str]:
    """Turn ``--map "UPN=Pupil Ref"`` arguments into {field name: header in the file}.

    The left-hand side may be our field name ("date_of_birth") or any header we
    recognise ("DOB", "Date of Birth"), in any case.
    """
    mapping: dict[str, str] = {}
    for item in items:
        key, equals, header = item.partition("=")
        key, header = key.strip(), header.strip()
        if not (equals and key and header):
            raise ValueError(
                f'--map "{item}" is not in the form "Our Column=Your Column", '
                'for example --map "UPN=Pupil Ref".'
            )
        field = field_for_key(key)
        if field is None:
            raise ValueError(f'--map "{item}": {_unknown_field(key)}')
        if field in mapping:
            raise ValueError(
                f"--map gives the {FIELDS[field].heading} column twice "
                f'("{mapping[field]}" and "{header}"); give it once.'
            )
        mapping[field] = header
    return mapping


def parse_export(
    data: bytes,
    filename: str,
    *,
    mapping: dict[str, str] | None = None,
    max_bytes: int = 50 * MEGABYTE,
) -> ParseResult:
    """Parse an MIS export. The format is found from the content; ``filename`` only words messages.

    Raises ``ImportRefused`` when the file cannot be used at all; any other
    problem is a row-level error or warning in the result.
    """
    fields = _resolve_mapping(mapping or {})
    if len(data) > max_bytes:
        raise ImportRefused(
            f"The file is {_megabytes(len(data), up=True)} MB; the largest file sendreg "
            f"accepts is {_megabytes(max_bytes)} MB. Export fewer columns or fewer pupils."
        )
    if not data.removeprefix(_UTF8_BOM).strip():
        raise ImportRefused("The file is empty.")
    if data.startswith(b"PK\x03\x04"):
        rows = _xlsx_rows(data, filename, max_bytes)
        from_csv = False
    else:
        _refuse_other_formats(data, filename)
        rows = _csv_rows(_decode(data, filename), fields)
        from_csv = True
    try:
        return _parse_rows(rows, fields, from_csv=from_csv)
    finally:
        rows.close()


# Detecting and reading the file ---------------------------------------------

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_OLE2 = b"\xd0\xcf\x11\xe0"
_NOT_SPREADSHEET = "export the pupil data from your MIS as a CSV or .xlsx file and import that"
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"{\\rtf", "a rich text (RTF) document"),
)


def _megabytes(size: int, *, up: bool = False) -> str:
    value = size / MEGABYTE
    if value < 0.1:  # only ever a limit set in a test
        return f"{value:.4f}".rstrip("0").rstrip(".")
    # Round a file's size up so that a file just over the limit never reads as equal to it.
    value = math.ceil(value * 10) / 10 if up else round(value, 1)
    return f"{value:g}"


def _named(filename: str) -> str:
    """' (although its name ends .xlsx)' when the name suggests a spreadsheet."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix in {"csv", "xlsx", "xls", "txt", "tsv"}:
        return f" (although its name ends .{suffix})"
    return ""


def _refuse_other_formats(data: bytes, filename: str) -> None:
    """Refuse, by content, every format that is not CSV text."""
    if data.startswith(_OLE2):
        raise ImportRefused(
            "The file is password-protected or in the old .xls format: "
            "save it as an unprotected .xlsx or CSV file and import that."
        )
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            raise ImportRefused(
                f"The file is {kind}{_named(filename)}, not a spreadsheet: {_NOT_SPREADSHEET}."
            )
    start = data[:4096].lstrip(_UTF8_BOM).lstrip().lower()
    if start.startswith(b"<"):
        if b"urn:schemas-microsoft-com:office:spreadsheet" in data[:8192]:
            raise ImportRefused(
                "The file is an Excel 2003 XML spreadsheet, which sendreg cannot read: "
                "open it in Excel and save it as an .xlsx or CSV file."
            )
        if b"<ctfile" in start:
            raise ImportRefused(
                "The file is a Common Transfer File (CTF), not an MIS export: import it as "
                "one with `sendreg import FILE.xml --kind ctf`, or on the Import page with "
                '"Work it out from the file", which recognises it.'
            )
        if b"<html" in start or b"<!doctype html" in start or b"<table" in start:
            kind = "a web page (HTML)"
        else:
            kind = "an XML or HTML document"
        raise ImportRefused(
            f"The file is {kind}{_named(filename)}, not a spreadsheet: open it in Excel and "
            "save it as an .xlsx or CSV file, or export it from your MIS as CSV."
        )


def _decode(data: bytes, filename: str) -> str:
    """UTF-8 (with or without a BOM), UTF-16, else Windows-1252 when it reads as plausible text.

    Control characters other than tab and line ends are removed; a NUL is taken
    as a sign of binary data. A file in any other encoding (Shift-JIS, GBK, a
    Cyrillic or Central European code page) is refused rather than read as
    nonsense: see ``implausible_cp1252``.
    """
    binary = ImportRefused(
        f"The file is not a spreadsheet{_named(filename)}: it contains binary data. "
        "Export the pupil data from your MIS as a CSV or .xlsx file and import that."
    )
    utf16 = _utf16_codec(data)
    if utf16:
        # Excel's "Unicode Text" export: UTF-16, tab-separated (with a BOM, or rarely without).
        try:
            text = data.decode(utf16)
        except UnicodeDecodeError:
            raise binary from None
    elif b"\x00" in data:
        raise binary
    else:
        sample = None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.removeprefix(_UTF8_BOM).decode("cp1252")
            except UnicodeDecodeError:
                # Bytes that Windows-1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D).
                raise ImportRefused(_other_encoding(filename, "")) from None
            sample = _utf8_inside(data) or implausible_cp1252(text)
        if sample is not None:
            raise ImportRefused(_other_encoding(filename, sample))
    if "\x00" in text:
        raise binary
    # Some tools write the byte order mark twice; a second one would spoil the first header.
    return strip_control(text.lstrip("\ufeff"))


def _utf16_codec(data: bytes) -> str:
    """ "utf-16" for a UTF-16 byte order mark, "utf-16-le"/"-be" for UTF-16 text without one."""
    if data.startswith(_UTF16_BOMS):
        return "utf-16"
    sample = data[:4096]
    if len(sample) < 4 or b"\x00" not in sample:
        return ""
    pairs = len(sample) // 2
    zeros_even = sample[0 : pairs * 2 : 2].count(0)
    zeros_odd = sample[1 : pairs * 2 : 2].count(0)
    # Mostly-ASCII UTF-16 has a zero in every other byte and never in the others.
    if zeros_odd >= 0.6 * pairs and zeros_even == 0:
        return "utf-16-le"
    if zeros_even >= 0.6 * pairs and zeros_odd == 0:
        return "utf-16-be"
    return ""


# A two-byte UTF-8 character; the second byte leaves out the punctuation that real
# Windows-1252 text puts after an accented capital (JOSÉ’S, “RENÉ”, É…, a no-break space).
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\x84\x86-\x91\x95\x98-\x9f\xa1-\xbf]|[\xe0-\xef][\x80-\xbf]{2}"
)


def _utf8_inside(data: bytes) -> str | None:
    """Some UTF-8 in a file that is not all UTF-8: what it reads as in Windows-1252 ("Zoë" as
    "ZoÃ«"), or None. A file that mixes the two has names that no one encoding reads."""
    for match in _UTF8_SEQUENCE.finditer(data):
        try:
            match.group().decode("utf-8")
        except UnicodeDecodeError:
            continue
        return match.group().decode("cp1252", errors="replace")
    return None


def _other_encoding(filename: str, sample: str) -> str:
    seen = f", which would turn names into nonsense such as {show(sample)}" if sample else ""
    return (
        f"The file{_named(filename)} is not in UTF-8 or Windows-1252, the encodings sendreg "
        f"reads: it looks like another encoding (such as Shift-JIS, GBK, or a Cyrillic or "
        f'Central European one){seen}. Save it from Excel as "CSV UTF-8" (or export it from '
        "your MIS as UTF-8) and import that."
    )


# What a word of real Windows-1252 text looks like: letters, mostly ASCII, with the odd
# accented letter (Zoë, Núñez, Ó Súilleabháin) and typographic punctuation at its
# edges (“quoted”, 5½) or as a joiner (O’Brien, Smith–Jones, l·l). Text in another
# encoding read as Windows-1252 breaks that pattern: GBK's two-byte characters become
# words with no ASCII letter at all ("Íõ Î°"), Shift-JIS's become runs of symbols and
# letters ("‘¾˜Y", "R“c"), and a Central European letter becomes a superscript or a
# pound sign inside a word ("Micha³", "£ukasz").
_WORD_CHAR = r"[^\s\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]"  # not ASCII punctuation or space
_WORD = re.compile(f"{_WORD_CHAR}*[^\\x00-\\x7f]{_WORD_CHAR}*")
_JOINERS = frozenset("’‘´–—·")
_NEVER_BY_A_LETTER = frozenset("¹²³¼½¾£¥¤¢¦¨¯¸ˆ˜†‡‰‚„")


def implausible_cp1252(text: str) -> str | None:
    """The first word that Windows-1252 text would not contain, or None when all are plausible.

    Only words with a character beyond ASCII are looked at, so a plain-ASCII
    file costs one regular-expression scan.
    """
    for match in _WORD.finditer(text):
        word = match.group()
        if len(word) >= 2 and all(c > "\x7f" for c in word):
            return word
        run = 0
        for index, char in enumerate(word):
            if char <= "\x7f":
                run = 0
                continue
            run += 1
            if run >= 3:
                return word
            if char.isalpha():
                continue
            before = word[index - 1] if index else ""
            after = word[index + 1] if index + 1 < len(word) else ""
            inside = bool(before) and bool(after)
            if inside and char not in _JOINERS:
                return word
            if char in _NEVER_BY_A_LETTER and (before.isalpha() or after.isalpha()):
                return word
    return None


def _choose_delimiter(text: str, fields: Mapping[str, str]) -> str:
    """The delimiter that splits the top of the file into the most recognised headers.

    csv.Sniffer guesses from character frequencies and is often wrong on
    exports with commas in names; recognised headers are a much stronger signal.
    Ties (including a file whose headers we do not know) go to the delimiter
    that gives the first line the most columns, then to the comma.
    """
    sample = text[:_SNIFF_CHARS]
    best: tuple[int, int, int] = (-1, -1, 0)
    chosen = ","
    for order, delimiter in enumerate(_DELIMITERS):
        reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
        recognised, width = 0, 0
        try:
            for cells in itertools.islice(reader, HEADER_SEARCH_ROWS):
                recognised = max(recognised, recognised_count(cells, fields))
                if not width and any(cell.strip() for cell in cells):
                    width = len(cells)
        except csv.Error:
            continue
        score = (recognised, width, -order)
        if score > best:
            best, chosen = score, delimiter
    return chosen


def _csv_rows(text: str, fields: Mapping[str, str]) -> Generator[Sequence[object], None, None]:
    """Every record of a CSV file, blank ones included so that row numbers match Excel's."""
    delimiter = _choose_delimiter(text, fields)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        yield from reader
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            reason = "a value is far too long; check for a quotation mark that is never closed"
        else:
            reason = str(exc)
        raise ImportRefused(
            f"The file could not be read as CSV near line {reader.line_num}: {reason}."
        ) from None


def _xlsx_rows(
    data: bytes, filename: str, max_bytes: int
) -> Generator[Sequence[object], None, None]:
    """The rows of the first worksheet, read lazily; openpyxl's own warnings are silenced.

    openpyxl warns about parts of a workbook it does not need for values
    (styles, data validation, drawings). Those are not the school's problem,
    and the test suite treats warnings as errors.

    Rows, columns and cells are counted as they stream past, and the file is
    refused as soon as one passes its limit, so a sheet that claims a million rows
    or a cell in column XFD costs no more than the rows read before it. Control
    characters in text cells are removed.
    """
    _check_zip(data, filename, max_bytes)
    damaged = ImportRefused(
        "The .xlsx file could not be read; it may be damaged. Open it in Excel, save it "
        "again (or save it as CSV) and import that."
    )
    workbook = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
                sheet = workbook.worksheets[0]
                # Some exporters write a wrong sheet size (often "A1"); reading
                # without it makes openpyxl take each row's real width. A row past
                # the limit stops the reading there, however far the sheet claims
                # to go (openpyxl would otherwise make up every blank row between).
                sheet.reset_dimensions()
                values = sheet.iter_rows(max_row=XLSX_MAX_ROWS + 1, values_only=True)
            except Exception as exc:  # openpyxl raises many kinds on a damaged file
                raise damaged from exc
        rows = cells = 0
        while True:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    row = next(values)
                except StopIteration:
                    return
                except Exception as exc:
                    raise damaged from exc
            rows += 1
            cells += len(row)
            _check_sheet_size(rows, len(row), cells)
            yield [_xlsx_text(cell) if type(cell) is str else cell for cell in row]
    finally:
        if workbook is not None:
            workbook.close()


_XLSX_ESCAPE = re.compile("_x([0-9A-Fa-f]{4})_")


def _xlsx_text(text: str) -> str:
    """A text cell as the school typed it, without control characters.

    Excel writes a character that XML cannot hold as ``_xHHHH_`` (a vertical tab
    pasted into a name becomes ``_x000B_``), and openpyxl leaves the escape in.
    """
    if "_x" in text:
        text = _XLSX_ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), text)
    return strip_control(text)


def _check_sheet_size(rows: int, width: int, cells: int) -> None:
    if rows > XLSX_MAX_ROWS:
        detail = f"more than {XLSX_MAX_ROWS:,} rows"
    elif width > XLSX_MAX_COLUMNS:
        detail = f"row {rows} reaches column {width:,}; sendreg reads up to {XLSX_MAX_COLUMNS}"
    elif cells > XLSX_MAX_CELLS:
        detail = f"more than {XLSX_MAX_CELLS:,} cells"
    else:
        return
    raise ImportRefused(
        f"The worksheet is far larger than a pupil list needs ({detail}), so sendreg stopped "
        "reading it. Delete the empty rows and columns beyond your data, or export only the "
        "columns sendreg reads, and import it again."
    )


def _check_zip(data: bytes, filename: str, max_bytes: int) -> None:
    """Refuse zips that are not Excel workbooks, naming what they are instead, and any
    workbook that would unpack to far more than a pupil list needs."""
    parts = _zip_part_count(data)
    if parts is not None and parts > XLSX_MAX_PARTS:
        # Reading a directory of a million parts would itself take seconds and much memory.
        detail = f"it has {parts:,} parts, where a workbook has a few dozen"
        raise ImportRefused(_TOO_BIG_XLSX.format(detail=detail))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            names = {entry.filename for entry in entries}
            mimetype = b""
            if "mimetype" in names:
                with archive.open("mimetype") as file:
                    mimetype = file.read(100)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise ImportRefused(
            "The file looks like an .xlsx workbook but is damaged (it is not a complete zip "
            "file). Export it again, or open it in Excel and save it again."
        ) from None
    except Exception:  # zipfile raises many kinds on hostile input (e.g. NotImplementedError)
        raise ImportRefused(
            "The file is a zip archive that could not be opened, not a spreadsheet: "
            f"{_NOT_SPREADSHEET}."
        ) from None
    if "xl/workbook.xml" not in names:
        if "xl/workbook.bin" in names:
            kind = "an Excel binary workbook (.xlsb)"
        elif b"opendocument.spreadsheet" in mimetype:
            kind = "an OpenDocument spreadsheet (.ods)"
        elif "word/document.xml" in names:
            kind = "a Word document"
        elif "ppt/presentation.xml" in names:
            kind = "a PowerPoint presentation"
        else:
            kind = "a zip archive"
        raise ImportRefused(
            f"The file is {kind}{_named(filename)}, which sendreg cannot read: "
            "save it as an .xlsx or CSV file and import that."
        )
    _check_unpacked_sizes(entries)


_TOO_BIG_XLSX = (
    "The .xlsx file unpacks to far more data than a pupil list needs ({detail}), so sendreg "
    "will not open it. If it really is your MIS export, save it as CSV and import that."
)


def _check_unpacked_sizes(entries: list[zipfile.ZipInfo]) -> None:
    """Refuse a workbook whose parts, by the zip's own directory, unpack too far.

    The declared sizes are what the zip module will let openpyxl read: it never
    returns more than a part's declared size, and a part that holds more fails
    its checksum. So checking them here bounds the reading that follows.
    """
    total = 0
    for entry in entries:
        total += entry.file_size
        if entry.filename == "xl/sharedStrings.xml" and entry.file_size > XLSX_MAX_SHARED_STRINGS:
            detail = f"its text alone is {_megabytes(entry.file_size, up=True)} MB"
            raise ImportRefused(_TOO_BIG_XLSX.format(detail=detail))
        if entry.file_size > MEGABYTE and entry.file_size > XLSX_MAX_RATIO * max(
            entry.compress_size, 1
        ):
            detail = (
                f"a part of it is packed {entry.file_size // max(entry.compress_size, 1):,} "
                "times smaller than its content"
            )
            raise ImportRefused(_TOO_BIG_XLSX.format(detail=detail))
    if total > XLSX_MAX_UNPACKED:
        detail = (
            f"{_megabytes(total, up=True)} MB, where sendreg reads at most "
            f"{_megabytes(XLSX_MAX_UNPACKED)} MB"
        )
        raise ImportRefused(_TOO_BIG_XLSX.format(detail=detail))


def _zip_part_count(data: bytes) -> int | None:
    """The number of parts the zip's end record declares, read before the directory is parsed.

    None when there is no end record (the zip module then calls the file damaged).
    A ZIP64 end record counts as too many: no workbook of a few megabytes needs one.
    """
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or end + 22 > len(data):
        return None
    count = int.from_bytes(data[end + 10 : end + 12], "little")
    return XLSX_MAX_PARTS + 1 if count == 0xFFFF else count


# From rows to typed rows ----------------------------------------------------


def _resolve_mapping(mapping: Mapping[str, str]) -> dict[str, str]:
    resolved: dict[str, str] = {}
    for key, header in mapping.items():
        field = field_for_key(key)
        if field is None:
            raise ImportRefused(f"--map {key}: {_unknown_field(key)}")
        resolved[field] = header
    return resolved


def _unknown_field(key: str) -> str:
    known = ", ".join(f.heading for f in (*PUPIL_FIELDS, *CLASS_FIELDS[1:]))
    return f'"{key}" is not a column sendreg reads. The columns it reads are: {known}.'


def _is_blank(cells: Sequence[object]) -> bool:
    for cell in cells:
        if cell is not None and (cell.strip() if type(cell) is str else cell != ""):
            return False
    return True


def _find_header(
    rows: Iterator[Sequence[object]], fields: Mapping[str, str]
) -> tuple[int, list[str]]:
    """The header row's number and cells; ``rows`` is left at the first row under it.

    The header is the first of the top non-blank rows with a UPN column, which
    skips the title rows Arbor and SIMS reports put above their tables.
    """
    tops: list[list[str]] = []
    for number, cells in enumerate(rows, start=1):
        if _is_blank(cells):
            continue
        texts = [cell_text(cell) for cell in cells]
        if any(is_upn_header(text, fields) for text in texts):
            return number, texts
        tops.append(texts)
        if len(tops) >= HEADER_SEARCH_ROWS:
            break
    if not tops:
        raise ImportRefused("The file is empty.")
    # Report the row that looks most like a header, so the message lists real column names.
    likely = max(tops, key=lambda texts: (recognised_count(texts, fields), sum(map(bool, texts))))
    raise ImportRefused(_layout_problem(likely, match_headers(likely, fields)))


def _layout_problem(header: list[str], layout: Layout) -> str:
    """Why a header row cannot be used: a --map column not found, or required columns missing."""
    found = [text for text in header if text]
    shown = ", ".join(f'"{text}"' for text in found[:_LIST_LIMIT]) or "none"
    if len(found) > _LIST_LIMIT:
        shown += f" and {len(found) - _LIST_LIMIT} more"
    if layout.missing_mapped:
        field, wanted = layout.missing_mapped[0]
        return (
            f'--map says the {FIELDS[field].heading} column is "{wanted}", but the file has '
            f"no column of that name. Columns found: {shown}."
        )
    missing = [FIELDS[f].heading for f in REQUIRED_PUPIL_FIELDS if f not in layout.index]
    if not missing:
        return (
            "The file's column headings were not found in its first "
            f"{HEADER_SEARCH_ROWS} rows; remove the title rows above them."
        )
    message = (
        f"The file does not have the columns sendreg needs. Missing: {', '.join(missing)}. "
        f"Columns found: {shown}. If one of these holds the same information under another "
        f'name, say which with --map, for example --map "{missing[0]}=Your Column".'
    )
    if "group" in layout.index or "teacher" in layout.index:
        message += " A class list needs the columns UPN, Class and Teacher."
    return message


def _parse_rows(
    rows: Iterator[Sequence[object]], fields: Mapping[str, str], *, from_csv: bool
) -> ParseResult:
    header_row, header = _find_header(rows, fields)
    layout = match_headers(header, fields)
    if layout.missing_mapped:
        raise ImportRefused(_layout_problem(header, layout))
    is_classes = (
        "group" in layout.index
        and "teacher" in layout.index
        and not PERSONAL_FIELDS & layout.index.keys()
    )
    kind: Literal["pupils", "classes"] = "classes" if is_classes else "pupils"
    wanted = CLASS_FIELDS if is_classes else PUPIL_FIELDS
    index = {f.name: layout.index[f.name] for f in wanted if f.name in layout.index}
    if not is_classes and not set(REQUIRED_PUPIL_FIELDS) <= index.keys():
        raise ImportRefused(_layout_problem(header, layout))

    header_warnings: list[Problem] = [
        Problem(
            header_row,
            field,
            f'The columns "{used}" and "{ignored}" both look like the {FIELDS[field].heading} '
            f'column; "{used}" was used and "{ignored}" was ignored.',
            code="column_twice",
        )
        for field, used, ignored in layout.ignored_duplicates
        if field in index
    ]
    builder = _RowBuilder(
        kind=kind,
        index=index,
        header_width=len(header) if from_csv else None,
        header_warnings=header_warnings,
    )
    builder.add_all(enumerate(rows, start=header_row + 1))
    if builder.total_rows == 0:
        raise ImportRefused("The file is empty: it has column headings but no rows under them.")
    return ParseResult(
        kind=kind,
        rows=builder.rows,
        errors=builder.errors,
        warnings=builder.warnings,
        columns={field: layout.headers[field] for field in index},
        total_rows=builder.total_rows,
    )


#: What a pupil row holds for a column the file does not have.
_PUPIL_DEFAULTS: dict[str, Any] = {
    "preferred_forename": "",
    "date_of_birth": None,
    "gender": "",
    "year_group": None,
    "reg_group": "",
    "sen_status": "",
    "need_1": "",
    "need_2": "",
    "eal": None,
    "fsm": None,
    "pupil_premium": None,
    "looked_after": None,
    "medical": None,
    "attendance": None,
    "admission_date": None,
    "leaving_date": None,
}
_CLASS_DEFAULTS: dict[str, Any] = {"teacher": ""}


#: Rows read at a time, column by column (see ``_RowBuilder``).
_CHUNK_ROWS = 4096
_VALUE, _PROBLEM = itemgetter(0), itemgetter(1)
_ROW = attrgetter("row")


def _read_upn(number: int, cell: object) -> tuple[str, Problem | None]:
    """The row's UPN, or "" and the problem with it."""
    upn = normalise_upn(cell_text(cell))
    try:
        validate_upn(upn)
    except ValidationError as exc:
        # The UPN as given, for the census check to name what is wrong with it.
        return "", Problem(number, "upn", exc.messages[0], code=upn_rule(upn), value=upn)
    except ValueError:
        # validate_upn trusts str.isdigit(), which is also true of digits such as "²"
        # that int() cannot read; such a UPN is simply made of the wrong characters.
        message = UPN_BAD_CHARACTERS.format(upn=upn)
        return "", Problem(number, "upn", message, code=upn_rule(upn), value=upn)
    return upn, None


class _RowBuilder:
    """Turns data rows into PupilRow or ClassRow, collecting problems on the way.

    Rows are read a chunk at a time and column by column: each column's reader is
    mapped over the chunk's cells in one pass, through a cache for the file (an export
    repeats the same few values: dates of birth, "Yes", "K", "Year 7"), so that a row
    costs one short loop that puts its values together. Problems come out as reading
    row by row would give them: by row, and within a row in the order of the columns.
    """

    def __init__(
        self,
        *,
        kind: Literal["pupils", "classes"],
        index: dict[str, int],
        header_width: int | None,
        header_warnings: list[Problem],
    ) -> None:
        self.kind = kind
        self.upn_index = index["upn"]
        # Typed, so that an XLSX cell of 1, 1.0 and TRUE are each read for what they are.
        self.plan: list[tuple[str, int, Reader, bool]] = [
            (field, column, lru_cache(maxsize=None, typed=True)(READERS[field][0]), fatal)
            for field, column in index.items()
            if field != "upn"
            for fatal in (READERS[field][1],)
        ]
        # Short rows (trailing empty cells left off) are padded to this length.
        self.row_length = max(index.values()) + 1
        # Only a CSV row can spill past its header, when a comma in a value is not quoted.
        self.header_width = header_width
        self.defaults = dict(_CLASS_DEFAULTS if kind == "classes" else _PUPIL_DEFAULTS)
        present = set(index)
        if "need_1" in index or "need_2" in index:
            present.add("needs")
        self.present = frozenset(present)
        self.rows: list[Any] = []
        self.errors: list[Problem] = []
        self.warnings = header_warnings
        self.total_rows = 0
        self.first_seen: dict[Any, int] = {}

    def add_all(self, rows: Iterable[tuple[int, Sequence[object]]]) -> None:
        """Read ``(row number, cells)`` pairs, in order."""
        iterator = iter(rows)
        while chunk := list(itertools.islice(iterator, _CHUNK_ROWS)):
            self._add_chunk(chunk)

    def _add_chunk(self, chunk: list[tuple[int, Sequence[object]]]) -> None:
        numbers: list[int] = []
        rows: list[Sequence[object]] = []
        for number, cells in chunk:
            if _is_blank(cells):
                continue
            if len(cells) < self.row_length:
                cells = [*cells, *([None] * (self.row_length - len(cells)))]
            numbers.append(number)
            rows.append(cells)
        self.total_rows += len(rows)
        # By position in the chunk: a row with any error is skipped.
        errors: dict[int, list[Problem]] = {}
        # Found column by column; put in row order once the chunk is read.
        warnings: list[Problem] = []
        upns: list[str] = []
        for at, (number, cells) in enumerate(zip(numbers, rows, strict=True)):
            upn, problem = _read_upn(number, cells[self.upn_index])
            if problem is not None:
                errors[at] = [problem]
            upns.append(upn)
            if self.header_width is not None and len(cells) > self.header_width:
                warnings += self._spill(number, upn, cells, self.header_width)
        columns: dict[str, list[Any]] = {}
        for field, column, read, fatal in self.plan:
            readings = list(map(read, [cells[column] for cells in rows]))
            columns[field] = list(map(_VALUE, readings))
            if not any(map(_PROBLEM, readings)):
                continue
            for at, (_, message) in enumerate(readings):
                if message is not None:
                    code = code_of(message, "unreadable")
                    problem = Problem(numbers[at], field, message, upns[at], code=code)
                    if fatal:
                        errors.setdefault(at, []).append(problem)
                    else:
                        warnings.append(problem)
        if self.kind == "classes":
            self._add_classes(numbers, upns, columns, errors, warnings)
        else:
            self._add_pupils(numbers, upns, columns, errors, warnings)
        # Stable: within a row, the order in which its problems were found.
        warnings.sort(key=_ROW)
        self.warnings += warnings

    def _column(self, columns: dict[str, list[Any]], name: str, rows: int) -> list[Any]:
        """The column's values, or its default for every row when the file has no such column."""
        return columns[name] if name in columns else [self.defaults[name]] * rows

    def _spill(self, number: int, upn: str, cells: Sequence[object], width: int) -> list[Problem]:
        if _is_blank(cells[width:]):
            return []
        message = (
            f"This row has {len(cells)} values but the header has {width} columns, so "
            "the values past the last column were ignored. A value with a comma in it "
            "needs quotation marks around it."
        )
        return [Problem(number, "", message, upn, "values_past_header")]

    def _add_pupils(
        self, numbers: list[int], upns: list[str], columns: dict[str, list[Any]],
        errors: dict[int, list[Problem]], warnings: list[Problem],
    ) -> None:  # fmt: skip
        present, first_seen, count = self.present, self.first_seen, len(numbers)
        if "needs" in present:
            firsts, seconds = (self._column(columns, name, count) for name in ("need_1", "need_2"))
            needs = [
                self._needs(number, upn, first, second, warnings)
                for number, upn, first, second in zip(numbers, upns, firsts, seconds, strict=True)
            ]
        else:
            needs = [()] * count
        details = zip(*(self._column(columns, name, count) for name in _ROW_DETAILS), strict=True)
        rows = zip(numbers, upns, needs, details, strict=True)
        for at, (number, upn, row_needs, values) in enumerate(rows):
            problems = errors.get(at)
            if upn:
                first = first_seen.setdefault(upn, number)
                if first != number:
                    message = (
                        f"The UPN {upn} is also on row {first}; a pupil may appear only once, "
                        "so this row was skipped."
                    )
                    duplicate = Problem(number, "upn", message, upn, code=RULE_UPN_DUPLICATE)
                    problems = [*(problems or ()), duplicate]
            if problems:
                self.errors += problems
                continue
            self.rows.append(PupilRow(number, upn, row_needs, present, *values))

    @staticmethod
    def _needs(
        number: int, upn: str, first: str, second: str, warnings: list[Problem]
    ) -> tuple[str, ...]:
        if not second:
            return (first,) if first else ()
        if not first:
            message = (
                f"A secondary need ({second}) is given without a primary need; "
                "it was recorded as the primary need."
            )
            warnings.append(Problem(number, "need_2", message, upn, "secondary_need_alone"))
            return (second,)
        if first == second:
            message = (
                f"The secondary need is the same as the primary need ({first}); "
                "it was recorded once."
            )
            warnings.append(Problem(number, "need_2", message, upn, "need_repeated"))
            return (first,)
        return (first, second)

    def _add_classes(
        self, numbers: list[int], upns: list[str], columns: dict[str, list[Any]],
        errors: dict[int, list[Problem]], warnings: list[Problem],
    ) -> None:  # fmt: skip
        teachers = self._column(columns, "teacher", len(numbers))
        rows = zip(numbers, upns, columns["group"], teachers, strict=True)
        for at, (number, upn, group, teacher) in enumerate(rows):
            problems = errors.get(at)
            if problems:
                self.errors += problems
                continue
            if not teacher:
                message = f"No teacher is given for {upn} in {group}."
                warnings.append(Problem(number, "teacher", message, upn, "teacher_missing"))
            first = self.first_seen.setdefault((upn, group, teacher), number)
            if first != number:
                message = f"This row repeats row {first}; it was read once."
                warnings.append(Problem(number, "", message, upn, "row_repeated"))
                continue
            self.rows.append(ClassRow(row=number, upn=upn, group=group, teacher=teacher))
