"""Every write of the transfer app: validated by the rules, audited, in one transaction."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from sendreg.accounts.models import School, User
from sendreg.audit.models import AuditEvent
from sendreg.audit.services import actor_label_for, audit_record
from sendreg.imports.services import import_run_record
from sendreg.lib.diff import jsonable
from sendreg.pupils.models import Contact, Pupil
from sendreg.register.services import sen_record_set
from sendreg.transfer import rules
from sendreg.transfer.ctf import CtfSchool, build_ctf
from sendreg.transfer.models import (
    Consent,
    CtfExport,
    CtfHistory,
    RecordPack,
    SharingRecord,
    TransferAudit,
    TransferInDecision,
)
from sendreg.transfer.rules import SharingPurpose
from sendreg.transfer.selectors import consent_check, ctf_pupils, source_school
from sendreg.transfer.statutory import exception_rules

if TYPE_CHECKING:
    from sendreg.transfer.importing import CtfPlan

NO_PUPILS = "Choose at least one pupil to write into the CTF."


def _audit(
    *, type: TransferAudit, pupil: Pupil, target: Any, by: User | None, **fields: Any
) -> None:
    # The audit trail takes any registered type: this app's are in ``TransferAudit``.
    audit_record(
        type=type,  # type: ignore[arg-type]
        school_id=pupil.school_id,
        target=target,
        pupil=pupil,
        by=by,
        **fields,
    )


# --- Importing a CTF ---------------------------------------------------------------------------


def _event(
    *, school: School, pupil: Pupil, type: str, by: User | None, label: str, source: str,
    now: dt.datetime, target_model: str, target_id: int, old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
) -> AuditEvent:  # fmt: skip
    return AuditEvent(
        at=now,
        school_id=school.pk,
        actor_id=by.pk if by else None,
        actor_label=label,
        type=type,
        target_model=target_model,
        target_id=target_id,
        pupil_id=pupil.pk,
        pupil_label=str(pupil),
        old=old or {},
        new=new or {},
        source=source,
    )


@transaction.atomic
def ctf_import_apply(*, plan: CtfPlan, by: User | None, today: dt.date) -> None:
    """Write what a CTF plan says: new pupils, changed details, SEN histories and transfer-in
    offers, then list the file on the Imports page. Never changes the register: each offer
    waits for the SENCO (``transfer_in_accept`` or ``transfer_in_decline``).

    Set-based: a handful of queries whatever the number of pupils. Every pupil created or
    changed and every history kept has an audit event naming the file.
    """
    school = plan.school
    now = timezone.now()
    label = actor_label_for(by)
    source = f"CTF import of {plan.filename} (sha256 {plan.sha256[:12]})"
    events: list[AuditEvent] = []

    new_pupils = [
        Pupil(
            school=school,
            upn=p.upn,
            legal_surname=p.surname,
            legal_forename=p.forename,
            preferred_surname=p.preferred_surname,
            preferred_forename=p.preferred_forename,
            former_upn=p.former_upn,
            date_of_birth=p.date_of_birth,
            gender=p.gender,
            year_group=p.year_group,
            looked_after=bool(p.looked_after),
            medical=bool(p.medical),
        )
        for p in plan.creates
    ]
    for pupil in new_pupils:
        # The plan matched every UPN already, so uniqueness needs no query per pupil.
        pupil.full_clean(exclude=["school"], validate_unique=False, validate_constraints=False)
    created = Pupil.objects.bulk_create(new_pupils, batch_size=500)
    for pupil in created:
        events.append(
            _event(
                school=school,
                pupil=pupil,
                type=AuditEvent.Type.PUPIL_CREATED,
                by=by,
                label=label,
                source=source,
                now=now,
                target_model="pupils.pupil",
                target_id=pupil.pk,
                new={
                    "upn": pupil.upn,
                    "legal_surname": pupil.legal_surname,
                    "legal_forename": pupil.legal_forename,
                    "date_of_birth": pupil.date_of_birth.isoformat(),
                },
            )  # fmt: skip
        )
    if plan.updates:
        pupils = Pupil.objects.in_bulk([u.pupil_id for u in plan.updates])
        fields = sorted({name for u in plan.updates for name in u.changes})
        for update in plan.updates:
            pupil = pupils[update.pupil_id]
            for name, (_, new) in update.changes.items():
                setattr(pupil, name, new)
            pupil.full_clean(exclude=["school"], validate_unique=False, validate_constraints=False)
            # The MIS's next import must compare this pupil in full again.
            pupil.mis_fingerprint = ""
            events.append(
                _event(
                    school=school,
                    pupil=pupil,
                    type=AuditEvent.Type.PUPIL_UPDATED,
                    by=by,
                    label=label,
                    source=source,
                    now=now,
                    target_model="pupils.pupil",
                    target_id=pupil.pk,
                    old={k: jsonable(v[0]) for k, v in update.changes.items()},
                    new={k: jsonable(v[1]) for k, v in update.changes.items()},
                )  # fmt: skip
            )
        Pupil.objects.bulk_update(list(pupils.values()), [*fields, "mis_fingerprint"])

    ids = {**plan.ids, **{p.upn: p.pk for p in created}}
    by_id = Pupil.objects.in_bulk([ids[p.upn] for p in plan.histories])
    header = plan.file.header
    histories = CtfHistory.objects.bulk_create(
        [
            CtfHistory(
                pupil=by_id[ids[p.upn]],
                source_name=header.source.name or header.source.laestab or "Not named in the file",
                source_laestab=header.source.laestab[:7],
                source_urn=header.source.urn[:6],
                written_at=(
                    timezone.make_aware(header.written_at)
                    if header.written_at and timezone.is_naive(header.written_at)
                    else header.written_at
                ),
                filename=plan.filename[:255],
                sha256=plan.sha256,
                entries=[{"start": e.start.isoformat(), "provision": e.provision} for e in p.sen],
                needs=list(p.needs),
                received_at=now,
                received_by=by,
            )
            for p in plan.histories
        ]
    )
    offered = {offer.upn for offer in plan.offers}
    new_decisions = [h for h in histories if h.pupil.upn in offered]
    # A later file replaces an offer still waiting: the SENCO decides on the newest record.
    TransferInDecision.objects.filter(
        pupil_id__in=[h.pupil_id for h in new_decisions],
        outcome=TransferInDecision.Outcome.PENDING,
    ).update(outcome=TransferInDecision.Outcome.SUPERSEDED, decided_at=now)
    TransferInDecision.objects.bulk_create(
        TransferInDecision(pupil_id=h.pupil_id, history=h) for h in new_decisions
    )
    for history in histories:
        events.append(
            _event(
                school=school,
                pupil=history.pupil,
                type=TransferAudit.HISTORY_RECEIVED,
                by=by,
                label=label,
                source=source,
                now=now,
                target_model="transfer.ctfhistory",
                target_id=history.pk,
                new={
                    "from": history.source_name,
                    "entries": history.entries,
                    "needs": history.needs,
                    "transfer_in_offered": history.pupil.upn in offered,
                },
            )  # fmt: skip
        )
    AuditEvent.objects.bulk_create(events, batch_size=1000)
    import_run_record(
        school=school,
        kind="ctf",
        filename=plan.filename,
        sha256=plan.sha256,
        summary=plan.summary(applied=True),
        by=by,
        actor_label=label,
    )


# --- Transfer-in decisions ------------------------------------------------------------------


def _claim_pending(decision: TransferInDecision) -> TransferInDecision:
    locked = TransferInDecision.objects.select_for_update().get(pk=decision.pk)
    if locked.outcome != TransferInDecision.Outcome.PENDING:
        raise ValidationError(rules.DECISION_ALREADY_MADE)
    return locked


@transaction.atomic
def transfer_in_accept(
    *,
    decision: TransferInDecision,
    status: str,
    needs: Sequence[str],
    effective: dt.date,
    note: str,
    by: User,
    today: dt.date,
) -> TransferInDecision:
    """Put the transferred pupil on the register from ``effective`` with ``needs``.

    Goes through ``register.services.sen_record_set``, so the register's rules apply and
    the parents' letter task is created. Raises ValidationError (nothing saved) when a
    rule is broken or the decision was already made.
    """
    decision = _claim_pending(decision)
    pupil = Pupil.objects.get(pk=decision.pupil_id)
    history = decision.history
    reason = (
        f"Joined from {history.source_name}, where they had {status} "
        f"with {', '.join(needs) or 'no need recorded'}."
    )
    if note.strip():
        reason = f"{reason} {note.strip()}"
    sen_record_set(
        pupil=pupil,
        status=status,
        needs=list(needs),
        effective=effective,
        reason=reason,
        expected_version=pupil.sen_version,
        by=by,
        today=today,
        source=f"transfer from {history.source_name} ({history.filename})",
    )
    decision.outcome = TransferInDecision.Outcome.ADDED
    decision.status = status
    decision.needs = [code.strip().upper() for code in needs if code.strip()]
    decision.effective = effective
    decision.reason = note.strip()
    decision.decided_by = by
    decision.decided_at = timezone.now()
    decision.full_clean()
    decision.save(
        update_fields=["outcome", "status", "needs", "effective", "reason", "decided_by",
                       "decided_at"]
    )  # fmt: skip
    _audit(
        type=TransferAudit.TRANSFER_IN_ADDED, pupil=pupil, target=decision, by=by,
        new={"status": status, "needs": decision.needs, "effective": effective.isoformat(),
             "from": history.source_name},
        reason=decision.reason,
    )  # fmt: skip
    return decision


@transaction.atomic
def transfer_in_decline(
    *, decision: TransferInDecision, reason: str, by: User
) -> TransferInDecision:
    """Record that the transferred pupil is not put on the register, and why."""
    rules.validate_decline(reason=reason)
    decision = _claim_pending(decision)
    decision.outcome = TransferInDecision.Outcome.NOT_ADDED
    decision.reason = reason.strip()
    decision.decided_by = by
    decision.decided_at = timezone.now()
    decision.full_clean()
    decision.save(update_fields=["outcome", "reason", "decided_by", "decided_at"])
    _audit(
        type=TransferAudit.TRANSFER_IN_DECLINED, pupil=decision.pupil, target=decision, by=by,
        new={"from": decision.history.source_name}, reason=decision.reason,
    )  # fmt: skip
    return decision


# --- Writing a CTF ------------------------------------------------------------------------------


@dataclass(frozen=True)
class WrittenCtf:
    export: CtfExport
    content: bytes

    @property
    def file_name(self) -> str:
        return self.export.file_name


@transaction.atomic
def ctf_export(
    *,
    school: School,
    pupils: Sequence[Pupil],
    dest: str,
    by: User | None,
    today: dt.date,
    actor_label: str = "",
) -> WrittenCtf:
    """Write a CTF of ``pupils`` for the destination LAESTAB ``dest`` and log it.

    The file is numbered after the last one written for the same destination, as the
    file name convention asks. Each pupil's record gets an audit event. A protected
    address is never written.
    """
    if not pupils:
        raise ValidationError(NO_PUPILS)
    # No destination means the next school is not known: the CTF convention's MMMMMMM.
    dest = rules.validate_destination(dest) if dest.strip() else rules.UNKNOWN_DESTINATION
    now = timezone.now()
    label = actor_label or actor_label_for(by)
    for _ in range(3):
        last = CtfExport.objects.filter(school=school, dest_laestab=dest).aggregate(
            n=Max("sequence")
        )["n"]
        sequence = (last or 0) + 1
        content = build_ctf(
            source=source_school(school, today),
            dest=CtfSchool(lea=dest[:3], estab=dest[3:]),
            pupils=ctf_pupils(pupils, today=today),
            written_at=timezone.localtime(now),
        )
        name = rules.ctf_filename(
            source_laestab=school.laestab, dest_laestab=dest, sequence=sequence
        )
        try:
            with transaction.atomic():
                export = CtfExport.objects.create(
                    school=school,
                    dest_laestab=dest,
                    sequence=sequence,
                    file_name=name,
                    sha256=hashlib.sha256(content).hexdigest(),
                    upns=[p.upn for p in pupils],
                    at=now,
                    by=by,
                    by_label=label,
                )
            break
        except IntegrityError:
            # Someone else took this number at the same moment: take the next.
            continue
    else:
        raise ValidationError("Could not number the CTF; try again.")
    AuditEvent.objects.bulk_create(
        _event(
            school=school,
            pupil=pupil,
            type=TransferAudit.CTF_EXPORTED,
            by=by,
            label=label,
            source="",
            now=now,
            target_model="transfer.ctfexport",
            target_id=export.pk,
            new={"file": name, "dest": dest, "sha256": export.sha256},
        )  # fmt: skip
        for pupil in pupils
    )
    return WrittenCtf(export, content)


# --- Consent to share -----------------------------------------------------------------------


@transaction.atomic
def consent_record(
    *,
    pupil: Pupil,
    given_by: str,
    contact: Contact | None,
    given_on: dt.date,
    purposes: Sequence[str],
    organisations: Sequence[str],
    notes: str,
    by: User,
    today: dt.date,
) -> Consent:
    """Record consent to share, from one of the pupil's contacts or from the young person at 16+."""
    if contact is not None and contact.pupil_id != pupil.pk:
        raise ValidationError({"contact": rules.CONSENT_PARENT_REQUIRED})
    if given_by != rules.ConsentGiver.PARENT:
        contact = None
    orgs = [o.strip() for o in organisations if o.strip()]
    rules.validate_consent(
        given_by=given_by,
        has_contact=contact is not None,
        date_of_birth=pupil.date_of_birth,
        given_on=given_on,
        purposes=purposes,
        organisations=orgs,
        pupil_name=str(pupil),
        today=today,
    )
    consent = Consent(
        pupil=pupil,
        given_by=given_by,
        contact=contact,
        given_by_name=contact.name if contact is not None else str(pupil),
        given_on=given_on,
        purposes=[SharingPurpose(p).value for p in purposes],
        organisations="\n".join(orgs),
        notes=notes.strip(),
        recorded_by=by,
    )
    consent.full_clean()
    consent.save()
    _audit(
        type=TransferAudit.CONSENT_RECORDED, pupil=pupil, target=consent, by=by,
        new={"given_by": consent.given_by_name, "given_on": given_on.isoformat(),
             "purposes": consent.purposes, "organisations": orgs},
    )  # fmt: skip
    return consent


