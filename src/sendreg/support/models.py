"""The graduated approach: support plans in cycles, parent meetings, specialists, passports.

A plan is one assess-plan-do-review cycle. It is open until it is reviewed; the
review freezes it (``reviewed_on`` on the plan, and the review itself), and the
next plan opens from it. Nothing is deleted or overwritten: the pupil's whole
history of plans, reviews, meetings and specialists stays, and every change is in
the audit trail.
"""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from sendreg.accounts.models import School, User
from sendreg.pupils.models import Pupil
from sendreg.support import rules
from sendreg.support.rules import (
    AssessmentSource,
    Decision,
    OutcomeResult,
    PassportField,
    Service,
    SuggestionState,
)


class SupportSettings(models.Model):
    """What a school promises about the graduated approach. One row per school."""

    school = models.OneToOneField(School, on_delete=models.CASCADE, related_name="support_settings")
    meetings_per_year = models.PositiveSmallIntegerField(
        "parent meetings a year",
        default=rules.DEFAULT_MEETINGS_PER_YEAR,
        help_text=(
            "How many times a year the school meets the parents of each pupil on SEN support. "
            "The Code of Practice asks for at least once a term."
        ),
    )

    class Meta:
        verbose_name_plural = "support settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(meetings_per_year__gte=1)
                & Q(meetings_per_year__lte=rules.MAX_MEETINGS_PER_YEAR),
                name="support_meetings_per_year_range",
                violation_error_message=rules.MEETINGS_PER_YEAR_RANGE.format(
                    most=rules.MAX_MEETINGS_PER_YEAR
                ),
            )
        ]

    def __str__(self) -> str:
        return f"Support settings of {self.school.name}"

    def clean(self) -> None:
        rules.validate_meetings_per_year(self.meetings_per_year)


class SupportPlan(models.Model):
    """One cycle of assess, plan, do, review for a pupil."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="support_plans")
    #: 1 for the pupil's first plan, counting up: the plan's name on every page.
    number = models.PositiveIntegerField()
    previous = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="next_plan"
    )
    opened_on = models.DateField("plan starts")
    review_date = models.DateField(
        "review date", help_text="The day the plan will be reviewed with the parents and pupil."
    )
    strategies = models.TextField(
        "strategies every adult should use",
        blank=True,
        help_text="What every teacher and assistant who works with the pupil should do.",
    )
    support = models.TextField(
        "support and interventions",
        blank=True,
        help_text="What extra help the pupil gets: who, what, how often and for how long.",
    )
    expected_impact = models.TextField(
        "expected impact",
        blank=True,
        help_text="What difference the support should make to progress, development or behaviour.",
    )
    parents_told_on = models.DateField("parents told of the plan on", null=True, blank=True)
    staff_told_on = models.DateField("staff told of the plan on", null=True, blank=True)
    #: Set when the plan is reviewed: from then on the plan is frozen.
    reviewed_on = models.DateField(null=True, blank=True, editable=False)
    opened_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["pupil", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["pupil", "number"], name="support_plan_number_unique"),
            models.UniqueConstraint(
                fields=["pupil"],
                condition=Q(reviewed_on__isnull=True),
                name="support_one_open_plan",
                violation_error_message="The pupil already has an open plan.",
            ),
            models.CheckConstraint(
                condition=Q(review_date__gt=F("opened_on")),
                name="support_review_after_opening",
                violation_error_message="The review date must be after the plan opens.",
            ),
            models.CheckConstraint(
                condition=Q(reviewed_on__isnull=True) | Q(reviewed_on__gte=F("opened_on")),
                name="support_reviewed_after_opening",
            ),
        ]
        indexes = [
            models.Index(fields=["pupil", "reviewed_on"]),
            models.Index(
                fields=["review_date"],
                condition=Q(reviewed_on__isnull=True),
                name="support_open_review_due",
            ),
        ]

    def __str__(self) -> str:
        return f"Support plan {self.number}"

    def get_absolute_url(self) -> str:
        return reverse("support_plan_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.reviewed_on is None

    def clean(self) -> None:
        if self.opened_on is not None:
            rules.validate_plan_dates(opened_on=self.opened_on, review_date=self.review_date)


class AssessmentEntry(models.Model):
    """One dated piece of what is known about the pupil's needs, and where it came from."""

    plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="assessments")
    source = models.CharField(max_length=20, choices=AssessmentSource.choices)
    recorded_on = models.DateField("date")
    text = models.TextField(
        "what it shows",
        help_text="For example a reading age and the test used, or what the parents said.",
    )
    added_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["recorded_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(source__in=AssessmentSource.values), name="support_assessment_source"
            )
        ]
        verbose_name_plural = "assessment entries"

    def __str__(self) -> str:
        return f"{self.get_source_display()} ({self.recorded_on})"


