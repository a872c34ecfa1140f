"""The MIS export parser, against the sample exports in tests/data and small inline files.

No database: the parser is pure, so these tests never ask for the ``db`` fixture.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import os
import subprocess
import sys
import zipfile
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from sendreg.imports.columns import DATE_FORMAT_HINT, STATUS_DISCONTINUED, header_key
from sendreg.imports.parsers import (
    ClassRow,
    ImportRefused,
    ParseResult,
    Problem,
    PupilRow,
    parse_export,
    parse_mapping_args,
)
from sendreg.pupils.rules import (
    UPN_MISSING,
    UPN_WRONG_CHECK_LETTER,
    make_upn,
    upn_check_letter,
)

DATA = Path(__file__).resolve().parent.parent / "data"
SRC = Path(__file__).resolve().parents[2] / "src"

UPN1, UPN2, UPN3, UPN4 = (make_upn(801, 2000, 20, serial) for serial in range(1, 5))
HEADER = ["UPN", "Legal Surname", "Legal Forename", "DOB"]


def _load_make_samples() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_samples", DATA / "make_samples.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


samples = _load_make_samples()


def sample(name: str) -> ParseResult:
    return parse_export((DATA / name).read_bytes(), name)


def csv_bytes(
    rows: Sequence[Sequence[str]],
    *,
    delimiter: str = ",",
    newline: str = "\r\n",
    encoding: str = "utf-8",
) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator=newline).writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: Sequence[Sequence[object]], *, formats: dict[int, str] | None = None) -> bytes:
    """A one-sheet workbook; ``formats`` gives a number format by column (1-based)."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for values in rows:
        sheet.append(list(values))
    for column, number_format in (formats or {}).items():
        for (cell,) in sheet.iter_rows(min_col=column, max_col=column):
            cell.number_format = number_format
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def pupils(
    *rows: Sequence[str], header: Sequence[str] = HEADER, mapping: dict[str, str] | None = None
) -> ParseResult:
    """Parse a small CSV with ``header`` and ``rows``."""
    return parse_export(csv_bytes([header, *rows]), "pupils.csv", mapping=mapping)


def pupil_rows(result: ParseResult) -> list[PupilRow]:
    """The rows of a pupils file, typed as pupil rows."""
    assert result.kind == "pupils"
    return [row for row in result.rows if isinstance(row, PupilRow)]


def one_value(column: str, value: str) -> tuple[PupilRow | None, list[Problem]]:
    """Parse one pupil with an extra ``column``; the row (if usable) and all problems."""
    result = pupils([UPN1, "Smith", "Ann", "01/09/2012", value], header=[*HEADER, column])
    rows = pupil_rows(result)
    return (rows[0] if rows else None), [*result.errors, *result.warnings]


def refusal(
    data: bytes,
    filename: str = "export.csv",
    *,
    mapping: dict[str, str] | None = None,
    max_bytes: int = 50 * 1024 * 1024,
) -> str:
    with pytest.raises(ImportRefused) as caught:
        parse_export(data, filename, mapping=mapping, max_bytes=max_bytes)
    return str(caught.value)


# The sample exports ----------------------------------------------------------


def test_sims_sample_reads_every_pupil_with_typed_values() -> None:
    result = sample("sims_students.csv")

    assert result.kind == "pupils"
    assert result.total_rows == 20
    assert result.errors == [] and result.warnings == []
    assert [row.row for row in result.rows] == list(range(2, 22))
    first = pupil_rows(result)[0]
    assert first == PupilRow(
        row=2,
        upn=make_upn(801, 2000, 19, 1),
        legal_surname="Ahmed",
        legal_forename="Yusuf",  # written " Yusuf " in the file
        preferred_forename="",
        date_of_birth=date(2013, 3, 14),
        gender="M",
        year_group=7,
        reg_group="7A",
        sen_status="K",
        needs=("SPLD",),
        eal=True,
        fsm=False,
        pupil_premium=False,
        looked_after=False,
        attendance=Decimal("96.4"),
        admission_date=date(2024, 9, 2),
        leaving_date=None,
        present=first.present,
    )


def test_sims_sample_keeps_ranked_needs_and_strips_padded_values() -> None:
    by_surname = {row.legal_surname: row for row in pupil_rows(sample("sims_students.csv"))}

    campbell, evans = by_surname["Campbell"], by_surname["Evans"]
    assert (campbell.sen_status, campbell.needs) == ("E", ("ASD", "SLCN"))  # " E " in the file
    assert (evans.row, evans.looked_after, evans.fsm) == (6, True, True)  # " Evans" in the file
    baker = by_surname["Baker"]
    assert (baker.sen_status, baker.needs, baker.preferred_forename) == ("", (), "Liv")


def test_sims_sample_is_one_school_la_801_estab_2000() -> None:
    upns = [row.upn for row in sample("sims_students.csv").rows]
    assert len(set(upns)) == 20
    assert {upn[1:8] for upn in upns} == {"8012000"}


def test_sims_sample_columns_and_present_fields() -> None:
    result = sample("sims_students.csv")

    assert result.columns["date_of_birth"] == "DOB"
    assert result.columns["looked_after"] == "In LA Care"
    assert result.columns["attendance"] == "Attendance %"
    row = pupil_rows(result)[0]
    assert row.present == frozenset(result.columns) | {"needs"}
    assert "leaving_date" not in row.present


