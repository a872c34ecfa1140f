"""The SENCO records an EHC needs assessment request, a draft and a final plan through the
pages in a real browser, and sees the deadlines move on the record and in the one list."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from sendreg.accounts.models import School, User
from sendreg.ehc.deadlines import add_months
from sendreg.lib.dates import today
from sendreg.pupils.models import Pupil
from sendreg.register.models import SenEpisode
from tests.conftest import put_on_register
from tests.e2e.test_register_flow import assert_accessible

pytestmark = pytest.mark.e2e

LogIn = Callable[[BrowserContext, User], None]


def long(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


@pytest.fixture
def on_k(school: School, senco: User, pupil: Pupil) -> Pupil:
    day = today()
    return put_on_register(pupil, by=senco, status="K", needs=("SLCN",), on=day, today=day)


@pytest.fixture
def senco_page(context: BrowserContext, log_in: LogIn, senco: User) -> Page:
    log_in(context, senco)
    return context.new_page()


def _row(page: Page, label: str):  # type: ignore[no-untyped-def]
    table = page.get_by_role("table", name="Every EHC deadline, soonest first")
    return table.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name=label, exact=True)
    )


def test_request_draft_and_final_plan_move_the_deadlines(senco_page: Page, on_k: Pupil) -> None:
    page = senco_page
    day = today()
    requested = day - dt.timedelta(days=30)
    drafted = day - dt.timedelta(days=3)

    page.goto(f"/pupils/{on_k.pk}/")
    section = page.get_by_role("region", name="Education, health and care (EHC) plan")
    expect(section).to_contain_text("No EHC needs assessment or plan recorded")
    section.get_by_role("link", name=re.compile("The whole EHC record")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"EHC record: {on_k}")
    assert_accessible(page, "an empty EHC record")

    # The request.
    page.get_by_role("link", name="Request for an EHC needs assessment").click()
    assert_accessible(page, "the request form")
    page.get_by_label("Date the request was made").fill(requested.isoformat())
    page.get_by_label("The school").check()
    page.get_by_label("Evidence sent with the request").fill("Two years of support plans.")
    page.get_by_role("button", name="Record it").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Recorded: request for an ehc needs assessment"
    )
    decision = _row(page, "EHC: decision whether to assess")
    expect(decision).to_contain_text(long(requested + dt.timedelta(weeks=6)))
    expect(decision).to_contain_text("Due within 14 days")
    final = _row(page, "EHC: final plan due")
    expect(final).to_contain_text(long(requested + dt.timedelta(weeks=20)))
    expect(final).to_contain_text("Upcoming")
    assert_accessible(page, "the EHC record after a request")

    # The one list shows the same.
    page.goto("/deadlines/")
    results = page.get_by_role("table", name="Deadlines, soonest first")
    expect(results.get_by_role("row").filter(has_text=str(on_k))).to_have_count(2)
    page.get_by_label("Kind").select_option("ehc_final_plan")
    expect(page.get_by_role("heading", name="1 deadline matching the filters")).to_be_visible()
    expect(page).to_have_url(re.compile("kind=ehc_final_plan"))
    assert_accessible(page, "the deadlines page, filtered")

    # The draft: the decision is met, the school's response falls due in 15 days.
    page.goto(f"/ehc/pupils/{on_k.pk}/")
    page.get_by_role("link", name="Draft plan received").click()
    page.get_by_label("Date the draft plan was received").fill(drafted.isoformat())
    page.get_by_role("button", name="Record it").click()
    expect(_row(page, "EHC: decision whether to assess")).to_contain_text("Done")
    response = _row(page, "EHC: response to the draft plan")
    expect(response).to_contain_text(long(drafted + dt.timedelta(days=15)))
    expect(response).to_contain_text("Due within 14 days")

    # The final plan: met; the annual review now runs 12 months from it, and the SENCO is
    # offered (not given) the change to E on the register.
    page.get_by_role("link", name="Final plan issued").click()
    page.get_by_label("Date the final plan was issued").fill(day.isoformat())
    page.get_by_label("Local authority that issued the plan").fill("Bristol City Council")
    page.get_by_label("School or placement named in the plan (section I)").fill(on_k.school.name)
    for letter in ("A", "B", "E", "F", "I"):
        page.get_by_label(re.compile(rf"^\s*{letter}: ")).check()
    page.get_by_role("button", name="Record it").click()
    expect(page.get_by_text("EHC plan in force.")).to_be_visible()
    expect(_row(page, "EHC: final plan due")).to_contain_text("Done")
    expect(_row(page, "EHC: response to the draft plan")).to_have_count(0)
    annual = _row(page, "EHC: annual review meeting")
    expect(annual).to_contain_text(long(add_months(day, 12)))
    expect(annual).to_contain_text("Upcoming")
    offer = page.locator("#register-offer")
    expect(offer).to_contain_text("has an EHC plan in force but is K")
    expect(offer).to_contain_text("sendreg never changes the register on its own")
    expect(offer.get_by_role("link")).to_have_attribute("href", f"/pupils/{on_k.pk}/sen/")
    assert list(SenEpisode.objects.filter(pupil=on_k).values_list("status", flat=True)) == ["K"]
    assert_accessible(page, "the EHC record with a plan")

    page.goto("/deadlines/?status=done")
    expect(
        page.get_by_role("table", name="Deadlines, soonest first")
        .get_by_role("row")
        .filter(has_text=str(on_k))
    ).to_have_count(2)


def test_a_refused_order_keeps_what_was_typed(senco_page: Page, on_k: Pupil) -> None:
    page = senco_page
    page.goto(f"/ehc/pupils/{on_k.pk}/record/review_held/")
    page.get_by_label("Date the meeting was held").fill(today().isoformat())
    page.get_by_label("Who came").fill("Mum and the SENCO")
    page.get_by_label("The pupil's views").fill("Likes art.")
    page.get_by_label("The parents' views").fill("Happy.")
    page.get_by_role("button", name="Record it").click()
    expect(page.get_by_role("alert")).to_contain_text("record the final plan first")
    expect(page.get_by_label("Who came")).to_have_value("Mum and the SENCO")
    assert_accessible(page, "the event form with an error")


def test_pages_work_at_phone_width(
    new_context: Callable[..., BrowserContext], log_in: LogIn, senco: User, on_k: Pupil
) -> None:
    context = new_context(viewport={"width": 390, "height": 844})
    log_in(context, senco)
    page = context.new_page()
    for url in (f"/ehc/pupils/{on_k.pk}/", "/deadlines/", "/deadlines/calendar/", "/ehc/", "/"):
        page.goto(url)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (url, width)
    assert_accessible(page, "the home page with the deadlines panel")


def test_review_invitations_through_the_page(senco_page: Page, on_k: Pupil, senco: User) -> None:
    from tests.ehc.conftest import record

    day = today()
    record(on_k, senco, "plan_issued", day - dt.timedelta(days=300), today=day)
    meeting = day + dt.timedelta(days=30)
    review = record(on_k, senco, "review_scheduled", day, today=day, meeting_on=meeting)
    page = senco_page
    page.goto(f"/ehc/pupils/{on_k.pk}/reviews/{review.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(long(meeting))
    page.get_by_label("Name", exact=True).fill("Ann Young")
    page.get_by_label("Role").select_option("parent")
    page.get_by_role("button", name="Add to the invitations").click()
    invited = page.get_by_role("table", name="People invited to the meeting")
    expect(invited).to_contain_text("Ann Young")
    expect(invited).to_contain_text("Not yet")
    assert_accessible(page, "the review page")
    page.get_by_label("Ann Young (Parent or carer)").check()
    page.get_by_role("button", name="Record the invitations as sent").click()
    expect(invited).to_contain_text(long(day))
    with page.expect_download() as download:
        invited.get_by_role("link", name="Word invitation for Ann Young").click()
    assert download.value.suggested_filename.endswith(".docx")