class Outcome(models.Model):
    """What the plan sets out to achieve, and how anyone will know."""

    plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="outcomes")
    position = models.PositiveSmallIntegerField(default=1)
    text = models.TextField("outcome", help_text="What the pupil will be able to do.")
    measure = models.CharField(
        "what will be measured",
        max_length=300,
        help_text="For example “words read correctly in a minute” or “times asked for help”.",
    )
    baseline = models.CharField("baseline (now)", max_length=300)
    target = models.CharField("target", max_length=300)
    by_when = models.DateField("by when", null=True, blank=True)
    carried_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="carried_into"
    )

    class Meta:
        ordering = ["plan", "position", "id"]

    def __str__(self) -> str:
        return self.text

    def clean(self) -> None:
        opened = self.plan.opened_on if self.plan_id else None
        rules.validate_outcome(text=self.text, by_when=self.by_when, opened_on=opened)


class PlanReview(models.Model):
    """The review of one plan: results, whether progress is adequate, views and the decision."""

    plan = models.OneToOneField(SupportPlan, on_delete=models.PROTECT, related_name="review")
    reviewed_on = models.DateField("review held on")
    similar_to_peers = models.BooleanField()
    matches_previous_rate = models.BooleanField()
    closes_gap = models.BooleanField()
    stops_gap_widening = models.BooleanField()
    pupil_views = models.TextField("the pupil's views")
    parent_views = models.TextField("the parents' views")
    decision = models.CharField(max_length=20, choices=Decision.choices)
    decision_notes = models.TextField("notes on the decision", blank=True)
    reviewed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(decision__in=Decision.values), name="support_review_decision"
            )
        ]

    def __str__(self) -> str:
        return f"Review of {self.plan}"

    @property
    def tests(self) -> rules.ProgressTests:
        return rules.ProgressTests(
            similar_to_peers=self.similar_to_peers,
            matches_previous_rate=self.matches_previous_rate,
            closes_gap=self.closes_gap,
            stops_gap_widening=self.stops_gap_widening,
        )

    @property
    def adequate(self) -> bool:
        return rules.progress_adequate(self.tests)


class OutcomeReview(models.Model):
    """Whether one outcome was met, with the evidence."""

    review = models.ForeignKey(PlanReview, on_delete=models.PROTECT, related_name="results")
    outcome = models.OneToOneField(Outcome, on_delete=models.PROTECT, related_name="result")
    result = models.CharField(max_length=10, choices=OutcomeResult.choices)
    evidence = models.TextField()

    class Meta:
        ordering = ["outcome__position", "outcome_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(result__in=OutcomeResult.values), name="support_outcome_result"
            )
        ]

    def __str__(self) -> str:
        return f"{self.outcome}: {self.get_result_display()}"


