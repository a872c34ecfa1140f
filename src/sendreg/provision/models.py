"""The provision map: the school's catalogue of interventions, their runs, who is in each,
what each pupil scored before and after, and the staff training log.

Costs, hours and impact are never stored: they are worked out from these rows by
``provision.rules`` whenever they are shown, so a change to a rate or a group size is
reflected everywhere at once.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse

from sendreg.accounts.models import School, User
from sendreg.provision import rules
from sendreg.provision.rules import Measure, TrainingLevel, Wave
from sendreg.pupils.models import Pupil

_MONEY = {"max_digits": 9, "decimal_places": 2}
_SCORE = {"max_digits": 7, "decimal_places": 2, "null": True, "blank": True}


#: ``School.provision_settings``: read with the member's school
#: (``lib.extensions.SCHOOL_SETTINGS``).
SCHOOL_SETTINGS_KEY = "provision_settings"


class ProvisionSettings(models.Model):
    """A school's own choices for the provision map."""

    school = models.OneToOneField(
        School, on_delete=models.CASCADE, related_name=SCHOOL_SETTINGS_KEY
    )
    #: Costed provision above this (a year, per pupil) makes a pupil a top-up candidate.
    #: Empty means the default, ``SENDREG_TOPUP_THRESHOLD``.
    topup_threshold = models.DecimalField(
        "top-up threshold (£ a year)", null=True, blank=True, **_MONEY
    )

    class Meta:
        verbose_name_plural = "provision settings"

    def __str__(self) -> str:
        return f"Provision settings for {self.school}"


class CostFields(models.Model):
    """What a run costs per session, as an intervention proposes and a run records."""

    group_size = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1, rules.GROUP_SIZE_POSITIVE)],
        help_text="Pupils in each group; 1 for one-to-one.",
    )
    sessions_per_week = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.1"), rules.SESSIONS_POSITIVE)],
        help_text="0.5 for one session a fortnight.",
    )
    minutes_per_session = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1, rules.MINUTES_POSITIVE)]
    )
    hourly_rate = models.DecimalField(
        "hourly staff rate (£)",
        validators=[MinValueValidator(Decimal(0), rules.RATE_NOT_NEGATIVE)],
        help_text="What an hour of the staff member's time costs the school, with on-costs.",
        **_MONEY,
    )
    resources_per_pupil = models.DecimalField(
        "resources per pupil (£)",
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0), rules.RESOURCES_NOT_NEGATIVE)],
        help_text="Books, licences or materials bought for each pupil.",
        **_MONEY,
    )

    class Meta:
        abstract = True


def _cost_checks(prefix: str) -> list[models.CheckConstraint]:
    return [
        models.CheckConstraint(
            condition=Q(group_size__gte=1),
            name=f"{prefix}_group_size_positive",
            violation_error_message=rules.GROUP_SIZE_POSITIVE,
        ),
        models.CheckConstraint(
            condition=Q(sessions_per_week__gt=0),
            name=f"{prefix}_sessions_positive",
            violation_error_message=rules.SESSIONS_POSITIVE,
        ),
        models.CheckConstraint(
            condition=Q(minutes_per_session__gte=1),
            name=f"{prefix}_minutes_positive",
            violation_error_message=rules.MINUTES_POSITIVE,
        ),
        models.CheckConstraint(
            condition=Q(hourly_rate__gte=0),
            name=f"{prefix}_rate_not_negative",
            violation_error_message=rules.RATE_NOT_NEGATIVE,
        ),
        models.CheckConstraint(
            condition=Q(resources_per_pupil__gte=0),
            name=f"{prefix}_resources_not_negative",
            violation_error_message=rules.RESOURCES_NOT_NEGATIVE,
        ),
    ]


