"""The SENCO's main journey in a real browser, with and without JavaScript, by keyboard,
and checked with axe-core on every page a SENCO or a teacher starts from."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer

from sendreg.accounts.models import School, User
from sendreg.lib.dates import today
from sendreg.pupils.models import Pupil
from sendreg.register.services import monitoring_start
from tests.conftest import put_on_register
from tests.factories import PASSWORD, ContactFactory, PupilFactory

pytestmark = pytest.mark.e2e

LogIn = Callable[[BrowserContext, User], None]
BLOCKING_IMPACTS = {"serious", "critical"}


def _on_register(pupil: Pupil, senco: User, status: str, *needs: str) -> Pupil:
    day = today()
    return put_on_register(pupil, by=senco, status=status, needs=needs, on=day, today=day)


@pytest.fixture
def asd_pupil(school: School, senco: User) -> Pupil:
    """Already on the register with another need: the SEMH filter must leave them out."""
    pupil = PupilFactory(school=school, legal_forename="Arlo", legal_surname="Achterberg")
    return _on_register(pupil, senco, "K", "ASD")


@pytest.fixture
def busy_school(
    school: School, senco: User, teacher: User, pupil: Pupil, taught_pupil: Pupil, asd_pupil: Pupil
) -> dict[str, Any]:
    """A school with something in every section of the pages under test."""
    _on_register(pupil, senco, "E", "SEMH", "SLCN", "MLD")
    _on_register(taught_pupil, senco, "K", "NSA")
    ContactFactory(pupil=pupil, name="Dana Young")
    ContactFactory(pupil=pupil, name="Lee Young", relationship="Father", address_protected=True)
    watched = PupilFactory(school=school, legal_forename="Ivy", legal_surname="Walker")
    monitoring_start(
        pupil=watched,
        reason="Reading age two years below.",
        review_date=today() + dt.timedelta(days=3),
        on=today(),
        by=senco,
    )
    return {"pupil": pupil, "taught": taught_pupil, "watched": watched}


#: Ids that are referenced but missing, and ids used twice. axe-core leaves a dangling
#: aria-describedby as "needs review" rather than a violation, so it is checked here.
BROKEN_IDS = """() => {
  const problems = [];
  const attrs = ["aria-describedby", "aria-labelledby", "aria-controls", "for"];
  for (const el of document.querySelectorAll(attrs.map(a => `[${a}]`).join(","))) {
    for (const attr of attrs) {
      for (const id of (el.getAttribute(attr) || "").split(/\\s+/).filter(Boolean)) {
        if (!document.getElementById(id)) problems.push(`${el.tagName}[${attr}]: no #${id}`);
      }
    }
  }
  const seen = new Set();
  for (const el of document.querySelectorAll("[id]")) {
    if (seen.has(el.id)) problems.push(`#${el.id} is used more than once`);
    seen.add(el.id);
  }
  return problems;
}"""


def assert_accessible(page: Page, what: str) -> None:
    """No axe-core violation of serious or critical impact, and no broken id references."""
    violations = Axe().run(page).response["violations"]
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    report = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}\n    at "
        + "; ".join(" ".join(node["target"]) for node in v["nodes"])
        for v in blocking
    )
    assert not blocking, f"Accessibility problems on {what}:\n{report}"
    broken = page.evaluate(BROKEN_IDS)
    assert not broken, f"Broken ids on {what}:\n" + "\n".join(broken)


def tab_to(page: Page, selector: str, *, limit: int = 80) -> None:
    """Press Tab until the focus is on ``selector``, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    pytest.fail(f"Tab never reached {selector} in {limit} presses")


