"""The transfer pages as a SENCO, a head and a teacher use them."""

from __future__ import annotations

import datetime as dt
import io

import pyzipper
import time_machine
from django.test import Client

from sendreg.accounts.models import School, User
from sendreg.lib.extensions import DEADLINE_SOURCES
from sendreg.pupils.models import Pupil
from sendreg.register.models import ParentNotification, SenEpisode
from sendreg.transfer import rules
from sendreg.transfer.models import Consent, CtfExport, RecordPack, TransferInDecision
from sendreg.transfer.sections import DEADLINE_KIND
from tests.conftest import TODAY, TODAY_NOON
from tests.factories import ContactFactory
from tests.transfer.conftest import make_pack

D = dt.date


def test_the_senco_puts_a_transferred_pupil_on_the_register(
    client: Client, senco: User, decision: TransferInDecision, on_today: dt.date
) -> None:
    client.force_login(senco)
    page = client.get(f"/transfer/decisions/{decision.pk}/")
    assert "Greenfield Primary School" in page.content.decode()
    prefix = f"transfer{decision.pk}"
    response = client.post(
        f"/transfer/decisions/{decision.pk}/",
        {
            "action": "add",
            f"{prefix}-status": "K",
            f"{prefix}-primary_need": "SPLD",
            f"{prefix}-secondary_need": "SLCN",
            f"{prefix}-effective": TODAY.isoformat(),
            f"{prefix}-reason": "",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == decision.pupil.get_absolute_url()
    assert SenEpisode.objects.get(pupil=decision.pupil).status == "K"
    assert ParentNotification.objects.filter(pupil=decision.pupil).exists()


def test_a_decision_not_to_needs_a_reason_and_keeps_what_was_typed(
    client: Client, senco: User, decision: TransferInDecision, on_today: dt.date
) -> None:
    client.force_login(senco)
    response = client.post(f"/transfer/decisions/{decision.pk}/", {"action": "decline"})
    assert response.status_code == 200
    assert rules.DECLINE_REASON_REQUIRED in response.content.decode()
    response = client.post(
        f"/transfer/decisions/{decision.pk}/",
        {"action": "decline", "reason": "Needs met by quality first teaching."},
    )
    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.outcome == "not_added"


def test_an_effective_date_after_the_next_census_is_shown_beside_the_form(
    client: Client, senco: User, decision: TransferInDecision, on_today: dt.date
) -> None:
    client.force_login(senco)
    prefix = f"transfer{decision.pk}"
    response = client.post(
        f"/transfer/decisions/{decision.pk}/",
        {"action": "add", f"{prefix}-status": "K", f"{prefix}-primary_need": "SPLD",
         f"{prefix}-effective": "2027-01-01"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert not SenEpisode.objects.exists()


def test_the_pupil_page_shows_transfers_to_the_senco_the_log_to_the_head_and_nothing_to_teachers(
    client: Client,
    senco: User,
    head: User,
    teacher: User,
    decision: TransferInDecision,
    taught_pupil: Pupil,
    on_today: dt.date,
) -> None:
    make_pack(decision.pupil, senco)
    client.force_login(senco)
    page = client.get(decision.pupil.get_absolute_url()).content.decode()
    assert "Transfer-in decision waiting" in page
    assert "Download the Common Transfer File (CTF)" in page
    assert "Make a record pack" in page
    assert "Northgate High School" in page
    client.force_login(head)
    page = client.get(decision.pupil.get_absolute_url()).content.decode()
    assert "Transfer log" in page and "Northgate High School" in page
    assert "Make a record pack" not in page and "Transfer-in decision" not in page
    assert "Record the acknowledgement" not in page
    client.force_login(teacher)
    page = client.get(taught_pupil.get_absolute_url()).content.decode()
    assert "transfer-heading" not in page


def test_the_ctf_button_downloads_a_file_with_the_conventional_name(
    client: Client, senco: User, pupil: Pupil, on_today: dt.date
) -> None:
    client.force_login(senco)
    response = client.post(f"/transfer/pupils/{pupil.pk}/ctf/", {"dest": "801 2345"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="8012000_CTF_8012345_001.xml"'
    assert "no-store" in response["Cache-Control"]
    assert response.content.startswith(b"<?xml")
    bad = client.post(f"/transfer/pupils/{pupil.pk}/ctf/", {"dest": "12"})
    assert bad.status_code == 200 and "LAESTAB" in bad.content.decode()
    assert CtfExport.objects.count() == 1


def test_the_record_pack_page_shows_the_password_once_and_the_file_downloads(
    client: Client, senco: User, pupil: Pupil, on_today: dt.date
) -> None:
    client.force_login(senco)
    form = client.get(f"/transfer/pupils/{pupil.pk}/record-pack/").content.decode()
    assert "No consent in force covers sharing with the next school" in form
    refused = client.post(f"/transfer/pupils/{pupil.pk}/record-pack/", {"recipient": "Northgate"})
    assert refused.status_code == 200 and rules.SHARING_REASON_REQUIRED in refused.content.decode()
    assert not RecordPack.objects.exists()
    response = client.post(
        f"/transfer/pupils/{pupil.pk}/record-pack/",
        {"recipient": "Northgate High School", "exception": "next_setting"},
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    password = response.context["password"]
    assert password in response.content.decode()
    pack = RecordPack.objects.get()
    download = client.get(f"/transfer/record-packs/{pack.pk}/download/")
    assert download["Content-Disposition"].startswith('attachment; filename="record-pack-')
    with pyzipper.AESZipFile(io.BytesIO(download.content)) as archive:
        archive.setpassword(password.encode())
        assert archive.read(archive.namelist()[0]).startswith(b"%PDF")
    # Shown once: nothing on any later page says it again.
    assert password not in client.get(pupil.get_absolute_url()).content.decode()
    assert password not in client.get("/transfer/log/").content.decode()


def test_the_acknowledgement_is_recorded_from_the_log(
    client: Client, senco: User, pupil: Pupil, on_today: dt.date
) -> None:
    pack = make_pack(pupil, senco, sent_on=D(2025, 11, 3))
    client.force_login(senco)
    url = f"/transfer/record-packs/{pack.pk}/acknowledge/"
    missing = client.post(url, {"acknowledged_on": TODAY.isoformat()})
    assert missing.status_code == 200 and rules.ACK_NAME_REQUIRED in missing.content.decode()
    response = client.post(
        url, {"acknowledged_on": TODAY.isoformat(), "acknowledged_by_name": "Ms Patel, SENCO"}
    )
    assert response.status_code == 302
    pack.refresh_from_db()
    assert pack.acknowledged_by_name == "Ms Patel, SENCO"
    assert (
        "Acknowledged 12 November 2025 by Ms Patel" in client.get("/transfer/log/").content.decode()
    )
    form = client.get(f"/transfer/record-packs/{pack.pk}/acknowledgement-form/")
    assert form["Content-Type"] == "application/pdf"


def test_consent_is_recorded_and_withdrawn_from_the_pupil_page(
    client: Client, senco: User, pupil: Pupil, on_today: dt.date
) -> None:
    mother = ContactFactory(pupil=pupil, name="Jo Young")
    client.force_login(senco)
    url = f"/transfer/pupils/{pupil.pk}/consents/new/"
    too_young = client.post(
        url, {"given_by": "young_person", "given_on": TODAY.isoformat(), "purposes": ["health"]}
    )
    assert too_young.status_code == 200
    assert "only from age 16" in too_young.content.decode()
    response = client.post(
        url,
        {"given_by": "parent", "contact": str(mother.pk), "given_on": TODAY.isoformat(),
         "purposes": ["next_school", "specialists"], "organisations": "Northshire EP Service"},
    )  # fmt: skip
    assert response.status_code == 302
    consent = Consent.objects.get()
    assert consent.purposes == ["next_school", "specialists"]
    assert consent.organisation_list == ["Northshire EP Service"]
    page = client.get(pupil.get_absolute_url()).content.decode()
    assert "Consent covers sharing with the next school" in page
    response = client.post(
        f"/transfer/pupils/{pupil.pk}/consents/{consent.pk}/withdraw/",
        {"withdrawn_on": TODAY.isoformat(), "note": "Phoned."},
    )
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_on == TODAY


# --- The home page and the deadlines ------------------------------------------------------


def test_the_senco_is_reminded_of_a_pack_unacknowledged_after_15_school_days(
    client: Client, school: School, senco: User, head: User, pupil: Pupil
) -> None:
    pack = make_pack(pupil, senco, sent_on=D(2025, 11, 3))  # due by 24 November
    source = DEADLINE_SOURCES.get("transfer")
    assert source is not None and DEADLINE_KIND in source.kinds
    client.force_login(senco)
    with time_machine.travel(dt.datetime(2025, 11, 24, 12, tzinfo=TODAY_NOON.tzinfo), tick=False):
        (deadline,) = source.collect(school, D(2025, 11, 24))
        assert (deadline.due, deadline.status, deadline.upn) == (
            D(2025, 11, 24),
            "due_soon",
            pupil.upn,
        )
        home = client.get("/").content.decode()
        assert "Transfers between schools" in home and "chase" not in home
    with time_machine.travel(dt.datetime(2025, 11, 25, 12, tzinfo=TODAY_NOON.tzinfo), tick=False):
        (deadline,) = source.collect(school, D(2025, 11, 25))
        assert deadline.status == "overdue"
        home = client.get("/").content.decode()
        assert "after more than 15 school days: chase it" in home
        client.force_login(head)
        home = client.get("/").content.decode()
        assert "chase it" in home and "The transfer log" in home
        assert "Decide whether" not in home
    pack.acknowledged_on, pack.acknowledged_by_name = D(2025, 11, 25), "Ms Patel"
    pack.save(update_fields=["acknowledged_on", "acknowledged_by_name"])
    assert list(source.collect(school, D(2025, 11, 26))) == []


def test_the_pupil_page_costs_a_few_queries_for_transfers(
    client: Client,
    senco: User,
    decision: TransferInDecision,
    django_assert_max_num_queries: object,
    on_today: dt.date,
) -> None:
    for _ in range(5):
        make_pack(decision.pupil, senco)
    client.force_login(senco)
    client.get(decision.pupil.get_absolute_url())
    # The page of a pupil with nothing in any list takes 13; the packs and the CTF history
    # (its decision read with it) add 1 each; no consent is recorded, so none is read.
    with django_assert_max_num_queries(15):  # type: ignore[operator]
        client.get(decision.pupil.get_absolute_url())
