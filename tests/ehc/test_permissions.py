# The matrix below is a table, one URL to a line, and is easier to read wide than wrapped.
# ruff: noqa: E501
"""Who may open what of the EHC pages: every URL, as every role, with the exact answer.

``LOGIN`` is a redirect to the login page, 403 a role without the right, 404 a pupil or
record outside what the role may see. Teachers see nothing of the EHC process.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern
from django.utils.html import strip_tags

from sendreg.accounts.models import User
from sendreg.ehc import urls
from sendreg.ehc.models import EhcEvent, EhcInvitee
from sendreg.ehc.services import ehc_invitee_add
from sendreg.pupils.models import Pupil
from tests.ehc.conftest import record
from tests.matrix import LOGIN, Row, cases, check

P = "/ehc/pupils/{pupil}"
T = "/ehc/pupils/{taught}"
R = P + "/reviews/{review}"

# fmt: off
MATRIX = [
    #   url name                  method  url                                          senco deputy teacher ta  office head  gov  adviser outsider anonymous
    Row("ehc_list",               "GET",  "/ehc/",                                     (200,  200,  403,  403,  403,  200,  403,  403,  200,  LOGIN)),
    Row("ehc_settings",           "GET",  "/ehc/settings/",                            (200,  200,  403,  403,  403,  403,  403,  403,  200,  LOGIN)),
    Row("ehc_pupil",              "GET",  P + "/",                                     (200,  200,  403,  403,  403,  200,  403,  403,  404,  LOGIN)),
    Row("ehc_pupil",              "GET",  T + "/",                                     (200,  200,  403,  403,  403,  200,  403,  403,  404,  LOGIN)),
    Row("ehc_event_add",          "GET",  P + "/record/request/",                      (200,  200,  403,  403,  403,  403,  403,  403,  404,  LOGIN)),
    Row("ehc_event_add",          "GET",  P + "/record/no_such_event/",                (404,  404,  403,  403,  403,  403,  403,  403,  404,  LOGIN)),
    Row("ehc_event_add",          "GET",  T + "/record/request/",                      (200,  200,  403,  403,  403,  403,  403,  403,  404,  LOGIN)),
    Row("ehc_event_withdraw",     "GET",  P + "/events/{held}/withdraw/",              (200,  200,  403,  403,  403,  403,  403,  403,  404,  LOGIN)),
    Row("ehc_review_report",      "GET",  P + "/events/{held}/report/?format=docx",    (200,  200,  403,  403,  403,  403,  403,  403,  404,  LOGIN)),
    Row("ehc_review_report",      "GET",  P + "/events/{held}/report/?format=exe",     (400,  400,  403,  403,  403,  403,  403,  403,  404,  LOGIN)),
    Row("ehc_due_date",           "GET",  P + "/deadlines/{duty}/",                    (200,  200,  403,  403,  403,  403,  403,  403,  404,  LOGIN)),
    Row("ehc_due_date",           "GET",  P + "/deadlines/annual_review:0/",           (404,  404,  403,  403,  403,  403,  403,  403,  404,  LOGIN)),
    Row("ehc_review",             "GET",  R + "/",                                     (200,  200,  403,  403,  403,  200,  403,  403,  404,  LOGIN)),
    Row("ehc_review",             "GET",  P + "/reviews/{held}/",                      (404,  404,  403,  403,  403,  404,  403,  403,  404,  LOGIN)),
    Row("ehc_invitee_add",        "POST", R + "/invitees/",                            (200,  200,  403,  403,  403,  403,  403,  403,  404,  LOGIN)),
    Row("ehc_invitee_remove",     "POST", R + "/invitees/{invitee}/remove/",           (302,  302,  403,  403,  403,  403,  403,  403,  404,  LOGIN)),
    Row("ehc_invitation_letter",  "GET",  R + "/invitees/{invitee}/letter/?format=pdf",(200,  200,  403,  403,  403,  403,  403,  403,  404,  LOGIN)),
    Row("ehc_invitations_sent",   "POST", R + "/invitations/",                         (200,  200,  403,  403,  403,  403,  403,  403,  404,  LOGIN)),
]
# fmt: on

CASES = cases(MATRIX)


@pytest.fixture
def objects(planned: Pupil, taught_pupil: Pupil, senco: User) -> dict[str, Any]:
    held = record(
        planned,
        senco,
        "review_held",
        "2025-09-01",
        attendees="A",
        pupil_views="B",
        parent_views="C",
    )
    review = record(planned, senco, "review_scheduled", "2025-11-01", meeting_on="2025-12-10")
    invitee = ehc_invitee_add(review=review, name="Ann Young", role="parent", by=senco)
    return {
        "pupil": planned.pk,
        "taught": taught_pupil.pk,
        "held": held.pk,
        "review": review.pk,
        "invitee": invitee.pk,
        "duty": f"review_report:{held.pk}",
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
    check(row, role, expected, objects=objects, client=client, request=request)


def test_matrix_covers_every_ehc_url() -> None:
    names = {p.name for p in urls.urlpatterns if isinstance(p, URLPattern)}
    assert names == {row.name for row in MATRIX}


@pytest.mark.parametrize(
    ("url", "data"),
    [
        (P + "/record/request/", {"on": "2025-11-01", "requested_by": "school"}),
        (P + "/events/{held}/withdraw/", {"reason": "x"}),
        (P + "/deadlines/{duty}/", {"due": "2026-01-01", "reason": "x"}),
        (R + "/invitees/", {"name": "New", "role": "other", "advice_requested": "on"}),
        (R + "/invitees/{invitee}/remove/", {}),
        (R + "/invitations/", {"invitees": ["{invitee}"], "on": "2025-11-12"}),
    ],
)
@pytest.mark.parametrize(
    ("role", "status"), [("outsider", 404), ("teacher", 403), ("head", 403), ("office", 403)]
)
def test_refused_posts_change_nothing(
    url: str,
    data: dict[str, Any],
    role: str,
    status: int,
    objects: dict[str, Any],
    client: Client,
    request: pytest.FixtureRequest,
    on_today: dt.date,
) -> None:
    before = (
        EhcEvent.objects.count(),
        EhcInvitee.objects.count(),
        list(EhcInvitee.objects.values_list("invited_on", flat=True)),
    )
    client.force_login(request.getfixturevalue(role))
    filled = {
        k: [v.format(**objects) for v in vs] if isinstance(vs, list) else vs
        for k, vs in data.items()
    }
    response = client.post(url.format(**objects), filled)
    assert response.status_code == status
    after = (
        EhcEvent.objects.count(),
        EhcInvitee.objects.count(),
        list(EhcInvitee.objects.values_list("invited_on", flat=True)),
    )
    assert after == before
    assert not EhcEvent.objects.filter(withdrawn_at__isnull=False).exists()


def test_a_teacher_sees_no_ehc_section_on_a_pupil_they_teach(
    objects: dict[str, Any],
    planned: Pupil,
    taught_pupil: Pupil,
    teacher: User,
    senco: User,
    client: Client,
    on_today: dt.date,
) -> None:
    record(taught_pupil, senco, "request", "2025-10-01")
    client.force_login(teacher)
    page = client.get(f"/pupils/{taught_pupil.pk}/").content.decode()
    # What the teacher can read, not the markup: the CSRF token (random letters) may hold "EHC".
    text = strip_tags(page)
    assert "Education, health and care (EHC) plan" not in text
    assert "EHC" not in text
    assert 'href="/ehc/' not in page


# Who may open which URL is decided in Python over the same queries on either database: the
# matrix runs on the first (SQLite) pass only, and each app's view tests run on both.
pytestmark = pytest.mark.one_pass
