"""The registers kept beside the SEN register: medical, EAL, looked-after, concern, exams.

None of them puts a pupil on the SEN register or takes one off it: having EAL is not
a learning difficulty, and an exam access arrangement is not SEN provision.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import F, Q

from sendreg.accounts.models import User
from sendreg.pupils.models import Pupil
from sendreg.records import rules
from sendreg.records.rules import Arrangement, KeyStage

_NOT_ENDED_OR_WITH_REASON = (Q(ended_on__isnull=True) & Q(end_reason="")) | (
    Q(ended_on__isnull=False) & ~Q(end_reason="")
)


class MedicalCondition(models.Model):
    """A medical need or disability, with its Individual Healthcare Plan if there is one."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="medical_conditions")
    condition = models.CharField(max_length=200)
    has_ihp = models.BooleanField("has an Individual Healthcare Plan", default=False)
    ihp_review_date = models.DateField("healthcare plan review date", null=True, blank=True)
    notes = models.TextField(blank=True)
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["condition", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(has_ihp=True, ihp_review_date__isnull=False)
                | Q(has_ihp=False, ihp_review_date__isnull=True),
                name="medical_ihp_has_review_date",
                violation_error_message=rules.IHP_REVIEW_DATE_REQUIRED,
            ),
            models.CheckConstraint(
                condition=_NOT_ENDED_OR_WITH_REASON,
                name="medical_ended_with_reason",
                violation_error_message=rules.END_REASON_REQUIRED,
            ),
        ]
        indexes = [models.Index(fields=["pupil", "ended_on"])]

    def __str__(self) -> str:
        return self.condition

    def clean(self) -> None:
        rules.validate_ihp(has_ihp=self.has_ihp, review_date=self.ihp_review_date)


class EalRecord(models.Model):
    """A pupil's first language, for a pupil with English as an additional language."""

    pupil = models.OneToOneField(Pupil, on_delete=models.CASCADE, related_name="eal_record")
    first_language = models.CharField(max_length=100)
    started_in_english_schools = models.DateField(
        "started in English schools", null=True, blank=True, help_text="Leave empty if not known."
    )
    notes = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"First language {self.first_language}"

    def clean(self) -> None:
        born = self.pupil.date_of_birth if self.pupil_id else None
        rules.validate_eal(started=self.started_in_english_schools, date_of_birth=born)


class LookedAfterRecord(models.Model):
    """What the school keeps about a looked-after child, beside the MIS's looked-after flag.

    Whether the child's address is protected is not stored here: it is worked out
    from their contacts, where the protection itself lives.
    """

    pupil = models.OneToOneField(Pupil, on_delete=models.CASCADE, related_name="lac_record")
    responsible_authority = models.CharField(
        "responsible local authority",
        max_length=200,
        help_text="The authority that looks after the child.",
    )
    pep_date = models.DateField("latest PEP meeting", null=True, blank=True)
    pep_review_date = models.DateField("next PEP review", null=True, blank=True)
    designated_teacher = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    designated_teacher_name = models.CharField(
        "designated teacher (if not in the list)", max_length=200, blank=True
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(pep_date__isnull=True)
                | Q(pep_review_date__isnull=True)
                | Q(pep_review_date__gte=F("pep_date")),
                name="lac_pep_review_after_pep",
                violation_error_message="The next PEP review cannot be before the latest PEP.",
            ),
            models.CheckConstraint(
                condition=Q(designated_teacher__isnull=True) | Q(designated_teacher_name=""),
                name="lac_one_designated_teacher",
                violation_error_message=rules.DESIGNATED_TEACHER_TWICE,
            ),
        ]

    def __str__(self) -> str:
        return f"Looked after by {self.responsible_authority}"

    @property
    def designated_teacher_label(self) -> str:
        if self.designated_teacher is not None:
            return self.designated_teacher.name
        return self.designated_teacher_name

    def clean(self) -> None:
        if self.pupil_id:
            rules.validate_looked_after(looked_after=self.pupil.looked_after, pupil=str(self.pupil))
        rules.validate_pep(
            pep_date=self.pep_date,
            pep_review_date=self.pep_review_date,
            has_teacher=self.designated_teacher_id is not None,
            name=self.designated_teacher_name,
        )


class CauseForConcern(models.Model):
    """A pupil the school is worried about and watching, with who owns the concern."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="concerns")
    reason = models.TextField()
    started_on = models.DateField()
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    review_date = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["review_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(review_date__gte=F("started_on")),
                name="concern_review_after_start",
                violation_error_message="The review date must be on or after the start.",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="concern_ends_after_start",
                violation_error_message="A concern cannot end before it started.",
            ),
            models.CheckConstraint(
                condition=_NOT_ENDED_OR_WITH_REASON,
                name="concern_ended_with_reason",
                violation_error_message=rules.END_REASON_REQUIRED,
            ),
        ]
        indexes = [models.Index(fields=["pupil", "ended_on"])]

    def __str__(self) -> str:
        return f"Cause for concern from {self.started_on}"

    def clean(self) -> None:
        rules.validate_concern(started_on=self.started_on, review_date=self.review_date)


class ExamArrangement(models.Model):
    """An exam access arrangement. It never puts the pupil on the SEN register."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="exam_arrangements")
    arrangement = models.CharField(max_length=20, choices=Arrangement.choices)
    other_arrangement = models.CharField(
        "other arrangement", max_length=200, blank=True, help_text="Only when you choose “Other”."
    )
    key_stage = models.CharField(max_length=3, choices=KeyStage.choices)
    evidence = models.TextField(
        help_text="The assessment or history of need it rests on: who, what and when."
    )
    approved_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField("withdrawn on", null=True, blank=True)
    end_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["key_stage", "arrangement", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(arrangement__in=Arrangement.values), name="exam_arrangement_valid"
            ),
            models.CheckConstraint(
                condition=Q(key_stage__in=KeyStage.values), name="exam_key_stage_valid"
            ),
            models.CheckConstraint(
                condition=(Q(arrangement=Arrangement.OTHER) & ~Q(other_arrangement=""))
                | (~Q(arrangement=Arrangement.OTHER) & Q(other_arrangement="")),
                name="exam_other_has_text",
                violation_error_message=rules.ARRANGEMENT_OTHER_NEEDS_TEXT,
            ),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=F("approved_on")),
                name="exam_expires_after_approval",
                violation_error_message="The expiry date cannot be before the approval date.",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("approved_on")),
                name="exam_withdrawn_after_approval",
                violation_error_message="An arrangement cannot be withdrawn before its approval.",
            ),
            models.CheckConstraint(
                condition=_NOT_ENDED_OR_WITH_REASON,
                name="exam_withdrawn_with_reason",
                violation_error_message=rules.END_REASON_REQUIRED,
            ),
        ]
        indexes = [models.Index(fields=["pupil", "ended_on"])]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        if self.arrangement == Arrangement.OTHER:
            return f"Other: {self.other_arrangement}"
        return self.get_arrangement_display()

    def status(self, today: dt.date) -> rules.ArrangementStatus:
        """Worked out from the dates and the pupil's year now: never stored."""
        return rules.arrangement_status(
            key_stage=self.key_stage,
            approved_on=self.approved_on,
            expires_on=self.expires_on,
            pupil_year=self.pupil.year_group,
            today=today,
        )

    def clean(self) -> None:
        rules.validate_arrangement(
            arrangement=self.arrangement,
            other=self.other_arrangement,
            approved_on=self.approved_on,
            expires_on=self.expires_on,
        )
