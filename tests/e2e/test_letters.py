"""In a real browser, 390 px wide: the office sets the school's contact details that letters
give, a foster carer is recorded as having care, the SENCO sees the carer among the letter's
parents, and two stale details forms cannot overwrite each other. Each page axe clean."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, Page, expect

from sendreg.accounts.models import School, User
from sendreg.lib.dates import today
from sendreg.pupils.models import Pupil
from sendreg.pupils.services import StaleDetails
from tests.conftest import put_on_register

pytestmark = pytest.mark.e2e

LogIn = Callable[[BrowserContext, User], None]
PHONE = {"viewport": {"width": 390, "height": 844}}


def assert_accessible_and_fits(page: Page) -> None:
    violations = Axe().run(page).response["violations"]
    blocking = [v["id"] for v in violations if v["impact"] in {"serious", "critical"}]
    assert not blocking, blocking
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} is {overflow} px wider than the screen"


def test_letters_reach_the_carer_and_give_the_schools_details(
    new_context: Callable[..., BrowserContext],
    log_in: LogIn,
    school: School,
    senco: User,
    office: User,
    pupil: Pupil,
) -> None:
    office_context = new_context(**PHONE)
    log_in(office_context, office)
    page = office_context.new_page()

    page.goto("/documents/school-contact/")
    expect(page.get_by_role("heading", level=1)).to_have_text("School contact details")
    assert_accessible_and_fits(page)
    page.get_by_label("School address").fill("1 School Lane\nBristol\nBS1 1AA")
    page.get_by_label("School telephone").fill("0117 496 0123")
    page.get_by_label("School email").fill("senco@oakfield.example.org")
    page.get_by_label("Local SENDIASS name").fill("Bristol SENDIASS")
    page.get_by_label("SENDIASS telephone").fill("0117 496 0999")
    page.get_by_label("SENDIASS website").fill("sendiass.example.org")
    page.get_by_label("Local offer web address").fill("https://localoffer.example.org")
    page.get_by_role("button", name="Save the contact details").click()
    expect(page.get_by_text("The school's contact details were saved.")).to_be_visible()
    expect(page.get_by_label("SENDIASS website")).to_have_value("https://sendiass.example.org")

    page.goto(f"/pupils/{pupil.pk}/contacts/new/")
    page.get_by_label("Name").fill("Flo Foster")
    page.get_by_label("Relationship").fill("Foster carer")
    page.get_by_label("Has care of the child").check()
    assert_accessible_and_fits(page)
    page.get_by_role("button", name="Save the contact").click()
    expect(page.get_by_text("(Foster carer, has care of the child)")).to_be_visible()

    day = today()
    put_on_register(pupil, by=senco, on=day, today=day)
    senco_context = new_context(**PHONE)
    log_in(senco_context, senco)
    page = senco_context.new_page()
    page.goto(f"/notifications/{pupil.notifications.get().pk}/")
    letter = page.get_by_role("region", name="The letter")
    expect(letter).to_contain_text("Flo Foster (Foster carer; has care of the child")
    # Every detail the letter gives is set, so the SENCO is not told of anything missing.
    expect(page.get_by_text("not set")).to_have_count(0)
    assert_accessible_and_fits(page)


def test_a_stale_details_form_shows_the_other_change_beside_what_was_typed(
    new_context: Callable[..., BrowserContext],
    log_in: LogIn,
    senco: User,
    office: User,
    pupil: Pupil,
) -> None:
    office_context, senco_context = new_context(**PHONE), new_context(**PHONE)
    log_in(office_context, office)
    log_in(senco_context, senco)
    first, second = office_context.new_page(), senco_context.new_page()
    first.goto(f"/pupils/{pupil.pk}/edit/")
    second.goto(f"/pupils/{pupil.pk}/edit/")

    first.get_by_label("Registration group").fill("7C")
    first.get_by_role("button", name="Save the details").click()
    expect(first.get_by_text("The details were saved.")).to_be_visible()

    second.get_by_label("Free school meals").check()
    second.get_by_role("button", name="Save the details").click()
    expect(second.get_by_role("alert")).to_contain_text(StaleDetails.MESSAGE)
    table = second.get_by_role("table", name="Details saved by someone else beside what you typed")
    expect(table.get_by_role("row").filter(has_text="Registration group")).to_contain_text("7C")
    expect(second.get_by_label("Free school meals")).to_be_checked()
    assert_accessible_and_fits(second)

    second.get_by_label("Registration group").fill("7C")
    second.get_by_role("button", name="Save the details").click()
    expect(second.get_by_text("The details were saved.")).to_be_visible()
    pupil.refresh_from_db()
    assert (pupil.reg_group, pupil.fsm) == ("7C", True)
