"""The SENCO runs the census check in a real browser and reads what it found."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page, expect

from sendreg.accounts.models import School, User
from sendreg.lib.dates import today
from sendreg.pupils.models import Pupil
from sendreg.register import rules
from sendreg.register.models import CensusCheckRun, MisSenRecord
from sendreg.register.selectors import census_overrides
from tests.conftest import put_on_register
from tests.factories import PupilFactory

pytestmark = pytest.mark.e2e

LogIn = Callable[[BrowserContext, User], None]


@pytest.fixture
def census_school(school: School, senco: User) -> dict[str, Pupil]:
    """One pupil whose MIS values break rule 2175, one on the register with no MIS values."""
    hall = PupilFactory(school=school, legal_forename="Hana", legal_surname="Hall")
    MisSenRecord.objects.create(pupil=hall, status="E", needs=["NSA"], imported_at=timezone.now())
    young = PupilFactory(school=school, legal_forename="Yara", legal_surname="Young")
    day = today()
    put_on_register(young, by=senco, status="K", needs=("SEMH",), on=day, today=day)
    return {"hall": hall, "young": young}


@pytest.fixture
def senco_page(context: BrowserContext, log_in: LogIn, senco: User) -> Page:
    log_in(context, senco)
    return context.new_page()


def test_senco_runs_the_check_for_the_next_census_and_reads_the_findings(
    senco_page: Page, census_school: dict[str, Pupil], school: School
) -> None:
    page = senco_page
    next_census = rules.next_census(today(), census_overrides())
    page.goto("/census/")
    expect(page.get_by_role("heading", level=1)).to_have_text("School census check")

    page.get_by_label("Census day to check", exact=True).fill(next_census.date.isoformat())
    page.get_by_role("button", name="Run the check").click()

    expect(page).to_have_url(re.compile(rf"date={next_census.date.isoformat()}"))
    expect(page.get_by_role("heading", name=next_census.label)).to_be_visible()
    table = page.get_by_role("table", name=re.compile("What the census check found"))
    hall = table.get_by_role("row").filter(has_text="Hana Hall").filter(has_text="2175")
    expect(hall).to_contain_text("The MIS records NSA (no specialist assessment")
    expect(hall).to_contain_text("NSA (no specialist assessment) may only be used with SEN support")
    expect(table.get_by_role("row").filter(has_text="Yara Young")).to_contain_text("MIS-NONE")
    expect(page.get_by_text("The check has not passed")).to_be_visible()
    # Looking records nothing; "Record this check" keeps the result for the calendar.
    assert not CensusCheckRun.objects.filter(school=school).exists()
    page.get_by_role("button", name="Record this check").click()
    expect(page.get_by_text("it is recorded")).to_be_visible()

    calendar = page.get_by_role("table", name=re.compile("The next three census days"))
    expect(calendar.get_by_role("row").nth(1)).to_contain_text("Not passed")
    assert CensusCheckRun.objects.filter(school=school, census_date=next_census.date).exists()


def test_findings_filter_by_rule_in_place(
    senco_page: Page, census_school: dict[str, Pupil]
) -> None:
    page = senco_page
    page.goto("/census/")
    page.get_by_label("Rule", exact=True).select_option("2175")

    heading = page.get_by_role("heading", name="1 finding matching the filters")
    expect(heading).to_be_visible()
    table = page.get_by_role("table", name=re.compile("What the census check found"))
    expect(table).to_contain_text("Hana Hall")
    expect(table).not_to_contain_text("Yara Young")
    expect(page).to_have_url(re.compile("rule=2175"))


def test_census_page_has_no_serious_accessibility_problems(
    senco_page: Page, census_school: dict[str, Pupil]
) -> None:
    page = senco_page
    page.goto("/census/")
    violations = Axe().run(page).response["violations"]
    blocking = [v["id"] for v in violations if v["impact"] in {"serious", "critical"}]
    assert not blocking, blocking


@pytest.fixture
def busy_census_school(school: School) -> None:
    """Sixty pupils the MIS says have an EHC plan with need NSA, never on the register: three
    findings each (180 in all), and two MIS differences each (120)."""
    for number in range(60):
        pupil = PupilFactory(school=school, legal_forename="Nia", legal_surname=f"Nash{number:02}")
        MisSenRecord.objects.create(
            pupil=pupil, status="E", needs=["NSA"], imported_at=timezone.now()
        )


def assert_accessible(page: Page) -> None:
    violations = Axe().run(page).response["violations"]
    blocking = [v["id"] for v in violations if v["impact"] in {"serious", "critical"}]
    assert not blocking, blocking


@pytest.mark.usefixtures("busy_census_school")
def test_findings_page_through_a_filter_chosen_in_place(senco_page: Page) -> None:
    page = senco_page
    page.goto("/census/")
    page.get_by_label("Rule", exact=True).select_option("MIS-REG")
    expect(page.get_by_role("heading", name="120 findings matching the filters")).to_be_visible()
    pages = page.get_by_role("navigation", name="Pages of findings")
    expect(pages).to_contain_text("Showing 1 to 50 of 120 findings (page 1 of 3)")

    pages.get_by_role("link", name="Next page").click()

    expect(page).to_have_url(re.compile(r"rule=MIS-REG.*page=2|page=2.*rule=MIS-REG"))
    expect(pages).to_contain_text("Showing 51 to 100 of 120 findings (page 2 of 3)")
    expect(page.get_by_label("Rule", exact=True)).to_have_value("MIS-REG")
    table = page.get_by_role("table", name=re.compile("What the census check found"))
    expect(table.locator("tbody tr")).to_have_count(50)
    assert_accessible(page)


@pytest.mark.usefixtures("busy_census_school")
def test_differences_page_two_is_accessible_and_its_actions_stay_on_it(
    senco_page: Page,
) -> None:
    page = senco_page
    page.goto("/register/discrepancies/?page=2")
    pages = page.get_by_role("navigation", name="Pages of differences")
    expect(pages).to_contain_text("Showing 51 to 100 of 120 differences (page 2 of 3)")
    assert_accessible(page)

    page.get_by_role("button", name=re.compile("The MIS needs correcting for")).first.click()

    expect(page.get_by_text("the MIS is marked as needing correction")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/register/discrepancies/\?page=2$"))
    # Both of the pupil's rows (SEN status and needs) say so, still on page 2.
    expect(page.get_by_text("The MIS is to be corrected.")).to_have_count(2)
