# The matrix below is a table, one URL to a line, and is easier to read wide than wrapped.
# ruff: noqa: E501
"""Who may open a trust's or local authority's pages: every URL, as every role.

The matrix's adviser has a role in the trust and in the local authority that hold the
school (as well as the school membership every role has); no one has a role in the
other trust, so the adviser gets 404 for it, and a school's staff, with no role in any
organisation, get 403 for every organisation page.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern

from sendreg.accounts.models import OrganisationMembership, School, User
from sendreg.organisations import urls
from tests.matrix import LOGIN, Row, cases, check
from tests.organisations.conftest import organisation_of, take_snapshot

# fmt: off
MATRIX = [
    #   url name                   method url                          senco deputy teacher ta  office head  gov  adviser outsider anonymous
    Row("organisation_list",       "GET", "/org/",                     (403,  403,  403,  403,  403,  403,  403,  200,  403,  LOGIN)),
    Row("organisation_detail",     "GET", "/org/{trust}/",             (403,  403,  403,  403,  403,  403,  403,  200,  403,  LOGIN)),
    Row("organisation_detail",     "GET", "/org/{la}/",                (403,  403,  403,  403,  403,  403,  403,  200,  403,  LOGIN)),
    Row("organisation_detail",     "GET", "/org/{elsewhere}/",         (403,  403,  403,  403,  403,  403,  403,  404,  403,  LOGIN)),
    Row("organisation_needs_csv",  "GET", "/org/{la}/needs.csv",       (403,  403,  403,  403,  403,  403,  403,  200,  403,  LOGIN)),
    # Only a local authority has the download ...
    Row("organisation_needs_csv",  "GET", "/org/{trust}/needs.csv",    (403,  403,  403,  403,  403,  403,  403,  404,  403,  LOGIN)),
    # ... and only of itself.
    Row("organisation_needs_csv",  "GET", "/org/{elsewhere}/needs.csv", (403, 403,  403,  403,  403,  403,  403,  404,  403,  LOGIN)),
]
# fmt: on

CASES = cases(MATRIX)


@pytest.fixture
def objects(school: School, other_school: School, adviser: User) -> dict[str, Any]:
    take_snapshot(school, roll=40, pupils=[("E", "ASD")] * 6 + [("K", "SLCN")] * 8)
    trust = organisation_of("Oak Learning Trust", [school])
    la = organisation_of("Bristol", [school], kind="la", la_code="801")
    elsewhere = organisation_of("Elm Trust", [other_school])
    for organisation in (trust, la):
        OrganisationMembership.objects.create(
            user=adviser, organisation=organisation, role="adviser"
        )
    return {"trust": trust.pk, "la": la.pk, "elsewhere": elsewhere.pk}


@pytest.mark.parametrize(("row", "role", "expected"), CASES)
def test_permission_matrix(
    row: Row,
    role: str,
    expected: int | str,
    objects: dict[str, Any],
    client: Client,
    request: pytest.FixtureRequest,
) -> None:
    check(row, role, expected, objects=objects, client=client, request=request)


def test_matrix_covers_every_organisation_url() -> None:
    names = {p.name for p in urls.urlpatterns if isinstance(p, URLPattern)}
    assert names == {row.name for row in MATRIX}


# Who may open which URL is decided in Python over the same queries on either database: the
# matrix runs on the first (SQLite) pass only, and each app's view tests run on both.
pytestmark = pytest.mark.one_pass
