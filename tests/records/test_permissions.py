# The matrix below is a table, one URL to a line, and is easier to read wide than wrapped.
# ruff: noqa: E501
"""Who may open what among the other registers: every URL, as every role, with the exact answer.

Read as tests/test_permissions.py: ``LOGIN`` is a redirect to the login page, 403 a
role without the right, 404 a pupil or record outside what the role may see.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern

from sendreg.accounts.models import User
from sendreg.pupils.models import Contact, Pupil
from sendreg.records import urls
from sendreg.records.models import (
    CauseForConcern,
    EalRecord,
    ExamArrangement,
    LookedAfterRecord,
    MedicalCondition,
)
from tests.conftest import TODAY
from tests.factories import ContactFactory
from tests.matrix import LOGIN, Row, cases, check

P = "/registers/pupils/{pupil}"
T = "/registers/pupils/{taught}"

# fmt: off
MATRIX = [
    #   url name                     method  url                                              senco deputy teacher ta office head gov adviser outsider anonymous
    Row("registers_index",           "GET",  "/registers/",                                   (200, 200, 403, 403, 200, 200, 403, 403, 200, LOGIN)),
    Row("registers_medical",         "GET",  "/registers/medical/",                           (200, 200, 403, 403, 200, 200, 403, 403, 200, LOGIN)),
    Row("registers_medical",         "GET",  "/registers/medical/?export=csv",                (200, 200, 403, 403, 200, 200, 403, 403, 200, LOGIN)),
    Row("registers_eal",             "GET",  "/registers/eal/",                               (200, 200, 403, 403, 200, 200, 403, 403, 200, LOGIN)),
    Row("registers_eal",             "GET",  "/registers/eal/?export=xlsx",                   (200, 200, 403, 403, 200, 200, 403, 403, 200, LOGIN)),
    Row("registers_lac",             "GET",  "/registers/looked-after/",                      (200, 200, 403, 403, 200, 200, 403, 403, 200, LOGIN)),
    Row("registers_lac",             "GET",  "/registers/looked-after/?export=csv",           (200, 200, 403, 403, 200, 200, 403, 403, 200, LOGIN)),
    Row("registers_concerns",        "GET",  "/registers/concerns/",                          (200, 200, 403, 403, 200, 200, 403, 403, 200, LOGIN)),
    Row("registers_concerns",        "GET",  "/registers/concerns/?export=xlsx",              (200, 200, 403, 403, 200, 200, 403, 403, 200, LOGIN)),
    Row("registers_exams",           "GET",  "/registers/exam-arrangements/",                 (200, 200, 403, 403, 200, 200, 403, 403, 200, LOGIN)),
    Row("registers_exams",           "GET",  "/registers/exam-arrangements/?export=csv",      (200, 200, 403, 403, 200, 200, 403, 403, 200, LOGIN)),
    # A pupil nobody in the matrix teaches.
    Row("registers_medical_add",     "GET",  P + "/medical/new/",                             (200, 200, 403, 403, 200, 403, 403, 403, 404, LOGIN)),
    Row("registers_medical_edit",    "GET",  P + "/medical/{medical}/",                       (200, 200, 403, 403, 200, 403, 403, 403, 404, LOGIN)),
    Row("registers_medical_end",     "GET",  P + "/medical/{medical}/end/",                   (200, 200, 403, 403, 200, 403, 403, 403, 404, LOGIN)),
    Row("registers_eal_edit",        "GET",  P + "/eal/",                                     (200, 200, 403, 403, 200, 403, 403, 403, 404, LOGIN)),
    Row("registers_eal_clear",       "GET",  P + "/eal/clear/",                               (200, 200, 403, 403, 200, 403, 403, 403, 404, LOGIN)),
    Row("registers_lac_edit",        "GET",  P + "/looked-after/",                            (200, 200, 403, 403, 200, 403, 403, 403, 404, LOGIN)),
    Row("registers_lac_clear",       "GET",  P + "/looked-after/clear/",                      (200, 200, 403, 403, 200, 403, 403, 403, 404, LOGIN)),
    Row("registers_lac_protect",     "POST", P + "/looked-after/protect-addresses/",          (302, 302, 403, 403, 302, 403, 403, 403, 404, LOGIN)),
    Row("registers_concern_add",     "GET",  P + "/concerns/new/",                            (200, 200, 403, 403, 200, 403, 403, 403, 404, LOGIN)),
    Row("registers_concern_edit",    "GET",  P + "/concerns/{concern}/",                      (200, 200, 403, 403, 200, 403, 403, 403, 404, LOGIN)),
    Row("registers_concern_end",     "GET",  P + "/concerns/{concern}/end/",                  (200, 200, 403, 403, 200, 403, 403, 403, 404, LOGIN)),
    Row("registers_exam_add",        "GET",  P + "/exam-arrangements/new/",                   (200, 200, 403, 403, 200, 403, 403, 403, 404, LOGIN)),
    Row("registers_exam_edit",       "GET",  P + "/exam-arrangements/{exam}/",                (200, 200, 403, 403, 200, 403, 403, 403, 404, LOGIN)),
    Row("registers_exam_end",        "GET",  P + "/exam-arrangements/{exam}/end/",            (200, 200, 403, 403, 200, 403, 403, 403, 404, LOGIN)),
    # The pupil that the teacher and the TA teach: seeing the pupil gives them no right to change these.
    Row("registers_medical_add",     "GET",  T + "/medical/new/",                             (200, 200, 403, 403, 200, 403, 403, 403, 404, LOGIN)),
    Row("registers_eal_edit",        "GET",  T + "/eal/",                                     (200, 200, 403, 403, 200, 403, 403, 403, 404, LOGIN)),
    Row("registers_lac_edit",        "GET",  T + "/looked-after/",                            (200, 200, 403, 403, 200, 403, 403, 403, 404, LOGIN)),
    Row("registers_concern_add",     "GET",  T + "/concerns/new/",                            (200, 200, 403, 403, 200, 403, 403, 403, 404, LOGIN)),
    Row("registers_exam_add",        "GET",  T + "/exam-arrangements/new/",                   (200, 200, 403, 403, 200, 403, 403, 403, 404, LOGIN)),
]
# fmt: on

CASES = cases(MATRIX)


@pytest.fixture
def objects(pupil: Pupil, taught_pupil: Pupil, senco: User) -> dict[str, Any]:
    pupil.looked_after = True
    pupil.save(update_fields=["looked_after"])
    ContactFactory(pupil=pupil, address="9 Secret Lane")
    medical = MedicalCondition.objects.create(pupil=pupil, condition="Asthma")
    EalRecord.objects.create(pupil=pupil, first_language="Polish")
    LookedAfterRecord.objects.create(pupil=pupil, responsible_authority="Bristol City Council")
    concern = CauseForConcern.objects.create(
        pupil=pupil, reason="Reading.", started_on=TODAY, owner=senco, review_date=TODAY
    )
    exam = ExamArrangement.objects.create(
        pupil=pupil, arrangement="reader", key_stage="KS4", evidence="Form 8.", approved_on=TODAY
    )
    return {
        "pupil": pupil.pk,
        "taught": taught_pupil.pk,
        "medical": medical.pk,
        "concern": concern.pk,
        "exam": exam.pk,
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


def test_matrix_covers_every_registers_url() -> None:
    names = {p.name for p in urls.urlpatterns if isinstance(p, URLPattern)}
    assert names == {row.name for row in MATRIX}


def test_exports_are_files_for_those_who_may_export(
    objects: dict[str, Any], head: User, office: User, client: Client, on_today: dt.date
) -> None:
    for user in (head, office):
        client.force_login(user)
        response = client.get("/registers/looked-after/?export=csv")
        assert response["Content-Type"].startswith("text/csv")
        assert "9 Secret Lane" not in response.content.decode()


# --- POSTs by those who may not: nothing changes --------------------------------------------------


END = {"on": TODAY.isoformat(), "reason": "Done."}


@pytest.mark.parametrize(
    ("url", "data"),
    [
        (P + "/medical/new/", {"condition": "Epilepsy"}),
        (P + "/medical/{medical}/", {"condition": "Changed"}),
        (P + "/medical/{medical}/end/", END),
        (P + "/eal/", {"first_language": "Urdu"}),
        (P + "/eal/clear/", {"reason": "x"}),
        (P + "/looked-after/", {"responsible_authority": "Changed"}),
        (P + "/looked-after/clear/", {"reason": "x"}),
        (P + "/looked-after/protect-addresses/", {}),
        (
            P + "/concerns/new/",
            {"reason": "x", "started_on": "2025-11-12", "review_date": "2025-11-12"},
        ),
        (P + "/concerns/{concern}/end/", END),
        (P + "/exam-arrangements/{exam}/end/", END),
    ],
)
@pytest.mark.parametrize(("role", "status"), [("outsider", 404), ("teacher", 403), ("head", 403)])
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
    client.force_login(request.getfixturevalue(role))
    response = client.post(url.format(**objects), data)
    assert response.status_code == status
    assert MedicalCondition.objects.get().condition == "Asthma"
    assert MedicalCondition.objects.get().ended_on is None
    assert EalRecord.objects.get().first_language == "Polish"
    assert LookedAfterRecord.objects.get().responsible_authority == "Bristol City Council"
    assert CauseForConcern.objects.get().ended_on is None
    assert ExamArrangement.objects.get().ended_on is None
    assert not Contact.objects.get().address_protected


def test_protecting_addresses_refuses_get(
    objects: dict[str, Any], senco: User, client: Client
) -> None:
    client.force_login(senco)
    response = client.get(P.format(**objects) + "/looked-after/protect-addresses/")
    assert response.status_code == 405
    assert not Contact.objects.get().address_protected


# Who may open which URL is decided in Python over the same queries on either database: the
# matrix runs on the first (SQLite) pass only, and each app's view tests run on both.
pytestmark = pytest.mark.one_pass
