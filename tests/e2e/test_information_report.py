"""The SENCO writes the SEN information report in a real browser, publishes it, opens the public
page without logging in and reads its PDF back; then downloads the termly pack (the governors'
PDF names no pupil; the leaders' workbook opens) and looks at the analysis and findings.
Every page is checked with axe-core."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from openpyxl import load_workbook
from playwright.sync_api import BrowserContext, Page, expect

from sendreg.accounts.models import School, User
from sendreg.insight.report_rules import school_year_of, year_label
from sendreg.lib.dates import today
from sendreg.pupils.models import Pupil
from tests.conftest import put_on_register
from tests.e2e.test_register_flow import assert_accessible
from tests.factories import PupilFactory
from tests.insight.test_report import pdf_text

pytestmark = pytest.mark.e2e

LogIn = Callable[[BrowserContext, User], None]
NAMES = (("Zebedee", "Quixley"), ("Ottoline", "Brackwater"), ("Peregrine", "Tollemache"))


@pytest.fixture
def pupils(school: School, senco: User) -> list[Pupil]:
    day = today()
    made = []
    for forename, surname in NAMES:
        pupil = PupilFactory(school=school, legal_forename=forename, legal_surname=surname)
        made.append(put_on_register(pupil, by=senco, needs=("SPLD",), on=day, today=day))
    PupilFactory.create_batch(6, school=school)
    school.sendiass_name = "Northshire SENDIASS"
    school.local_offer_url = "https://example.org/local-offer"
    school.save()
    return made


@pytest.fixture
def senco_page(context: BrowserContext, log_in: LogIn, senco: User) -> Page:
    log_in(context, senco)
    return context.new_page()


def test_senco_publishes_the_sen_information_report_and_downloads_the_termly_pack(
    senco_page: Page,
    pupils: list[Pupil],
    school: School,
    new_context: Callable[..., BrowserContext],
) -> None:
    page = senco_page
    label = year_label(school_year_of(today()))
    page.goto("/")
    panel = page.get_by_role("region", name="SEN information report and termly pack")
    expect(panel).to_contain_text("has not published")
    page.goto("/information-report/")
    expect(page.get_by_role("heading", level=1)).to_have_text("SEN information report")
    assert_accessible(page, "the list of reports")
    page.get_by_role("link", name=f"Write the report for {label}").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"SEN information report {label}")
    assert_accessible(page, "the report's editor")
    page.get_by_label("How we identify special educational needs and assess them").fill(
        "We screen every pupil's reading each autumn."
    )
    page.get_by_role("button", name="Save the text").click()
    expect(page.get_by_text("The report's text is saved.")).to_be_visible()
    page.get_by_role("button", name="Publish the report").click()
    expect(page.get_by_text("The report is published.")).to_be_visible()
    assert_accessible(page, "the editor after publishing")
    public_url = page.get_by_role("link", name="/report/").first.get_attribute("href")
    assert public_url is not None and public_url.startswith(f"/report/{school.urn}/")

    # The public report: no login, no pupil named.
    visitor = new_context().new_page()
    visitor.goto(public_url)
    expect(visitor.get_by_role("heading", level=1)).to_contain_text("information report")
    expect(visitor.get_by_text("We screen every pupil's reading each autumn.")).to_be_visible()
    body = visitor.content()
    for forename, surname in NAMES:
        assert forename not in body and surname not in body
    assert_accessible(visitor, "the public report")
    with visitor.expect_download() as download:
        visitor.get_by_role("link", name="Download this report as a PDF").click()
    text = pdf_text(download.value.path().read_bytes())
    assert "We screen every pupil's reading each autumn." in text
    assert "Who to contact" in text

    # The termly pack.
    page.goto("/insight/pack/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Termly pack")
    assert_accessible(page, "the termly pack's page")
    governors = page.get_by_role("listitem").filter(has_text="for governors")
    with page.expect_download() as download:
        governors.get_by_role("link", name="PDF").click()
    text = pdf_text(download.value.path().read_bytes())
    assert "Findings" in text and "fewer than 5" in text
    for forename, surname in NAMES:
        assert forename not in text and surname not in text
    leaders = page.get_by_role("listitem").filter(has_text="for leaders")
    with page.expect_download() as download:
        leaders.get_by_role("link", name="spreadsheet (XLSX)").click()
    book = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    cells = [str(c.value) for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert any("Zebedee Quixley" in c for c in cells)

    # The analysis and the findings the pack is made from.
    for url, what in (("/insight/", "the analysis"), ("/insight/findings/", "the findings")):
        page.goto(url)
        assert_accessible(page, what)
