# The matrix below is a table, one URL to a line, and is easier to read wide than wrapped.
# ruff: noqa: E501
"""Who may open what among transfers: every URL, as every role, with the exact answer.

``LOGIN`` is a redirect to the login page, 403 a role without the right, 404 a pupil or
record outside what the role may see (the outsider is the SENCO of another school).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern

from sendreg.accounts.models import User
from sendreg.pupils.models import Pupil
from sendreg.register.models import SenEpisode
from sendreg.transfer import services, urls
from sendreg.transfer.models import Consent, RecordPack, TransferInDecision
from tests.conftest import TODAY
from tests.factories import ContactFactory
from tests.matrix import LOGIN, Row, cases, check
from tests.transfer.conftest import make_pack

P = "/transfer/pupils/{pupil}"
K = "/transfer/record-packs/{pack}"

# fmt: off
MATRIX = [
    #   url name                            url                                      senco deputy teacher ta  office head  gov  adviser outsider anonymous
    Row("transfer_decisions",               "GET", "/transfer/decisions/",                  (200,  200,  403,  403,  403,  403,  403,  403,  200,  LOGIN)),
    Row("transfer_decision",                "GET", "/transfer/decisions/{decision}/",       (200,  200,  403,  403,  403,  403,  403,  403,  404,  LOGIN)),
    Row("transfer_log",                     "GET", "/transfer/log/",                        (200,  200,  403,  403,  403,  200,  403,  403,  200,  LOGIN)),
    Row("transfer_ctf_export",              "GET", P + "/ctf/",                             (200,  200,  403,  403,  403,  403,  403,  403,  404,  LOGIN)),
    Row("transfer_record_pack_new",         "GET", P + "/record-pack/",                     (200,  200,  403,  403,  403,  403,  403,  403,  404,  LOGIN)),
    Row("transfer_consent_new",             "GET", P + "/consents/new/",                    (200,  200,  403,  403,  403,  403,  403,  403,  404,  LOGIN)),
    Row("transfer_consent_withdraw",        "GET", P + "/consents/{consent}/withdraw/",     (200,  200,  403,  403,  403,  403,  403,  403,  404,  LOGIN)),
    Row("transfer_record_pack_download",    "GET", K + "/download/",                        (200,  200,  403,  403,  403,  403,  403,  403,  404,  LOGIN)),
    Row("transfer_record_pack_form",        "GET", K + "/acknowledgement-form/",            (200,  200,  403,  403,  403,  403,  403,  403,  404,  LOGIN)),
    Row("transfer_record_pack_acknowledge", "GET", K + "/acknowledge/",                     (200,  200,  403,  403,  403,  403,  403,  403,  404,  LOGIN)),
]
# fmt: on

CASES = cases(MATRIX)


@pytest.fixture
def objects(decision: TransferInDecision, senco: User) -> dict[str, Any]:
    pupil = decision.pupil
    consent = services.consent_record(
        pupil=pupil, given_by="parent", contact=ContactFactory(pupil=pupil), given_on=TODAY,
        purposes=["health"], organisations=[], notes="", by=senco, today=TODAY,
    )  # fmt: skip
    pack = make_pack(pupil, senco)
    return {"pupil": pupil.pk, "decision": decision.pk, "consent": consent.pk, "pack": pack.pk}


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


def test_matrix_covers_every_transfer_url() -> None:
    names = {p.name for p in urls.urlpatterns if isinstance(p, URLPattern)}
    assert names == {row.name for row in MATRIX}


# --- POSTs by those who may not: nothing changes --------------------------------------------


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/transfer/decisions/{decision}/", {"action": "decline", "reason": "No."}),
        (P + "/ctf/", {"dest": "8012345"}),
        (P + "/record-pack/", {"recipient": "X", "exception": "next_setting"}),
        (P + "/consents/new/", {"given_by": "young_person", "given_on": "2025-11-12"}),
        (P + "/consents/{consent}/withdraw/", {"withdrawn_on": "2025-11-12"}),
        (K + "/acknowledge/", {"acknowledged_on": "2025-11-12", "acknowledged_by_name": "X"}),
    ],
)
@pytest.mark.parametrize(
    ("role", "status"), [("outsider", 404), ("head", 403), ("office", 403), ("teacher", 403)]
)
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
    assert TransferInDecision.objects.get().outcome == "pending"
    assert Consent.objects.get().withdrawn_on is None and Consent.objects.count() == 1
    assert RecordPack.objects.get().acknowledged_on is None and RecordPack.objects.count() == 1
    assert not SenEpisode.objects.exists()
    assert Pupil.objects.count() == 1


# Who may open which URL is decided in Python over the same queries on either database: the
# matrix runs on the first (SQLite) pass only, and each app's view tests run on both.
pytestmark = pytest.mark.one_pass
