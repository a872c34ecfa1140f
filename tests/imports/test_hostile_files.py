"""Files that must not take the server down or turn into nonsense: encodings, control
characters, zip bombs and oversized worksheets, names longer than a record holds.

No database: the parser is pure.
"""

from __future__ import annotations

import importlib.util
import io
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook

from sendreg.imports import parsers
from sendreg.imports.parsers import ImportRefused, PupilRow, implausible_cp1252, parse_export
from sendreg.pupils.rules import make_upn

ENCODINGS = Path(__file__).resolve().parent.parent / "data" / "encodings"
UPN1, UPN2 = make_upn(801, 2000, 20, 1), make_upn(801, 2000, 20, 2)
HEADER = ["UPN", "Legal Surname", "Legal Forename", "DOB"]


def refusal(data: bytes, filename: str = "pupils.csv") -> str:
    with pytest.raises(ImportRefused) as caught:
        parse_export(data, filename)
    return str(caught.value)


def names(data: bytes, filename: str = "pupils.csv") -> list[tuple[str, str]]:
    rows = parse_export(data, filename).rows
    return [(row.legal_surname, row.legal_forename) for row in rows if isinstance(row, PupilRow)]


# Encodings ------------------------------------------------------------------------


def test_committed_encoding_samples_match_their_script() -> None:
    spec = importlib.util.spec_from_file_location(
        "make_encoding_samples", ENCODINGS / "make_encoding_samples.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, encoding, bom, rows in module.SAMPLES:
        assert (ENCODINGS / name).read_bytes() == module.sample_bytes(encoding, bom, rows), name


@pytest.mark.parametrize("name", ["pupils_shift_jis.csv", "pupils_gbk.csv", "pupils_gb2312.csv"])
def test_a_file_in_an_east_asian_encoding_is_refused_not_read_as_nonsense(name: str) -> None:
    message = refusal((ENCODINGS / name).read_bytes(), name)
    assert "is not in UTF-8 or Windows-1252" in message
    assert '"CSV UTF-8"' in message


WEST = [
    ("O’Brien", "Zoë"),
    ("Núñez", "José"),
    ("Ó Súilleabháin", "Siân"),
    ("Smith–Jones", "Chloé"),
]


@pytest.mark.parametrize(
    "name",
    [
        "pupils_cp1252.csv",
        "pupils_utf16le_bom.txt",
        "pupils_utf16le_no_bom.txt",
        "pupils_utf16be_bom.txt",
    ],
)
def test_windows_1252_and_utf16_samples_read_every_name(name: str) -> None:
    assert names((ENCODINGS / name).read_bytes(), name) == WEST


@pytest.mark.parametrize(
    ("name", "encoding"),
    [
        ("Michał Łukasz", "cp1250"),  # Polish: "Micha³ £ukasz"
        ("Może Wąs", "cp1250"),
        ("Иванов Пётр", "cp1251"),  # Cyrillic: every letter beyond ASCII
        ("Παπαδόπουλος", "cp1253"),
        ("山田 太郎", "shift_jis"),
        ("王 伟", "gbk"),
    ],
)
def test_other_code_pages_are_refused(name: str, encoding: str) -> None:
    data = f"UPN,Legal Surname,Legal Forename,DOB\r\n{UPN1},{name},Ann,01/09/2012\r\n"
    message = refusal(data.encode(encoding))
    assert "is not in UTF-8 or Windows-1252" in message


def test_a_utf8_file_with_one_windows_1252_byte_is_refused_as_mixed() -> None:
    good = f"UPN,Legal Surname,Legal Forename,DOB\r\n{UPN1},Zoë,Ann,01/09/2012\r\n".encode()
    assert "is not in UTF-8 or Windows-1252" in refusal(good + "Müller".encode("cp1252"))


_ACCENTED = "àáâãäåæçèéêëìíîïñòóôõöøùúûüýÿßÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÑÒÓÔÕÖØÙÚÛÜÝŸŠšŽžŒœ"
_ASCII = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1)


