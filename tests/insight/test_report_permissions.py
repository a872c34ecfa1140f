# The matrix below is a table, one URL to a line, and is easier to read wide than wrapped.
# ruff: noqa: E501
"""Who may open the SEN information report's pages and the termly pack, as every role.

Read as every matrix (tests/matrix.py says how). The public report answers everyone,
logged in or not; the outsider (the SENCO of another school) reaches their own school's
staff pages, never this school's drafts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from sendreg.accounts.models import School, User
from sendreg.insight import report, report_rules
from tests.conftest import TODAY
from tests.matrix import LOGIN, Row, cases, check

YEAR = report_rules.school_year_of(TODAY)
FIGURES = (200, 200, 403, 403, 200, 200, 200, 200, 200, LOGIN)  # anyone who sees the figures
EDIT = (200, 200, 403, 403, 403, 403, 403, 403, 200, LOGIN)
PUBLIC = (200,) * 10

# fmt: off
MATRIX = [
    #   url name                               method  url                                                  senco deputy teacher ta office head gov adviser outsider anonymous
    Row("information_reports",                 "GET",  "/information-report/",                              FIGURES),
    Row("information_report_edit",             "GET",  f"/information-report/{YEAR}/",                      EDIT),
    Row("information_report_edit",             "GET",  "/information-report/2001/",                         (404, 404, 403, 403, 403, 403, 403, 403, 404, LOGIN)),
    Row("information_report_publish",          "POST", f"/information-report/{YEAR}/publish/",              (302, 302, 403, 403, 403, 403, 403, 403, 302, LOGIN)),
    Row("information_report_download",         "GET",  f"/information-report/{YEAR}/download/?format=docx", FIGURES),
    Row("insight_pack",                        "GET",  "/insight/pack/",                                            FIGURES),
    Row("insight_pack_download",               "GET",  "/insight/pack/download/?version=governors&format=xlsx",     FIGURES),
    Row("insight_pack_download",               "GET",  "/insight/pack/download/?version=leaders&format=xlsx",       (200, 200, 403, 403, 403, 200, 403, 403, 200, LOGIN)),
    Row("information_report_public_latest",    "GET",  "/report/{urn}/",                                    PUBLIC),
    Row("information_report_public",           "GET",  f"/report/{{urn}}/{YEAR}/",                          PUBLIC),
    Row("information_report_public",           "GET",  f"/report/{{urn}}/{YEAR - 1}/",                      (404,) * 10),
    Row("information_report_public_download",  "GET",  f"/report/{{urn}}/{YEAR}/download/?format=docx",     PUBLIC),
]
# fmt: on

CASES = cases(MATRIX)


@pytest.fixture
def objects(school: School, senco: User) -> dict[str, Any]:
    saved = report.information_report_save(
        school=school, year=YEAR, texts=report_rules.starter_texts(), by=senco, today=TODAY
    )
    report.information_report_publish(report=saved, by=senco, today=TODAY)
    return {"urn": school.urn}


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


# Who may open which URL is decided in Python over the same queries on either database: the
# matrix runs on the first (SQLite) pass only, and each app's view tests run on both.
pytestmark = pytest.mark.one_pass
