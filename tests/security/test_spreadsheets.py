"""CSV cells never start a formula: not at the start of a field, nor after a separator in it."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sendreg.lib.spreadsheets import (
    FORMULA_STARTS,
    SEPARATORS,
    csv_text,
    neutralise,
    neutralise_after_separators,
)

FORMULA = ("=", "+", "-", "@")
# Text made mostly of the characters that matter, so that the interesting cases are common.
risky_text = st.text(alphabet=st.sampled_from(list("=+-@,;|\t\r\n \"'abc1")), max_size=30)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Smith;=cmd|' /C calc'!A0", "Smith;'=cmd|' /C calc'!A0"),
        ("Smith,=HYPERLINK(1)", "Smith,'=HYPERLINK(1)"),
        ("Smith; =1+1", "Smith; '=1+1"),
        ('Smith;"=1+1', "Smith;\"'=1+1"),
        ("Smith\t@SUM(A1)", "Smith\t'@SUM(A1)"),
        ("Smith|+1", "Smith|'+1"),
        ("=1+1;=2", "'=1+1;'=2"),
        ("  =1+1", "  '=1+1"),
        ("Jones-Smith", "Jones-Smith"),
        ("O'Brien, Mary", "O'Brien, Mary"),
    ],
)
def test_formula_characters_are_neutralised_after_separators(value: str, expected: str) -> None:
    assert neutralise(value) == expected


@given(risky_text)
def test_no_piece_of_a_field_starts_a_formula_whatever_the_separator(text: str) -> None:
    cell = neutralise(text)
    assert isinstance(cell, str)
    assert not cell.startswith(FORMULA_STARTS)
    for separator in SEPARATORS:
        for piece in cell.split(separator)[1:]:
            # A spreadsheet looks past spaces and an opening quote to decide what a cell is.
            assert not piece.lstrip(' "').startswith(FORMULA), (text, cell, separator)


@given(risky_text)
def test_neutralising_only_adds_apostrophes(text: str) -> None:
    cell = neutralise_after_separators(text)
    assert cell.replace("'", "") == text.replace("'", "")
    assert neutralise_after_separators(cell) == cell


@given(st.lists(risky_text, min_size=1, max_size=4))
def test_a_semicolon_reading_of_the_file_finds_no_formula(row: list[str]) -> None:
    text = csv_text(["Name"] * len(row), [row])
    for line in csv.reader(io.StringIO(text, newline=""), delimiter=";"):
        for cell in line:
            assert not cell.lstrip(" ").startswith(FORMULA), (row, cell)
