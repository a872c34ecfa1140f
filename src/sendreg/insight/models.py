"""Snapshots of the register: the figures of one school on one day, kept for trends.

A snapshot is taken on each census day and whenever someone asks (``sendreg
snapshot``), at most one per school per day. It copies, per pupil on roll, just
what the analysis needs (never a name), so that a figure for last spring is the
figure as it was then, and so that a trust's view of fifty schools reads one
table with set-based queries instead of rebuilding each register.
"""

from __future__ import annotations

from django.db import models

from sendreg.accounts.models import School, User


class Snapshot(models.Model):
    class Reason(models.TextChoices):
        CENSUS = "census", "Census day"
        ON_DEMAND = "on_demand", "Taken on request"

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="snapshots")
    taken_on = models.DateField()
    reason = models.CharField(max_length=10, choices=Reason.choices)
    taken_at = models.DateTimeField(auto_now_add=True)
    taken_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True)

    # Totals, so that a trend or a trust's view reads one row per school and day.
    roll = models.PositiveIntegerField(default=0)
    ehc = models.PositiveIntegerField("pupils with an EHC plan", default=0)
    sen_support = models.PositiveIntegerField("pupils on SEN support", default=0)
    monitoring = models.PositiveIntegerField("pupils on the monitoring list", default=0)
    #: How many pupils or codes each finding concerned on the day, by finding key.
    finding_counts = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["school", "-taken_on"]
        constraints = [
            models.UniqueConstraint(fields=["school", "taken_on"], name="one_snapshot_a_day"),
        ]
        indexes = [models.Index(fields=["taken_on", "school"])]

    def __str__(self) -> str:
        return f"{self.school.name} on {self.taken_on:%-d %B %Y}"


class SnapshotPupil(models.Model):
    """One pupil on roll in a snapshot: codes and flags only, never a name."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="pupils")
    upn = models.CharField("UPN", max_length=13)
    year_group = models.SmallIntegerField(null=True, blank=True)
    gender = models.CharField(max_length=1, blank=True)
    birth_month = models.PositiveSmallIntegerField()
    #: The census status on the day: E, K or N.
    status = models.CharField(max_length=1)
    monitoring = models.BooleanField(default=False)
    primary_need = models.CharField(max_length=4, blank=True)
    #: Every need held on the day, in rank order, separated by spaces.
    needs = models.CharField(max_length=80, blank=True)
    attendance = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    pupil_premium = models.BooleanField(default=False)
    fsm = models.BooleanField(default=False)
    eal = models.BooleanField(default=False)
    looked_after = models.BooleanField(default=False)
    #: Whether the pupil had an open support plan on the day.
    open_plan = models.BooleanField(default=False)
    #: Since when the pupil had held NSA (need still to be assessed), if they held it.
    nsa_since = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot", "upn"], name="one_row_per_pupil_per_snapshot"
            ),
        ]
        indexes = [models.Index(fields=["snapshot", "status", "primary_need"])]

    def __str__(self) -> str:
        return f"{self.upn} in {self.snapshot}"


class FindingNote(models.Model):
    """The SENCO's note and action on one finding of one school (kept until changed)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="finding_notes")
    key = models.CharField(max_length=40)
    note = models.TextField(blank=True)
    action = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        ordering = ["school", "key"]
        constraints = [
            models.UniqueConstraint(fields=["school", "key"], name="one_note_per_finding"),
        ]

    def __str__(self) -> str:
        return f"Note on {self.key}"


class CaseNote(models.Model):
    """A one-sentence qualitative note on a complex case (seed 003), shown in the termly pack.

    Keyed by UPN rather than by pupil so that the note reads with the snapshots, which
    hold no pupil rows of their own.
    """

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="case_notes")
    upn = models.CharField("UPN", max_length=13)
    text = models.CharField(max_length=300)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        ordering = ["school", "upn"]
        constraints = [
            models.UniqueConstraint(fields=["school", "upn"], name="one_case_note_per_pupil"),
        ]

    def __str__(self) -> str:
        return f"Case note on {self.upn}"


class InsightEvent(models.TextChoices):
    """The insight app's entries in the audit trail (registered in ``apps.py``)."""

    SNAPSHOT_TAKEN = "insight.snapshot_taken", "Snapshot of the register taken"
    FINDING_NOTED = "insight.finding_noted", "Note and action on a finding saved"
    CASE_NOTED = "insight.case_noted", "Note on a complex case saved"


# The SEN information report's model lives in its own module, beside the report's code.
from sendreg.insight.report_models import InformationReport  # noqa: E402

__all__ = [
    "CaseNote",
    "FindingNote",
    "InformationReport",
    "InsightEvent",
    "Snapshot",
    "SnapshotPupil",
]