class ParentMeeting(models.Model):
    """A meeting with the parents (the pupil there, or their views gathered for it)."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="parent_meetings")
    #: The plan open when the meeting was held, if there was one.
    plan = models.ForeignKey(
        SupportPlan, null=True, blank=True, on_delete=models.PROTECT, related_name="meetings"
    )
    held_on = models.DateField("held on")
    attendees = models.TextField("who attended", help_text="Names and roles, one a line.")
    parents_said = models.TextField("what the parents said", blank=True)
    pupil_said = models.TextField("what the pupil said", blank=True)
    actions = models.TextField("agreed actions", blank=True, help_text="Who will do what, by when.")
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["pupil", "held_on"])]

    def __str__(self) -> str:
        return f"Meeting with parents on {self.held_on:%d/%m/%Y}"

    def get_absolute_url(self) -> str:
        return reverse("support_meeting_detail", args=[self.pk])


class SpecialistInvolvement(models.Model):
    """A service from outside the school working with the pupil, from consent to shared advice."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="specialists")
    service = models.CharField(max_length=20, choices=Service.choices)
    other_service = models.CharField(
        "other service", max_length=200, blank=True, help_text="Only when you choose “Other”."
    )
    consent_on = models.DateField("consent given on", null=True, blank=True)
    consent_by = models.CharField(
        "consent given by",
        max_length=200,
        blank=True,
        help_text="A parent with parental responsibility, or the young person at 16 or over.",
    )
    referred_on = models.DateField("referral date", null=True, blank=True)
    report_received_on = models.DateField("report received on", null=True, blank=True)
    recommendations = models.TextField(blank=True)
    shared_with_parents_on = models.DateField(
        "recommendations shared with parents on", null=True, blank=True
    )
    shared_with_staff_on = models.DateField(
        "recommendations shared with staff on", null=True, blank=True
    )
    added_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-referred_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(service__in=Service.values), name="support_specialist_service"
            ),
            models.CheckConstraint(
                condition=(Q(service=Service.OTHER) & ~Q(other_service=""))
                | (~Q(service=Service.OTHER) & Q(other_service="")),
                name="support_other_service_named",
                violation_error_message=rules.OTHER_SERVICE_NEEDS_NAME,
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def get_absolute_url(self) -> str:
        return reverse("support_specialist_detail", args=[self.pk])

    @property
    def label(self) -> str:
        if self.service == Service.OTHER:
            return self.other_service
        return self.get_service_display()


class SpecialistVisit(models.Model):
    involvement = models.ForeignKey(
        SpecialistInvolvement, on_delete=models.CASCADE, related_name="visits"
    )
    visited_on = models.DateField("visit date")
    note = models.CharField("what happened", max_length=300, blank=True)

    class Meta:
        ordering = ["visited_on", "id"]

    def __str__(self) -> str:
        return f"Visit on {self.visited_on:%d/%m/%Y}"


def report_path(instance: SpecialistReport, filename: str) -> str:
    """A path nobody can guess: the school, then 32 random bytes. The name the file came
    with is kept in the row, never in the path."""
    school_id = instance.involvement.pupil.school_id
    return f"support/reports/{school_id}/{secrets.token_urlsafe(32)}.{instance.kind}"


class SpecialistReport(models.Model):
    """A specialist's report as received: a PDF or a Word file, checked by its content."""

    involvement = models.ForeignKey(
        SpecialistInvolvement, on_delete=models.PROTECT, related_name="reports"
    )
    file = models.FileField(upload_to=report_path, max_length=200)
    kind = models.CharField(max_length=4, choices=[(k.value, k.name) for k in rules.ReportKind])
    original_name = models.CharField("file name", max_length=255)
    size = models.PositiveIntegerField()
    received_on = models.DateField("received on")
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["received_on", "id"]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("support_report_download", args=[self.pk])


class Passport(models.Model):
    """A one-page profile in the pupil's own voice. Its history is in the audit trail."""

    pupil = models.OneToOneField(Pupil, on_delete=models.CASCADE, related_name="passport")
    about_me = models.TextField(PassportField.ABOUT_ME.label, blank=True)
    good_at = models.TextField(PassportField.GOOD_AT.label, blank=True)
    matters_to_me = models.TextField(PassportField.MATTERS.label, blank=True)
    find_hard = models.TextField(PassportField.FIND_HARD.label, blank=True)
    how_to_help = models.TextField(PassportField.HOW_TO_HELP.label, blank=True)
    updated_on = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Passport of {self.pupil}"


class PassportSuggestion(models.Model):
    """A teacher's or assistant's suggested change to one part of a passport."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="passport_suggestions")
    field = models.CharField("part of the passport", max_length=20, choices=PassportField.choices)
    text = models.TextField("suggested wording")
    suggested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    suggested_on = models.DateField()
    state = models.CharField(
        max_length=10, choices=SuggestionState.choices, default=SuggestionState.PENDING
    )
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["suggested_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(field__in=PassportField.values), name="support_suggestion_field"
            ),
            models.CheckConstraint(
                condition=Q(state__in=SuggestionState.values), name="support_suggestion_state"
            ),
            models.CheckConstraint(
                condition=(Q(state=SuggestionState.PENDING) & Q(decided_on__isnull=True))
                | (~Q(state=SuggestionState.PENDING) & Q(decided_on__isnull=False)),
                name="support_suggestion_decided_with_date",
            ),
        ]

    def __str__(self) -> str:
        return f"Suggestion for “{self.get_field_display()}”"


class SupportEvent(models.TextChoices):
    """The support app's audit event types (registered with ``lib.extensions.AUDIT_TYPES``)."""

    PLAN_OPENED = "support.plan_opened", "Support plan opened"
    PLAN_CHANGED = "support.plan_changed", "Support plan changed"
    ASSESSMENT_ADDED = "support.assessment_added", "Assessment recorded on a support plan"
    OUTCOME_ADDED = "support.outcome_added", "Outcome added to a support plan"
    OUTCOME_CHANGED = "support.outcome_changed", "Outcome of a support plan changed"
    PLAN_REVIEWED = "support.plan_reviewed", "Support plan reviewed"
    MEETING_RECORDED = "support.meeting_recorded", "Parent meeting recorded"
    SPECIALIST_ADDED = "support.specialist_added", "Specialist involvement recorded"
    SPECIALIST_CHANGED = "support.specialist_changed", "Specialist involvement changed"
    SPECIALIST_VISIT_ADDED = "support.specialist_visit", "Specialist visit recorded"
    SPECIALIST_REPORT_ADDED = "support.specialist_report", "Specialist report uploaded"
    PASSPORT_CHANGED = "support.passport_changed", "Pupil passport changed"
    PASSPORT_SUGGESTED = "support.passport_suggested", "Change to a pupil passport suggested"
    PASSPORT_SUGGESTION_ACCEPTED = "support.suggestion_accepted", "Passport suggestion accepted"
    PASSPORT_SUGGESTION_DECLINED = "support.suggestion_declined", "Passport suggestion declined"
    SETTINGS_CHANGED = "support.settings_changed", "Support settings changed"