@st.composite
def western_word(draw: st.DrawFn) -> str:
    """A name as Western European languages write one: ASCII letters with at most a pair of
    accented letters at a time, and perhaps an apostrophe or dash joining two parts."""
    parts = [draw(_ASCII)]
    for _ in range(draw(st.integers(0, 3))):
        parts.append(draw(st.text(alphabet=_ACCENTED, min_size=1, max_size=2)))
        parts.append(draw(_ASCII))
    word = "".join(parts)
    joiner = draw(st.sampled_from(["", "’", "–", "-", "'"]))
    return word + joiner + draw(_ASCII) if joiner else word


@given(st.lists(western_word(), min_size=1, max_size=8))
def test_western_european_names_in_windows_1252_are_plausible(words: list[str]) -> None:
    text = " ".join(words) + " £5 “quoted” 5½ O’Brien"
    assert implausible_cp1252(text) is None


def test_an_ascii_file_is_never_questioned() -> None:
    assert implausible_cp1252("UPN,Surname\r\nB801200005001,Smith\r\n" * 1000) is None


# Control characters --------------------------------------------------------------


def test_control_characters_in_a_csv_are_removed() -> None:
    data = f"UPN,Legal Surname,Legal Forename,DOB\r\n{UPN1},Yo\x0bung,Mai\x1fsie\x07,01/09/2012\r\n"
    assert names(data.encode()) == [("Young", "Maisie")]


def _xlsx_with_raw_cell(text_xml: str) -> bytes:
    """A workbook whose surname cell holds ``text_xml`` as written in the sheet's XML."""
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append([UPN1, "PLACEHOLDER", "Ann", "01/09/2012"])
    original = io.BytesIO()
    book.save(original)
    out = io.BytesIO()
    with zipfile.ZipFile(original) as source, zipfile.ZipFile(out, "w") as target:
        for entry in source.infolist():
            content = source.read(entry.filename)
            content = content.replace(b"PLACEHOLDER", text_xml.encode())
            target.writestr(entry.filename, content)
    return out.getvalue()


def test_control_characters_escaped_in_an_xlsx_are_removed() -> None:
    # Excel writes a control character in a cell as _x000B_; openpyxl turns it back.
    assert names(_xlsx_with_raw_cell("Yo_x000B_ung"), "p.xlsx") == [("Young", "Ann")]


# Workbooks too big to read -------------------------------------------------------


def _zip(parts: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=compression) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return out.getvalue()


def _workbook_parts(sheet_xml: bytes) -> dict[str, bytes]:
    book = Workbook()
    book.active.append(HEADER)
    original = io.BytesIO()
    book.save(original)
    with zipfile.ZipFile(original) as source:
        parts = {entry.filename: source.read(entry.filename) for entry in source.infolist()}
    parts["xl/worksheets/sheet1.xml"] = sheet_xml
    return parts


def _sheet(rows_xml: str) -> bytes:
    return (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{rows_xml}</sheetData></worksheet>"
    ).encode()


_HEADER_ROW = (
    '<row r="1">'
    + "".join(
        f'<c r="{col}1" t="inlineStr"><is><t>{text}</t></is></c>'
        for col, text in zip("ABCD", HEADER, strict=True)
    )
    + "</row>"
)


