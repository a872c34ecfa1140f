"""A whole assess-plan-do-review cycle in a real browser, with axe on every support page."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer

from sendreg.accounts.models import School, User
from sendreg.lib.dates import today
from sendreg.pupils.models import Pupil
from sendreg.support import services
from sendreg.support.models import SupportPlan
from tests.conftest import put_on_register
from tests.documents.readers import pdf_text
from tests.e2e.test_register_flow import assert_accessible
from tests.factories import PupilFactory

pytestmark = pytest.mark.e2e

LogIn = Callable[[BrowserContext, User], None]
DAY = dt.timedelta(days=1)


@pytest.fixture
def maisie(school: School, senco: User) -> Pupil:
    pupil = PupilFactory(school=school, legal_forename="Maisie", legal_surname="Young")
    day = today()
    return put_on_register(pupil, by=senco, needs=("SEMH", "SLCN"), on=day, today=day)


@pytest.fixture
def senco_page(context: BrowserContext, log_in: LogIn, senco: User) -> Page:
    log_in(context, senco)
    return context.new_page()


def fill_outcome(
    page: Page, number: int, text: str, measure: str, baseline: str, target: str
) -> None:
    group = page.get_by_role("group", name=re.compile(rf"^Outcome {number}\b"))
    group.get_by_label(re.compile(r"^Outcome:?$")).fill(text)
    group.get_by_label("What will be measured").fill(measure)
    group.get_by_label("Baseline (now)").fill(baseline)
    group.get_by_label("Target").fill(target)


def test_a_whole_cycle_open_meet_review_and_the_next_plan(
    senco_page: Page, maisie: Pupil, live_server: LiveServer
) -> None:
    page = senco_page
    day = today()
    page.goto(f"/pupils/{maisie.pk}/")
    # The support record loads into the pupil's page.
    support = page.get_by_role("region", name="Support plans")
    expect(support).to_contain_text("No support plan is open.")
    assert_accessible(page, "the pupil's page with the support record")
    support.get_by_role("link", name="Open a support plan").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Open a support plan for Maisie Young"
    )
    expect(page.get_by_label("Plan starts")).to_have_value(day.isoformat())
    page.get_by_label("Review date").fill((day + 70 * DAY).isoformat())
    page.get_by_label("Strategies every adult should use").fill(
        "Give one instruction at a time. Check she has understood."
    )
    page.get_by_label("Support and interventions").fill("Reading group three times a week.")
    fill_outcome(page, 1, "Read a page of a class text aloud", "Words read a minute", "48", "70")
    fill_outcome(page, 2, "Ask for help in class", "Times asked a lesson", "0", "2")
    assert_accessible(page, "the form to open a plan")
    page.get_by_role("button", name="Open the plan").click()

    plan = SupportPlan.objects.get(pupil=maisie)
    expect(page).to_have_url(f"{live_server.url}/support/plans/{plan.pk}/")
    expect(page.get_by_role("status")).to_have_text("The support plan is open.")
    outcomes = page.get_by_role("region", name="Plan: outcomes")
    expect(outcomes.get_by_role("row")).to_have_count(3)
    assert_accessible(page, "the plan")

    page.goto(f"/support/pupils/{maisie.pk}/")
    assert_accessible(page, "the pupil's support page")
    page.get_by_role("link", name="Record a meeting with the parents").click()
    page.get_by_label("Who attended").fill("Dana Young, mother\nThe SENCO")
    page.get_by_label("What the parents said").fill("Reading at home is getting better.")
    page.get_by_label("What the pupil said").fill("I like the reading group.")
    page.get_by_label("Agreed actions").fill("School: a note home each Friday.")
    assert_accessible(page, "the meeting form")
    page.get_by_role("button", name="Record the meeting").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile("Meeting with Maisie Young's parents on")
    )
    assert_accessible(page, "the meeting record")

    page.goto(f"/support/plans/{plan.pk}/")
    page.get_by_role("link", name="Review this plan").click()
    first = page.get_by_role("group", name=re.compile("^Outcome 1: Read a page"))
    first.get_by_role("group", name=re.compile("was it met")).get_by_label(
        "Met", exact=True
    ).check()
    first.get_by_label("Outcome 1: the evidence").fill("Reads 72 words a minute.")
    second = page.get_by_role("group", name=re.compile("^Outcome 2: Ask for help"))
    second.get_by_label("Not met", exact=True).check()
    second.get_by_label("Outcome 2: the evidence").fill("Still waits to be noticed.")
    for question, answer in (
        ("Is progress similar", "No"),
        ("Does it match or better", "Yes"),
        ("Does it close the attainment gap", "No"),
        ("Does it prevent the attainment gap", "Yes"),
    ):
        page.get_by_role("group", name=re.compile(question)).get_by_label(
            answer, exact=True
        ).check()
    page.get_by_label("The pupil's views").fill("Reading is easier now.")
    page.get_by_label("The parents' views").fill("Pleased with the reading.")
    page.get_by_label("Continue with a new plan").check()
    assert_accessible(page, "the review form")
    page.get_by_role("button", name="Record the review and close the plan").click()

    # The decision leads straight to the next plan, with the outcome not met carried over.
    expect(page.get_by_role("heading", level=1)).to_have_text("Open the next plan for Maisie Young")
    carried = page.get_by_role("group", name="Outcomes to carry over from plan 1")
    expect(
        carried.get_by_role("checkbox", name=re.compile("^Ask for help in class"))
    ).to_be_checked()
    expect(carried.get_by_role("checkbox", name=re.compile("^Read a page"))).not_to_be_checked()
    page.get_by_label("Review date").fill((day + 120 * DAY).isoformat())
    assert_accessible(page, "the form to open the next plan")
    page.get_by_role("button", name="Open the next plan").click()

    following = SupportPlan.objects.get(pupil=maisie, number=2)
    expect(page).to_have_url(f"{live_server.url}/support/plans/{following.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Support plan 2 for Maisie Young")
    expect(page.get_by_role("region", name="Plan: outcomes")).to_contain_text(
        "Ask for help in class (carried over)"
    )
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the plan (PDF, to share)").click()
    path = download.value.path()
    text = " ".join(pdf_text(path.read_bytes()).split())
    assert "Support plan 2 for Maisie Young" in text
    assert "Ask for help in class" in text
    assert "SEMH – Social, emotional and mental health" in text
    assert "special educational needs (SEN)" in text

    # The old plan is frozen with its review, and the history shows both.
    page.goto(f"/support/plans/{plan.pk}/")
    expect(page.get_by_text("this plan is closed and can no longer be changed")).to_be_visible()
    expect(page.get_by_role("link", name="Change the plan")).to_have_count(0)
    page.goto(f"/support/pupils/{maisie.pk}/")
    history = page.get_by_role("table", name="Earlier plans, newest first")
    expect(history).to_contain_text("Ask for help in class: Not met")


@pytest.fixture
def busy(
    school: School, senco: User, teacher: User, maisie: Pupil, taught_pupil: Pupil
) -> dict[str, object]:
    """Something on every support page: plans, a meeting, a specialist, a passport."""
    day = today()
    taught = put_on_register(taught_pupil, by=senco, needs=("SPLD",), on=day, today=day)
    plan = services.plan_open(
        pupil=maisie,
        opened_on=day,
        review_date=day + 5 * DAY,
        strategies="Sit near the front.",
        outcomes=[services.OutcomeData("Read aloud", "Words a minute", "48", "70")],
        by=senco,
        today=day,
    )
    services.plan_open(
        pupil=taught,
        opened_on=day,
        review_date=day + 40 * DAY,
        strategies="Printed notes.",
        outcomes=[services.OutcomeData("Spell key words", "Words right of 20", "9", "16")],
        by=senco,
        today=day,
    )
    meeting = services.meeting_record(
        pupil=maisie, held_on=day, attendees="Mum", by=senco, today=day
    )
    specialist = services.specialist_add(
        pupil=maisie,
        data={"service": "ep", "recommendations": "Visual prompts."},
        by=senco,
        today=day,
    )
    services.passport_save(pupil=maisie, data={"about_me": "I like horses."}, by=senco, today=day)
    services.passport_suggest(
        pupil=taught, field="how_to_help", text="Give me a laptop.", by=teacher, today=day
    )
    return {"plan": plan, "meeting": meeting, "specialist": specialist, "taught": taught}


def test_every_support_page_passes_axe(
    senco_page: Page,
    busy: dict[str, object],
    maisie: Pupil,
    context: BrowserContext,
    new_context: Callable[..., BrowserContext],
    log_in: LogIn,
    teacher: User,
) -> None:
    page = senco_page
    plan = busy["plan"]
    specialist = busy["specialist"]
    taught = busy["taught"]
    pages = {
        "the SENCO's home page": "/",
        "the support plans": "/support/",
        "the support settings": "/support/settings/",
        "the specialist form": f"/support/pupils/{maisie.pk}/specialists/new/",
        "the specialist": f"/support/specialists/{specialist.pk}/",  # type: ignore[attr-defined]
        "the report upload": f"/support/specialists/{specialist.pk}/reports/new/",  # type: ignore[attr-defined]
        "the visit form": f"/support/specialists/{specialist.pk}/visits/new/",  # type: ignore[attr-defined]
        "the passport form": f"/support/pupils/{maisie.pk}/passport/",
        "the annual report": f"/support/pupils/{maisie.pk}/annual-report/",
        "the assessment form": f"/support/plans/{plan.pk}/assess/",  # type: ignore[attr-defined]
        "the outcome form": f"/support/plans/{plan.pk}/outcomes/new/",  # type: ignore[attr-defined]
        "the plan form": f"/support/plans/{plan.pk}/edit/",  # type: ignore[attr-defined]
        "a taught pupil's support": f"/support/pupils/{taught.pk}/",  # type: ignore[attr-defined]
    }
    for what, url in pages.items():
        page.goto(url)
        assert_accessible(page, what)
    page.goto("/")
    panel = page.get_by_role("region", name="Support plans and parent meetings")
    expect(panel).to_contain_text("Plan reviews due within 14 days (1)")
    expect(panel).to_contain_text("Maisie Young")

    # A form refused is shown again with its errors, and is still accessible.
    page.goto(f"/support/pupils/{maisie.pk}/meetings/new/")
    page.get_by_label("Held on").fill("")
    page.get_by_role("button", name="Record the meeting").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    assert_accessible(page, "the meeting form with errors")

    teachers = new_context()
    log_in(teachers, teacher)
    mine = teachers.new_page()
    mine.goto("/")
    view = mine.get_by_role("region", name="Pupils you teach who have special educational needs")
    expect(view.get_by_role("table", name="7En2 English")).to_contain_text("Printed notes.")
    expect(view).not_to_contain_text("Maisie Young")
    assert_accessible(mine, "the teacher's home page")
    mine.goto(f"/support/pupils/{taught.pk}/passport/suggest/")  # type: ignore[attr-defined]
    assert_accessible(mine, "the passport suggestion form")


def test_the_pupil_page_works_without_javascript(
    new_context: Callable[..., BrowserContext],
    log_in: LogIn,
    senco: User,
    busy: dict[str, object],
    maisie: Pupil,
) -> None:
    context = new_context(java_script_enabled=False)
    log_in(context, senco)
    page = context.new_page()
    page.goto(f"/pupils/{maisie.pk}/")
    page.get_by_role("link", name=re.compile("See Maisie Young's support plans")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Maisie Young: support plans")
    expect(page.get_by_role("region", name="Support plans")).to_contain_text("Read aloud")


@pytest.mark.parametrize("width", [390])
def test_support_pages_fit_a_phone(
    new_context: Callable[..., BrowserContext],
    log_in: LogIn,
    senco: User,
    busy: dict[str, object],
    maisie: Pupil,
    width: int,
) -> None:
    context = new_context(viewport={"width": width, "height": 800})
    log_in(context, senco)
    page = context.new_page()
    plan = busy["plan"]
    for url in (f"/support/pupils/{maisie.pk}/", f"/support/plans/{plan.pk}/review/"):  # type: ignore[attr-defined]
        page.goto(url)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{url} is {overflow}px wider than a {width}px screen"