def test_arbor_sample_reads_title_row_descriptions_and_excel_cells() -> None:
    result = sample("arbor_students.xlsx")

    assert result.kind == "pupils"
    assert result.errors == [] and result.warnings == []
    # Row 1 is a title, row 2 is blank and row 3 is the header.
    assert [row.row for row in result.rows] == [4, 5, 6, 7, 8, 9]
    walsh, adeyemi, _, chen, dlamini, evans = pupil_rows(result)
    assert (walsh.legal_surname, walsh.legal_forename, walsh.gender) == ("Walsh", "Erin", "F")
    assert walsh.date_of_birth == date(2013, 5, 4)
    assert (walsh.year_group, walsh.reg_group) == (7, "7RW")
    assert (walsh.sen_status, walsh.needs) == ("K", ("SPLD",))
    assert (walsh.eal, walsh.fsm, walsh.pupil_premium, walsh.looked_after) == (
        False,
        True,
        True,
        False,
    )
    assert walsh.attendance == Decimal("94.5")
    assert (adeyemi.sen_status, adeyemi.needs) == ("E", ("ASD", "SLCN"))
    assert (adeyemi.preferred_forename, adeyemi.gender, adeyemi.year_group) == ("Tobi", "M", 8)
    assert (chen.sen_status, chen.needs, chen.looked_after) == ("E", ("SEMH",), True)
    assert (dlamini.sen_status, dlamini.attendance) == ("N", Decimal("100"))
    assert (evans.needs, evans.year_group) == (("MLD", "HI"), 11)
    assert result.columns["upn"] == "Unique Pupil Number"
    assert result.columns["pupil_premium"] == "PP"


def test_bromcom_sample_reads_semicolons_and_windows_1252() -> None:
    result = sample("bromcom_students.csv")

    assert result.errors == [] and result.warnings == []
    obrien, muller, siobhan, smith, nunez = pupil_rows(result)
    assert (obrien.legal_surname, obrien.legal_forename) == ("O’Brien", "Zoë")
    assert (obrien.date_of_birth, obrien.year_group, obrien.reg_group) == (
        date(2012, 4, 21),
        8,
        "8T1",
    )
    assert (obrien.eal, obrien.fsm, obrien.looked_after) == (False, True, False)
    assert obrien.admission_date == date(2023, 9, 5)
    assert muller.legal_forename == "Jürgen"
    assert siobhan.legal_surname == "Ó Súilleabháin"
    assert (smith.needs, smith.looked_after, smith.leaving_date) == (
        ("SEMH", "MLD"),
        True,
        date(2025, 2, 28),
    )
    assert (nunez.legal_surname, nunez.sen_status) == ("Núñez", "N")
    # Bromcom's export has no pupil premium column, so an update must leave it alone.
    assert obrien.pupil_premium is None
    assert "pupil_premium" not in obrien.present


def test_class_list_sample() -> None:
    result = sample("class_list.csv")
    upns = samples.sims_upns()

    assert result.kind == "classes"
    assert result.columns == {"upn": "UPN", "group": "Class", "teacher": "Teacher"}
    assert result.errors == [] and result.warnings == []
    assert result.rows[:2] == [
        ClassRow(row=2, upn=upns[0], group="7A/Ma1", teacher="Mrs J Patel"),
        ClassRow(row=3, upn=upns[0], group="7A/En2", teacher="t.hughes@school.example"),
    ]
    assert len(result.rows) == result.total_rows == 8


def test_bad_rows_sample_reports_every_problem_by_row() -> None:
    result = sample("bad_rows.csv")
    wrong = samples.wrong_check_letter(make_upn(801, 2000, 24, 902))

    assert result.total_rows == 11
    assert [row.row for row in result.rows] == [2, 5, 10, 11, 12]
    assert [(p.row, p.field) for p in result.errors] == [
        (3, "upn"),
        (4, "upn"),
        (6, "upn"),
        (7, "date_of_birth"),
        (8, "date_of_birth"),
        (9, "date_of_birth"),
    ]
    missing, check_letter, duplicate, not_real, not_a_date, no_dob = result.errors
    assert missing.message == UPN_MISSING
    assert check_letter.message == UPN_WRONG_CHECK_LETTER.format(
        upn=wrong, given=wrong[0], expected=upn_check_letter(wrong)
    )
    assert f"need {upn_check_letter(wrong)}" in check_letter.message
    assert "also on row 5" in duplicate.message
    assert not_real.message.startswith("The date of birth '31/02/2012' is not a real date")
    assert "dd/mm/yyyy" in not_a_date.message and "'sometime in 2012'" in not_a_date.message
    assert no_dob.message == "The date of birth is missing."

    assert [(p.row, p.field) for p in result.warnings] == [
        (10, "need_1"),
        (11, "sen_status"),
        (12, "sen_status"),
    ]
    unknown_need, statement, unknown_status = result.warnings
    assert "'DYSLX'" in unknown_need.message and "kept as given" in unknown_need.message
    assert statement.message == STATUS_DISCONTINUED
    assert "'X'" in unknown_status.message
    by_row = {row.row: row for row in pupil_rows(result)}
    assert by_row[10].needs == ("DYSLX",)
    assert by_row[11].sen_status == "E"
    assert by_row[12].sen_status == "X"


def test_a_skipped_row_still_names_its_pupil_when_its_upn_is_valid() -> None:
    result = sample("bad_rows.csv")
    upns = [make_upn(801, 2000, 24, serial) for serial in range(903, 907)]

    # Missing and wrong UPNs name no pupil; the others are real pupils with a bad row.
    assert [p.upn for p in result.errors] == ["", "", *upns]
    assert {p.upn for p in result.warnings} == {make_upn(801, 2000, 24, s) for s in (907, 908, 909)}


