# The matrix below is a table, one URL to a line, and is easier to read wide than wrapped.
# ruff: noqa: E501
"""Who may open what of the support app: every URL, as every role, with the exact answer.

Read as tests/test_permissions.py: ``LOGIN`` is a redirect to the login page, 403 a role
without the right, 404 a pupil or record outside what the role may see. A teacher or
assistant sees the plans of the pupils they teach and changes nothing but passport
suggestions; office staff see no plan text; the head sees everything and changes
nothing; governors and advisers see none of it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern

from sendreg.accounts.models import User
from sendreg.pupils.models import Pupil
from sendreg.support import rules, services, urls
from sendreg.support.models import (
    AssessmentEntry,
    Outcome,
    ParentMeeting,
    Passport,
    PassportSuggestion,
    SpecialistInvolvement,
    SpecialistReport,
    SupportPlan,
    SupportSettings,
)
from tests.conftest import TODAY
from tests.matrix import LOGIN, Row, cases
from tests.support.conftest import DAY, open_plan, review_plan
from tests.support.test_rules import DOCX

#: Answers for reading a pupil's support: the teacher and the TA do not teach this pupil.
SEE = (200, 200, 404, 404, 403, 200, 403, 403, 404, LOGIN)
#: ... and for the pupil they teach.
SEE_TAUGHT = (200, 200, 200, 200, 403, 200, 403, 403, 404, LOGIN)
#: Changing anything: the SENCO and deputy only.
CHANGE = (200, 200, 403, 403, 403, 403, 403, 403, 404, LOGIN)
CHANGE_POST = (302, 302, 403, 403, 403, 403, 403, 403, 404, LOGIN)
P = "/support/pupils/{pupil}"
T = "/support/pupils/{taught}"

# fmt: off
MATRIX = [
    #   url name                      method  url                                         senco deputy teacher ta office head  gov  adviser outsider anonymous
    Row("support_plans",              "GET",  "/support/",                                (200,  200,   200,  200,  403,  200,  403,  403,  200,  LOGIN)),
    Row("support_settings",           "GET",  "/support/settings/",                       (200,  200,   403,  403,  403,  403,  403,  403,  200,  LOGIN)),
    Row("support_class_sheet",        "GET",  "/support/class-sheet/",                    (200,  200,   200,  200,  403,  200,  403,  403,  200,  LOGIN)),
    Row("support_pupil",              "GET",  P + "/",                                    SEE),
    Row("support_pupil",              "GET",  T + "/",                                    SEE_TAUGHT),
    Row("support_plan_open",          "GET",  P + "/plans/new/",                          CHANGE),
    Row("support_plan_open",          "GET",  T + "/plans/new/",                          CHANGE),
    Row("support_meeting_add",        "GET",  P + "/meetings/new/",                       CHANGE),
    Row("support_meeting_add",        "GET",  T + "/meetings/new/",                       CHANGE),
    Row("support_specialist_add",     "GET",  P + "/specialists/new/",                    CHANGE),
    Row("support_passport_edit",      "GET",  P + "/passport/",                           CHANGE),
    Row("support_passport_edit",      "GET",  T + "/passport/",                           CHANGE),
    Row("support_passport_suggest",   "GET",  P + "/passport/suggest/",                   (200,  200,   404,  404,  403,  403,  403,  403,  404,  LOGIN)),
    Row("support_passport_suggest",   "GET",  T + "/passport/suggest/",                   (200,  200,   200,  200,  403,  403,  403,  403,  404,  LOGIN)),
    Row("support_passport_document",  "GET",  P + "/passport/document/",                  SEE),
    Row("support_passport_document",  "GET",  T + "/passport/document/?format=docx",      SEE_TAUGHT),
    Row("support_annual_report",      "GET",  P + "/annual-report/",                      SEE),
    Row("support_annual_report",      "GET",  T + "/annual-report/",                      SEE_TAUGHT),
    Row("support_plan_detail",        "GET",  "/support/plans/{plan}/",                   SEE),
    Row("support_plan_detail",        "GET",  "/support/plans/{taught_plan}/",            SEE_TAUGHT),
    Row("support_plan_edit",          "GET",  "/support/plans/{plan}/edit/",              CHANGE),
    Row("support_plan_edit",          "GET",  "/support/plans/{taught_plan}/edit/",       CHANGE),
    Row("support_assessment_add",     "GET",  "/support/plans/{plan}/assess/",            CHANGE),
    Row("support_outcome_add",        "GET",  "/support/plans/{plan}/outcomes/new/",      CHANGE),
    Row("support_outcome_edit",       "GET",  "/support/plans/{plan}/outcomes/{outcome}/", CHANGE),
    Row("support_plan_review",        "GET",  "/support/plans/{plan}/review/",            CHANGE),
    Row("support_plan_review",        "GET",  "/support/plans/{taught_plan}/review/",     CHANGE),
    Row("support_plan_next",          "GET",  "/support/plans/{old_plan}/next/",          CHANGE),
    Row("support_plan_document",      "GET",  "/support/plans/{plan}/document/",          SEE),
    Row("support_plan_document",      "GET",  "/support/plans/{taught_plan}/document/",   SEE_TAUGHT),
    Row("support_review_document",    "GET",  "/support/plans/{old_plan}/review/document/", SEE),
    Row("support_meeting_detail",     "GET",  "/support/meetings/{meeting}/",             SEE),
    Row("support_meeting_document",   "GET",  "/support/meetings/{meeting}/document/",    SEE),
    Row("support_specialist_detail",  "GET",  "/support/specialists/{specialist}/",       SEE),
    Row("support_specialist_edit",    "GET",  "/support/specialists/{specialist}/edit/",  CHANGE),
    Row("support_visit_add",          "GET",  "/support/specialists/{specialist}/visits/new/", CHANGE),
    Row("support_report_add",         "GET",  "/support/specialists/{specialist}/reports/new/", CHANGE),
    Row("support_report_download",    "GET",  "/support/reports/{report}/",               (200,  200,   403,  403,  403,  200,  403,  403,  404,  LOGIN)),
    Row("support_suggestion_decide",  "POST", "/support/suggestions/{suggestion}/decide/", CHANGE_POST, {"accept": "yes"}),
]
# fmt: on

CASES = cases(MATRIX)


@pytest.fixture
def objects(
    on_support: Pupil, taught_on_support: Pupil, senco: User, teacher: User
) -> dict[str, Any]:
    old = open_plan(on_support, senco, opened_on=TODAY - 200 * DAY, review_date=TODAY - 60 * DAY)
    review_plan(old, senco, reviewed_on=TODAY - 60 * DAY)
    old.refresh_from_db()
    plan = open_plan(on_support, senco, opened_on=TODAY - 30 * DAY, previous=old)
    taught_plan = open_plan(taught_on_support, senco)
    meeting = services.meeting_record(
        pupil=on_support, held_on=TODAY, attendees="Mum", by=senco, today=TODAY
    )
    specialist = services.specialist_add(
        pupil=on_support, data={"service": "ep"}, by=senco, today=TODAY
    )
    report = services.specialist_report_add(
        involvement=specialist,
        content=DOCX,
        name="EP.docx",
        received_on=TODAY,
        by=senco,
        today=TODAY,
    )
    suggestion = services.passport_suggest(
        pupil=taught_on_support, field="about_me", text="I like trains.", by=teacher, today=TODAY
    )
    outcome = plan.outcomes.first()
    assert outcome is not None
    return {
        "pupil": on_support.pk,
        "taught": taught_on_support.pk,
        "plan": plan.pk,
        "old_plan": old.pk,
        "taught_plan": taught_plan.pk,
        "outcome": outcome.pk,
        "meeting": meeting.pk,
        "specialist": specialist.pk,
        "report": report.pk,
        "suggestion": suggestion.pk,
    }


@pytest.mark.parametrize(("row", "role", "expected"), CASES)
def test_permission_matrix(
    row: Row,
    role: str,
    expected: int | str,
    objects: dict[str, Any],
    client: Client,
    request: pytest.FixtureRequest,
    on_today: dt.date,
) -> None:
    # As tests.matrix.check, reading a file download to the end as a server does (a file
    # left open is a ResourceWarning, an error here).
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    url = row.url.format(**objects)

    if row.method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, dict(row.data))

    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith("/login/?next=")
    else:
        assert response.status_code == expected
    if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
        assert b"{#" not in response.content and b"{%" not in response.content
    # A file download holds the file open until it is read to the end, as the server does.
    if response.streaming:
        b"".join(response.streaming_content)  # type: ignore[attr-defined]


def test_matrix_covers_every_support_url() -> None:
    names = {p.name for p in urls.urlpatterns if isinstance(p, URLPattern)}
    assert names == {row.name for row in MATRIX}


# --- What each role is shown ----------------------------------------------------------------------


def test_office_staff_see_no_plan_text_anywhere(
    objects: dict[str, Any], office: User, client: Client, on_today: dt.date
) -> None:
    client.force_login(office)
    for url in (f"/pupils/{objects['pupil']}/", "/"):
        html = client.get(url).content.decode()
        assert "/support/" not in html
        assert "Give one instruction at a time." not in html
        assert "Read a page aloud" not in html


@pytest.mark.parametrize("role", ["governor", "adviser"])
def test_governors_and_advisers_see_none_of_it(
    role: str,
    objects: dict[str, Any],
    client: Client,
    request: pytest.FixtureRequest,
    on_today: dt.date,
) -> None:
    client.force_login(request.getfixturevalue(role))
    html = client.get("/").content.decode()
    assert "/support/" not in html
    assert "Maisie" not in html and "Teddy" not in html


def test_the_head_reads_everything_but_is_offered_no_change(
    objects: dict[str, Any], head: User, client: Client, on_today: dt.date
) -> None:
    client.force_login(head)
    html = client.get(f"/support/pupils/{objects['pupil']}/").content.decode()
    assert "Read a page aloud" in html
    for offer in (
        "Review plan",
        "Record a meeting",
        "Involve a specialist",
        "Change the passport",
        "Suggest a change",
    ):
        assert offer not in html
    assert f"/support/reports/{objects['report']}/" in html


def test_a_teacher_is_offered_only_passport_suggestions(
    objects: dict[str, Any], teacher: User, client: Client, on_today: dt.date
) -> None:
    client.force_login(teacher)
    html = client.get(f"/support/pupils/{objects['taught']}/").content.decode()
    assert "Suggest a change to the passport" in html
    for offer in ("Review plan", "Record a meeting", "Involve a specialist", "Write the passport"):
        assert offer not in html
    assert "/support/reports/" not in html


def test_a_teacher_lists_only_the_plans_of_pupils_they_teach(
    objects: dict[str, Any], teacher: User, client: Client, on_today: dt.date
) -> None:
    client.force_login(teacher)
    html = client.get("/support/").content.decode()
    assert "Teddy Barnes" in html
    assert "Maisie Young" not in html


# --- Refused writes change nothing ----------------------------------------------------------------


def _state() -> dict[str, Any]:
    return {
        "plans": list(
            SupportPlan.objects.values_list("pk", "strategies", "reviewed_on").order_by("pk")
        ),
        "outcomes": list(Outcome.objects.values_list("pk", "text").order_by("pk")),
        "assessments": AssessmentEntry.objects.count(),
        "meetings": ParentMeeting.objects.count(),
        "specialists": list(SpecialistInvolvement.objects.values_list("pk", "recommendations")),
        "reports": SpecialistReport.objects.count(),
        "passports": Passport.objects.count(),
        "suggestions": list(PassportSuggestion.objects.values_list("pk", "state")),
        "settings": SupportSettings.objects.count(),
    }


WRITES = [
    (
        P + "/plans/new/",
        {
            "opened_on": "2025-11-12",
            "review_date": "2026-02-01",
            "outcomes-TOTAL_FORMS": "0",
            "outcomes-INITIAL_FORMS": "0",
        },
    ),
    (
        T + "/plans/new/",
        {
            "opened_on": "2025-11-12",
            "review_date": "2026-02-01",
            "outcomes-TOTAL_FORMS": "0",
            "outcomes-INITIAL_FORMS": "0",
        },
    ),
    (P + "/meetings/new/", {"held_on": "2025-11-12", "attendees": "Mum"}),
    (T + "/meetings/new/", {"held_on": "2025-11-12", "attendees": "Mum"}),
    (P + "/specialists/new/", {"service": "ot"}),
    (T + "/passport/", {"about_me": "Changed"}),
    ("/support/plans/{taught_plan}/edit/", {"review_date": "2026-03-01", "strategies": "Changed"}),
    (
        "/support/plans/{plan}/assess/",
        {"source": "teacher", "recorded_on": "2025-11-12", "text": "x"},
    ),
    (
        "/support/plans/{plan}/outcomes/new/",
        {"text": "x", "measure": "x", "baseline": "1", "target": "2"},
    ),
    (
        "/support/plans/{plan}/outcomes/{outcome}/",
        {"text": "Changed", "measure": "x", "baseline": "1", "target": "2"},
    ),
    ("/support/specialists/{specialist}/edit/", {"service": "ep", "recommendations": "Changed"}),
    ("/support/specialists/{specialist}/visits/new/", {"visited_on": "2025-11-12"}),
    ("/support/suggestions/{suggestion}/decide/", {"accept": "yes"}),
    ("/support/settings/", {"meetings_per_year": "6"}),
]


@pytest.mark.parametrize(("url", "data"), WRITES)
@pytest.mark.parametrize(
    ("role", "status"),
    [("outsider", 404), ("teacher", 403), ("ta", 403), ("head", 403), ("office", 403)],
)
def test_refused_posts_change_nothing(
    url: str,
    data: dict[str, str],
    role: str,
    status: int,
    objects: dict[str, Any],
    client: Client,
    request: pytest.FixtureRequest,
    on_today: dt.date,
) -> None:
    before = _state()
    client.force_login(request.getfixturevalue(role))
    response = client.post(url.format(**objects), data)
    expected = 200 if (role == "outsider" and url == "/support/settings/") else status
    if url == "/support/settings/" and role == "outsider":
        # The outsider is another school's SENCO: they change their own school's settings.
        assert response.status_code == 302
    else:
        assert response.status_code == expected
    after = _state()
    if url == "/support/settings/" and role == "outsider":
        after["settings"] -= 1
    assert after == before


def test_a_teacher_cannot_review_even_a_plan_of_a_pupil_they_teach(
    objects: dict[str, Any], teacher: User, client: Client, on_today: dt.date
) -> None:
    client.force_login(teacher)
    response = client.post(
        f"/support/plans/{objects['taught_plan']}/review/", {"decision": "continue"}
    )
    assert response.status_code == 403
    assert SupportPlan.objects.get(pk=objects["taught_plan"]).is_open


def test_a_teacher_cannot_suggest_for_a_pupil_they_do_not_teach(
    objects: dict[str, Any], teacher: User, client: Client, on_today: dt.date
) -> None:
    client.force_login(teacher)
    response = client.post(
        f"/support/pupils/{objects['pupil']}/passport/suggest/", {"field": "about_me", "text": "x"}
    )
    assert response.status_code == 404
    assert PassportSuggestion.objects.count() == 1


def test_decisions_are_offered_by_the_rules(objects: dict[str, Any]) -> None:
    assert set(rules.DECISION_NEXT) == set(rules.Decision.values)


# Who may open which URL is decided in Python over the same queries on either database: the
# matrix runs on the first (SQLite) pass only, and each app's view tests run on both.
pytestmark = pytest.mark.one_pass