def test_senco_puts_a_pupil_on_the_register_and_finds_them_by_need(
    page: Page,
    new_context: Callable[..., BrowserContext],
    live_server: LiveServer,
    senco: User,
    pupil: Pupil,
    asd_pupil: Pupil,
) -> None:
    page.goto("/login/")
    page.get_by_label("Email address").fill(senco.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Oakfield Academy")

    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Pupils").click()
    page.get_by_label("Search by name, UPN or registration group").fill("Young")
    page.get_by_role("button", name="Search").click()
    results = page.locator("#results")
    expect(results.get_by_role("heading", level=2)).to_have_text("1 pupil matching “Young”")
    results.get_by_role("link", name="Young, Maisie").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Maisie Young")
    expect(page.get_by_text("SEN status: Not on the SEN register")).to_be_visible()
    page.get_by_role("link", name="Add to the SEN register").click()
    expect(
        page.get_by_label("Takes effect on"),
        "the date input must be filled with today, in the yyyy-mm-dd form <input type=date> reads",
    ).to_have_value(today().isoformat())
    page.get_by_label("K – SEN support", exact=True).check()
    page.get_by_label("Primary need (rank 1)").select_option("SEMH")
    page.get_by_label("Secondary need (rank 2)").select_option("SLCN")
    page.get_by_label("Reason", exact=True).fill("Assessed by the SENCO after concerns in class.")
    page.get_by_role("button", name="Save the SEN record").click()

    expect(page).to_have_url(f"{live_server.url}/pupils/{pupil.pk}/")
    expect(page.get_by_role("status")).to_have_text(
        "Maisie Young's SEN record was saved on the register."
    )
    expect(page.get_by_text("SEN status: K – SEN support")).to_be_visible()
    needs = page.get_by_role("region", name="Special educational needs").get_by_role("list")
    expect(needs.get_by_role("listitem")).to_have_count(2)
    expect(needs.get_by_role("listitem").first).to_contain_text(
        "SEMH – Social, emotional and mental health"
    )
    expect(needs.get_by_role("listitem").nth(1)).to_contain_text("SLCN")

    nav.get_by_role("link", name="SEN register").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("SEN register")
    results = page.locator("#results")
    expect(results.get_by_role("heading", level=2)).to_have_text("2 pupils")
    # A full page load would wipe this; an htmx swap of #results leaves it alone.
    page.evaluate("window.__marker = 'still the same page'")
    with page.expect_response(lambda r: "need=SEMH" in r.url) as response:
        page.get_by_label("Need type (any rank)").select_option("SEMH")
    assert response.value.request.headers.get("hx-request") == "true"
    expect(results.get_by_role("heading", level=2)).to_have_text("1 pupil")
    expect(results.get_by_role("link", name="Young, Maisie")).to_be_visible()
    expect(results.get_by_role("link", name="Achterberg, Arlo")).to_have_count(0)
    # Screen readers hear the new count from a status region that outlives the swap.
    expect(page.locator("#results-status")).to_have_text("1 pupil found")
    assert page.evaluate("window.__marker") == "still the same page"
    expect(page).to_have_url(re.compile(r"/register/\?.*need=SEMH"))

    # The same filter without JavaScript: the form is a plain GET form with a button.
    no_js = new_context(java_script_enabled=False)
    no_js.add_cookies(page.context.cookies())
    plain = no_js.new_page()
    plain.goto("/register/")
    expect(plain.locator("#results").get_by_role("heading", level=2)).to_have_text("2 pupils")
    plain.get_by_label("Need type (any rank)").select_option("SEMH")
    plain.get_by_role("button", name="Show").click()
    expect(plain).to_have_url(re.compile(r"/register/\?.*need=SEMH"))
    plain_results = plain.locator("#results")
    expect(plain_results.get_by_role("heading", level=2)).to_have_text("1 pupil")
    expect(plain_results.get_by_role("link", name="Young, Maisie")).to_be_visible()
    expect(plain_results.get_by_role("link", name="Achterberg, Arlo")).to_have_count(0)


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(page: Page) -> None:
    page.goto("/login/")
    focused = page.evaluate("document.activeElement.outerHTML")
    assert page.evaluate("document.activeElement === document.body"), (
        f"Nothing should have the focus when the page opens, but {focused} has it: an "
        "autofocused field sends the first Tab past the skip link and the page heading."
    )
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0, "the focused skip link is hidden"
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_sen_form_can_be_completed_with_the_keyboard_alone(
    page: Page, context: BrowserContext, log_in: LogIn, senco: User, pupil: Pupil
) -> None:
    log_in(context, senco)
    page.goto(f"/pupils/{pupil.pk}/sen/")

    # A radio group is one tab stop, landing on the chosen radio; arrows move the choice.
    tab_to(page, "input[name=status]:checked")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("E – Education, health and care plan")).to_be_checked()
    page.keyboard.press("ArrowUp")
    expect(page.get_by_label("K – SEN support", exact=True)).to_be_checked()

    # Typing the start of an option's text chooses it in a focused select.
    tab_to(page, "select[name=primary_need]")
    page.keyboard.type("SEMH")
    expect(page.get_by_label("Primary need (rank 1)")).to_have_value("SEMH")
    tab_to(page, "select[name=secondary_need]")
    page.keyboard.type("SLCN")
    expect(page.get_by_label("Secondary need (rank 2)")).to_have_value("SLCN")
    tab_to(page, "input[name=further_needs][value=MLD]")
    page.keyboard.press("Space")
    expect(page.get_by_label("MLD – Moderate learning difficulty")).to_be_checked()

    expect(page.get_by_label("Takes effect on")).to_have_value(today().isoformat())
    tab_to(page, "textarea[name=reason]")
    page.keyboard.type("Assessed by the SENCO.")
    tab_to(page, "main button[type=submit]")
    expect(page.locator(":focus")).to_have_text("Save the SEN record")
    page.keyboard.press("Enter")

    expect(page.get_by_role("status")).to_have_text(
        "Maisie Young's SEN record was saved on the register."
    )
    expect(page.get_by_text("SEN status: K – SEN support")).to_be_visible()


