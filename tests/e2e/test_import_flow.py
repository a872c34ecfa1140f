"""Office staff upload an MIS export, check the preview and confirm it, in a real browser."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, expect

from sendreg.accounts.models import School, User
from sendreg.imports.models import ImportRun
from sendreg.pupils.models import Pupil
from tests.e2e.test_register_flow import assert_accessible

SIMS = Path(__file__).resolve().parent.parent / "data" / "sims_students.csv"
BAD = Path(__file__).resolve().parent.parent / "data" / "bad_rows.csv"


def test_office_uploads_checks_the_preview_and_confirms(
    page: Page,
    context: BrowserContext,
    log_in: Callable[[BrowserContext, User], None],
    school: School,
    office: User,
) -> None:
    log_in(context, office)
    page.goto("/imports/")
    assert_accessible(page, "the Import page")

    page.get_by_label("The export from your MIS").set_input_files(str(SIMS))
    page.get_by_role("button", name="Check the file").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Check the import")
    expect(page.locator(".figures")).to_contain_text("Pupils to create")
    expect(page.locator(".figures")).to_contain_text("20")
    expect(page.get_by_text("The SEN register is empty")).to_be_visible()
    assert_accessible(page, "the import preview")
    assert not Pupil.objects.filter(school=school).exists()

    page.get_by_role("button", name="Import it").click()

    expect(page.get_by_text("sims_students.csv was imported.")).to_be_visible()
    assert Pupil.objects.filter(school=school).count() == 20
    assert ImportRun.objects.get().by == office


def test_row_errors_are_shown_with_their_row_and_column_before_anything_is_saved(
    page: Page,
    context: BrowserContext,
    log_in: Callable[[BrowserContext, User], None],
    school: School,
    office: User,
) -> None:
    log_in(context, office)
    page.goto("/imports/")
    page.get_by_label("The export from your MIS").set_input_files(str(BAD))
    page.get_by_role("button", name="Check the file").click()

    skipped = page.get_by_role("table", name="Rows that will be skipped")
    expect(skipped).to_contain_text("check letter")
    expect(skipped.get_by_role("row").filter(has_text="check letter").first).to_contain_text("4")

    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_text("nothing changed")).to_be_visible()
    assert not Pupil.objects.exists()
