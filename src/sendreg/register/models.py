from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from sendreg import codes
from sendreg.accounts.models import School, User
from sendreg.codes import SenProvision
from sendreg.pupils.models import Pupil
from sendreg.register import rules
from sendreg.register.rules import Term


class SenEpisode(models.Model):
    """A stretch of time on the register with one status: ``start`` inclusive, ``end`` exclusive.

    Moving from K to E ends one episode and starts the next on the same day;
    removal ends the last one. Episodes of a pupil never overlap (the service
    sees to it), so at most one covers any day.
    """

    class Status(models.TextChoices):
        EHC_PLAN = SenProvision.EHC_PLAN.value, SenProvision.EHC_PLAN.label
        SEN_SUPPORT = SenProvision.SEN_SUPPORT.value, SenProvision.SEN_SUPPORT.label

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="sen_episodes")
    status = models.CharField(max_length=1, choices=Status.choices)
    start = models.DateField()
    end = models.DateField(null=True, blank=True)
    start_reason = models.TextField(blank=True)
    end_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in codes.ON_REGISTER]),
                name="episode_status_on_register",
            ),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gt=F("start")),
                name="episode_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["pupil"], condition=Q(end__isnull=True), name="one_open_episode"
            ),
        ]
        indexes = [models.Index(fields=["pupil", "start"])]

    def __str__(self) -> str:
        return f"{self.status} from {self.start}"

    def as_rule(self) -> rules.Episode:
        return rules.Episode(status=self.status, start=self.start, end=self.end)


class PupilNeed(models.Model):
    """One ranked need type of a pupil over a stretch of time: rank 1 is the primary need.

    Like episodes, ``start`` is inclusive and ``end`` exclusive (None: still held). A
    change of need ends the rows it replaces and starts new ones on the day it takes
    effect, so the needs held on any past day (a census day, say) can be told, and a
    removal dated in the future leaves the needs in place until then.
    """

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="need_history")
    code = models.CharField(max_length=5)
    rank = models.PositiveSmallIntegerField()
    start = models.DateField()
    end = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["start", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["pupil", "rank"], condition=Q(end__isnull=True), name="need_rank_unique"
            ),
            models.UniqueConstraint(
                fields=["pupil", "code"], condition=Q(end__isnull=True), name="need_code_unique"
            ),
            models.CheckConstraint(condition=Q(rank__gte=1), name="need_rank_positive"),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gt=F("start")), name="need_ends_after_start"
            ),
        ]
        indexes = [models.Index(fields=["pupil", "start"]), models.Index(fields=["code"])]

    def __str__(self) -> str:
        return codes.need_label(self.code)

    def as_rule(self) -> rules.NeedSpan:
        return rules.NeedSpan(code=self.code, rank=self.rank, start=self.start, end=self.end)


class MonitoringEntry(models.Model):
    """A pupil watched closely without being on the register."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="monitoring")
    reason = models.TextField()
    started_on = models.DateField()
    review_date = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.TextField(blank=True)
    added_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-started_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["pupil"], condition=Q(ended_on__isnull=True), name="one_open_monitoring"
            ),
        ]

    def __str__(self) -> str:
        return f"Monitoring from {self.started_on}"


class CensusDateOverride(models.Model):
    """A census day that differs from the computed one in a given year."""

    academic_year = models.PositiveSmallIntegerField(help_text="2025 means 2025/26.")
    term = models.CharField(max_length=6, choices=[(t.value, t.label) for t in Term])
    date = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["academic_year", "term"], name="one_override_per_term")
        ]

    def __str__(self) -> str:
        return f"{self.term} {self.academic_year}: {self.date}"


class MisSenRecord(models.Model):
    """The SEN status and needs the school's MIS held at the latest import.

    The MIS returns the census, so where it and the register differ the SENCO
    must see it. Values are kept as the MIS gave them (an unknown code stays as
    it was), so the census check can report them.
    """

    pupil = models.OneToOneField(Pupil, on_delete=models.CASCADE, related_name="mis_sen")
    status = models.CharField(max_length=60, blank=True)
    needs = models.JSONField(default=list, blank=True)
    imported_at = models.DateTimeField()
    #: The SENCO has said the MIS is wrong and the office should correct it there.
    correction_requested_at = models.DateTimeField(null=True, blank=True)
    correction_requested_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"MIS: {self.status or 'no SEN status'} {' '.join(self.needs)}".strip()


class ParentNotification(models.Model):
    """A change to a pupil's place on the register that their parents must be told about.

    Created by the register service with the change itself; done when the SENCO
    records how and when the parents were told.
    """

    class Method(models.TextChoices):
        LETTER = "letter", "Letter"
        EMAIL = "email", "Email"
        MEETING = "meeting", "Meeting"
        PHONE = "phone", "Phone call"

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(
        max_length=10, choices=[(k.value, k.label) for k in rules.NotificationKind]
    )
    from_status = models.CharField(max_length=1, blank=True)
    to_status = models.CharField(max_length=1, blank=True)
    effective = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_on = models.DateField(null=True, blank=True)
    method = models.CharField(max_length=10, choices=Method.choices, blank=True)
    sent_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_on = models.DateField(null=True, blank=True)
    acknowledgement_note = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(sent_on__isnull=True) & Q(method=""))
                | (Q(sent_on__isnull=False) & ~Q(method="")),
                name="notification_sent_has_date_and_method",
            ),
            models.CheckConstraint(
                condition=Q(acknowledged_on__isnull=True) | Q(sent_on__isnull=False),
                name="notification_acknowledged_after_sent",
            ),
        ]
        indexes = [models.Index(fields=["pupil", "sent_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.effective}"


class CensusCheckRun(models.Model):
    """One run of the census check, kept so that the calendar can say whether the last passed.

    Only the counts are kept, not the findings: they change as soon as the data does,
    and the check can always be run again.
    """

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="census_checks")
    census_date = models.DateField()
    run_at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    #: Who ran it, kept as words too: the command line has no user, and users can be removed.
    by_label = models.CharField(max_length=300)
    errors = models.PositiveIntegerField(default=0)
    queries = models.PositiveIntegerField(default=0)
    warnings = models.PositiveIntegerField(default=0)
    passed = models.BooleanField()

    class Meta:
        ordering = ["-run_at", "-id"]
        constraints = [
            # A run passes exactly when it found no errors: queries and warnings do not fail it.
            models.CheckConstraint(
                condition=Q(passed=True, errors=0) | Q(passed=False, errors__gt=0),
                name="census_check_passed_means_no_errors",
            ),
        ]
        indexes = [models.Index(fields=["school", "census_date", "-run_at"])]

    def __str__(self) -> str:
        verdict = "passed" if self.passed else f"{self.errors} errors"
        return f"Census check for {self.census_date}: {verdict}"