def test_a_zip_bomb_is_refused_before_it_is_unpacked(monkeypatch: pytest.MonkeyPatch) -> None:
    # 200 MB of one repeated row packs to about 200 KB: the ratio gives it away.
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    bomb = _sheet("").replace(
        b"<sheetData>", b"<sheetData>" + row * (200 * 1024 * 1024 // len(row))
    )
    data = _zip(_workbook_parts(bomb))
    assert len(data) < 2 * 1024 * 1024

    def unpack(*args: object, **kwargs: object) -> None:
        raise AssertionError("the workbook was opened")

    # Refused from the zip's directory alone: the sheet is never unpacked (how long that
    # takes is for benchmarks/parsing.py, not a test).
    monkeypatch.setattr(parsers, "load_workbook", unpack)
    message = refusal(data, "bomb.xlsx")
    assert "unpacks to far more data than a pupil list needs" in message
    assert "packed" in message


def test_a_workbook_unpacking_past_the_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parsers, "XLSX_MAX_UNPACKED", 64 * 1024)
    rows = "".join(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>' for n in range(1, 5000))
    message = refusal(_zip(_workbook_parts(_sheet(rows))), "big.xlsx")
    assert "unpacks to far more data than a pupil list needs" in message


def test_a_zip_declaring_a_huge_number_of_parts_is_refused_unopened() -> None:
    data = bytearray(_zip(_workbook_parts(_sheet(""))))
    end = data.rfind(b"PK\x05\x06")
    data[end + 10 : end + 12] = (60_000).to_bytes(2, "little")
    assert "it has 60,000 parts" in refusal(bytes(data), "parts.xlsx")


def test_a_sheet_claiming_a_million_rows_stops_at_the_row_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(parsers, "XLSX_MAX_ROWS", 1000)
    # One header row and one row at the very bottom of the sheet: openpyxl would
    # otherwise make up a million blank rows between them.
    rows = _HEADER_ROW + '<row r="1048576"><c r="A1048576"><v>1</v></c></row>'
    counted: list[int] = []
    check = parsers._check_sheet_size

    def counting(rows: int, width: int, cells: int) -> None:
        counted.append(rows)
        check(rows, width, cells)

    monkeypatch.setattr(parsers, "_check_sheet_size", counting)
    assert "more than 1,000 rows" in refusal(_zip(_workbook_parts(_sheet(rows))), "tall.xlsx")
    # No more rows are read than the limit and one: not the million the sheet claims.
    assert len(counted) == 1001


def test_a_cell_far_to_the_right_is_refused() -> None:
    rows = '<row r="1"><c r="A1"><v>1</v></c><c r="XFD1"><v>2</v></c></row>'
    message = refusal(_zip(_workbook_parts(_sheet(rows))), "wide.xlsx")
    assert "reaches column 16,384" in message


def test_too_many_cells_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parsers, "XLSX_MAX_CELLS", 500)
    rows = _HEADER_ROW + "".join(
        f'<row r="{n}">' + "".join(f'<c r="{c}{n}"><v>1</v></c>' for c in "ABCDEFGHIJ") + "</row>"
        for n in range(2, 100)
    )
    assert "more than 500 cells" in refusal(_zip(_workbook_parts(_sheet(rows))), "cells.xlsx")


def test_entity_expansion_in_a_sheet_is_refused_as_damaged() -> None:
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol3;</t></is></c></row>'
        b"</sheetData></worksheet>"
    )
    assert "could not be read" in refusal(_zip(_workbook_parts(laughs)), "lol.xlsx")


def test_an_ordinary_large_workbook_is_within_every_limit() -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append([*HEADER, *(f"Extra {n}" for n in range(40))])
    for n in range(2000):
        sheet.append([make_upn(801, 2000, 20 + n // 1000, n % 1000), "Smith", "Ann",
                      "01/09/2012", *("value" for _ in range(40))])  # fmt: skip
    out = io.BytesIO()
    book.save(out)
    assert len(parse_export(out.getvalue(), "school.xlsx").rows) == 2000


# Values longer than a record holds ----------------------------------------------


def test_a_name_longer_than_the_record_holds_makes_the_row_unusable() -> None:
    data = f"UPN,Legal Surname,Legal Forename,DOB\r\n{UPN1},{'S' * 101},Ann,01/09/2012\r\n"
    result = parse_export(data.encode(), "p.csv")
    assert not result.rows
    assert [e.field for e in result.errors] == ["legal_surname"]
    assert "longer than 100 characters" in result.errors[0].message


def test_long_optional_values_are_left_blank_or_shortened_with_a_warning() -> None:
    data = (
        "UPN,Legal Surname,Legal Forename,DOB,Reg Group,SEN Status,Primary Need\r\n"
        f"{UPN1},Smith,Ann,01/09/2012,{'7' * 31},{'Stage ' * 20},{'Need ' * 20}\r\n"
    )
    result = parse_export(data.encode(), "p.csv")
    (row,) = result.rows
    assert isinstance(row, PupilRow)
    assert row.reg_group == ""
    assert len(row.sen_status) <= 60 and all(len(n) <= 60 for n in row.needs)
    assert {w.field for w in result.warnings} >= {"reg_group", "sen_status", "need_1"}
