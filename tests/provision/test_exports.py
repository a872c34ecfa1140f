"""The provision map's downloads: live formulas that agree with the page, text that never runs."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.test import Client
from openpyxl import load_workbook

from sendreg.accounts.models import School, User
from sendreg.provision import selectors
from sendreg.provision.exports import HEADER
from tests.conftest import TODAY
from tests.provision.conftest import Map
from tests.provision.factories import EnrolmentFactory, RunFactory
from tests.provision.xlsx_eval import Book

D = Decimal
pytestmark = pytest.mark.usefixtures("on_today")
COST = "Y"  # "Cost this school year (£)"
HOURS = "Z"


@pytest.fixture
def exported(provision: Map, school: School, senco: User, client: Client) -> Map:
    # A run across two school years, and an outcome note that looks like a formula.
    spanning = RunFactory(intervention=provision.reading, start_date=dt.date(2026, 7, 1),
                          end_date=dt.date(2026, 9, 30), weeks=13)  # fmt: skip
    EnrolmentFactory(run=spanning, pupil=provision.ben, outcome='=HYPERLINK("http://x.test")')
    client.force_login(senco)
    return provision


def test_the_workbook_has_one_row_per_pupil_per_run_and_agrees_with_the_page(
    exported: Map, school: School, client: Client
) -> None:
    response = client.get("/provision/?year=2025&export=xlsx")
    assert response["Content-Disposition"] == (
        'attachment; filename="provision-map-100001-2025-26.xlsx"'
    )
    book = Book(response.content)
    sheet = book.book["Provision map"]
    assert [c.value for c in sheet[1]] == HEADER
    assert HEADER.index("Cost this school year (£)") == ord(COST) - 65
    rows = selectors.provision_map(school, year=2025, today=TODAY).rows
    assert sheet.max_row == len(rows) + 2  # the header and the totals
    for n, row in enumerate(rows, start=2):
        assert book.raw("Provision map", "A", n) == row.upn
        assert book.value("Provision map", "V", n) == row.cost
        assert book.value("Provision map", COST, n) == row.cost_in_year
        assert book.value("Provision map", HOURS, n) == row.hours_in_year
    total_row = len(rows) + 2
    assert book.raw("Provision map", COST, total_row) == f"=SUM({COST}2:{COST}{total_row - 1})"
    page = selectors.provision_map(school, year=2025, today=TODAY).totals.total
    assert book.value("Provision map", COST, total_row) == page.cost
    assert book.value("Provision map", HOURS, total_row) == page.hours
    # The spanning run is costed by its share of days in 2025/26: 62 of 92.
    spanning = next(n for n, r in enumerate(rows, start=2) if r.run_start == dt.date(2026, 7, 1))
    # 16.50 × 3 × 30 ÷ 60 × 13 ÷ 4 + 10 = 90.4375; then 90.44 × 62 ÷ 92 = 60.949…
    assert book.value("Provision map", "V", spanning) == D("90.44")
    assert book.value("Provision map", COST, spanning) == D("60.95")


def test_the_pupils_sheet_totals_each_pupil_against_the_threshold(
    exported: Map, school: School, client: Client
) -> None:
    book = Book(client.get("/provision/?year=2025&export=xlsx").content)
    costs = {c.upn: c for c in selectors.pupil_costs(school, year=2025, today=TODAY)}
    assert book.value("Pupils", "B", 1) == D("6000")
    found = {}
    row = 4
    while book.raw("Pupils", "A", row) != "Total":
        upn = book.raw("Pupils", "A", row)
        found[upn] = (book.value("Pupils", "G", row), book.value("Pupils", "H", row))
        row += 1
    assert found == {upn: (c.cost, "Yes" if c.over_threshold else "No") for upn, c in costs.items()}
    assert book.value("Pupils", "H", row) == 1  # one pupil above the threshold


def test_text_from_outside_is_never_a_formula(exported: Map, client: Client) -> None:
    data = client.get("/provision/?year=2025&export=xlsx").content
    sheet = load_workbook(io.BytesIO(data))["Provision map"]
    outcome_column = HEADER.index("Outcome note") + 1
    cells = [sheet.cell(row=r, column=outcome_column) for r in range(2, sheet.max_row)]
    hostile = [c for c in cells if c.value and "HYPERLINK" in c.value]
    assert len(hostile) == 1 and hostile[0].data_type == "s"

    text = client.get("/provision/?year=2025&export=csv").content.decode("utf-8-sig")
    records = list(csv.reader(io.StringIO(text)))
    assert records[0] == HEADER
    outcome = [r[HEADER.index("Outcome note")] for r in records[1:]]
    assert '\'=HYPERLINK("http://x.test")' in outcome


def test_the_csv_carries_the_same_figures(exported: Map, school: School, client: Client) -> None:
    text = client.get("/provision/?year=2025&need=SPLD&export=csv").content.decode("utf-8-sig")
    records = list(csv.DictReader(io.StringIO(text)))
    assert {r["Surname"] for r in records} == {"Adams"}
    assert sorted(r["Cost this school year (£)"] for r in records) == ["84.25", "9405.00"]
    assert records[0]["SEN status"] == "E – Education, health and care plan"
    assert records[0]["Needs"] == "SPLD – Specific learning difficulty"