def test_committed_samples_match_the_script() -> None:
    for name, data in samples.build().items():
        assert (DATA / name).read_bytes() == data, f"run tests/data/make_samples.py ({name})"


# Text files: encodings, delimiters, line ends, blank lines --------------------


def test_utf8_without_bom_and_lf_line_ends() -> None:
    data = csv_bytes([HEADER, [UPN1, "Zoë", "Siân", "01/09/2012"]], newline="\n")
    (row,) = pupil_rows(parse_export(data, "x.csv"))
    assert (row.legal_surname, row.legal_forename) == ("Zoë", "Siân")


def test_windows_1252_falls_back_from_utf8() -> None:
    data = csv_bytes([HEADER, [UPN1, "O’Brien", "Zoë", "01/09/2012"]], encoding="cp1252")
    (row,) = pupil_rows(parse_export(data, "x.csv"))
    assert (row.legal_surname, row.legal_forename) == (
        "O’Brien",
        "Zoë",
    )


def test_utf16_tab_separated_unicode_text_from_excel() -> None:
    text = "\r\n".join(["\t".join(HEADER), "\t".join([UPN1, "Nguyễn", "An", "01/09/2012"])])
    (row,) = pupil_rows(parse_export(text.encode("utf-16"), "x.txt"))
    assert row.legal_surname == "Nguyễn"


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_is_the_one_that_finds_the_columns(delimiter: str) -> None:
    data = csv_bytes([HEADER, [UPN1, "Smith, Jr", "Ann", "01/09/2012"]], delimiter=delimiter)
    (row,) = pupil_rows(parse_export(data, "x.csv"))
    assert row.legal_surname == "Smith, Jr"


def test_semicolons_win_even_when_values_contain_commas() -> None:
    text = "UPN;Surname;Forename;DOB\n" + f"{UPN1};Smith, Jones, and Co;Ann;01/09/2012\n"
    (row,) = pupil_rows(parse_export(text.encode(), "x.csv"))
    assert row.legal_surname == "Smith, Jones, and Co"


def test_blank_lines_are_skipped_but_still_count_as_rows() -> None:
    text = (
        f"{','.join(HEADER)}\r\n\r\n{UPN1},Smith,Ann,01/09/2012\r\n , , , \r\n"
        f"{UPN2},Jones,Bob,bad\r\n\r\n\r\n"
    )
    result = parse_export(text.encode(), "x.csv")
    assert [row.row for row in result.rows] == [3]
    assert [(p.row, p.field) for p in result.errors] == [(5, "date_of_birth")]
    assert result.total_rows == 2


def test_title_rows_above_the_header_in_a_csv() -> None:
    text = (
        f"Pupil list,,,\r\nPrinted 01/09/2024,,,\r\n{','.join(HEADER)}\r\n{UPN1},Smith,Ann,1/9/2012"
    )
    result = parse_export(text.encode(), "x.csv")
    assert [row.row for row in result.rows] == [4]


def test_whitespace_around_values_is_stripped() -> None:
    row, problems = one_value("SEN Status", "  k  ")
    assert problems == []
    assert row is not None and row.sen_status == "K"
    result = pupils([f"  {UPN1.lower()} ", "\tSmith ", " Ann", " 01/09/2012 "])
    (pupil,) = pupil_rows(result)
    assert (pupil.upn, pupil.legal_surname, pupil.legal_forename) == (UPN1, "Smith", "Ann")


def test_a_row_that_spills_past_the_header_is_warned_about() -> None:
    text = f"{','.join(HEADER)}\n{UPN1},Smith,Ann,01/09/2012,oops\n{UPN2},Jones,Bob,01/09/2012,,\n"
    result = parse_export(text.encode(), "x.csv")
    assert len(result.rows) == 2
    (warning,) = result.warnings
    assert (warning.row, warning.field) == (2, "")
    assert "5 values but the header has 4 columns" in warning.message


def test_short_rows_read_missing_cells_as_blank() -> None:
    header = [*HEADER, "Gender", "EAL"]
    text = f"{','.join(header)}\n{UPN1},Smith,Ann,01/09/2012\n"
    (row,) = pupil_rows(parse_export(text.encode(), "x.csv"))
    assert (row.gender, row.eal) == ("", None)


# XLSX files -------------------------------------------------------------------


def test_xlsx_header_below_several_title_rows() -> None:
    data = xlsx_bytes(
        [
            ["Oakfield Academy"],
            ["Students"],
            [],
            [None, *HEADER],
            [None, UPN1, "Smith", "Ann", datetime(2012, 9, 1)],
        ],
        formats={5: "dd/mm/yyyy"},
    )
    result = parse_export(data, "x.xlsx")
    (row,) = pupil_rows(result)
    assert (row.row, row.date_of_birth) == (5, date(2012, 9, 1))


def test_xlsx_dates_as_serial_numbers_and_as_text() -> None:
    data = xlsx_bytes(
        [
            [*HEADER, "Admission Date"],
            [UPN1, "Smith", "Ann", 41153, "02/09/2024"],  # 41153 is 1 September 2012
            [UPN2, "Jones", "Bob", "2012-09-01", 45537.0],
        ]
    )
    first, second = pupil_rows(parse_export(data, "x.xlsx"))
    assert (first.date_of_birth, first.admission_date) == (date(2012, 9, 1), date(2024, 9, 2))
    assert (second.date_of_birth, second.admission_date) == (date(2012, 9, 1), date(2024, 9, 2))


