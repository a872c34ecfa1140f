"""A trust's adviser reaches the trust's page from home in a real browser; axe finds it clean."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, expect

from sendreg.accounts.models import School, User
from tests.organisations.conftest import org_member, organisation_of, take_snapshot

pytestmark = pytest.mark.e2e

LogIn = Callable[[BrowserContext, User], None]


def _clean(page: object) -> None:
    violations = Axe().run(page).response["violations"]  # type: ignore[arg-type]
    blocking = [v["id"] for v in violations if v["impact"] in {"serious", "critical"}]
    assert not blocking, blocking


def test_the_adviser_goes_from_home_to_the_trust_and_reads_its_figures(
    context: BrowserContext, log_in: LogIn, school: School, other_school: School
) -> None:
    trust = organisation_of("Oak Learning Trust", [school, other_school])
    trust_adviser = org_member(trust, "adviser@trust.test")
    log_in(context, trust_adviser)
    page = context.new_page()
    page.goto("/")
    expect(page).to_have_url(re.compile(rf"/org/{trust.pk}/$"))
    expect(page.get_by_role("heading", level=2, name="No snapshots yet")).to_be_visible()
    _clean(page)

    take_snapshot(school, roll=300, pupils=[("E", "ASD")] * 18 + [("K", "SLCN")] * 33)
    take_snapshot(other_school, roll=250, pupils=[("E", "ASD")] * 2 + [("K", "MLD")] * 30)
    page.reload()
    table = page.get_by_role("table", name=re.compile("by school"))
    expect(table.get_by_role("row").filter(has_text="Riverside School")).to_contain_text(
        "fewer than 5"
    )
    expect(table.get_by_role("row").filter(has_text="All 2 schools")).to_contain_text("550")
    expect(page.get_by_role("table", name="Pupils by primary need")).to_contain_text(
        "ASD – Autistic spectrum disorder"
    )
    page.set_viewport_size({"width": 390, "height": 800})
    _clean(page)
