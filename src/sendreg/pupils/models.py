from __future__ import annotations

from django.db import models

from sendreg.accounts.models import School, User
from sendreg.codes import year_label
from sendreg.lib.urls import url_pattern
from sendreg.pupils import rules
from sendreg.pupils.rules import validate_upn


class Pupil(models.Model):
    class Gender(models.TextChoices):
        FEMALE = "F", "Female"
        MALE = "M", "Male"
        UNKNOWN = "", "Not recorded"

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="pupils")
    upn = models.CharField("UPN", max_length=13, validators=[validate_upn])
    former_upn = models.CharField("former UPN", max_length=13, blank=True)
    legal_surname = models.CharField(max_length=100)
    legal_forename = models.CharField(max_length=100)
    preferred_surname = models.CharField(max_length=100, blank=True)
    preferred_forename = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField()
    gender = models.CharField(max_length=1, choices=Gender.choices, blank=True)
    year_group = models.SmallIntegerField(
        null=True, blank=True, help_text="National curriculum year; Reception is 0."
    )
    reg_group = models.CharField("registration group", max_length=30, blank=True)
    admission_date = models.DateField(null=True, blank=True)
    leaving_date = models.DateField(null=True, blank=True)

    eal = models.BooleanField("English as an additional language", default=False)
    fsm = models.BooleanField("free school meals", default=False)
    pupil_premium = models.BooleanField(default=False)
    looked_after = models.BooleanField(default=False)
    medical = models.BooleanField("medical needs", default=False)
    top_up_funding = models.BooleanField("LA top-up funding", default=False)
    attendance = models.DecimalField(
        "attendance %", max_digits=5, decimal_places=2, null=True, blank=True
    )

    #: Bumped by every change to SEN status or need, so that two people saving
    #: the same record at once cannot silently overwrite each other.
    sen_version = models.PositiveIntegerField(default=0)
    #: Bumped by every change to the pupil's details (``services.pupil_update``), so that
    #: two people editing the details from stale forms cannot overwrite each other.
    details_version = models.PositiveIntegerField(default=0)
    #: A digest of the MIS values last imported into this record. An import
    #: whose row has the same digest skips the field-by-field comparison; any
    #: edit in sendreg clears it, so that the next import compares in full.
    mis_fingerprint = models.CharField(max_length=32, blank=True, editable=False)

    class Meta:
        ordering = ["legal_surname", "legal_forename"]
        constraints = [
            models.UniqueConstraint(fields=["school", "upn"], name="upn_unique_in_school"),
        ]
        indexes = [models.Index(fields=["school", "year_group"])]

    def __str__(self) -> str:
        return rules.shown_name(
            self.legal_forename, self.legal_surname, self.preferred_forename, self.preferred_surname
        )

    def get_absolute_url(self) -> str:
        return url_pattern("pupil_detail").format(self.pk)

    @property
    def forename(self) -> str:
        return rules.shown_forename(self.legal_forename, self.preferred_forename)

    @property
    def surname(self) -> str:
        return rules.shown_surname(self.legal_surname, self.preferred_surname)

    @property
    def year_label(self) -> str:
        return year_label(self.year_group)

    @property
    def persistently_absent(self) -> bool:
        return rules.persistently_absent(self.attendance)


class Contact(models.Model):
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200)
    relationship = models.CharField(max_length=60)
    parental_responsibility = models.BooleanField(default=False)
    #: Has care of the child (a foster carer, say): a parent in education law even without
    #: parental responsibility (Education Act 1996 s.576), so letters go to them too.
    has_care = models.BooleanField("has care of the child", default=False)
    address = models.TextField(blank=True)
    #: A looked-after child's address that must never be shown, printed or exported
    #: to anyone but the SENCO.
    address_protected = models.BooleanField("address is protected", default=False)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["-parental_responsibility", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.relationship})"

    @property
    def is_parent_in_law(self) -> bool:
        return rules.is_parent_in_law(
            parental_responsibility=self.parental_responsibility, has_care=self.has_care
        )


class TeachingGroup(models.Model):
    """A class or teaching group: which teachers teach which pupils."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="teaching_groups")
    name = models.CharField(max_length=60)
    teachers = models.ManyToManyField(User, related_name="teaching_groups", blank=True)
    pupils = models.ManyToManyField(Pupil, related_name="teaching_groups", blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="group_name_unique_in_school")
        ]

    def __str__(self) -> str:
        return self.name