@transaction.atomic
def consent_withdraw(
    *, consent: Consent, withdrawn_on: dt.date, note: str, by: User, today: dt.date
) -> Consent:
    """Record that consent was withdrawn: it covers nothing from that day on. Kept, not deleted."""
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    rules.validate_withdrawal(
        given_on=consent.given_on,
        withdrawn_on=withdrawn_on,
        already=consent.withdrawn_on is not None,
        today=today,
    )
    consent.withdrawn_on = withdrawn_on
    consent.withdrawal_note = note.strip()
    consent.full_clean()
    consent.save(update_fields=["withdrawn_on", "withdrawal_note"])
    _audit(
        type=TransferAudit.CONSENT_WITHDRAWN, pupil=consent.pupil, target=consent, by=by,
        old={"withdrawn_on": None}, new={"withdrawn_on": withdrawn_on.isoformat()},
        reason=consent.withdrawal_note,
    )  # fmt: skip
    return consent


# --- Sharing ------------------------------------------------------------------------------------


@transaction.atomic
def sharing_record(
    *,
    pupil: Pupil,
    purpose: str,
    recipient: str,
    shared_on: dt.date,
    exception: str,
    reason: str,
    by: User,
    organisation: str = "",
) -> SharingRecord:
    """Record that the pupil's information is shared outside the school, and on what basis.

    Consent in force on ``shared_on`` that covers ``purpose`` (or names
    ``organisation``) is the basis when there is one; otherwise ``exception`` (a
    statutory exception from ``statutory.py``, or "other") is required, with ``reason``
    in words where the exception needs them. For other apps' sharing actions (a
    specialist referral) as well as the record pack.
    """
    check = consent_check(pupil, purpose, on=shared_on, organisation=organisation)
    rules.validate_sharing_reason(
        covered=check.covered, exception=exception, reason=reason, exceptions=exception_rules()
    )
    record = SharingRecord(
        pupil=pupil,
        purpose=SharingPurpose(purpose).value,
        recipient=recipient.strip(),
        shared_on=shared_on,
        covered=check.covered,
        consent=check.consent,
        exception="" if check.covered else exception,
        reason=reason.strip(),
        by=by,
        by_label=actor_label_for(by),
    )
    record.full_clean()
    record.save()
    _audit(
        type=TransferAudit.SHARED, pupil=pupil, target=record, by=by,
        new={"purpose": record.purpose, "recipient": record.recipient,
             "shared_on": shared_on.isoformat(),
             "consent": check.consent.pk if check.consent else None,
             "exception": record.exception},
        reason=record.reason,
    )  # fmt: skip
    return record