class Intervention(CostFields):
    """One entry in the school's catalogue: what it is, whom it is for, and what it costs."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="interventions")
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    #: Need type codes it targets ("SPLD"), and broad areas (``codes.BroadArea`` values).
    need_codes = models.JSONField("need types it targets", default=list, blank=True)
    areas = models.JSONField("broad areas it targets", default=list, blank=True)
    wave = models.PositiveSmallIntegerField(choices=Wave.choices, default=Wave.TARGETED)
    staff_role = models.CharField(
        "who delivers it", max_length=100, help_text="For example: teaching assistant."
    )
    typical_weeks = models.PositiveSmallIntegerField(
        "typical number of weeks", validators=[MinValueValidator(1, rules.WEEKS_POSITIVE)]
    )
    measure = models.CharField(
        "how progress is measured", max_length=20, choices=Measure.choices, default=Measure.NONE
    )
    scale_name = models.CharField("scale's name", max_length=100, blank=True)
    scale_min = models.DecimalField("bottom of the scale", **_SCORE)
    scale_max = models.DecimalField("top of the scale", **_SCORE)
    #: A retired intervention stays in the history and the impact figures but takes no new runs.
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                "school", Lower("name"), name="intervention_name_unique_in_school"
            ),
            models.CheckConstraint(condition=Q(wave__in=Wave.values), name="intervention_wave"),
            models.CheckConstraint(
                condition=Q(measure__in=Measure.values), name="intervention_measure"
            ),
            models.CheckConstraint(
                condition=Q(typical_weeks__gte=1),
                name="intervention_weeks_positive",
                violation_error_message=rules.WEEKS_POSITIVE,
            ),
            *_cost_checks("intervention"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("provision_intervention", args=[self.pk])

    @property
    def targets_label(self) -> str:
        return rules.targets_label(self.need_codes, self.areas)

    def costing(self) -> rules.Costing:
        return rules.Costing(
            hourly_rate=self.hourly_rate,
            sessions_per_week=self.sessions_per_week,
            minutes_per_session=self.minutes_per_session,
            weeks=self.typical_weeks,
            group_size=self.group_size,
            resources_per_pupil=self.resources_per_pupil,
        )

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        for check in (
            lambda: rules.validate_targets(self.need_codes or [], self.areas or []),
            lambda: rules.validate_measure(
                self.measure, self.scale_name, self.scale_min, self.scale_max
            ),
            self._validate_costs,
        ):
            try:
                check()
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    errors.setdefault(field, []).extend(messages)
        if errors:
            raise ValidationError(errors)

    def _validate_costs(self) -> None:
        if None not in (
            self.hourly_rate,
            self.sessions_per_week,
            self.minutes_per_session,
            self.typical_weeks,
            self.group_size,
            self.resources_per_pupil,
        ):
            rules.validate_costing(self.costing())


class Run(CostFields):
    """An intervention delivered by named staff from one date to another, to a group of pupils.

    A run keeps its own costs (copied from the catalogue when it is set up), so that
    changing the catalogue later does not rewrite what last term cost.
    """

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="provision_runs")
    intervention = models.ForeignKey(Intervention, on_delete=models.PROTECT, related_name="runs")
    staff = models.ManyToManyField(User, blank=True, related_name="provision_runs")
    other_staff = models.CharField(
        "other staff delivering it",
        max_length=200,
        blank=True,
        help_text="Anyone who does not log in to sendreg, such as a visiting specialist.",
    )
    start_date = models.DateField()
    end_date = models.DateField()
    weeks = models.PositiveSmallIntegerField(
        "weeks delivered",
        validators=[MinValueValidator(1, rules.WEEKS_POSITIVE)],
        help_text="Teaching weeks, leaving out holidays.",
    )
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-start_date", "intervention__name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="run_ends_after_start",
                violation_error_message="A run cannot end before it starts.",
            ),
            models.CheckConstraint(
                condition=Q(weeks__gte=1),
                name="run_weeks_positive",
                violation_error_message=rules.WEEKS_POSITIVE,
            ),
            *_cost_checks("run"),
        ]
        indexes = [models.Index(fields=["school", "start_date", "end_date"])]

    def __str__(self) -> str:
        return f"{self.intervention.name}, {self.start_date:%d/%m/%Y} to {self.end_date:%d/%m/%Y}"

    def get_absolute_url(self) -> str:
        return reverse("provision_run", args=[self.pk])

    def costing(self) -> rules.Costing:
        return rules.Costing(
            hourly_rate=self.hourly_rate,
            sessions_per_week=self.sessions_per_week,
            minutes_per_session=self.minutes_per_session,
            weeks=self.weeks,
            group_size=self.group_size,
            resources_per_pupil=self.resources_per_pupil,
        )

    def clean(self) -> None:
        rules.validate_dates(self.start_date, self.end_date)
        if None not in (
            self.hourly_rate,
            self.sessions_per_week,
            self.minutes_per_session,
            self.weeks,
            self.group_size,
            self.resources_per_pupil,
        ):
            rules.validate_costing(self.costing())


class Enrolment(models.Model):
    """A pupil in a run: when they were in it, how many sessions they came to, how they did."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="enrolments")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="provision")
    start_date = models.DateField("joined on")
    end_date = models.DateField("left on")
    sessions_attended = models.PositiveSmallIntegerField(null=True, blank=True)
    entry_score = models.DecimalField(**_SCORE)
    exit_score = models.DecimalField(**_SCORE)
    target_score = models.DecimalField(
        help_text="The exit score the pupil is aiming for.", **_SCORE
    )
    outcome = models.TextField("outcome note", blank=True)

    class Meta:
        ordering = ["pupil__legal_surname", "pupil__legal_forename", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["run", "pupil"], name="one_enrolment_per_run"),
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="enrolment_ends_after_start",
                violation_error_message="A pupil cannot leave a run before joining it.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pupil} in {self.run}"

    @property
    def gain(self) -> Decimal | None:
        if self.entry_score is None or self.exit_score is None:
            return None
        return self.exit_score - self.entry_score

    def clean(self) -> None:
        if self.start_date is None or self.end_date is None or not self.run_id:
            return
        rules.validate_pupil_dates(
            start=self.start_date,
            end=self.end_date,
            run_start=self.run.start_date,
            run_end=self.run.end_date,
        )
        intervention = self.run.intervention
        rules.validate_scores(
            measure=intervention.measure,
            low=intervention.scale_min,
            high=intervention.scale_max,
            scores={
                "entry_score": self.entry_score,
                "exit_score": self.exit_score,
                "target_score": self.target_score,
            },
        )


