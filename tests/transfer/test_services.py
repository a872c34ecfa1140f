"""Every write of the transfer app, against the real database."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import pytest
import pyzipper
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from pypdf import PdfReader

from sendreg.accounts.models import School, User
from sendreg.audit.models import AuditEvent
from sendreg.cli import main
from sendreg.imports.kinds import IMPORT_KINDS, ImportRequest
from sendreg.lib.extensions import PUPIL_RECORD_PARTS
from sendreg.pupils.models import Pupil
from sendreg.register.models import ParentNotification, SenEpisode
from sendreg.register.selectors import needs_on
from sendreg.transfer import rules, services
from sendreg.transfer.ctf import parse_ctf
from sendreg.transfer.models import (
    Consent,
    CtfExport,
    CtfHistory,
    RecordPack,
    SharingRecord,
    TransferAudit,
    TransferInDecision,
)
from sendreg.transfer.rules import SenEntry, SharingPurpose
from sendreg.transfer.selectors import consent_check
from tests.conftest import TODAY, put_on_register
from tests.factories import ContactFactory, PupilFactory

D = dt.date
SECRET = "9 Secret Lane"


# --- Transfer-in decisions ------------------------------------------------------------------


def test_accepting_puts_the_pupil_on_the_register_with_the_parent_letter(
    decision: TransferInDecision, senco: User
) -> None:
    services.transfer_in_accept(
        decision=decision, status="K", needs=["SPLD", "SLCN"], effective=TODAY,
        note="Agreed at the transition meeting.", by=senco, today=TODAY,
    )  # fmt: skip
    episode = SenEpisode.objects.get(pupil=decision.pupil)
    assert (episode.status, episode.start) == ("K", TODAY)
    assert "Joined from Greenfield Primary School" in episode.start_reason
    assert needs_on([decision.pupil_id], day=TODAY) == {decision.pupil_id: ["SPLD", "SLCN"]}
    assert ParentNotification.objects.get(pupil=decision.pupil).kind == "added"
    decision.refresh_from_db()
    assert (decision.outcome, decision.status, decision.effective) == ("added", "K", TODAY)
    event = AuditEvent.objects.get(type=TransferAudit.TRANSFER_IN_ADDED)
    assert event.reason == "Agreed at the transition meeting."


def test_a_decision_is_made_once(decision: TransferInDecision, senco: User) -> None:
    services.transfer_in_decline(decision=decision, reason="Needs met in class now.", by=senco)
    with pytest.raises(ValidationError, match=rules.DECISION_ALREADY_MADE):
        services.transfer_in_accept(
            decision=decision, status="K", needs=["SPLD"], effective=TODAY, note="", by=senco,
            today=TODAY,
        )  # fmt: skip
    assert not SenEpisode.objects.exists()


def test_declining_needs_a_reason(decision: TransferInDecision, senco: User) -> None:
    with pytest.raises(ValidationError, match=rules.DECLINE_REASON_REQUIRED):
        services.transfer_in_decline(decision=decision, reason=" ", by=senco)
    decision.refresh_from_db()
    assert decision.outcome == "pending"


def test_a_register_rule_broken_on_accepting_saves_nothing(
    decision: TransferInDecision, senco: User
) -> None:
    with pytest.raises(ValidationError):
        services.transfer_in_accept(
            decision=decision, status="E", needs=["NSA"], effective=TODAY, note="", by=senco,
            today=TODAY,
        )  # fmt: skip
    decision.refresh_from_db()
    assert decision.outcome == "pending" and not SenEpisode.objects.exists()


# --- Writing a CTF --------------------------------------------------------------------------


def test_a_ctf_is_numbered_per_destination_and_never_holds_a_protected_address(
    school: School, pupil: Pupil, senco: User
) -> None:
    ContactFactory(pupil=pupil, name="Foster Carer", address=SECRET, address_protected=True)
    ContactFactory(pupil=pupil, name="Birth Mother", address=SECRET.upper())  # the same place
    ContactFactory(pupil=pupil, name="Aunt Jo", relationship="Aunt", address="5 Plain Road")
    first = services.ctf_export(
        school=school, pupils=[pupil], dest="8012345", by=senco, today=TODAY
    )
    second = services.ctf_export(
        school=school, pupils=[pupil], dest="8012345", by=senco, today=TODAY
    )
    unknown = services.ctf_export(school=school, pupils=[pupil], dest="", by=senco, today=TODAY)
    assert [w.file_name for w in (first, second)] == [
        "8012000_CTF_8012345_001.xml",
        "8012000_CTF_8012345_002.xml",
    ]
    assert unknown.file_name == "8012000_CTF_MMMMMMM_001.xml"
    text = first.content.decode()
    assert "secret lane" not in text.lower()
    assert "5 Plain Road" in text
    assert CtfExport.objects.count() == 3
    assert (
        AuditEvent.objects.filter(type=TransferAudit.CTF_EXPORTED, pupil_id=pupil.pk).count() == 3
    )


def test_export_then_import_gives_the_same_history(
    school: School, other_school: School, pupil: Pupil, senco: User, outsider: User
) -> None:
    put_on_register(
        pupil, by=senco, status="K", needs=("SEMH",), on=D(2025, 9, 4), today=D(2025, 9, 4)
    )
    put_on_register(
        pupil, by=senco, status="E", needs=("SEMH", "SLCN"), on=D(2025, 10, 1), today=D(2025, 10, 1)
    )
    put_on_register(pupil, by=senco, status="K", needs=("ASD",), on=TODAY, today=TODAY)
    written = services.ctf_export(
        school=school, pupils=[pupil], dest=other_school.laestab, by=senco, today=TODAY
    )
    request = ImportRequest(
        school=other_school, data=written.content, filename=written.file_name, today=TODAY
    )
    summary = IMPORT_KINDS.get("ctf").apply(request, outsider).summary  # type: ignore[union-attr]
    history = CtfHistory.objects.get(pupil__school=other_school)
    episodes = [e.as_rule() for e in SenEpisode.objects.filter(pupil=pupil).order_by("start")]
    sent = [rules.Episode(e.status, e.start, e.end) for e in episodes]
    assert rules.entries_to_episodes(history.sen_entries) == sent
    assert history.needs == ["ASD"]
    assert history.source_name == "Oakfield Academy"
    assert summary["transfer_in"] == [
        {"upn": pupil.upn, "status": "K", "needs": ["ASD"], "since": TODAY.isoformat(),
         "source": "Oakfield Academy"}
    ]  # fmt: skip
    arrived = Pupil.objects.get(school=other_school)
    assert (arrived.upn, arrived.date_of_birth) == (pupil.upn, pupil.date_of_birth)


def test_sendreg_ctf_export_writes_the_file_and_prints_json(
    school: School, pupil: Pupil, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(
        ["ctf", "export", "--upn", pupil.upn, "--dest", "8012345", "--out", str(tmp_path),
         "--school", school.urn, "--json"]
    )  # fmt: skip
    out = json.loads(capsys.readouterr().out)
    assert status == 0
    assert out["name"] == "8012000_CTF_8012345_001.xml"
    assert out["pupils"] == [pupil.upn] and out["sequence"] == 1 and out["dest"] == "8012345"
    written = (tmp_path / out["name"]).read_bytes()
    assert parse_ctf(written, max_bytes=10**6).pupils[0].upn == pupil.upn


def test_sendreg_ctf_export_names_an_unknown_upn(
    school: School, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["ctf", "export", "--upn", "A801200099999", "--out", str(tmp_path / "x.xml")])
    assert status == 2
    assert "no pupil with UPN A801200099999" in capsys.readouterr().err
    assert not CtfExport.objects.exists()


# --- Consent and sharing ----------------------------------------------------------------------


def test_consent_from_a_parent_covers_its_scope_until_withdrawn(pupil: Pupil, senco: User) -> None:
    mother = ContactFactory(pupil=pupil, name="Jo Young")
    consent = services.consent_record(
        pupil=pupil, given_by="parent", contact=mother, given_on=D(2025, 9, 1),
        purposes=[SharingPurpose.SPECIALISTS], organisations=[], notes="", by=senco, today=TODAY,
    )  # fmt: skip
    assert consent.given_by_name == "Jo Young"
    assert consent_check(pupil, SharingPurpose.SPECIALISTS, on=TODAY).consent == consent
    assert not consent_check(pupil, SharingPurpose.NEXT_SCHOOL, on=TODAY).covered
    services.consent_withdraw(
        consent=consent, withdrawn_on=TODAY, note="By phone.", by=senco, today=TODAY
    )
    assert not consent_check(pupil, SharingPurpose.SPECIALISTS, on=TODAY).covered
    assert consent_check(pupil, SharingPurpose.SPECIALISTS, on=TODAY - dt.timedelta(days=1)).covered
    types = list(AuditEvent.objects.filter(pupil_id=pupil.pk).values_list("type", flat=True))
    assert set(types) == {TransferAudit.CONSENT_RECORDED, TransferAudit.CONSENT_WITHDRAWN}


def test_consent_must_come_from_the_pupils_own_contact(
    pupil: Pupil, school: School, senco: User
) -> None:
    stranger = ContactFactory(pupil=PupilFactory(school=school))
    with pytest.raises(ValidationError, match=rules.CONSENT_PARENT_REQUIRED):
        services.consent_record(
            pupil=pupil, given_by="parent", contact=stranger, given_on=TODAY, purposes=["health"],
            organisations=[], notes="", by=senco, today=TODAY,
        )  # fmt: skip
    assert not Consent.objects.exists()


def test_sharing_without_consent_records_the_statutory_exception(pupil: Pupil, senco: User) -> None:
    with pytest.raises(ValidationError, match=rules.SHARING_REASON_REQUIRED):
        services.sharing_record(
            pupil=pupil, purpose=SharingPurpose.SPECIALISTS, recipient="EP service",
            shared_on=TODAY, exception="", reason="", by=senco,
        )  # fmt: skip
    record = services.sharing_record(
        pupil=pupil, purpose=SharingPurpose.SPECIALISTS, recipient="First-tier Tribunal",
        shared_on=TODAY, exception="tribunal", reason="", by=senco,
    )  # fmt: skip
    assert (record.covered, record.consent, record.exception) == (False, None, "tribunal")
    assert "SEND tribunal" in record.exception_label
    assert SharingRecord.objects.count() == 1


# --- Record packs -------------------------------------------------------------------------------


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_a_record_pack_is_an_aes_zip_of_every_part_with_an_acknowledgement_form(
    pupil: Pupil, senco: User
) -> None:
    put_on_register(pupil, by=senco, status="K", needs=("SEMH",))
    ContactFactory(pupil=pupil, name="Foster Carer", address=SECRET, address_protected=True)
    made = services.record_pack_make(
        pupil=pupil, recipient="Northgate High School", recipient_laestab="8012345",
        recipient_person="Ms Patel, SENCO", exception="next_setting", reason="", by=senco,
        today=TODAY,
    )  # fmt: skip
    pack = made.pack
    with pyzipper.AESZipFile(io.BytesIO(made.content)) as archive:
        with pytest.raises(RuntimeError):
            archive.read(archive.namelist()[0])  # no password, no contents
        archive.setpassword(made.password.encode())
        files = {name: archive.read(name) for name in archive.namelist()}
    # Every entry is encrypted (flag bit 0) with WinZip AES (method 99), as a plain reader sees.
    plain = zipfile.ZipFile(io.BytesIO(made.content)).infolist()
    assert all(info.compress_type == 99 and info.flag_bits & 1 for info in plain)
    assert list(files) == [
        "00 Acknowledgement form - sign and return.pdf",
        "01 Summary sheet/Summary sheet.pdf",
        "02 SEN register history/SEN register history.pdf",
    ]
    texts = {name: _pdf_text(content) for name, content in files.items()}
    assert "Northgate High School" in texts["00 Acknowledgement form - sign and return.pdf"]
    assert "SEMH" in texts["02 SEN register history/SEN register history.pdf"]
    assert all(SECRET not in text for text in texts.values())
    # What was sent is logged; the password is nowhere in the database.
    assert [p["key"] for p in pack.parts] == ["acknowledgement", "summary", "register"]
    assert pack.file_sha256 and pack.file_size == len(made.content)
    assert default_storage.exists(pack.stored_name)
    dump = json.dumps(list(RecordPack.objects.values()), default=str) + json.dumps(
        list(AuditEvent.objects.values("old", "new", "reason")), default=str
    )
    assert made.password not in dump
    assert pack.sharing.exception == "next_setting" and not pack.sharing.covered


def test_consent_in_force_is_the_basis_of_a_record_pack(pupil: Pupil, senco: User) -> None:
    services.consent_record(
        pupil=pupil, given_by="parent", contact=ContactFactory(pupil=pupil), given_on=TODAY,
        purposes=[SharingPurpose.NEXT_SCHOOL], organisations=[], notes="", by=senco, today=TODAY,
    )  # fmt: skip
    made = services.record_pack_make(
        pupil=pupil, recipient="Northgate High School", recipient_laestab="", recipient_person="",
        exception="", reason="", by=senco, today=TODAY,
    )  # fmt: skip
    assert made.pack.sharing.covered and made.pack.sharing.consent is not None


def test_a_record_pack_without_consent_or_reason_is_not_made(pupil: Pupil, senco: User) -> None:
    with pytest.raises(ValidationError, match=rules.SHARING_REASON_REQUIRED):
        services.record_pack_make(
            pupil=pupil, recipient="Northgate", recipient_laestab="", recipient_person="",
            exception="", reason="", by=senco, today=TODAY,
        )  # fmt: skip
    assert not RecordPack.objects.exists() and not SharingRecord.objects.exists()


def test_the_acknowledgement_is_recorded_once_and_the_kept_file_deleted(
    pupil: Pupil, senco: User, django_capture_on_commit_callbacks: object
) -> None:
    made = services.record_pack_make(
        pupil=pupil, recipient="Northgate", recipient_laestab="", recipient_person="",
        exception="next_setting", reason="", by=senco, today=TODAY,
    )  # fmt: skip
    stored = made.pack.stored_name
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        services.record_pack_acknowledge(
            pack=made.pack, acknowledged_on=TODAY, name="Ms Patel", by=senco, today=TODAY
        )
    pack = RecordPack.objects.get()
    assert (pack.acknowledged_on, pack.acknowledged_by_name, pack.stored_name) == (
        TODAY,
        "Ms Patel",
        "",
    )
    assert not default_storage.exists(stored)
    with pytest.raises(ValidationError, match=rules.ACK_ALREADY):
        services.record_pack_acknowledge(
            pack=pack, acknowledged_on=TODAY, name="Again", by=senco, today=TODAY
        )


def test_the_app_registers_its_parts_of_the_record() -> None:
    assert {"summary", "register", "records", "transfer"} <= {p.key for p in PUPIL_RECORD_PARTS}


def test_the_transfer_part_holds_histories_consents_and_the_log(
    decision: TransferInDecision, senco: User
) -> None:
    pupil = decision.pupil
    services.record_pack_make(
        pupil=pupil, recipient="Northgate", recipient_laestab="", recipient_person="",
        exception="next_setting", reason="", by=senco, today=TODAY,
    )  # fmt: skip
    part = PUPIL_RECORD_PARTS.get("transfer")
    assert part is not None
    data = part.data(pupil)
    assert data["ctf_histories"][0]["entries"] == [{"start": "2021-09-06", "provision": "K"}]
    assert data["record_packs"][0]["recipient"] == "Northgate"
    assert json.loads(json.dumps(data)) == data
    assert SenEntry  # history entries are SenEntry values in the model


def test_erasing_takes_away_everything_this_app_holds_about_the_pupil(
    decision: TransferInDecision,
    school: School,
    senco: User,
    django_capture_on_commit_callbacks: object,
) -> None:
    pupil = decision.pupil
    services.consent_record(
        pupil=pupil, given_by="parent", contact=ContactFactory(pupil=pupil), given_on=TODAY,
        purposes=[SharingPurpose.NEXT_SCHOOL], organisations=[], notes="", by=senco, today=TODAY,
    )  # fmt: skip
    made = services.record_pack_make(
        pupil=pupil, recipient="Northgate", recipient_laestab="", recipient_person="",
        exception="", reason="", by=senco, today=TODAY,
    )  # fmt: skip
    other = PupilFactory(school=school)
    services.ctf_export(school=school, pupils=[pupil, other], dest="", by=senco, today=TODAY)
    part = PUPIL_RECORD_PARTS.get("transfer")
    assert part is not None and part.erase is not None
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        part.erase(pupil, senco)
    assert part.data(pupil) == {
        "ctf_histories": [], "transfer_in_decisions": [], "consents": [], "sharing": [],
        "record_packs": [],
    }  # fmt: skip
    assert CtfExport.objects.get().upns == [other.upn]
    assert not default_storage.exists(made.pack.stored_name)
    event = AuditEvent.objects.get(type=TransferAudit.ERASED)
    assert event.new["record_packs"] == 1 and event.new["histories"] == 1