def test_xlsx_numbers_and_booleans_are_read_as_values() -> None:
    data = xlsx_bytes(
        [
            [*HEADER, "Year", "Reg", "FSM", "EAL", "Attendance %"],
            [UPN1, "Smith", "Ann", "01/09/2012", 7, 10, True, 0, 0.9],
            [UPN2, "Jones", "Bob", "01/09/2012", 8.0, "8B", False, 1, 88.25],
        ],
        formats={9: "0.0%"},
    )
    first, second = pupil_rows(parse_export(data, "x.xlsx"))
    assert (first.year_group, first.reg_group, first.fsm, first.eal) == (7, "10", True, False)
    assert first.attendance == Decimal("90")
    assert (second.year_group, second.fsm, second.eal) == (8, False, True)
    assert second.attendance == Decimal("88.25")


def test_xlsx_reads_only_the_first_worksheet() -> None:
    workbook = Workbook()
    first = workbook.active
    assert first is not None
    first.append(HEADER)
    first.append([UPN1, "Smith", "Ann", "01/09/2012"])
    second = workbook.create_sheet("Leavers")
    second.append(HEADER)
    second.append([UPN2, "Jones", "Bob", "01/09/2012"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert [row.upn for row in parse_export(buffer.getvalue(), "x.xlsx").rows] == [UPN1]


# Values -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "01/09/2012",
        "1/9/2012",
        "2012-09-01",
        "01-09-2012",
        "01.09.2012",
        "1 Sep 2012",
        "01-Sep-2012",
        "1 September 2012",
        "01/09/2012 00:00:00",
        "2012-09-01T00:00:00",
    ],
)
def test_date_formats(text: str) -> None:
    (row,) = pupil_rows(pupils([UPN1, "Smith", "Ann", text]))
    assert row.date_of_birth == date(2012, 9, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("31/02/2012", "The date of birth '31/02/2012' is not a real date"),
        ("01/09/12", "The date of birth '01/09/12' is not a date"),
        ("09/31/2012", "The date of birth '09/31/2012' is not a real date"),
        ("next week", "The date of birth 'next week' is not a date"),
        ("01/09/1850", "The date of birth 01/09/1850 is not a plausible date."),
    ],
)
def test_unreadable_date_of_birth_is_an_error_saying_what_is_expected(
    text: str, expected: str
) -> None:
    result = pupils([UPN1, "Smith", "Ann", text])
    assert result.rows == []
    (error,) = result.errors
    assert (error.row, error.field) == (2, "date_of_birth")
    assert error.message.startswith(expected)
    if "plausible" not in expected:
        assert DATE_FORMAT_HINT in error.message


def test_unreadable_admission_date_is_only_a_warning() -> None:
    row, problems = one_value("Admission Date", "soon")
    assert row is not None and row.admission_date is None
    assert [(p.field, p.message) for p in problems] == [
        ("admission_date", f"The admission date 'soon' is not a date; {DATE_FORMAT_HINT}.")
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Yes", True),
        ("yes", True),
        ("Y", True),
        ("True", True),
        ("TRUE", True),
        ("T", True),
        ("1", True),
        ("No", False),
        ("n", False),
        ("False", False),
        ("F", False),
        ("0", False),
        ("", None),
    ],
)
def test_flags(text: str, expected: bool | None) -> None:
    row, problems = one_value("FSM", text)
    assert problems == []
    assert row is not None and row.fsm is expected


def test_an_unreadable_flag_is_a_warning_and_left_unknown() -> None:
    row, problems = one_value("EAL", "Maybe")
    assert row is not None and row.eal is None
    (problem,) = problems
    assert (problem.row, problem.field) == (2, "eal")
    assert "'Maybe' is not yes or no" in problem.message


def test_absent_flag_columns_are_none_and_not_present() -> None:
    (row,) = pupil_rows(pupils([UPN1, "Smith", "Ann", "01/09/2012"]))
    assert (row.eal, row.fsm, row.pupil_premium, row.looked_after) == (None, None, None, None)
    assert row.present == {"upn", "legal_surname", "legal_forename", "date_of_birth"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("94.5", Decimal("94.5")),
        ("94.5%", Decimal("94.5")),
        (" 94.5 % ", Decimal("94.5")),
        ("100", Decimal("100")),
        ("0", Decimal("0")),
        ("", None),
    ],
)
def test_attendance(text: str, expected: Decimal | None) -> None:
    row, problems = one_value("Attendance %", text)
    assert problems == []
    assert row is not None and row.attendance == expected


@pytest.mark.parametrize("text", ["120", "-1", "100.1", "lots", "NaN", "Infinity"])
def test_attendance_out_of_range_is_a_warning_and_left_blank(text: str) -> None:
    row, problems = one_value("Attendance", text)
    assert row is not None and row.attendance is None
    (problem,) = problems
    assert problem.field == "attendance" and f"'{text}'" in problem.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("M", "M"),
        ("Male", "M"),
        ("female", "F"),
        ("f", "F"),
        ("", ""),
        ("Non-binary", "NON-BINARY"),
    ],
)
def test_gender(text: str, expected: str) -> None:
    row, problems = one_value("Sex", text)
    assert problems == [] and row is not None and row.gender == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Year 7", 7), ("Y7", 7), ("7", 7), ("R", 0), ("Reception", 0), ("N2", -1), ("N1", -2)],
)
def test_year_group(text: str, expected: int) -> None:
    row, problems = one_value("NC Year", text)
    assert problems == [] and row is not None and row.year_group == expected