class TrainingRecord(models.Model):
    """Training a member of staff had: who, what, at what level, for which need, when."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="training_records")
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="training_records"
    )
    name = models.CharField(
        "name (if not in the list)",
        max_length=150,
        blank=True,
        help_text="For someone who does not log in to sendreg.",
    )
    what = models.CharField("course or training", max_length=200)
    level = models.CharField(max_length=12, choices=TrainingLevel.choices)
    need_area = models.CharField(
        "need or area of need",
        max_length=20,
        help_text="A broad area of need, or one need type.",
    )
    on = models.DateField("date")

    class Meta:
        ordering = ["-on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__in=TrainingLevel.values), name="training_level_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.who}: {self.what} ({self.on:%d/%m/%Y})"

    @property
    def who(self) -> str:
        return self.user.name if self.user is not None else self.name

    @property
    def need_area_label(self) -> str:
        return rules.need_area_label(self.need_area)

    def clean(self) -> None:
        rules.validate_trainee(has_user=self.user_id is not None, name=self.name)
        rules.validate_need_area(self.need_area)


class ProvisionEvent(models.TextChoices):
    """The provision map's audit event types (registered with ``lib.extensions.AUDIT_TYPES``)."""

    INTERVENTION_ADDED = "provision.intervention_added", "Intervention added to the catalogue"
    INTERVENTION_CHANGED = "provision.intervention_changed", "Intervention changed"
    INTERVENTION_RETIRED = "provision.intervention_retired", "Intervention retired"
    INTERVENTION_REINSTATED = "provision.intervention_reinstated", "Intervention back in use"
    RUN_ADDED = "provision.run_added", "Intervention run set up"
    RUN_CHANGED = "provision.run_changed", "Intervention run changed"
    RUN_DELETED = "provision.run_deleted", "Intervention run deleted"
    PUPIL_ADDED = "provision.pupil_added", "Pupil added to an intervention"
    PUPIL_CHANGED = "provision.pupil_changed", "Pupil's intervention dates or scores changed"
    PUPIL_REMOVED = "provision.pupil_removed", "Pupil taken out of an intervention"
    TRAINING_ADDED = "provision.training_added", "Staff training recorded"
    TRAINING_CHANGED = "provision.training_changed", "Staff training record changed"
    TRAINING_REMOVED = "provision.training_removed", "Staff training record removed"
    THRESHOLD_SET = "provision.threshold_set", "Top-up threshold changed"
