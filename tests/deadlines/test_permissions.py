# The matrix below is a table, one URL to a line, and is easier to read wide than wrapped.
# ruff: noqa: E501
"""Who may open what of the deadlines pages: every URL, as every role, with the exact answer.

The feed itself needs no login: its secret address is the key, and anyone else's (or a
made-up) address answers 404 to everyone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern

from sendreg.accounts.models import User
from sendreg.deadlines import services, urls
from tests.matrix import LOGIN, Row, cases, check

# fmt: off
MATRIX = [
    #   url name                      method  url                                   senco deputy teacher ta  office head  gov  adviser outsider anonymous
    Row("deadlines",                  "GET",  "/deadlines/",                        (200,  200,  403,  403,  403,  200,  403,  403,  200,  LOGIN)),
    Row("deadlines",                  "GET",  "/deadlines/?status=overdue",         (200,  200,  403,  403,  403,  200,  403,  403,  200,  LOGIN)),
    Row("deadlines_calendar",         "GET",  "/deadlines/calendar/",               (200,  200,  403,  403,  403,  200,  403,  403,  200,  LOGIN)),
    Row("deadlines_calendar_create",  "POST", "/deadlines/calendar/new/",           (200,  200,  403,  403,  403,  200,  403,  403,  200,  LOGIN)),
    Row("deadlines_calendar_revoke",  "POST", "/deadlines/calendar/off/",           (302,  302,  403,  403,  403,  302,  403,  403,  302,  LOGIN)),
    # The SENCO's own feed: the address works for anyone who has it, logged in or not ...
    Row("deadlines_feed",             "GET",  "/deadlines/calendar/{feed}/{token}.ics",  (200,  200,  200,  200,  200,  200,  200,  200,  200,  200)),
    # ... and a wrong token works for nobody.
    Row("deadlines_feed",             "GET",  "/deadlines/calendar/{feed}/wrong.ics",    (404,  404,  404,  404,  404,  404,  404,  404,  404,  404)),
]
# fmt: on

CASES = cases(MATRIX)


@pytest.fixture
def objects(senco: User, school: Any) -> dict[str, Any]:
    feed, token = services.feed_create(user=senco, school_id=school.pk)
    return {"feed": feed.pk, "token": token}


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
    check(row, role, expected, objects=objects, client=client, request=request)


def test_matrix_covers_every_deadlines_url() -> None:
    names = {p.name for p in urls.urlpatterns if isinstance(p, URLPattern)}
    assert names == {row.name for row in MATRIX}


def test_an_outsider_sees_only_their_own_schools_deadlines(
    full_school: dict[str, Any], outsider: User, client: Client, on_today: dt.date
) -> None:
    client.force_login(outsider)
    page = client.get("/deadlines/").content.decode()
    for pupil in full_school.values():
        assert pupil.legal_surname not in page


# Who may open which URL is decided in Python over the same queries on either database: the
# matrix runs on the first (SQLite) pass only, and each app's view tests run on both.
pytestmark = pytest.mark.one_pass