PAGES: dict[str, tuple[str | None, str]] = {
    "the login page": (None, "/login/"),
    "the SENCO's home page": ("senco", "/"),
    "a teacher's home page": ("teacher", "/"),
    "the SEN register": ("senco", "/register/"),
    "a pupil's page": ("senco", "/pupils/{pupil}/"),
    "a pupil's page for a teacher": ("teacher", "/pupils/{taught}/"),
    "the SEN form": ("senco", "/pupils/{pupil}/sen/"),
    "the pupil list": ("senco", "/pupils/"),
    "the monitoring list": ("senco", "/monitoring/"),
    "the audit trail": ("senco", "/audit/"),
}


@pytest.mark.parametrize("what", list(PAGES))
def test_page_has_no_serious_accessibility_problems(
    what: str,
    page: Page,
    context: BrowserContext,
    log_in: LogIn,
    busy_school: dict[str, Any],
    senco: User,
    teacher: User,
) -> None:
    who, path = PAGES[what]
    if who is not None:
        log_in(context, {"senco": senco, "teacher": teacher}[who])
    page.goto(path.format(pupil=busy_school["pupil"].pk, taught=busy_school["taught"].pk))
    expect(page.locator("h1")).to_have_count(1)
    assert_accessible(page, what)


def test_sen_form_errors_are_tied_to_their_fields_and_accessible(
    page: Page, context: BrowserContext, log_in: LogIn, senco: User, pupil: Pupil
) -> None:
    log_in(context, senco)
    page.goto(f"/pupils/{pupil.pk}/sen/")
    page.get_by_label("Secondary need (rank 2)").select_option("SLCN")
    page.get_by_role("button", name="Save the SEN record").click()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    primary = page.get_by_label("Primary need (rank 1)")
    # A screen reader reads each field's error with the field, not only in the summary.
    expect(primary).to_have_accessible_description(re.compile(r"^Error: .*primary need"))
    expect(page.get_by_label("Reason", exact=True)).to_have_accessible_description(
        "Error: This field is required."
    )
    assert_accessible(page, "the SEN form showing errors")
    summary.get_by_role("link", name=re.compile(r"^Primary need")).click()
    expect(primary).to_be_focused()


def test_login_errors_are_accessible(page: Page, senco: User) -> None:
    page.goto("/login/")
    page.get_by_label("Email address").fill(senco.email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("do not match an account")
    assert_accessible(page, "the login page showing an error")
