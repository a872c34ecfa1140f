# The matrix below is a table, one URL to a line, and is easier to read wide than wrapped.
# ruff: noqa: E501
"""Who may open what: every URL of the core apps, as every role, with the exact answer.

Read a row as a line of the spec (tests/matrix.py says how). Other apps keep their own
tables, with the records their URLs need; ``test_every_url_of_the_product_is_in_a_matrix``
checks that together they cover every named URL.
"""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from sendreg import urls
from sendreg.accounts.models import User
from sendreg.imports.models import ImportRun
from sendreg.pupils.models import Contact, Pupil
from sendreg.register.models import MisSenRecord, MonitoringEntry
from tests.conftest import TODAY, put_on_register
from tests.factories import ContactFactory
from tests.matrix import LOGIN, Row, cases, check, url_names

END = {"on": TODAY.isoformat(), "reason": "Progress held."}
CORRECT = {"action": "correct"}

# fmt: off
MATRIX = [
    #   url name          method  url                                             senco deputy teacher ta office head gov adviser outsider anonymous
    Row("home",           "GET",  "/",                                            (200,   200,   200,   200,   200,   200,   200,   200,   200, LOGIN)),
    Row("login",          "GET",  "/login/",                                      (302,   302,   302,   302,   302,   302,   302,   302,   302,   200)),
    Row("logout",         "POST", "/logout/",                                     (302,   302,   302,   302,   302,   302,   302,   302,   302,   302)),
    Row("school_switch",  "POST", "/school/",                                     (302,   302,   302,   302,   302,   302,   302,   302,   302, LOGIN)),
    Row("register",       "GET",  "/register/",                                   (200,   200,   403,   403,   200,   200,   403,   403,   200, LOGIN)),
    Row("monitoring",     "GET",  "/monitoring/",                                 (200,   200,   403,   403,   200,   200,   403,   403,   200, LOGIN)),
    Row("pupil_list",     "GET",  "/pupils/",                                     (200,   200,   200,   200,   200,   200,   403,   403,   200, LOGIN)),
    Row("audit",          "GET",  "/audit/",                                      (200,   200,   403,   403,   403,   200,   403,   403,   200, LOGIN)),
    # A pupil nobody in the matrix teaches.
    Row("pupil_detail",   "GET",  "/pupils/{pupil}/",                             (200,   200,   404,   404,   200,   200,   403,   403,   404, LOGIN)),
    Row("pupil_edit",     "GET",  "/pupils/{pupil}/edit/",                        (200,   200,   403,   403,   200,   403,   403,   403,   404, LOGIN)),
    Row("sen_edit",       "GET",  "/pupils/{pupil}/sen/",                         (200,   200,   403,   403,   403,   403,   403,   403,   404, LOGIN)),
    Row("monitoring_add", "GET",  "/pupils/{pupil}/monitoring/",                  (200,   200,   403,   403,   403,   403,   403,   403,   404, LOGIN)),
    Row("monitoring_end", "POST", "/pupils/{pupil}/monitoring/{entry}/end/",      (302,   302,   403,   403,   403,   403,   403,   403,   404, LOGIN), END),
    Row("contact_add",    "GET",  "/pupils/{pupil}/contacts/new/",                (200,   200,   403,   403,   200,   403,   403,   403,   404, LOGIN)),
    Row("contact_edit",   "GET",  "/pupils/{pupil}/contacts/{contact}/",          (200,   200,   403,   403,   200,   403,   403,   403,   404, LOGIN)),
    Row("contact_delete", "POST", "/pupils/{pupil}/contacts/{contact}/delete/",   (302,   302,   403,   403,   302,   403,   403,   403,   404, LOGIN)),
    # The pupil that the teacher and the TA teach.
    Row("pupil_detail",   "GET",  "/pupils/{taught}/",                            (200,   200,   200,   200,   200,   200,   403,   403,   404, LOGIN)),
    Row("pupil_edit",     "GET",  "/pupils/{taught}/edit/",                       (200,   200,   403,   403,   200,   403,   403,   403,   404, LOGIN)),
    Row("sen_edit",       "GET",  "/pupils/{taught}/sen/",                        (200,   200,   403,   403,   403,   403,   403,   403,   404, LOGIN)),
    Row("monitoring_add", "GET",  "/pupils/{taught}/monitoring/",                 (200,   200,   403,   403,   403,   403,   403,   403,   404, LOGIN)),
    Row("census_record",  "POST", "/census/record/",                              (302,   302,   403,   403,   302,   302,   403,   403,   302, LOGIN)),
    Row("discrepancy_accept", "GET", "/register/discrepancies/{pupil}/accept/",   (200,   200,   403,   403,   403,   403,   403,   403,   404, LOGIN)),
    Row("census",         "GET",  "/census/",                                     (200,   200,   403,   403,   200,   200,   403,   403,   200, LOGIN)),
    # MIS imports and where the MIS and the register disagree.
    Row("import_list",    "GET",  "/imports/",                                    (200,   200,   403,   403,   200,   403,   403,   403,   200, LOGIN)),
    Row("import_detail",  "GET",  "/imports/{run}/",                              (200,   200,   403,   403,   200,   403,   403,   403,   404, LOGIN)),
    Row("discrepancies",  "GET",  "/register/discrepancies/",                     (200,   200,   403,   403,   200,   200,   403,   403,   200, LOGIN)),
    Row("discrepancy_resolve", "POST", "/register/discrepancies/{pupil}/",        (302,   302,   403,   403,   403,   403,   403,   403,   404, LOGIN), CORRECT),
]
# fmt: on