@pytest.mark.parametrize("text", ["Year 15", "Staff", "²"])
def test_unreadable_year_group_is_a_warning(text: str) -> None:
    row, problems = one_value("Year Group", text)
    assert row is not None and row.year_group is None
    (problem,) = problems
    assert problem.field == "year_group" and "was left blank" in problem.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("K", "K"),
        ("k", "K"),
        ("E", "E"),
        ("N", "N"),
        ("SEN Support", "K"),
        ("sen support", "K"),
        ("Education, Health and Care Plan", "E"),
        ("EHC Plan", "E"),
        ("EHCP", "E"),
        ("No Special Educational Need", "N"),
        ("K - SEN Support", "K"),
        ("", ""),
    ],
)
def test_sen_status_from_code_or_description(text: str, expected: str) -> None:
    row, problems = one_value("SEN Provision", text)
    assert problems == [] and row is not None and row.sen_status == expected


@pytest.mark.parametrize("text", ["S", "s", "Statement"])
def test_discontinued_statement_is_recorded_as_ehc_plan_with_a_warning(text: str) -> None:
    row, problems = one_value("SEN Status", text)
    assert row is not None and row.sen_status == "E"
    assert [(p.field, p.message) for p in problems] == [("sen_status", STATUS_DISCONTINUED)]
    assert "discontinued" in STATUS_DISCONTINUED and "recorded as E" in STATUS_DISCONTINUED


def test_unknown_sen_status_is_kept_with_a_warning() -> None:
    row, problems = one_value("SEN Stage", " School Action ")
    assert row is not None and row.sen_status == "School Action"
    (problem,) = problems
    assert problem.field == "sen_status"
    assert "'School Action' is not a census code" in problem.message
    assert "kept as given" in problem.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SPLD", "SPLD"),
        ("spld", "SPLD"),
        ("Specific Learning Difficulty", "SPLD"),
        ("Specific learning difficulties", "SPLD"),
        ("Profound & Multiple Learning Difficulty", "PMLD"),
        ("Speech, Language and Communication Needs", "SLCN"),
        ("Social, Emotional and Mental Health", "SEMH"),
        ("Autistic Spectrum Disorder", "ASD"),
        ("Autism", "ASD"),
        ("Other Difficulty/Disability", "OTH"),
        ("SEN support but no specialist assessment of type of need", "NSA"),
        ("SPLD – Specific learning difficulty", "SPLD"),
    ],
)
def test_need_from_code_or_description(text: str, expected: str) -> None:
    row, problems = one_value("Primary Need", text)
    assert problems == [] and row is not None and row.needs == (expected,)


def test_needs_are_in_rank_order_with_blanks_dropped() -> None:
    header = [*HEADER, "SEN Need Type 2", "SEN Need Type 1"]
    result = pupils(
        [UPN1, "Smith", "Ann", "01/09/2012", "SLCN", "ASD"],
        [UPN2, "Jones", "Bob", "01/09/2012", "", "MLD"],
        [UPN3, "Brown", "Cy", "01/09/2012", "", ""],
        header=header,
    )
    assert [row.needs for row in pupil_rows(result)] == [("ASD", "SLCN"), ("MLD",), ()]
    assert result.warnings == []


def test_unknown_need_is_kept_with_a_warning() -> None:
    row, problems = one_value("SEN Need 1", "Dyscalculia?")
    assert row is not None and row.needs == ("Dyscalculia?",)
    (problem,) = problems
    assert (problem.field, problem.row) == ("need_1", 2)
    assert "'Dyscalculia?' is not a census need type" in problem.message


def test_secondary_need_without_primary_becomes_primary_with_a_warning() -> None:
    header = [*HEADER, "Primary Need", "Secondary Need"]
    result = pupils([UPN1, "Smith", "Ann", "01/09/2012", "", "HI"], header=header)
    (row,) = pupil_rows(result)
    assert row.needs == ("HI",)
    (warning,) = result.warnings
    assert warning.field == "need_2" and "without a primary need" in warning.message


def test_the_same_need_twice_is_recorded_once() -> None:
    header = [*HEADER, "Primary Need", "Secondary Need"]
    result = pupils([UPN1, "Smith", "Ann", "01/09/2012", "ASD", "asd"], header=header)
    (row,) = pupil_rows(result)
    assert row.needs == ("ASD",)
    assert [w.field for w in result.warnings] == ["need_2"]


# Row errors ---------------------------------------------------------------------


def test_upn_is_normalised_before_it_is_checked() -> None:
    spaced = f"{UPN1[:5].lower()} {UPN1[5:]}"
    (row,) = pupil_rows(pupils([spaced, "Smith", "Ann", "01/09/2012"]))
    assert row.upn == UPN1


@pytest.mark.parametrize(
    ("upn", "expected"),
    [
        ("", "The UPN is missing."),
        ("A12345", "A UPN has 13 characters; 'A12345' has 6."),
        ("I801200020001", "is not"),
        ("A1234567890²2", "is not"),
    ],
)
def test_invalid_upns_are_errors(upn: str, expected: str) -> None:
    result = pupils([upn, "Smith", "Ann", "01/09/2012"], [UPN2, "Jones", "Bob", "01/09/2012"])
    assert [row.upn for row in result.rows] == [UPN2]
    (error,) = result.errors
    assert (error.row, error.field) == (2, "upn") and expected in error.message