# --- Record packs -------------------------------------------------------------------------------

#: Letters and digits that cannot be mistaken for one another when read out or copied.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY346789"  # noqa: S105
PASSWORD_GROUPS = 5
PASSWORD_GROUP_LENGTH = 4


def pack_password() -> str:
    """A new random password for one record pack: five groups of four, about 112 bits."""
    return "-".join(
        "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_GROUP_LENGTH))
        for _ in range(PASSWORD_GROUPS)
    )


@dataclass(frozen=True)
class MadePack:
    pack: RecordPack
    #: Shown once to the SENCO, to send separately; never stored.
    password: str
    content: bytes


PACK_FOLDER = "record-packs"


@transaction.atomic
def record_pack_make(
    *,
    pupil: Pupil,
    recipient: str,
    recipient_laestab: str,
    recipient_person: str,
    exception: str,
    reason: str,
    by: User,
    today: dt.date,
) -> MadePack:
    """Make the encrypted record pack for the pupil's receiving school and log it.

    Records the sharing (consent, or the reason it goes without), builds every PDF of
    the pupil's record into a ZIP encrypted with AES-256 under a new password, keeps
    the encrypted file until the acknowledgement comes, and returns the password once.
    """
    from sendreg.transfer.packs import build_pack, pack_file_name

    if recipient_laestab:
        recipient_laestab = rules.validate_destination(recipient_laestab)
    sharing = sharing_record(
        pupil=pupil,
        purpose=SharingPurpose.NEXT_SCHOOL,
        recipient=recipient,
        shared_on=today,
        exception=exception,
        reason=reason,
        by=by,
        organisation=recipient,
    )
    pack = RecordPack(
        pupil=pupil,
        sharing=sharing,
        recipient_laestab=recipient_laestab,
        recipient_person=recipient_person.strip(),
        sent_on=today,
        sent_by=by,
        sent_by_label=actor_label_for(by),
        file_name="",
        file_sha256="",
        file_size=0,
    )
    # Saved first so that the pack's reference can go into the acknowledgement form.
    pack.full_clean(exclude=["file_name", "file_sha256", "parts"])
    pack.save()
    password = pack_password()
    built = build_pack(pupil=pupil, pack=pack, password=password, today=today)
    pack.file_name = pack_file_name(pupil, today)
    pack.file_sha256 = hashlib.sha256(built.content).hexdigest()
    pack.file_size = len(built.content)
    pack.parts = built.parts
    pack.stored_name = default_storage.save(
        f"{PACK_FOLDER}/{pack.pk}-{secrets.token_hex(8)}.zip", ContentFile(built.content)
    )
    pack.full_clean()
    pack.save(update_fields=["file_name", "file_sha256", "file_size", "parts", "stored_name"])
    _audit(
        type=TransferAudit.RECORD_PACK_MADE, pupil=pupil, target=pack, by=by,
        new={"recipient": sharing.recipient, "file": pack.file_name,
             "sha256": pack.file_sha256, "parts": [p["key"] for p in pack.parts]},
    )  # fmt: skip
    return MadePack(pack=pack, password=password, content=built.content)


