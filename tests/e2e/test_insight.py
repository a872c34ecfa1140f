"""The SENCO reads the analysis and the findings in a real browser, takes a snapshot, and writes
a note on a finding; a governor reads the analysis without names. Every page is checked with
axe-core, and at 390 px."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from sendreg.accounts.models import School, User
from sendreg.insight.models import FindingNote, Snapshot
from sendreg.lib.dates import today
from tests.conftest import put_on_register
from tests.e2e.test_register_flow import assert_accessible
from tests.factories import PupilFactory

pytestmark = pytest.mark.e2e

LogIn = Callable[[BrowserContext, User], None]


@pytest.fixture
def register(school: School, senco: User) -> None:
    day = today()
    absent = PupilFactory(
        school=school, legal_forename="Zara", legal_surname="Quinn", attendance=Decimal("90")
    )
    put_on_register(absent, by=senco, needs=("SPLD",), on=day - dt.timedelta(days=30), today=day)
    for n in range(6):
        pupil = PupilFactory(school=school, gender="M" if n % 2 else "F")
        if n < 2:
            put_on_register(pupil, by=senco, needs=("SEMH",), on=day, today=day)


def test_senco_reads_the_analysis_and_findings(
    context: BrowserContext, log_in: LogIn, senco: User, register: None
) -> None:
    log_in(context, senco)
    page: Page = context.new_page()
    page.goto("/insight/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Analysis of the register")
    headline = "Share of the roll on the register, with the national figure marked"
    expect(page.get_by_role("img", name=headline)).to_be_visible()
    expect(page.get_by_role("table", name="Primary need")).to_be_visible()
    assert_accessible(page, "the analysis")
    page.get_by_role("button", name="Take today's snapshot now").click()
    expect(page.get_by_text("Snapshot taken for")).to_be_visible()
    assert Snapshot.objects.count() == 1

    page.get_by_role("link", name="Findings").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Findings")
    page.get_by_text("The 1 pupil concerned").first.click()
    expect(page.get_by_role("link", name="Zara Quinn").first).to_be_visible()
    assert_accessible(page, "the findings")
    finding = page.locator("#finding-low_attendance_without_plan")
    finding.get_by_label("Action").fill("Open a plan with the attendance officer.")
    finding.get_by_role("button", name="Save the note and action").click()
    expect(page.get_by_text("The note and action are saved.")).to_be_visible()
    assert FindingNote.objects.get().action == "Open a plan with the attendance officer."

    page.set_viewport_size({"width": 390, "height": 800})
    page.goto("/insight/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_governor_reads_the_analysis_without_names(
    context: BrowserContext, log_in: LogIn, governor: User, register: None
) -> None:
    log_in(context, governor)
    page: Page = context.new_page()
    page.goto("/insight/findings/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Findings")
    expect(page.get_by_text("Zara")).to_have_count(0)
    assert_accessible(page, "the governor's findings")