def test_wrong_check_letter_names_the_expected_letter() -> None:
    wrong = samples.wrong_check_letter(UPN1)
    (error,) = pupils([wrong, "Smith", "Ann", "01/09/2012"]).errors
    assert error.message.endswith(f"but its digits need {UPN1[0]}.")


def test_every_repeat_of_a_upn_is_an_error_naming_the_first_row() -> None:
    row = [UPN1, "Smith", "Ann", "01/09/2012"]
    result = pupils(row, [UPN2, "Jones", "Bob", "01/09/2012"], row, row)
    assert [r.row for r in result.rows] == [2, 3]
    assert [(e.row, e.field) for e in result.errors] == [(4, "upn"), (5, "upn")]
    assert all(f"The UPN {UPN1} is also on row 2" in e.message for e in result.errors)


def test_missing_legal_name_is_an_error() -> None:
    result = pupils([UPN1, "", "Ann", "01/09/2012"])
    assert result.rows == []
    assert [(e.field, e.message) for e in result.errors] == [
        ("legal_surname", "The legal surname is missing.")
    ]


def test_a_row_reports_all_of_its_problems() -> None:
    result = pupils(["", "Smith", "Ann", "30/02/2012"])
    assert [e.field for e in result.errors] == ["upn", "date_of_birth"]


# Class lists ----------------------------------------------------------------------


def test_class_list_errors_and_warnings() -> None:
    data = csv_bytes(
        [
            ["UPN", "Teaching Group", "Teacher Name"],
            [UPN1, "7A/Ma1", "Mr Ng"],
            ["", "7A/Ma1", "Mr Ng"],
            [UPN2, "", "Mr Ng"],
            [UPN3, "7A/Ma1", ""],
            [UPN1, "7A/Ma1", "Mr Ng"],
        ]
    )
    result = parse_export(data, "classes.csv")
    assert result.kind == "classes"
    assert result.rows == [
        ClassRow(row=2, upn=UPN1, group="7A/Ma1", teacher="Mr Ng"),
        ClassRow(row=5, upn=UPN3, group="7A/Ma1", teacher=""),
    ]
    assert [(e.row, e.field, e.message) for e in result.errors] == [
        (3, "upn", UPN_MISSING),
        (4, "group", "The class is missing."),
    ]
    assert [(w.row, w.field) for w in result.warnings] == [(5, "teacher"), (6, "")]
    assert "repeats row 2" in result.warnings[1].message


def test_class_list_prefers_the_teacher_email_and_may_carry_names() -> None:
    data = csv_bytes(
        [
            ["UPN", "Surname", "Forename", "Class", "Teacher Name", "Teacher Email"],
            [UPN1, "Smith", "Ann", "8B/Sc", "Ms Ode", "a.ode@school.example"],
        ]
    )
    result = parse_export(data, "classes.csv")
    assert result.kind == "classes"
    assert result.rows == [ClassRow(row=2, upn=UPN1, group="8B/Sc", teacher="a.ode@school.example")]
    assert result.columns["teacher"] == "Teacher Email"


def test_a_pupil_export_with_a_class_column_is_still_a_pupil_export() -> None:
    result = pupils(
        [UPN1, "Smith", "Ann", "01/09/2012", "7A", "Mr Ng"], header=[*HEADER, "Class", "Teacher"]
    )
    assert result.kind == "pupils"
    assert "group" not in result.columns


# Columns and --map -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Unique Pupil Number", "upn"),
        ("last name", "legal_surname"),
        ("FIRST NAME", "legal_forename"),
        ("Preferred Name", "preferred_forename"),
        ("Date Of Birth", "date_of_birth"),
        ("D.O.B.", "date_of_birth"),
        ("Curriculum Year", "year_group"),
        ("Registration Group", "reg_group"),
        ("Form", "reg_group"),
        ("Tutor Group", "reg_group"),
        ("SEN Stage", "sen_status"),
        ("SEN Type Rank 1", "need_1"),
        ("Primary SEN Need", "need_1"),
        ("SEN Type Rank 2", "need_2"),
        ("English as an Additional Language", "eal"),
        ("Free School Meals", "fsm"),
        ("Pupil Premium Indicator", "pupil_premium"),
        ("CLA", "looked_after"),
        ("LAC", "looked_after"),
        ("In Care", "looked_after"),
        ("Attendance%", "attendance"),
        ("Leaving Date", "leaving_date"),
    ],
)
def test_header_aliases(header: str, field: str) -> None:
    columns = {"upn": "UPN", "legal_surname": "Legal Surname", "legal_forename": "Legal Forename"}
    columns |= {"date_of_birth": "DOB", field: header}
    values = {"upn": UPN1, "legal_surname": "Smith", "legal_forename": "Ann"}
    values |= {"date_of_birth": "01/09/2012"}
    result = pupils([values.get(f, "") for f in columns], header=list(columns.values()))
    assert result.columns[field] == header
    assert len(result.rows) == 1


def test_no_two_fields_share_an_alias() -> None:
    from sendreg.imports.columns import FIELDS

    owners: dict[str, set[str]] = {}
    for field in FIELDS.values():
        for alias in field.aliases:
            owners.setdefault(header_key(alias), set()).add(field.name)
    assert {key: names for key, names in owners.items() if len(names) > 1} == {}