@transaction.atomic
def record_pack_acknowledge(
    *, pack: RecordPack, acknowledged_on: dt.date, name: str, by: User, today: dt.date
) -> RecordPack:
    """Record the receiving school's acknowledgement; the kept encrypted file is then deleted."""
    pack = RecordPack.objects.select_for_update().select_related("pupil").get(pk=pack.pk)
    if pack.acknowledged_on is not None:
        raise ValidationError(rules.ACK_ALREADY)
    rules.validate_acknowledgement(
        acknowledged_on=acknowledged_on, sent_on=pack.sent_on, name=name, today=today
    )
    stored = pack.stored_name
    pack.acknowledged_on = acknowledged_on
    pack.acknowledged_by_name = name.strip()
    pack.acknowledgement_recorded_by = by
    pack.stored_name = ""
    pack.full_clean()
    pack.save(
        update_fields=["acknowledged_on", "acknowledged_by_name", "acknowledgement_recorded_by",
                       "stored_name"]
    )  # fmt: skip
    if stored:
        transaction.on_commit(lambda: default_storage.delete(stored))
    _audit(
        type=TransferAudit.RECORD_PACK_ACKNOWLEDGED, pupil=pack.pupil, target=pack, by=by,
        new={"acknowledged_on": acknowledged_on.isoformat(), "by": pack.acknowledged_by_name},
    )  # fmt: skip
    return pack


