"""How fast an export is read, and how fast a hostile workbook is refused: no database.

    python benchmarks/parsing.py                # 20,000 rows, a zip bomb, a sheet of 1,048,576 rows
    python benchmarks/parsing.py --rows 50000 --runs 5

The tests check what the parser does with these files (every row read; the bomb refused from
the zip's directory without unpacking; no more rows read than the limit); this script says how
long it takes. Targets on a 2-core machine: 20,000 rows parsed in under 2 s (about 0.2 s is
usual: the bound is there to catch quadratic work), and each hostile workbook refused in under
2 s. Prints each figure beside its target and exits 1 if any is missed.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import statistics
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable

HEADER = ["UPN", "Legal Surname", "Legal Forename", "DOB"]


def setup() -> None:
    os.environ["SENDREG_HOME"] = tempfile.mkdtemp(prefix="sendreg-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sendreg.settings")
    import django

    django.setup()


def large_csv(rows: int) -> bytes:
    from sendreg.pupils.rules import make_upn

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*HEADER, "SEN Status", "SEN Need Type 1", "EAL", "Attendance %"])
    for n in range(rows):
        writer.writerow(
            [
                make_upn(801, 2000 + n // 1000, 20, n % 1000),
                f"Surname{n}", "Ann", f"{1 + n % 28:02d}/09/2012",
                "K" if n % 5 == 0 else "", "SPLD" if n % 5 == 0 else "", "Yes", f"{90 + n % 10}.5",
            ]
        )  # fmt: skip
    return out.getvalue().encode()


def _workbook(sheet_xml: bytes) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(HEADER)
    original = io.BytesIO()
    book.save(original)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(original) as source,
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive,
    ):
        for entry in source.infolist():
            data = source.read(entry.filename)
            if entry.filename == "xl/worksheets/sheet1.xml":
                data = sheet_xml
            archive.writestr(entry.filename, data)
    return out.getvalue()


def _sheet(rows_xml: bytes) -> bytes:
    return (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<sheetData>" + rows_xml + b"</sheetData></worksheet>"
    )


def zip_bomb() -> bytes:
    """200 MB of one repeated row, packed to about 200 KB."""
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    return _workbook(_sheet(row * (200 * 1024 * 1024 // len(row))))


def tall_sheet() -> bytes:
    """A header and one cell in the sheet's last row: a million rows claimed, two written."""
    header = b'<row r="1">' + b"".join(
        f'<c r="{col}1" t="inlineStr"><is><t>{text}</t></is></c>'.encode()
        for col, text in zip("ABCD", HEADER, strict=True)
    )
    return _workbook(_sheet(header + b'</row><row r="1048576"><c r="A1048576"><v>1</v></c></row>'))


def timed(work: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000, help="rows in the CSV (20000)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each (3)")
    args = parser.parse_args()
    setup()
    from sendreg.imports.parsers import ImportRefused, parse_export

    def parse(data: bytes, name: str) -> Callable[[], object]:
        return lambda: parse_export(data, name)

    def refuse(data: bytes, name: str) -> Callable[[], object]:
        def work() -> None:
            try:
                parse_export(data, name)
            except ImportRefused:
                return
            raise SystemExit(f"{name} was not refused")

        return work

    cases = [
        (f"parse a CSV of {args.rows:,} rows", parse(large_csv(args.rows), "big.csv"), 2.0),
        ("refuse a zip bomb (200 MB packed in a workbook)", refuse(zip_bomb(), "bomb.xlsx"), 2.0),
        ("refuse a sheet claiming 1,048,576 rows", refuse(tall_sheet(), "tall.xlsx"), 2.0),
    ]
    missed = 0
    print(f"{'case':<52} {'median s':>9}  target")
    for name, work, goal in cases:
        seconds = timed(work, args.runs)
        ok = seconds <= goal
        missed += not ok
        print(f"{name:<52} {seconds:>9.3f}  <= {goal:.0f} s {'ok' if ok else 'MISSED'}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
