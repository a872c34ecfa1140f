"""A small evaluator for the formulas the provision map's workbook uses, so that tests can check
the workbook's live figures against the page's without a spreadsheet program.

It knows exactly what the export writes: cell and range references (with sheet names and $),
+ - * / > >=, string literals, and ROUND, IF, AND, ISNUMBER, MIN, MAX, SUM, SUMIF and COUNTIF.
ROUND rounds half away from zero, as Excel does. Dates count as Excel day numbers.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from openpyxl import load_workbook

_EPOCH = dt.datetime(1899, 12, 30)
_RANGE = re.compile(r"(?:'([^']+)'!|(\w+)!)?\$?([A-Z]+)\$?(\d+):\$?([A-Z]+)\$?(\d+)")
_CELL = re.compile(r"(?:'([^']+)'!|(\w+)!)?\$?([A-Z]+)\$?(\d+)(?![\w(])")


def _column(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


class Book:
    def __init__(self, data: bytes) -> None:
        self.book = load_workbook(io.BytesIO(data))

    def raw(self, sheet: str, column: str, row: int) -> Any:
        return self.book[sheet].cell(row=row, column=_column(column)).value

    def value(self, sheet: str, column: str, row: int) -> Any:
        raw = self.raw(sheet, column, row)
        if isinstance(raw, str) and raw.startswith("="):
            return self.evaluate(sheet, raw[1:])
        if isinstance(raw, dt.datetime):
            return Decimal((raw - _EPOCH).days)
        if isinstance(raw, bool) or raw is None or isinstance(raw, str):
            return raw
        return Decimal(str(raw))

    def evaluate(self, sheet: str, formula: str) -> Any:
        ranges: list[list[Any]] = []

        def range_(match: re.Match[str]) -> str:
            name = match.group(1) or match.group(2) or sheet
            first, last = int(match.group(4)), int(match.group(6))
            assert match.group(3) == match.group(5), "ranges here are one column"
            ranges.append([self.value(name, match.group(3), r) for r in range(first, last + 1)])
            return f"_R[{len(ranges) - 1}]"

        def cell(match: re.Match[str]) -> str:
            name = match.group(1) or match.group(2) or sheet
            return f"_C({name!r},{match.group(3)!r},{match.group(4)})"

        expression = _RANGE.sub(range_, formula)
        expression = _CELL.sub(cell, expression)
        expression = expression.replace("<>", "!=").replace("=", "==").replace(">==", ">=")
        env = {
            "_R": ranges,
            "_C": self.value,
            "ROUND": lambda v, places: Decimal(v).quantize(
                Decimal(1).scaleb(-int(places)), rounding=ROUND_HALF_UP
            ),
            "IF": lambda test, yes, no: yes if test else no,
            "AND": lambda *values: all(values),
            "ISNUMBER": lambda v: isinstance(v, Decimal),
            "MIN": min,
            "MAX": max,
            "SUM": lambda values: sum((v for v in values if isinstance(v, Decimal)), Decimal(0)),
            "SUMIF": lambda keys, wanted, values: sum(
                (v for k, v in zip(keys, values, strict=True) if k == wanted and v is not None),
                Decimal(0),
            ),
            "COUNTIF": lambda values, wanted: sum(1 for v in values if v == wanted),
        }
        return eval(expression, {"__builtins__": {}}, env)  # noqa: S307 - test-only, our own formulas
