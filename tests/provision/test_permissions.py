# The matrix below is a table, one URL to a line, and is easier to read wide than wrapped.
# ruff: noqa: E501
"""Who may open what in the provision map: every URL, as every role, with the exact answer.

Read as every matrix (tests/matrix.py says how): ``LOGIN`` is a redirect to the login page,
403 a role without the right, 404 a record outside what the role may see. The teacher
delivers the reading run; the teacher and the TA teach the pupil in the Talk Boost run;
nobody in the matrix teaches or delivers the one-to-one run.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern

from sendreg.provision import urls
from sendreg.provision.models import Enrolment, Intervention, Run, TrainingRecord
from tests.matrix import LOGIN, Row, cases, check
from tests.provision.conftest import Map

ALL = (200, 200, 403, 403, 403, 200, 200, 200, 200, LOGIN)  # totals: anyone who sees aggregates
NAMES = (200, 200, 403, 403, 403, 200, 403, 403, 200, LOGIN)  # the whole map with names
EDIT = (200, 200, 403, 403, 403, 403, 403, 403, 200, LOGIN)  # a page that changes something
EDIT_ONE = (200, 200, 403, 403, 403, 403, 403, 403, 404, LOGIN)  # ... one of this school's records
S = "/provision/runs/{support_run}"

# fmt: off
MATRIX = [
    #   url name                          method  url                                            senco deputy teacher ta office head gov adviser outsider anonymous
    Row("provision_map",                  "GET",  "/provision/",                                 ALL),
    Row("provision_map",                  "GET",  "/provision/?need=SPLD&year=2025",             ALL),
    Row("provision_map",                  "GET",  "/provision/?export=csv",                      NAMES),
    Row("provision_map",                  "GET",  "/provision/?export=xlsx",                     NAMES),
    Row("provision_needs",                "GET",  "/provision/needs/",                           ALL),
    Row("provision_impact",               "GET",  "/provision/impact/",                          ALL),
    Row("provision_compare",              "GET",  "/provision/impact/compare/?need=SPLD",        ALL),
    Row("provision_topup",                "GET",  "/provision/top-up/",                          NAMES),
    Row("provision_interventions",        "GET",  "/provision/interventions/",                   ALL),
    Row("provision_intervention_add",     "GET",  "/provision/interventions/new/",               EDIT),
    Row("provision_intervention",         "GET",  "/provision/interventions/{reading}/",         (200, 200, 403, 403, 403, 200, 200, 200, 404, LOGIN)),
    Row("provision_intervention_edit",    "GET",  "/provision/interventions/{reading}/edit/",    EDIT_ONE),
    Row("provision_intervention_retire",  "POST", "/provision/interventions/{reading}/retire/",  (302, 302, 403, 403, 403, 403, 403, 403, 404, LOGIN)),
    Row("provision_run_add",              "GET",  "/provision/interventions/{reading}/runs/new/", EDIT_ONE),
    Row("provision_runs",                 "GET",  "/provision/runs/",                            (200, 200, 200, 200, 403, 200, 403, 403, 200, LOGIN)),
    # Delivered by the teacher.
    Row("provision_run",                  "GET",  "/provision/runs/{reading_run}/",              (200, 200, 200, 404, 403, 200, 403, 403, 404, LOGIN)),
    # With the pupil the teacher and the TA teach.
    Row("provision_run",                  "GET",  "/provision/runs/{talk_run}/",                 (200, 200, 200, 200, 403, 200, 403, 403, 404, LOGIN)),
    # Neither.
    Row("provision_run",                  "GET",  S + "/",                                       (200, 200, 404, 404, 403, 200, 403, 403, 404, LOGIN)),
    Row("provision_run_edit",             "GET",  S + "/edit/",                                  EDIT_ONE),
    Row("provision_run_edit",             "GET",  "/provision/runs/{reading_run}/edit/",         EDIT_ONE),
    Row("provision_run_delete",           "GET",  S + "/delete/",                                EDIT_ONE),
    Row("provision_run_pupils",           "GET",  S + "/pupils/",                                EDIT_ONE),
    Row("provision_run_pupils",           "GET",  S + "/pupils/?q=Amy",                          EDIT_ONE),
    Row("provision_run_measures",         "GET",  "/provision/runs/{reading_run}/measures/",     EDIT_ONE),
    Row("provision_enrolment_edit",       "GET",  S + "/pupils/{amy_support}/",                  EDIT_ONE),
    Row("provision_enrolment_remove",     "GET",  S + "/pupils/{amy_support}/remove/",           EDIT_ONE),
    Row("provision_training",             "GET",  "/provision/training/",                        ALL),
    Row("provision_training_add",         "GET",  "/provision/training/new/",                    EDIT),
    Row("provision_training_edit",        "GET",  "/provision/training/{training}/",             EDIT_ONE),
    Row("provision_training_delete",      "GET",  "/provision/training/{training}/delete/",      EDIT_ONE),
    Row("provision_settings",             "GET",  "/provision/settings/",                        EDIT),
]
# fmt: on

CASES = cases(MATRIX)


@pytest.fixture
def objects(provision: Map) -> dict[str, Any]:
    return {
        "reading": provision.reading.pk,
        "reading_run": provision.reading_run.pk,
        "talk_run": provision.talk_run.pk,
        "support_run": provision.support_run.pk,
        "amy_support": provision.amy_support.pk,
        "training": provision.training.pk,
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


def test_matrix_covers_every_provision_url() -> None:
    names = {p.name for p in urls.urlpatterns if isinstance(p, URLPattern)}
    assert names == {row.name for row in MATRIX}


def test_roles_that_see_only_totals_never_see_a_pupils_name(
    provision: Map, governor: Any, adviser: Any, client: Client, on_today: dt.date
) -> None:
    for user in (governor, adviser):
        client.force_login(user)
        for url in (
            "/", "/provision/", "/provision/needs/", "/provision/impact/",
            "/provision/impact/compare/?need=SPLD", "/provision/interventions/",
            f"/provision/interventions/{provision.reading.pk}/", "/provision/training/",
        ):  # fmt: skip
            page = client.get(url).content.decode()
            for name in ("Adams", "Brown", "Barnes", provision.training.user.name):
                assert name not in page, (url, name)


def test_a_teacher_sees_only_the_pupils_they_teach_in_a_run_they_do_not_deliver(
    provision: Map, ta: Any, teacher: Any, client: Client, on_today: dt.date
) -> None:
    client.force_login(ta)
    page = client.get(f"/provision/runs/{provision.talk_run.pk}/").content.decode()
    assert "Teddy Barnes" in page
    assert "£" not in page  # teaching staff see no costs
    client.force_login(teacher)
    page = client.get(f"/provision/runs/{provision.reading_run.pk}/").content.decode()
    # The teacher delivers the reading group, so sees everyone in it.
    assert "Amy Adams" in page and "Ben Brown" in page


# --- POSTs by those who may not: nothing changes --------------------------------------------------

R = "/provision/runs/{reading_run}"


REFUSED_POSTS = [
    ("/provision/interventions/new/", {"name": "New"}),
    ("/provision/interventions/{reading}/edit/", {"name": "Changed"}),
    ("/provision/interventions/{reading}/retire/", {}),
    ("/provision/interventions/{reading}/runs/new/", {"start_date": "2025-09-08"}),
    (R + "/edit/", {"weeks": "1"}),
    (R + "/delete/", {"reason": "Mistake."}),
    (R + "/pupils/", {"pupils": ["1"]}),
    (R + "/measures/", {}),
    (S + "/pupils/{amy_support}/", {"outcome": "Changed"}),
    (S + "/pupils/{amy_support}/remove/", {"reason": "Mistake."}),
    ("/provision/training/{training}/", {"what": "Changed"}),
    ("/provision/training/{training}/delete/", {}),
    ("/provision/settings/", {"threshold": "1"}),
]
REFUSERS = [("outsider", 404), ("teacher", 403), ("head", 403), ("governor", 403), ("office", 403)]


@pytest.mark.parametrize(
    ("url", "data", "role", "status"),
    [
        (url, data, role, status)
        for url, data in REFUSED_POSTS
        for role, status in REFUSERS
        # A school-wide page is the outsider's own school's: theirs to change.
        if not (role == "outsider" and "{" not in url)
    ],
)
def test_refused_posts_change_nothing(
    url: str,
    data: dict[str, Any],
    role: str,
    status: int,
    objects: dict[str, Any],
    provision: Map,
    client: Client,
    request: pytest.FixtureRequest,
    on_today: dt.date,
) -> None:
    client.force_login(request.getfixturevalue(role))
    before = (
        list(Intervention.objects.values()), list(Run.objects.values()),
        list(Enrolment.objects.values()), list(TrainingRecord.objects.values()),
    )  # fmt: skip
    response = client.post(url.format(**objects), data)
    assert response.status_code == status
    after = (
        list(Intervention.objects.values()), list(Run.objects.values()),
        list(Enrolment.objects.values()), list(TrainingRecord.objects.values()),
    )  # fmt: skip
    assert after == before


def test_retiring_refuses_get(provision: Map, senco: Any, client: Client) -> None:
    client.force_login(senco)
    response = client.get(f"/provision/interventions/{provision.reading.pk}/retire/")
    assert response.status_code == 405
    provision.reading.refresh_from_db()
    assert provision.reading.active


# Who may open which URL is decided in Python over the same queries on either database: the
# matrix runs on the first (SQLite) pass only, and each app's view tests run on both.
pytestmark = pytest.mark.one_pass