def test_two_columns_for_one_field_use_the_preferred_one_and_warn() -> None:
    header = ["UPN", "Legal Surname", "Surname", "Legal Forename", "DOB"]
    result = pupils([UPN1, "Smith-Jones", "Jones", "Ann", "01/09/2012"], header=header)
    (row,) = pupil_rows(result)
    assert row.legal_surname == "Smith-Jones"
    (warning,) = result.warnings
    assert (warning.row, warning.field) == (1, "legal_surname")
    assert '"Legal Surname" was used and "Surname" was ignored' in warning.message


def test_mapping_by_field_name() -> None:
    header = ["Pupil Ref", "Legal Surname", "Legal Forename", "Birthday"]
    result = pupils(
        [UPN1, "Smith", "Ann", "01/09/2012"],
        header=header,
        mapping={"upn": "Pupil Ref", "date_of_birth": "birthday"},
    )
    assert [row.upn for row in result.rows] == [UPN1]
    assert result.columns["upn"] == "Pupil Ref" and result.columns["date_of_birth"] == "Birthday"


def test_mapping_by_header_alias_and_over_a_recognised_column() -> None:
    header = ["UPN", "Pupil Ref", "Legal Surname", "Legal Forename", "DOB"]
    mapping = parse_mapping_args(["Unique pupil number = Pupil Ref"])
    result = pupils(["rubbish", UPN1, "Smith", "Ann", "01/09/2012"], header=header, mapping=mapping)
    assert [row.upn for row in result.rows] == [UPN1]
    assert result.columns["upn"] == "Pupil Ref"


def test_parse_mapping_args() -> None:
    assert parse_mapping_args(["UPN=Pupil Ref", " date of birth = Birthday ", "need_1=Need"]) == {
        "upn": "Pupil Ref",
        "date_of_birth": "Birthday",
        "need_1": "Need",
    }


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        (["UPN"], 'is not in the form "Our Column=Your Column"'),
        (["=Pupil Ref"], "is not in the form"),
        (["UPN="], "is not in the form"),
        (["Shoe Size=Size"], '"Shoe Size" is not a column sendreg reads'),
        (["UPN=A", "upn=B"], "gives the UPN column twice"),
    ],
)
def test_parse_mapping_args_rejects_malformed_items(items: list[str], expected: str) -> None:
    with pytest.raises(ValueError, match=expected):
        parse_mapping_args(items)


def test_mapped_column_missing_from_the_file_is_refused() -> None:
    message = refusal(csv_bytes([HEADER]), mapping={"date_of_birth": "Birthday"})
    assert '--map says the Date of Birth column is "Birthday"' in message
    assert '"Legal Surname"' in message


def test_unknown_mapping_key_is_refused() -> None:
    assert "is not a column sendreg reads" in refusal(csv_bytes([HEADER]), mapping={"x": "UPN"})


# Whole-file refusals ------------------------------------------------------------


def test_missing_columns_are_listed_with_the_columns_found() -> None:
    data = csv_bytes([["UPN", "Name", "Birthday"], [UPN1, "Ann Smith", "01/09/2012"]])
    message = refusal(data)
    assert "Missing: Legal Surname, Legal Forename, Date of Birth." in message
    assert 'Columns found: "UPN", "Name", "Birthday".' in message
    assert '--map "Legal Surname=Your Column"' in message


def test_a_file_without_a_upn_column_is_refused_with_the_columns_found() -> None:
    data = csv_bytes([["Pupil", "Surname", "Forename", "DOB"], ["x", "Smith", "Ann", "1/9/2012"]])
    message = refusal(data)
    assert "Missing: UPN." in message
    assert 'Columns found: "Pupil", "Surname", "Forename", "DOB".' in message
    assert '--map "UPN=Your Column"' in message


def test_a_group_without_a_teacher_mentions_class_lists() -> None:
    message = refusal(csv_bytes([["UPN", "Class"], [UPN1, "7A"]]))
    assert "A class list needs the columns UPN, Class and Teacher." in message


@pytest.mark.parametrize(
    "data",
    [b"", b"   \r\n\r\n", b"\xef\xbb\xbf", b"\xef\xbb\xbf\r\n", " \r\n".encode("utf-16")],
)
def test_an_empty_file_is_refused(data: bytes) -> None:
    assert refusal(data) == "The file is empty."


def test_a_header_with_no_rows_is_refused_as_empty() -> None:
    assert refusal(csv_bytes([HEADER, ["", "", "", ""]])).startswith("The file is empty")


def test_a_file_over_the_size_limit_is_refused() -> None:
    data = csv_bytes([HEADER, [UPN1, "Smith", "Ann", "01/09/2012"]]) + b" " * 3 * 1024 * 1024
    message = refusal(data, max_bytes=2 * 1024 * 1024)
    assert message.startswith("The file is 3.1 MB; the largest file sendreg accepts is 2 MB.")


def test_pdf_is_refused_by_content_not_name() -> None:
    message = refusal(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "pupils.xlsx")
    assert "The file is a PDF document (although its name ends .xlsx), not a spreadsheet" in message


def test_password_protected_or_old_xls_is_refused() -> None:
    message = refusal(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "pupils.xlsx")
    assert "password-protected or in the old .xls format" in message
    assert "save it as an unprotected .xlsx or CSV" in message


def test_binary_data_is_refused() -> None:
    assert "not a spreadsheet" in refusal(b"UPN,Surname\x00\x01\x02 binary")


