# The matrix below is a table, one URL to a line, and is easier to read wide than wrapped.
# ruff: noqa: E501
"""Who may open what among the account, access-report and privacy pages: every URL, as every role.

Read as tests/test_permissions.py: ``LOGIN`` is a redirect to the login page, 403 a
role without the right, 404 a pupil outside what the role may see.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import URLPattern

from sendreg.accounts import urls as account_urls
from sendreg.accounts.models import User
from sendreg.audit import urls as audit_urls
from sendreg.privacy import urls as privacy_urls
from sendreg.pupils.models import Pupil
from tests.matrix import LOGIN, Row, cases, check

P = "/privacy/pupils/{pupil}"
T = "/privacy/pupils/{taught}"

# fmt: off
MATRIX = [
    #   url name                            method  url                                      senco deputy teacher ta  office head  gov  adviser outsider anonymous
    Row("account",                          "GET",  "/account/",                             (200,  200,  200,  200,  200,  200,  200,  200,  200,  LOGIN)),
    Row("two_factor_verify",                "GET",  "/account/two-factor/",                  (200,  200,  200,  200,  200,  200,  200,  200,  200,  LOGIN)),
    Row("two_factor_setup",                 "GET",  "/account/two-factor/set-up/",           (200,  200,  200,  200,  200,  200,  200,  200,  200,  LOGIN)),
    # Nobody in the matrix has an app yet, so there are no recovery codes to renew.
    Row("recovery_codes_new",               "POST", "/account/two-factor/recovery-codes/",   (403,  403,  403,  403,  403,  403,  403,  403,  403,  LOGIN)),
    Row("two_factor_turn_off",              "POST", "/account/two-factor/turn-off/",         (302,  302,  302,  302,  302,  302,  302,  302,  302,  LOGIN)),
    Row("logout_everywhere",                "POST", "/account/log-out-everywhere/",          (302,  302,  302,  302,  302,  302,  302,  302,  302,  LOGIN)),
    Row("password_change",                  "GET",  "/account/password/",                    (200,  200,  200,  200,  200,  200,  200,  200,  200,  LOGIN)),
    Row("password_reset",                   "GET",  "/account/password/reset/",              (200,  200,  200,  200,  200,  200,  200,  200,  200,  200)),
    Row("password_reset_done",              "GET",  "/account/password/reset/sent/",         (200,  200,  200,  200,  200,  200,  200,  200,  200,  200)),
    Row("password_reset_confirm",           "GET",  "/account/password/reset/MQ/bad-token/", (200,  200,  200,  200,  200,  200,  200,  200,  200,  200)),
    Row("password_reset_complete",          "GET",  "/account/password/reset/done/",         (200,  200,  200,  200,  200,  200,  200,  200,  200,  200)),
    Row("audit_access",                     "GET",  "/audit/access/",                        (200,  200,  403,  403,  403,  200,  403,  403,  200,  LOGIN)),
    Row("privacy_retention",                "GET",  "/privacy/retention/",                   (200,  200,  403,  403,  403,  403,  403,  403,  200,  LOGIN)),
    # A pupil nobody in the matrix teaches, then the one the teacher and the TA teach.
    Row("privacy_subject_access",           "GET",  P + "/subject-access/",                  (200,  200,  403,  403,  403,  403,  403,  403,  404,  LOGIN)),
    Row("privacy_subject_access_download",  "GET",  P + "/subject-access/download/",         (200,  200,  403,  403,  403,  403,  403,  403,  404,  LOGIN)),
    Row("privacy_subject_access",           "GET",  T + "/subject-access/",                  (200,  200,  403,  403,  403,  403,  403,  403,  404,  LOGIN)),
    Row("privacy_subject_access_download",  "GET",  T + "/subject-access/download/",         (200,  200,  403,  403,  403,  403,  403,  403,  404,  LOGIN)),
]
# fmt: on


@pytest.mark.parametrize(("row", "role", "expected"), cases(MATRIX))
def test_permission_matrix(
    row: Row,
    role: str,
    expected: int | str,
    pupil: Pupil,
    taught_pupil: Pupil,
    client: Client,
    request: pytest.FixtureRequest,
    on_today: dt.date,
) -> None:
    objects = {"pupil": pupil.pk, "taught": taught_pupil.pk}
    check(row, role, expected, objects=objects, client=client, request=request)


def test_matrix_covers_every_url_of_these_apps() -> None:
    names = {
        p.name
        for module in (account_urls, audit_urls, privacy_urls)
        for p in module.urlpatterns
        if isinstance(p, URLPattern)
    }
    assert names == {row.name for row in MATRIX}


@pytest.mark.parametrize(
    "url",
    [
        "/account/two-factor/recovery-codes/",
        "/account/two-factor/turn-off/",
        "/account/log-out-everywhere/",
    ],
)
def test_post_only_urls_refuse_get(url: str, senco: User, client: Client) -> None:
    client.force_login(senco)
    assert client.get(url).status_code == 405


# Who may open which URL is decided in Python over the same queries on either database: the
# matrix runs on the first (SQLite) pass only, and each app's view tests run on both.
pytestmark = pytest.mark.one_pass
