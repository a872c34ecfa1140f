# The matrix below is a table, one URL to a line, and is easier to read wide than wrapped.
# ruff: noqa: E501
"""Who may open what: every URL, as every role, with the exact answer.

Read a row as a line of the spec. ``LOGIN`` means a redirect to the login page.
A logged-in role without the right gets 403; a pupil outside what the role may
see (another school's, or a pupil a teacher does not teach) gets 404, so the
answer never says whether the pupil exists.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver
from django.utils import timezone

from sendreg import urls
from sendreg.accounts.models import User
from sendreg.imports.models import ImportRun
from sendreg.pupils.models import Contact, Pupil
from sendreg.register.models import MisSenRecord, MonitoringEntry
from tests.conftest import TODAY, put_on_register
from tests.factories import ContactFactory

LOGIN = "login"
ROLES = (
    "senco", "deputy_senco", "teacher", "ta", "office", "head", "governor", "adviser",
    "outsider", "anonymous",
)  # fmt: skip


@dataclass(frozen=True)
class Row:
    name: str
    method: str
    url: str
    expected: tuple[int | str, ...]

    def __post_init__(self) -> None:
        assert len(self.expected) == len(ROLES), self


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
    Row("monitoring_end", "POST", "/pupils/{pupil}/monitoring/{entry}/end/",      (302,   302,   403,   403,   403,   403,   403,   403,   404, LOGIN)),
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
    Row("discrepancy_resolve", "POST", "/register/discrepancies/{pupil}/",        (302,   302,   403,   403,   403,   403,   403,   403,   404, LOGIN)),
]
# fmt: on

CASES = [
    pytest.param(row, role, expected, id=f"{row.method} {row.url} as {role}")
    for row in MATRIX
    for role, expected in zip(ROLES, row.expected, strict=True)
]


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


POST_DATA = {
    "monitoring_end": {"on": TODAY.isoformat(), "reason": "Progress held."},
    "discrepancy_resolve": {"action": "correct"},
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
    # Every role exists in every case, so that "only the teacher teaches this pupil" holds.
    users = {r: request.getfixturevalue(r) for r in ROLES if r != "anonymous"}
    if role != "anonymous":
        client.force_login(users[role])
    url = row.url.format(**objects)

    if row.method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, POST_DATA.get(row.name, {}))

    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith("/login/?next=")
    else:
        assert response.status_code == expected
    if response.status_code == 200:
        # Template syntax that leaked into the page, such as a comment Django did not parse.
        assert b"{#" not in response.content and b"{%" not in response.content


#: URLs whose answers depend on more than role and school, tested where that state is built:
#: an import preview exists only in the session of the person who uploaded the file
#: (tests/imports/test_views.py).
#: The other registers (/registers/...) have their own matrix, with the records their URLs
#: need, in tests/registers/test_permissions.py (which also checks it covers every one).
COVERED_ELSEWHERE = {
    "import_preview",
    "registers_index", "registers_medical", "registers_eal", "registers_lac",
    "registers_concerns", "registers_exams", "registers_medical_add", "registers_medical_edit",
    "registers_medical_end", "registers_eal_edit", "registers_eal_clear", "registers_lac_edit",
    "registers_lac_clear", "registers_lac_protect", "registers_concern_add",
    "registers_concern_edit", "registers_concern_end", "registers_exam_add",
    "registers_exam_edit", "registers_exam_end",
    # Telling parents, the letters and the register pack have their own matrices, with the
    # notifications their URLs need, in tests/register/test_notifications.py and
    # tests/documents/test_views.py (each also checks it covers every URL of its app).
    "notifications_list", "notifications_detail", "notifications_mark_sent",
    "notifications_acknowledge", "notifications_pupil", "notifications_move_to_monitoring",
    "documents_letter", "documents_letter_templates", "documents_letter_template_edit",
    "documents_register_pack", "documents_school_contact",
}  # fmt: skip


#: Apps with a matrix of their own (with the records their URLs need), each of which checks
#: that it covers every URL of its app.
OTHER_MATRICES: set[str] = set()
# Transfers and consent to share: tests/transfer/test_permissions.py.
OTHER_MATRICES |= {
    "transfer_decisions", "transfer_decision", "transfer_log", "transfer_ctf_export",
    "transfer_record_pack_new", "transfer_consent_new", "transfer_consent_withdraw",
    "transfer_record_pack_download", "transfer_record_pack_form",
    "transfer_record_pack_acknowledge",
}  # fmt: skip


def url_names(patterns: list[URLPattern | URLResolver]) -> set[str]:
    """Every named URL of the product, included apps' too."""
    names: set[str] = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            names |= url_names(pattern.url_patterns)
        elif pattern.name:
            names.add(pattern.name)
    return names


def test_matrix_covers_every_url() -> None:
    names = url_names(urls.urlpatterns)
    assert names - COVERED_ELSEWHERE - OTHER_MATRICES == {row.name for row in MATRIX}


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
        POST_DATA["monitoring_end"],
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