CASES = cases(MATRIX)


@pytest.fixture
def objects(pupil: Pupil, taught_pupil: Pupil, senco: User) -> dict[str, Any]:
    contact = ContactFactory(pupil=pupil, name="Sam Young")
    entry = MonitoringEntry.objects.create(
        pupil=pupil, reason="Watching.", started_on=TODAY, review_date=TODAY, added_by=senco
    )
    MisSenRecord.objects.create(pupil=pupil, status="K", needs=["SPLD"], imported_at=timezone.now())
    run = ImportRun.objects.create(
        school=pupil.school, by_label="Office", filename="x.csv", sha256="0" * 64, kind="pupils"
    )
    return {
        "pupil": pupil.pk,
        "taught": taught_pupil.pk,
        "contact": contact.pk,
        "entry": entry.pk,
        "run": run.pk,
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


#: URLs whose answers depend on more than role and school, tested where that state is built:
#: an import preview exists only in the session of the person who uploaded the file
#: (tests/imports/test_views.py).
COVERED_ELSEWHERE = {"import_preview"}

#: Every app's matrix, each with the records its URLs need.
MATRICES = [
    "tests.test_permissions",
    "tests.records.test_permissions",
    "tests.register.test_notifications",
    "tests.documents.test_views",
    "tests.transfer.test_permissions",
    "tests.ehc.test_permissions",
    "tests.deadlines.test_permissions",
    "tests.provision.test_permissions",
    "tests.support.test_permissions",
    "tests.security.test_permissions",
    "tests.organisations.test_permissions",
    "tests.insight.test_permissions",
    "tests.insight.test_report_permissions",
]


def test_every_url_of_the_product_is_in_a_matrix() -> None:
    covered = set(COVERED_ELSEWHERE)
    for module in MATRICES:
        covered |= {row.name for row in importlib.import_module(module).MATRIX}
    assert url_names(urls.urlpatterns) == covered


@pytest.mark.parametrize(
    "url",
    [
        "/logout/",
        "/school/",
        "/pupils/{pupil}/monitoring/{entry}/end/",
        "/pupils/{pupil}/contacts/{contact}/delete/",
    ],
)
def test_post_only_urls_refuse_get(
    url: str, objects: dict[str, Any], senco: User, login: Any
) -> None:
    response = login(senco).get(url.format(**objects))
    assert response.status_code == 405


def test_get_does_not_delete_a_contact(objects: dict[str, Any], office: User, login: Any) -> None:
    login(office).get("/pupils/{pupil}/contacts/{contact}/delete/".format(**objects))
    assert Contact.objects.filter(pk=objects["contact"]).exists()


def test_outsider_cannot_delete_another_schools_contact(
    objects: dict[str, Any], outsider: User, login: Any
) -> None:
    response = login(outsider).post("/pupils/{pupil}/contacts/{contact}/delete/".format(**objects))
    assert response.status_code == 404
    assert Contact.objects.filter(pk=objects["contact"]).exists()


def test_outsider_cannot_end_another_schools_monitoring(
    objects: dict[str, Any], outsider: User, login: Any
) -> None:
    response = login(outsider).post(
        "/pupils/{pupil}/monitoring/{entry}/end/".format(**objects),
        END,
    )
    assert response.status_code == 404
    assert MonitoringEntry.objects.get(pk=objects["entry"]).ended_on is None


def test_contact_of_another_pupil_is_not_found(
    objects: dict[str, Any], school: Any, senco: User, login: Any
) -> None:
    # The contact exists in the school, but not under this pupil.
    url = "/pupils/{taught}/contacts/{contact}/".format(**objects)
    assert login(senco).get(url).status_code == 404


def test_outsider_cannot_change_sen_record_of_another_school(
    pupil: Pupil, outsider: User, login: Any, on_today: dt.date
) -> None:
    response = login(outsider).post(
        f"/pupils/{pupil.pk}/sen/",
        {
            "status": "K",
            "primary_need": "SEMH",
            "effective": TODAY.isoformat(),
            "reason": "x",
            "version": "0",
        },
    )
    assert response.status_code == 404
    assert not pupil.sen_episodes.exists()


def test_teacher_cannot_change_sen_record_of_a_pupil_they_teach(
    taught_pupil: Pupil, teacher: User, login: Any, on_today: dt.date
) -> None:
    response = login(teacher).post(
        f"/pupils/{taught_pupil.pk}/sen/",
        {
            "status": "K",
            "primary_need": "SEMH",
            "effective": TODAY.isoformat(),
            "reason": "x",
            "version": "0",
        },
    )
    assert response.status_code == 403
    assert not taught_pupil.sen_episodes.exists()


def test_office_cannot_edit_staff_notes(
    pupil: Pupil, office: User, login: Any, on_today: dt.date
) -> None:
    page = login(office).get(f"/pupils/{pupil.pk}/edit/")
    assert 'name="staff_notes"' not in page.content.decode()


# --- the SEN-change control on the pupil page -----------------------------------------

SEN_CONTROLS = ("Change SEN status or needs", "Add to the SEN register", "/sen/")


@pytest.mark.parametrize("role", ["teacher", "ta", "office", "head"])
@pytest.mark.parametrize("on_register", [False, True], ids=["not on register", "on register"])
def test_sen_change_control_is_hidden_from_other_roles(
    role: str,
    on_register: bool,
    taught_pupil: Pupil,
    senco: User,
    login: Any,
    request: pytest.FixtureRequest,
    on_today: dt.date,
) -> None:
    if on_register:
        put_on_register(taught_pupil, by=senco)
    response = login(request.getfixturevalue(role)).get(f"/pupils/{taught_pupil.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "SEN status:" in html
    assert not any(control in html for control in SEN_CONTROLS)


def test_senco_sees_add_to_register_for_a_pupil_not_on_it(
    pupil: Pupil, senco: User, login: Any, on_today: dt.date
) -> None:
    html = login(senco).get(f"/pupils/{pupil.pk}/").content.decode()
    assert f'href="/pupils/{pupil.pk}/sen/">Add to the SEN register</a>' in html
    assert "Change SEN status or needs" not in html


def test_senco_sees_change_control_for_a_pupil_on_the_register(
    pupil: Pupil, senco: User, login: Any, on_today: dt.date
) -> None:
    put_on_register(pupil, by=senco)
    html = login(senco).get(f"/pupils/{pupil.pk}/").content.decode()
    assert f'href="/pupils/{pupil.pk}/sen/">Change SEN status or needs</a>' in html
    assert "Add to the SEN register" not in html


def test_governor_sees_counts_only_with_small_numbers_suppressed(
    school: Any, governor: User, pupil: Pupil, senco: User, login: Any, on_today: dt.date
) -> None:
    put_on_register(pupil, by=senco)
    html = login(governor).get("/").content.decode()
    assert "fewer than 5" in html
    assert "Maisie" not in html
    assert "Young" not in html


def test_a_governor_cannot_work_out_a_small_count_by_subtraction_or_percentage(
    school: Any, governor: User, senco: User, login: Any, on_today: dt.date
) -> None:
    from tests.conftest import register_in_bulk

    register_in_bulk(school, 3, status="E", needs=("ASD",))
    register_in_bulk(school, 50, status="K", needs=("SEMH",))
    html = login(governor).get("/").content.decode()
    # 53 on the register: E (3) is withheld, and so is K, or 53 - K would give E away.
    assert "E – EHC plan</dt><dd>fewer than 5" in html
    assert "K – SEN support</dt><dd>not shown, to protect a small count" in html
    assert "All on the SEN register</dt><dd>53" in html
    # Nor may a percentage of the roll give the count away.
    assert "(percentage not shown" in html
    assert "5.7%" not in html  # 3 of 53


# Who may open which URL is decided in Python over the same queries on either database: the
# matrix runs on the first (SQLite) pass only, and each app's view tests run on both.
pytestmark = pytest.mark.one_pass


def test_the_school_s_staff_are_every_role_but_governors_and_advisers(
    school: Any, senco: User, deputy_senco: User, teacher: User, ta: User, office: User,
    head: User, governor: User, adviser: User,
) -> None:  # fmt: skip
    """One list (``permissions.STAFF_ROLES``) for who may own a concern, be a designated
    teacher, deliver an intervention or be trained."""
    from sendreg.accounts.permissions import STAFF_ROLES, Role
    from sendreg.provision.selectors import staff_of

    assert set(STAFF_ROLES) == set(Role) - {Role.GOVERNOR, Role.ADVISER}
    assert set(staff_of(school)) == {senco, deputy_senco, teacher, ta, office, head}