def test_html_pretending_to_be_xls_is_refused() -> None:
    message = refusal(b"<html><body><table><tr><td>UPN</td></tr></table></body></html>", "a.xls")
    assert "a web page (HTML)" in message and "save it as an .xlsx or CSV" in message


def test_a_damaged_xlsx_is_refused() -> None:
    data = xlsx_bytes([HEADER, [UPN1, "Smith", "Ann", "01/09/2012"]])
    assert "damaged" in refusal(data[: len(data) // 2], "x.xlsx")
    assert "damaged" in refusal(b"PK\x03\x04" + b"\x01" * 200, "x.xlsx")


def test_an_xlsx_with_a_broken_sheet_is_refused() -> None:
    original = xlsx_bytes([HEADER, [UPN1, "Smith", "Ann", "01/09/2012"]])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(original)) as source, zipfile.ZipFile(out, "w") as target:
        for entry in source.infolist():
            content = source.read(entry.filename)
            if entry.filename == "xl/worksheets/sheet1.xml":
                content = content[: len(content) // 2]
            target.writestr(entry.filename, content)
    assert "could not be read; it may be damaged" in refusal(out.getvalue(), "x.xlsx")


def test_other_zip_files_are_named() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    assert "The file is a Word document" in refusal(out.getvalue(), "pupils.docx")


# Properties ---------------------------------------------------------------------

_FUZZ = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _parse_or_refuse(data: bytes, filename: str = "fuzz.csv") -> ParseResult | None:
    try:
        return parse_export(data, filename)
    except ImportRefused as refused:
        assert str(refused)
        return None


@_FUZZ
@given(st.binary(max_size=2000))
def test_any_bytes_give_a_result_or_a_refusal(data: bytes) -> None:
    _parse_or_refuse(data)


@_FUZZ
@given(
    st.sampled_from([b"PK\x03\x04", b"\xef\xbb\xbf", b"\xff\xfe", b"UPN,DOB\r\n", b"<", b""]),
    st.binary(max_size=1000),
)
def test_any_bytes_after_a_telling_start_give_a_result_or_a_refusal(
    start: bytes, rest: bytes
) -> None:
    _parse_or_refuse(start + rest)


_CELL = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["", " ", "K", "S", "SPLD", "Yes", "n", "01/09/2012", "94.5%", UPN1, UPN2]),
)
_FULL_HEADER = [
    "UPN",
    "Surname",
    "Forename",
    "DOB",
    "Year",
    "SEN Status",
    "Primary Need",
    "Secondary Need",
    "EAL",
    "Attendance",
    "Admission Date",
]


@_FUZZ
@given(
    st.lists(st.lists(_CELL, max_size=len(_FULL_HEADER) + 2), max_size=30),
    st.sampled_from([",", ";", "\t"]),
)
def test_any_table_under_a_valid_header_gives_a_result_or_a_refusal(
    table: list[list[str]], delimiter: str
) -> None:
    result = _parse_or_refuse(csv_bytes([_FULL_HEADER, *table], delimiter=delimiter))
    if result is None:
        return
    last_row = len(table) + 1
    assert 1 <= result.total_rows <= len(table)
    for problem in (*result.errors, *result.warnings):
        assert 1 <= problem.row <= last_row
    for row in result.rows:
        assert 2 <= row.row <= last_row
    skipped = {problem.row for problem in result.errors}
    assert len(result.rows) + len(skipped) == result.total_rows
    assert not skipped & {row.row for row in result.rows}


_XLSX_CELL = st.one_of(
    st.none(),
    st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=12),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.dates(min_value=date(1900, 3, 1), max_value=date(2100, 1, 1)),
)


@settings(_FUZZ, max_examples=40)
@given(st.lists(st.lists(_XLSX_CELL, max_size=len(_FULL_HEADER)), max_size=8))
def test_any_xlsx_table_under_a_valid_header_gives_a_result_or_a_refusal(
    table: list[list[object]],
) -> None:
    result = _parse_or_refuse(xlsx_bytes([_FULL_HEADER, *table]), "fuzz.xlsx")
    if result is not None:
        for problem in (*result.errors, *result.warnings):
            assert 1 <= problem.row <= len(table) + 1


# Running without Django, and speed ----------------------------------------------


def test_the_parser_needs_no_django_settings() -> None:
    script = (
        "from pathlib import Path; from sendreg.imports.parsers import parse_export; "
        f"r = parse_export(Path({str(DATA / 'sims_students.csv')!r}).read_bytes(), 'x.csv'); "
        "print(len(r.rows))"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = str(SRC)
    done = subprocess.run(  # noqa: S603 - runs this interpreter on a fixed script
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "20"


def test_a_large_export_parses_in_full() -> None:
    """Every row of a 20,000-row export; how fast is measured by benchmarks/parsing.py."""
    rows = [
        [
            make_upn(801, 2000 + n // 1000, 20, n % 1000),
            f"Surname{n}",
            "Ann",
            f"{1 + n % 28:02d}/09/2012",
            "K" if n % 5 == 0 else "",
            "SPLD" if n % 5 == 0 else "",
            "Yes",
            f"{90 + n % 10}.5",
        ]
        for n in range(20_000)
    ]
    header = [*HEADER, "SEN Status", "SEN Need Type 1", "EAL", "Attendance %"]
    data = csv_bytes([header, *rows])
    result = parse_export(data, "big.csv")
    assert len(result.rows) == 20_000 and result.errors == []
    assert result.rows[-1].upn == make_upn(801, 2019, 20, 999)
