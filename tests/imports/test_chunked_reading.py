"""The parser reads rows a chunk at a time, column by column (``parsers._RowBuilder``).

What it returns must not depend on where the chunks fall: the same rows, the same
problems in the same order (by row, and within a row in the order of the columns), a
UPN repeated across chunks still caught. No database.
"""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sendreg.imports import parsers
from sendreg.imports.parsers import ParseResult, parse_export
from sendreg.pupils.rules import make_upn

HEADER = ["UPN", "Legal Surname", "Legal Forename", "DOB", "Gender", "SEN Status",
          "SEN Need Type 1", "SEN Need Type 2", "Attendance %"]  # fmt: skip
UPNS = [make_upn(801, 2000, 20, serial) for serial in range(6)]

#: Each cell's choices: good values, and values each column reads with a problem.
CELLS = {
    "UPN": [*UPNS, "", "A123", "B801200020001"],  # missing, too short, wrong check letter
    "Legal Surname": ["Smith", "", "x" * 101],  # missing and too long are errors
    "Legal Forename": ["Ann", "Bo"],
    "DOB": ["01/09/2012", "31/02/2012", ""],  # not a date and missing are errors
    "Gender": ["F", "M", "Q"],
    "SEN Status": ["", "K", "E", "SEN Stage 3"],
    "SEN Need Type 1": ["", "SPLD", "ZZZ"],
    "SEN Need Type 2": ["", "SPLD", "MLD"],  # alone, or the same as the first: warnings
    "Attendance %": ["95.5", "", "lots"],
}


def export(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([HEADER, *rows])
    return buffer.getvalue().encode()


def read(data: bytes, chunk: int, monkeypatch: pytest.MonkeyPatch) -> ParseResult:
    monkeypatch.setattr(parsers, "_CHUNK_ROWS", chunk)
    return parse_export(data, "export.csv")


rows_strategy = st.lists(
    st.one_of(
        st.tuples(*(st.sampled_from(CELLS[name]) for name in HEADER)).map(list),
        st.just([]),  # a blank line: not a row, but it still counts in the numbering
        st.just([UPNS[0], "Short"]),  # trailing cells left off
        st.just([UPNS[1], "Spill", "Ann", "01/09/2012", "F", "", "", "", "90", "extra"]),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=60, deadline=None)
@given(rows=rows_strategy, chunk=st.integers(min_value=2, max_value=7))
def test_where_the_chunks_fall_changes_nothing(rows: list[list[str]], chunk: int) -> None:
    data = export(rows)
    with pytest.MonkeyPatch.context() as monkeypatch:
        try:
            one_at_a_time = read(data, 1, monkeypatch)
        except parsers.ImportRefused:
            # Only blank lines: refused the same way, whatever the chunks.
            with pytest.raises(parsers.ImportRefused):
                read(data, chunk, monkeypatch)
            return
        chunked = read(data, chunk, monkeypatch)
    assert chunked.rows == one_at_a_time.rows
    assert chunked.errors == one_at_a_time.errors
    assert chunked.warnings == one_at_a_time.warnings
    assert chunked.total_rows == one_at_a_time.total_rows
    assert [p.row for p in chunked.warnings] == sorted(p.row for p in chunked.warnings)


def test_problems_come_by_row_then_column_across_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    data = export([
        [UPNS[0], "Smith", "Ann", "01/09/2012", "F", "SEN Stage 3", "", "SPLD", "lots"],  # row 2
        [],  # row 3: blank
        [UPNS[1], "", "Bo", "31/02/2012", "F", "", "", "", ""],  # row 4: two errors
        [UPNS[0], "Smith", "Ann", "01/09/2012", "F", "", "", "", ""],  # row 5: UPN again
        [UPNS[2], "Jones", "Cy", "01/09/2012", "M", "K", "MLD", "MLD", ""],  # row 6
    ])  # fmt: skip
    result = read(data, 2, monkeypatch)

    assert [row.upn for row in result.rows] == [UPNS[0], UPNS[2]]
    assert [(p.row, p.field) for p in result.errors] == [
        (4, "legal_surname"), (4, "date_of_birth"), (5, "upn")
    ]  # fmt: skip
    assert "also on row 2" in result.errors[2].message
    # Row 2: the status, then the attendance, then the needs (put together after the columns).
    assert [(p.row, p.field, p.code) for p in result.warnings] == [
        (2, "sen_status", "sen_status_unknown"),
        (2, "attendance", "not_a_percentage"),
        (2, "need_2", "secondary_need_alone"),
        (6, "need_2", "need_repeated"),
    ]
    assert result.rows[0].needs == ("SPLD",) and result.rows[1].needs == ("MLD",)
    assert result.total_rows == 4
