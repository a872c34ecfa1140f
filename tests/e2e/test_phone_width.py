"""Every everyday page fits a 390 px phone screen: nothing wider than the screen, so no
sideways scrolling of the whole page. A wide table scrolls inside its own wrapper, which
a keyboard user can reach (tabindex=0) and a screen reader names; forms stack."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from sendreg.accounts.models import School, User
from sendreg.imports.models import ImportRun
from sendreg.imports.services import import_apply
from sendreg.lib.dates import today
from sendreg.pupils.models import Pupil
from sendreg.pupils.services import teaching_group_set
from tests.e2e.test_register_flow import assert_accessible

pytestmark = pytest.mark.e2e

LogIn = Callable[[BrowserContext, User], None]
PHONE = {"viewport": {"width": 390, "height": 844}}
DATA = Path(__file__).resolve().parent.parent / "data"
SIMS = DATA / "sims_students.csv"

#: Elements that stick out past the right edge, outside a table's own scrolling wrapper.
WIDE = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
    && !e.parentElement.closest('.table-wrap'))
  .map(e => `${e.tagName.toLowerCase()}.${e.className} ${e.getBoundingClientRect().right} px`)
  .slice(0, 8)"""

#: Tables that are not inside a wrapper a keyboard can scroll and a screen reader names.
UNWRAPPED = """() => [...document.querySelectorAll('main table')]
  .filter(t => {
    const wrap = t.closest('.table-wrap');
    return !wrap || wrap.getAttribute('tabindex') !== '0'
      || !(wrap.getAttribute('aria-label') || wrap.getAttribute('aria-labelledby'))
      || wrap.getAttribute('role') !== 'region';
  })
  .map(t => (t.querySelector('caption') || t).textContent.trim().slice(0, 60))"""


@pytest.fixture
def full_school(school: School, senco: User, office: User, teacher: User) -> dict[str, object]:
    """A school with an imported roll, a register seeded from it, a difference with the MIS
    and a class for the teacher: something in every table of the pages under test."""
    day = today()
    import_apply(school=school, data=SIMS.read_bytes(), filename=SIMS.name, by=office, today=day)
    text = SIMS.read_bytes().decode("utf-8-sig")
    changed = text.replace("Y801200020005, Evans,Harry,,05/01/2012,M,8,8A,K,SEMH", (
        "Y801200020005, Evans,Harry,,05/01/2012,M,8,8A,E,SEMH"
    ))  # fmt: skip
    import_apply(
        school=school, data=changed.encode(), filename="sims_again.csv", by=office, today=day
    )
    pupils = list(Pupil.objects.filter(school=school).order_by("pk"))
    teaching_group_set(
        school=school,
        name="7A/Ma1 Mathematics set 1",
        pupil_ids=[p.pk for p in pupils[:6]],
        teacher_ids=[teacher.pk],
        by=office,
    )
    on_register = Pupil.objects.get(school=school, upn="H801200019003")
    return {"pupil": on_register, "run": ImportRun.objects.latest("pk")}


def _fits(page: Page, url: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{url} is {width} px wide on a 390 px screen: {page.evaluate(WIDE)}"
    unwrapped = page.evaluate(UNWRAPPED)
    assert not unwrapped, f"{url}: tables with no named, focusable scrolling wrapper: {unwrapped}"


SENCO_PAGES = (
    "/", "/register/", "/pupils/", "/pupils/{pupil}/", "/pupils/{pupil}/sen/", "/census/",
    "/imports/", "/imports/{run}/", "/register/discrepancies/", "/audit/",
)  # fmt: skip


@pytest.mark.parametrize("path", SENCO_PAGES)
def test_the_senco_pages_fit_a_phone(
    path: str,
    new_context: Callable[..., BrowserContext],
    log_in: LogIn,
    senco: User,
    full_school: dict[str, object],
) -> None:
    context = new_context(**PHONE)
    log_in(context, senco)
    page = context.new_page()
    url = path.format(pupil=full_school["pupil"].pk, run=full_school["run"].pk)  # type: ignore[attr-defined]
    page.goto(url)
    expect(page.locator("h1")).to_have_count(1)
    _fits(page, url)
    assert_accessible(page, f"{url} at 390 px")


def test_the_teachers_home_fits_a_phone(
    new_context: Callable[..., BrowserContext],
    log_in: LogIn,
    teacher: User,
    full_school: dict[str, object],
) -> None:
    context = new_context(**PHONE)
    log_in(context, teacher)
    page = context.new_page()
    page.goto("/")
    _fits(page, "the teacher's home page")
    assert_accessible(page, "the teacher's home page at 390 px")


def test_the_import_preview_fits_a_phone(
    new_context: Callable[..., BrowserContext], log_in: LogIn, office: User, school: School
) -> None:
    context = new_context(**PHONE)
    log_in(context, office)
    page = context.new_page()
    page.goto("/imports/")
    _fits(page, "/imports/ for the office")
    page.get_by_label("The export from your MIS").set_input_files(str(DATA / "bad_rows.csv"))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Check the import")
    _fits(page, "the import preview")
    assert_accessible(page, "the import preview at 390 px")