@transaction.atomic
def transfer_records_erase(*, pupil: Pupil, by: User | None) -> dict[str, int]:
    """Delete what this app holds about the pupil when their retention period has passed.

    Histories from previous schools, transfer-in decisions, consents, sharing records and
    the transfer log go, with any encrypted pack still kept; the pupil's UPN is taken out
    of the CTF export log. One audit event says how many of each went. For
    ``PupilRecordPart.erase``; the retention service decides when.
    """
    packs = list(RecordPack.objects.filter(pupil=pupil))
    stored = [p.stored_name for p in packs if p.stored_name]
    counts = {
        "record_packs": RecordPack.objects.filter(pupil=pupil).delete()[0],
        "sharing": SharingRecord.objects.filter(pupil=pupil).delete()[0],
        "consents": Consent.objects.filter(pupil=pupil).delete()[0],
        "decisions": TransferInDecision.objects.filter(pupil=pupil).delete()[0],
        "histories": CtfHistory.objects.filter(pupil=pupil).delete()[0],
    }
    exports = [
        e for e in CtfExport.objects.filter(school_id=pupil.school_id) if pupil.upn in e.upns
    ]
    for export in exports:
        export.upns = [upn for upn in export.upns if upn != pupil.upn]
    CtfExport.objects.bulk_update(exports, ["upns"])
    counts["ctf_exports"] = len(exports)
    for name in stored:
        transaction.on_commit(lambda name=name: default_storage.delete(name))  # type: ignore[misc]
    _audit(type=TransferAudit.ERASED, pupil=pupil, target=pupil, by=by, new=counts)
    return counts
