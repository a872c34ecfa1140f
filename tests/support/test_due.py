"""What is due and overdue: the SENCO's home panel and the deadlines the app gives
``sendreg deadlines`` (kinds plan_review, parent_meeting and no_plan)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import pytest
from django.test import Client

from sendreg.accounts.models import School, User
from sendreg.lib.extensions import DEADLINE_SOURCES
from sendreg.pupils.models import Pupil
from sendreg.support import services
from sendreg.support.contributions import DEADLINE_KINDS
from tests.conftest import TODAY, put_on_register
from tests.factories import PupilFactory
from tests.support.conftest import DAY, open_plan, review_plan

pytestmark = pytest.mark.usefixtures("on_today")
Login = Callable[[User], Client]


def collect(school: School, day: dt.date = TODAY) -> list[dict[str, object]]:
    source = DEADLINE_SOURCES.get("support")
    assert source is not None
    return [d.as_json() for d in source.collect(school, day)]


def test_the_source_names_its_kinds() -> None:
    source = DEADLINE_SOURCES.get("support")
    assert source is not None
    assert dict(source.kinds) == DEADLINE_KINDS
    assert set(DEADLINE_KINDS) == {"plan_review", "parent_meeting", "no_plan"}


@pytest.fixture
def school_with_work(
    school: School, senco: User, on_support: Pupil, taught_on_support: Pupil
) -> dict[str, Pupil]:
    """Maisie's review is overdue; Teddy is on the register with no plan; Ivy's review is in
    five days; Leo (EHC plan) has a plan due in a month; Zac left the school."""
    open_plan(on_support, senco, opened_on=TODAY - 120 * DAY, review_date=TODAY - 3 * DAY)
    ivy = put_on_register(
        PupilFactory(school=school, legal_forename="Ivy", legal_surname="Hall"),
        by=senco,
        on=TODAY - 100 * DAY,
    )
    open_plan(ivy, senco, review_date=TODAY + 5 * DAY)
    leo = put_on_register(
        PupilFactory(school=school, legal_forename="Leo", legal_surname="Ward"),
        by=senco,
        status="E",
        on=TODAY - 100 * DAY,
    )
    open_plan(leo, senco, review_date=TODAY + 30 * DAY)
    zac = put_on_register(
        PupilFactory(school=school, legal_forename="Zac", legal_surname="Gone"), by=senco
    )
    zac.leaving_date = TODAY - DAY
    zac.save(update_fields=["leaving_date"])
    services.meeting_record(pupil=ivy, held_on=TODAY - DAY, attendees="Mum", by=senco, today=TODAY)
    return {"maisie": on_support, "teddy": taught_on_support, "ivy": ivy, "leo": leo}


def test_deadlines_of_the_whole_school(school_with_work: dict[str, Pupil], school: School) -> None:
    found = {(d["name"], d["kind"]): d for d in collect(school)}
    assert found[("Maisie Young", "plan_review")] == {
        "upn": school_with_work["maisie"].upn,
        "name": "Maisie Young",
        "kind": "plan_review",
        "due": (TODAY - 3 * DAY).isoformat(),
        "status": "overdue",
        "detail": "Review of support plan 1",
    }
    assert found[("Ivy Hall", "plan_review")]["status"] == "due_soon"
    assert found[("Leo Ward", "plan_review")]["status"] == "upcoming"
    no_plan = found[("Teddy Barnes", "no_plan")]
    assert no_plan["status"] == "overdue"
    assert no_plan["due"] == (TODAY - 200 * DAY).isoformat()
    assert no_plan["detail"] == "On the register (K – SEN support) with no open support plan"
    # Parent meetings: the pupils on SEN support not met this term (TODAY is in the autumn
    # term); Ivy was met yesterday, and Leo has an EHC plan (annual reviews instead).
    meetings = {name for (name, kind) in found if kind == "parent_meeting"}
    assert meetings == {"Maisie Young", "Teddy Barnes"}
    assert found[("Maisie Young", "parent_meeting")]["due"] == "2025-12-31"
    assert found[("Maisie Young", "parent_meeting")]["status"] == "upcoming"
    assert not any(name == "Zac Gone" for name, _ in found)
    json.dumps(collect(school))


def test_the_next_plan_is_due_from_the_last_review(
    plan: object, senco: User, school: School
) -> None:
    review_plan(plan, senco, reviewed_on=TODAY - 2 * DAY)  # type: ignore[arg-type]
    (no_plan,) = [d for d in collect(school) if d["kind"] == "no_plan"]
    assert no_plan["due"] == (TODAY - 2 * DAY).isoformat()


def test_a_meeting_missed_last_term_is_overdue(on_support: Pupil, school: School) -> None:
    (meeting,) = [d for d in collect(school, dt.date(2026, 2, 2)) if d["kind"] == "parent_meeting"]
    assert (meeting["status"], meeting["due"]) == ("overdue", "2025-12-31")


def test_the_schools_promise_changes_what_is_owed(
    on_support: Pupil, school: School, senco: User
) -> None:
    services.meeting_record(
        pupil=on_support, held_on=TODAY - DAY, attendees="Mum", by=senco, today=TODAY
    )
    assert not [d for d in collect(school) if d["kind"] == "parent_meeting"]
    services.support_settings_update(school=school, meetings_per_year=6, by=senco)
    (owed,) = [d for d in collect(school) if d["kind"] == "parent_meeting"]
    assert "1 of 2 held this year" in str(owed["detail"])


def test_another_schools_work_is_not_listed(
    school_with_work: dict[str, Pupil], other_school: School
) -> None:
    assert collect(other_school) == []


def test_the_senco_home_panel_shows_what_needs_doing(
    school_with_work: dict[str, Pupil], senco: User, login: Login
) -> None:
    html = login(senco).get("/").content.decode()
    panel = html.split('id="support-due-heading"')[1].split("</section>")[0]
    assert "Plan reviews overdue (1)" in panel
    assert "Plan reviews due within 14 days (1)" in panel
    assert "Ivy Hall" in panel
    assert "On the register with no open plan (1)" in panel
    assert "Teddy Barnes" in panel
    assert "Parent meetings due this term (2)" in panel
    assert "Leo Ward" not in panel  # due in a month: not yet on the home page


def test_the_senco_home_panel_says_when_all_is_well(senco: User, login: Login) -> None:
    html = login(senco).get("/").content.decode()
    assert "No plan review is due in the next 14 days" in html


def test_home_queries_do_not_grow_with_the_work(
    school_with_work: dict[str, Pupil],
    school: School,
    senco: User,
    login: Login,
    django_assert_num_queries: object,
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.conftest import register_in_bulk

    client = login(senco)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            client.get("/")
        return len(captured)

    before = count()
    for pupil in register_in_bulk(school, 15):
        open_plan(pupil, senco, review_date=TODAY + 2 * DAY)
    assert count() == before
