"""Records that move with a pupil, and the consent and reasons for sharing them."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from sendreg.accounts.models import School, User
from sendreg.codes import ON_REGISTER
from sendreg.pupils.models import Contact, Pupil
from sendreg.transfer import rules
from sendreg.transfer.rules import ConsentGiver, SenEntry, SharingPurpose


class TransferAudit(models.TextChoices):
    """This app's kinds of audit event (registered with ``lib.extensions.AUDIT_TYPES``)."""

    HISTORY_RECEIVED = "ctf.history_received", "SEN history received from a previous school"
    CTF_EXPORTED = "ctf.exported", "Common Transfer File written"
    TRANSFER_IN_ADDED = "transfer_in.added", "Put on the register from a previous school's record"
    TRANSFER_IN_DECLINED = "transfer_in.declined", "Not put on the register after a transfer"
    CONSENT_RECORDED = "consent.recorded", "Consent to share recorded"
    CONSENT_WITHDRAWN = "consent.withdrawn", "Consent to share withdrawn"
    SHARED = "sharing.recorded", "Information shared outside the school"
    RECORD_PACK_MADE = "record_pack.made", "Record pack made for a receiving school"
    RECORD_PACK_ACKNOWLEDGED = "record_pack.acknowledged", "Record pack acknowledged"
    ERASED = "transfer.erased", "Transfer records erased at the end of retention"


class CtfHistory(models.Model):
    """A pupil's SEN history as a previous school sent it in a Common Transfer File.

    Kept as the file said it, never changed: a later file adds another history.
    ``entries`` are ``{"start": "YYYY-MM-DD", "provision": "E"|"K"|"N"}`` in date
    order; ``needs`` the need codes in rank order.
    """

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="ctf_histories")
    source_name = models.CharField("previous school", max_length=200)
    source_laestab = models.CharField(max_length=7, blank=True)
    source_urn = models.CharField(max_length=6, blank=True)
    #: When the previous school's MIS wrote the file (its header), if it said.
    written_at = models.DateTimeField(null=True, blank=True)
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    entries = models.JSONField(default=list, blank=True)
    needs = models.JSONField(default=list, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    received_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name_plural = "CTF histories"
        constraints = [
            models.UniqueConstraint(fields=["pupil", "sha256"], name="ctf_history_once_per_file")
        ]

    def __str__(self) -> str:
        return f"SEN history from {self.source_name}"

    @property
    def sen_entries(self) -> list[SenEntry]:
        return [SenEntry(dt.date.fromisoformat(e["start"]), e["provision"]) for e in self.entries]

    @property
    def current(self) -> SenEntry | None:
        return rules.current_provision(self.sen_entries)


class TransferInDecision(models.Model):
    """The SENCO's decision on putting a transferred pupil on this school's register.

    Offered by a CTF import when the previous school had the pupil on its register
    and this school does not; nothing reaches the register until it is decided.
    """

    class Outcome(models.TextChoices):
        PENDING = "pending", "Waiting for the SENCO"
        ADDED = "added", "Put on the register"
        NOT_ADDED = "not_added", "Not put on the register"
        SUPERSEDED = "superseded", "Replaced by a later file"

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="transfer_in_decisions")
    history = models.OneToOneField(CtfHistory, on_delete=models.CASCADE, related_name="decision")
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: For ADDED: the status, needs and date the pupil was put on the register with.
    status = models.CharField(max_length=1, blank=True)
    needs = models.JSONField(default=list, blank=True)
    effective = models.DateField(null=True, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-history__received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["pupil"], condition=Q(outcome="pending"), name="one_pending_transfer_in"
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=["pending", "added", "not_added", "superseded"]),
                name="transfer_in_outcome_valid",
            ),
            models.CheckConstraint(
                condition=Q(outcome="added", effective__isnull=False, status__in=ON_REGISTER)
                | (~Q(outcome="added") & Q(effective__isnull=True, status="")),
                name="transfer_in_added_has_status_and_date",
            ),
            models.CheckConstraint(
                condition=~Q(outcome="not_added") | ~Q(reason=""),
                name="transfer_in_not_added_has_reason",
                violation_error_message=rules.DECLINE_REASON_REQUIRED,
            ),
        ]

    def __str__(self) -> str:
        return f"Transfer-in decision for pupil {self.pupil_id}: {self.get_outcome_display()}"


