"""The one list: every source's deadlines, the rules they share, the page and the JSON agreeing."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from sendreg import cli
from sendreg.accounts.models import School, User
from sendreg.deadlines import rules, selectors
from sendreg.deadlines.rules import DeadlineStatus
from sendreg.lib.extensions import Deadline
from sendreg.records.models import ExamArrangement
from sendreg.register.models import MonitoringEntry
from sendreg.register.rules import upcoming_censuses
from tests.conftest import TODAY
from tests.deadlines.conftest import days
from tests.factories import PupilFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_today")]
Login = Callable[[User], Client]


# --- Rules -------------------------------------------------------------------------------


def test_initials_and_the_outside_summary() -> None:
    assert rules.initials("Maisie Young") == "M.Y."
    assert rules.initials("Jean-Luc O'Brien") == "J.L.O."
    assert rules.initials("  ") == ""
    assert rules.outside_summary(label="EHC: annual review", name="Maisie Young") == (
        "EHC: annual review: M.Y."
    )
    assert rules.outside_summary(label="School census day", name="") == "School census day"


@pytest.mark.parametrize(
    ("done_on", "listed"),
    [(None, True), (TODAY - dt.timedelta(days=30), True), (TODAY - dt.timedelta(days=31), False)],
)
def test_done_duties_stay_listed_for_30_days(done_on: dt.date | None, listed: bool) -> None:
    assert rules.still_listed(done_on=done_on, today=TODAY) is listed


def test_soonest_first_then_kind_then_pupil() -> None:
    a = Deadline(kind="b", due=TODAY, status="due_soon", detail="", name="Zed")
    b = Deadline(kind="a", due=TODAY, status="due_soon", detail="", name="Amy")
    c = Deadline(kind="a", due=TODAY - dt.timedelta(days=1), status="overdue", detail="")
    assert rules.in_order([a, b, c]) == [c, b, a]


# --- Sources -------------------------------------------------------------------------------


def test_every_source_in_one_list(school: School, full_school: dict[str, Any]) -> None:
    found = selectors.school_deadlines(school, TODAY)
    pupils = [(d.kind, d.name, d.due, d.status) for d in found if d.upn]
    assert pupils == [
        ("ehc_assessment_decision", "Maisie Young", days(-8), "overdue"),
        ("monitoring_review", "Wes Watts", days(-3), "overdue"),
        ("exam_arrangement_expiry", "Ella Exley", days(10), "due_soon"),
        ("pep_review", "Lara Lake", days(14), "due_soon"),
        ("ihp_review", "Ian Hale", days(40), "upcoming"),
        ("ehc_final_plan", "Maisie Young", days(-50 + 140), "upcoming"),
    ]
    censuses = [d for d in found if d.kind == "census"]
    assert [d.due for d in censuses] == [c.date for c in upcoming_censuses(TODAY, 3)]
    assert all(d.upn == "" and d.name == "" for d in censuses)
    spring = next(d for d in censuses if d.due.month == 1)
    assert "need types are collected only in this (spring) census" in spring.detail
    assert "Gus Gone" not in {d.name for d in found}


def test_a_ks2_arrangement_in_year_7_is_not_a_date_to_meet(school: School) -> None:
    pupil = PupilFactory(school=school, year_group=7)
    ExamArrangement.objects.create(
        pupil=pupil, arrangement="reader", key_stage="KS2", evidence="SATs", approved_on=days(-300),
        expires_on=days(20),
    )  # fmt: skip
    assert not selectors.school_deadlines(school, TODAY, only_kinds={"exam_arrangement_expiry"})


def test_filters_ask_only_the_sources_needed(
    school: School, full_school: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(2):
        found = selectors.school_deadlines(school, TODAY, only_kinds={"ihp_review"})
    assert [d.name for d in found] == ["Ian Hale"]
    overdue = selectors.school_deadlines(school, TODAY, only_statuses={"overdue"})
    assert {d.kind for d in overdue} == {"ehc_assessment_decision", "monitoring_review"}


def test_kinds_cover_every_source() -> None:
    kinds = selectors.kinds()
    for kind in ("census", "monitoring_review", "exam_arrangement_expiry", "ihp_review",
                 "pep_review", "ehc_assessment_decision", "ehc_final_plan", "ehc_draft_response",
                 "ehc_annual_review", "ehc_phase_transfer", "ehc_review_invitations",
                 "ehc_review_report", "ehc_la_decision"):  # fmt: skip
        assert kind in kinds


# --- The page, the JSON and the command ------------------------------------------------------


def _page_rows(html: str) -> list[tuple[str, str, str]]:
    return re.findall(r'<tr data-kind="([^"]+)" data-status="([^"]+)">\s*<td>([^<]+)</td>', html)


def test_the_page_and_the_json_agree(
    school: School, full_school: dict[str, Any], senco: User, login: Login,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    page = login(senco).get("/deadlines/").content.decode()
    assert cli.main(["deadlines", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown == [d.as_json() for d in selectors.school_deadlines(school, TODAY)]
    assert _page_rows(page) == [
        (d["kind"], d["status"], dt.date.fromisoformat(d["due"]).strftime("%-d %B %Y"))
        for d in shown
    ]
    for item in shown:
        assert set(item) == {"upn", "name", "kind", "due", "status", "detail"}
        if item["name"]:
            assert item["name"] in page and item["upn"] in page


def test_page_filters_and_the_htmx_fragment(
    full_school: dict[str, Any], senco: User, login: Login
) -> None:
    client = login(senco)
    page = client.get("/deadlines/?kind=ihp_review").content.decode()
    assert [row[0] for row in _page_rows(page)] == ["ihp_review"]
    assert "1 deadline matching the filters" in page
    fragment = client.get("/deadlines/?status=overdue", headers={"HX-Request": "true"})
    html = fragment.content.decode()
    assert "<html" not in html
    assert {row[1] for row in _page_rows(html)} == {"overdue"}
    assert "2 deadlines found" in html  # the status region's words
    open_only = client.get("/deadlines/?status=open").content.decode()
    assert {row[1] for row in _page_rows(open_only)} <= {"overdue", "due_soon", "upcoming"}
    assert client.get("/deadlines/?kind=nonsense").status_code == 200


def test_command_text_and_filters(
    full_school: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["deadlines", "--status", "due_soon"]) == 0
    out = capsys.readouterr().out
    assert "Exam access arrangement expires: Ella Exley" in out
    assert "Wes Watts" not in out
    assert cli.main(["deadlines", "--kind", "tea"]) == 2
    assert "No kind 'tea'" in capsys.readouterr().err


def test_home_panel_for_the_senco_not_the_teacher(
    full_school: dict[str, Any], senco: User, teacher: User, head: User, login: Login
) -> None:
    page = login(senco).get("/").content.decode()
    assert "2 overdue and 2 due within 14 days." in page
    assert "Monitoring list review, Wes Watts" in page
    assert "Ian Hale" not in page  # 40 days away
    assert "Deadlines" in login(head).get("/").content.decode()
    assert 'id="deadlines-heading"' not in login(teacher).get("/").content.decode()


def test_page_queries_do_not_grow(school: School, senco: User, login: Login) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.conftest import register_in_bulk
    from tests.ehc.conftest import record

    client = login(senco)

    def add(n: int) -> None:
        for pupil in register_in_bulk(school, n, status="E", needs=("ASD",)):
            record(pupil, senco, "plan_issued", "2025-01-10")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/deadlines/").status_code == 200
        return len(queries)

    add(2)
    few = count()
    add(10)
    assert count() == few <= 15


def test_statuses_in_the_list_are_the_rule(school: School, full_school: dict[str, Any]) -> None:
    for deadline in selectors.school_deadlines(school, TODAY):
        if deadline.status != DeadlineStatus.DONE:
            assert deadline.status == rules.deadline_status(due=deadline.due, today=TODAY)


@pytest.mark.parametrize(
    "day", [dt.date(2024, 2, 29), dt.date(2025, 1, 1), dt.date(2025, 12, 31), dt.date(2026, 9, 3)]
)
def test_long_date_is_djangos_british_date(day: dt.date) -> None:
    from django.utils.formats import date_format

    assert rules.long_date(day) == date_format(day, "j F Y")


def test_the_page_shows_a_hundred_deadlines_at_a_time_with_the_filters_kept(
    school: School, senco: User, login: Login
) -> None:
    from tests.queries import count_queries

    watched = PupilFactory.create_batch(130, school=school)
    MonitoringEntry.objects.bulk_create(
        MonitoringEntry(
            pupil=pupil, reason="Reading", started_on=TODAY - dt.timedelta(days=60),
            review_date=TODAY + dt.timedelta(days=n % 40), added_by=senco,
        )
        for n, pupil in enumerate(watched)
    )  # fmt: skip
    client = login(senco)
    url = "/deadlines/?kind=monitoring_review"
    first = client.get(url).content.decode()
    assert "130 deadlines matching the filters: page 1 of 2" in first
    assert len(_page_rows(first)) == 100
    assert "Showing 1 to 100 of 130 deadlines" in first
    assert 'href="?kind=monitoring_review&amp;page=2#results"' in first
    second = client.get(f"{url}&page=2").content.decode()
    assert len(_page_rows(second)) == 30
    shown = _page_rows(first) + _page_rows(second)
    assert len(shown) == 130 and {row[0] for row in shown} == {"monitoring_review"}
    # The rows continue soonest first from one page to the next.
    dates = [dt.datetime.strptime(row[2], "%d %B %Y").date() for row in shown]
    assert dates == sorted(dates)
    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "130 deadlines found, showing 1 to 100" in fragment
    assert count_queries(client, url) == count_queries(client, f"{url}&page=2")
