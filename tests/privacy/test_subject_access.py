"""A subject access copy: one pupil's whole record as a ZIP of PDF and JSON, logged."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from django.test import Client

from sendreg.accounts.models import User
from sendreg.audit.models import AccessEvent
from sendreg.lib.extensions import PUPIL_RECORD_PARTS, PupilFile, PupilRecordPart
from sendreg.pupils.models import Pupil
from sendreg.records.models import MedicalCondition
from tests.conftest import put_on_register
from tests.documents.readers import pdf_text
from tests.factories import ContactFactory

SECRET = "9 Hidden Close"


def download(client: Client, pupil: Pupil) -> zipfile.ZipFile:
    response = client.get(f"/privacy/pupils/{pupil.pk}/subject-access/download/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="subject-access-{pupil.upn}-'
    )
    assert response["Cache-Control"] == "no-store, private"
    return zipfile.ZipFile(io.BytesIO(response.content))


def test_the_copy_holds_every_part_the_audit_trail_and_the_access_log(
    client: Client, senco: User, office: User, pupil: Pupil
) -> None:
    put_on_register(pupil, by=senco, needs=("SEMH", "SLCN"))
    ContactFactory(pupil=pupil, name="Sam Young", address=SECRET, address_protected=True)
    ContactFactory(pupil=pupil, name="Alex Young", address="1 Open Street")
    MedicalCondition.objects.create(pupil=pupil, condition="Asthma")
    client.force_login(office)
    client.get(f"/pupils/{pupil.pk}/")
    client.force_login(senco)

    archive = download(client, pupil)

    assert {"record.json", "summary.pdf"} <= set(archive.namelist())
    record = json.loads(archive.read("record.json"))
    assert set(record["parts"]) >= {"pupil", "contacts", "register", "records", "notifications"}
    assert record["parts"]["pupil"]["data"]["legal_surname"] == "Young"
    assert "SLCN" in json.dumps(record["parts"]["register"]["data"])
    assert "Asthma" in json.dumps(record["parts"]["records"]["data"])
    addresses = {c["name"]: c["address"] for c in record["parts"]["contacts"]["data"]["contacts"]}
    assert addresses == {"Sam Young": "(protected address: not included)",
                         "Alex Young": "1 Open Street"}  # fmt: skip
    assert any(e["what"] == "SEN status changed" for e in record["audit_trail"])
    assert [a["who"] for a in record["access_log"]] == ["Office"]
    text = archive.read("record.json").decode() + pdf_text(archive.read("summary.pdf"))
    assert SECRET not in text
    assert "127.0.0.1" not in text
    pdf = pdf_text(archive.read("summary.pdf"))
    assert "Subject access copy: Maisie Young" in pdf
    assert "Asthma" in pdf and "SEN status changed" in pdf

    [event] = AccessEvent.objects.filter(actor_id=senco.pk)
    assert (event.what, event.pupil_id) == ("subject access copy", pupil.pk)


def test_an_address_audited_before_it_was_protected_is_not_included(
    client: Client, senco: User, pupil: Pupil
) -> None:
    from sendreg.pupils.models import Contact
    from sendreg.pupils.services import contact_save

    contact = ContactFactory.build(pupil=pupil, name="Sam", relationship="Carer", address=SECRET)
    contact_save(contact=contact, by=senco)
    Contact.objects.filter(pupil=pupil).update(address_protected=True)
    client.force_login(senco)
    record = json.loads(download(client, pupil).read("record.json"))
    assert SECRET not in json.dumps(record)


def test_each_parts_files_are_in_the_files_folder(
    client: Client, senco: User, pupil: Pupil
) -> None:
    part = PupilRecordPart(
        "test_plans",
        "Support plans",
        data=lambda p: {"plans": 1},
        files=lambda p: [PupilFile("plan.pdf", b"%PDF-plan", "application/pdf")],
    )
    PUPIL_RECORD_PARTS.register(part)
    try:
        client.force_login(senco)
        archive = download(client, pupil)
    finally:
        PUPIL_RECORD_PARTS._items.pop("test_plans")
    assert archive.read("files/test_plans/plan.pdf") == b"%PDF-plan"


def test_the_pupil_page_links_to_it_for_the_senco_only(
    client: Client, senco: User, office: User, pupil: Pupil, request: Any
) -> None:
    client.force_login(senco)
    assert "make a subject access copy" in client.get(f"/pupils/{pupil.pk}/").content.decode()
    client.force_login(office)
    assert "make a subject access copy" not in client.get(f"/pupils/{pupil.pk}/").content.decode()


def test_a_protected_address_typed_again_on_another_contact_is_not_included(
    client: Client, senco: User, pupil: Pupil
) -> None:
    """The same rule as letters and the pupil's page (``pupils.rules.address_is_protected``):
    a foster carer's address marked protected, then typed on a second contact unmarked."""
    ContactFactory(pupil=pupil, name="Sam Young", address=SECRET, address_protected=True)
    ContactFactory(pupil=pupil, name="Jo Young", address="  9 hidden close ")
    ContactFactory(pupil=pupil, name="Alex Young", address="1 Open Street")
    client.force_login(senco)

    record = json.loads(download(client, pupil).read("record.json"))

    addresses = {c["name"]: c["address"] for c in record["parts"]["contacts"]["data"]["contacts"]}
    assert addresses == {"Sam Young": "(protected address: not included)",
                         "Jo Young": "(protected address: not included)",
                         "Alex Young": "1 Open Street"}  # fmt: skip
    assert "hidden close" not in json.dumps(record).lower()