class Consent(models.Model):
    """Consent to share a pupil's information, given by a parent or by the young person at 16+."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="sharing_consents")
    given_by = models.CharField(max_length=12, choices=[(g.value, g.label) for g in ConsentGiver])
    #: The parent or carer who gave it (one of the pupil's contacts), for a parent's consent.
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: Their name as it was, kept if the contact is later removed.
    given_by_name = models.CharField(max_length=200)
    given_on = models.DateField("date consent was given")
    #: ``SharingPurpose`` values this consent covers.
    purposes = models.JSONField(default=list, blank=True)
    #: Organisations named in the consent, one per line.
    organisations = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    withdrawn_on = models.DateField(null=True, blank=True)
    withdrawal_note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-given_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(given_by__in=[g.value for g in ConsentGiver]),
                name="consent_giver_valid",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=F("given_on")),
                name="consent_withdrawn_after_given",
            ),
        ]
        indexes = [models.Index(fields=["pupil", "given_on"])]

    def __str__(self) -> str:
        return f"Consent from {self.given_by_name} on {self.given_on}"

    @property
    def organisation_list(self) -> list[str]:
        return [line.strip() for line in self.organisations.splitlines() if line.strip()]

    @property
    def purpose_labels(self) -> list[str]:
        known = {p.value for p in SharingPurpose}
        return [SharingPurpose(p).label for p in self.purposes if p in known]

    def terms(self) -> rules.ConsentTerms:
        return rules.ConsentTerms(
            given_on=self.given_on,
            withdrawn_on=self.withdrawn_on,
            purposes=frozenset(self.purposes),
            organisations=tuple(self.organisation_list),
            ref=self.pk,
        )

    def in_force(self, day: dt.date) -> bool:
        return self.terms().in_force(day)


class SharingRecord(models.Model):
    """One time a pupil's information went outside the school: to whom, and on what basis.

    ``covered`` says whether consent in force covered it (``consent`` is then that
    consent); otherwise ``exception`` is the statutory exception or "other", with
    ``reason`` in words where needed.
    """

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="sharing_records")
    purpose = models.CharField(max_length=20, choices=[(p.value, p.label) for p in SharingPurpose])
    recipient = models.CharField(max_length=300)
    shared_on = models.DateField()
    covered = models.BooleanField()
    consent = models.ForeignKey(
        Consent, null=True, blank=True, on_delete=models.PROTECT, related_name="sharings"
    )
    exception = models.CharField(max_length=40, blank=True)
    reason = models.TextField(blank=True)
    by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    by_label = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-shared_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(covered=True, consent__isnull=False, exception="")
                | Q(covered=False, consent__isnull=True) & ~Q(exception=""),
                name="sharing_consent_or_exception",
            ),
        ]

    def __str__(self) -> str:
        return f"Shared with {self.recipient} on {self.shared_on}"

    @property
    def exception_label(self) -> str:
        from sendreg.transfer.statutory import exception_label

        return exception_label(self.exception) if self.exception else ""


class RecordPack(models.Model):
    """One entry of the transfer log: a record pack made for a receiving school.

    What was sent (the file's name, SHA-256 and the parts in it), to whom, when, and
    the receiving school's acknowledgement. The password is never stored. The
    encrypted file is kept (``stored_name``) only until the acknowledgement comes,
    so that the SENCO can download it again; it is useless without the password.
    """

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="record_packs")
    sharing = models.OneToOneField(
        SharingRecord, on_delete=models.PROTECT, related_name="record_pack"
    )
    recipient_laestab = models.CharField("receiving school's LAESTAB", max_length=7, blank=True)
    recipient_person = models.CharField("for the attention of", max_length=200, blank=True)
    sent_on = models.DateField()
    sent_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_by_label = models.CharField(max_length=300)
    file_name = models.CharField(max_length=255)
    file_sha256 = models.CharField(max_length=64)
    file_size = models.PositiveIntegerField()
    #: ``[{"key", "title", "files": [names]}]`` for each part of the record in the pack.
    parts = models.JSONField(default=list)
    stored_name = models.CharField(max_length=255, blank=True)
    acknowledged_on = models.DateField(null=True, blank=True)
    acknowledged_by_name = models.CharField(max_length=200, blank=True)
    acknowledgement_recorded_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-sent_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(acknowledged_on__isnull=True, acknowledged_by_name="")
                | Q(acknowledged_on__isnull=False) & ~Q(acknowledged_by_name=""),
                name="record_pack_acknowledged_with_name",
                violation_error_message=rules.ACK_NAME_REQUIRED,
            ),
            models.CheckConstraint(
                condition=Q(acknowledged_on__isnull=True) | Q(acknowledged_on__gte=F("sent_on")),
                name="record_pack_acknowledged_after_sent",
            ),
        ]
        indexes = [models.Index(fields=["pupil", "sent_on"])]

    def __str__(self) -> str:
        return f"Record pack to {self.sharing.recipient} on {self.sent_on}"

    @property
    def recipient(self) -> str:
        return self.sharing.recipient

    @property
    def due(self) -> dt.date:
        return rules.acknowledgement_due(self.sent_on)

    def status(self, today: dt.date) -> rules.AcknowledgementStatus:
        return rules.acknowledgement_status(
            sent_on=self.sent_on, acknowledged_on=self.acknowledged_on, today=today
        )

    @property
    def reference(self) -> str:
        return f"RP-{self.pk:05d}"


class CtfExport(models.Model):
    """A CTF written for a destination, numbered per destination as the file names ask."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="ctf_exports")
    dest_laestab = models.CharField(max_length=7)
    sequence = models.PositiveIntegerField()
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    upns = models.JSONField(default=list)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    by_label = models.CharField(max_length=300)

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "dest_laestab", "sequence"], name="ctf_export_sequence_unique"
            )
        ]

    def __str__(self) -> str:
        return self.file_name
