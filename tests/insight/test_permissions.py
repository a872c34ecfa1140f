# The matrix below is a table, one URL to a line, and is easier to read wide than wrapped.
# ruff: noqa: E501
"""Who may open what of the analysis and findings: every URL, as every role, with the exact answer.

Those who see only figures (office, governor, adviser) see the pages without names; only the
SENCO and deputy take a snapshot or write notes. The outsider is another school's SENCO: the
pages show their own school, and a pupil of this school answers 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern

from sendreg.accounts.models import User
from sendreg.insight import urls
from sendreg.pupils.models import Pupil
from tests.matrix import LOGIN, Row, cases, check

# fmt: off
MATRIX = [
    #   url name                 method  url                                   senco deputy teacher ta  office head  gov  adviser outsider anonymous
    Row("insight_analysis",      "GET",  "/insight/",                          (200,  200,  403,  403,  200,  200,  200,  200,  200,  LOGIN)),
    Row("insight_analysis",      "GET",  "/insight/?date=2025-10-02",          (200,  200,  403,  403,  200,  200,  200,  200,  200,  LOGIN)),
    Row("insight_findings",      "GET",  "/insight/findings/",                 (200,  200,  403,  403,  200,  200,  200,  200,  200,  LOGIN)),
    Row("insight_snapshot",      "POST", "/insight/snapshot/",                 (302,  302,  403,  403,  403,  403,  403,  403,  302,  LOGIN)),
    Row("insight_finding_note",  "POST", "/insight/findings/no_plan/note/",    (302,  302,  403,  403,  403,  403,  403,  403,  302,  LOGIN), {"note": "n", "action": "a"}),
    Row("insight_finding_note",  "POST", "/insight/findings/nonsense/note/",   (404,  404,  403,  403,  403,  403,  403,  403,  404,  LOGIN), {"note": "n"}),
    Row("insight_case_note",     "POST", "/insight/findings/cases/",           (302,  302,  403,  403,  403,  403,  403,  403,  404,  LOGIN), {"upn": "{upn}", "text": "Complex."}),
]
# fmt: on

CASES = cases(MATRIX)


@pytest.fixture
def objects(pupil: Pupil) -> dict[str, Any]:
    return {"upn": pupil.upn}


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
    if row.data.get("upn") == "{upn}":
        row = Row(row.name, row.method, row.url, row.expected, {**row.data, "upn": objects["upn"]})
    check(row, role, expected, objects=objects, client=client, request=request)


def test_matrix_covers_every_insight_url() -> None:
    names = {p.name for p in urls.urlpatterns if isinstance(p, URLPattern)}
    assert names == {row.name for row in MATRIX}


@pytest.mark.parametrize("url", ["/insight/snapshot/", "/insight/findings/cases/"])
def test_post_only(url: str, senco: User, login: Any) -> None:
    assert login(senco).get(url).status_code == 405


# Who may open which URL is decided in Python over the same queries on either database: the
# matrix runs on the first (SQLite) pass only, and each app's view tests run on both.
pytestmark = pytest.mark.one_pass
