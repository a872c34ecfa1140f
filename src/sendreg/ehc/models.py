"""A pupil's EHC (education, health and care) record: dated events, who was invited to
each review, the school's own dates for a duty, and the school's age range.

The record is the events; the stage and every deadline are worked out from them
(``ehc.rules``, ``ehc.deadlines``), never stored. An event recorded in error is
withdrawn with a reason, not deleted: it stays in the record, struck through.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from sendreg.accounts.models import School, User
from sendreg.ehc import rules
from sendreg.ehc.rules import EventKind, InviteeRole, Requester, ReviewOutcome
from sendreg.pupils.models import Pupil

WITHDRAW_REASON_REQUIRED = "Say why the event is withdrawn."


class EhcEvent(models.Model):
    """One thing that happened in a pupil's EHC process, on the day it happened."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="ehc_events")
    kind = models.CharField(max_length=30, choices=EventKind.choices)
    on = models.DateField("date")
    #: For an arranged review: the meeting's date (``on`` is the day it was arranged).
    meeting_on = models.DateField("date of the meeting", null=True, blank=True)
    # The request for an assessment.
    requested_by = models.CharField(
        "who asked", max_length=20, choices=Requester.choices, blank=True
    )
    evidence = models.TextField(
        "evidence sent", blank=True, help_text="What went to the local authority with the request."
    )
    # The final plan.
    local_authority = models.CharField(max_length=200, blank=True)
    named_school = models.CharField(
        "school named in the plan", max_length=200, blank=True, help_text="Section I."
    )
    sections = models.JSONField("sections the plan has", default=list, blank=True)
    adulthood = models.TextField(
        "preparation for adulthood",
        blank=True,
        help_text="From Year 9: what the plan says about preparing for adult life.",
    )
    # The review meeting.
    attendees = models.TextField("who came", blank=True)
    pupil_views = models.TextField("the pupil's views", blank=True)
    parent_views = models.TextField("the parents' views", blank=True)
    outcome = models.CharField(
        "the local authority's decision", max_length=10, choices=ReviewOutcome.choices, blank=True
    )
    notes = models.TextField(blank=True)

    recorded_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: Who recorded it, as words: the command line and imports have no user.
    recorded_by_label = models.CharField(max_length=300)
    recorded_at = models.DateTimeField(default=timezone.now)
    #: Where it came from when not typed in on the page: the command line, an import.
    source = models.CharField(max_length=300, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by_label = models.CharField(max_length=300, blank=True)
    withdrawn_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=EventKind.values), name="ehc_event_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind=EventKind.REVIEW_SCHEDULED, meeting_on__gte=F("on"))
                | (~Q(kind=EventKind.REVIEW_SCHEDULED) & Q(meeting_on__isnull=True)),
                name="ehc_meeting_date_for_reviews",
                violation_error_message=rules.MEETING_DATE_REQUIRED,
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True, withdrawn_reason="")
                | (Q(withdrawn_at__isnull=False) & ~Q(withdrawn_reason="")),
                name="ehc_withdrawn_with_reason",
                violation_error_message=WITHDRAW_REASON_REQUIRED,
            ),
        ]
        indexes = [models.Index(fields=["pupil", "on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.on}"

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def section_labels(self) -> list[str]:
        labels = dict(rules.Section.choices)
        return [labels.get(code, code) for code in self.sections]

    def as_rule(self, invited: tuple[dt.date | None, ...] = ()) -> rules.Event:
        return rules.Event(
            kind=self.kind, on=self.on, id=self.pk, meeting_on=self.meeting_on, invited=invited
        )


class EhcInvitee(models.Model):
    """Someone invited to an annual review meeting, and when their invitation was sent."""

    review = models.ForeignKey(EhcEvent, on_delete=models.CASCADE, related_name="invitees")
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=20, choices=InviteeRole.choices)
    organisation = models.CharField(max_length=200, blank=True)
    advice_requested = models.BooleanField(
        "advice asked for", default=True, help_text="Asked to send advice before the meeting."
    )
    invited_on = models.DateField("invitation sent on", null=True, blank=True)

    class Meta:
        ordering = ["role", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(role__in=InviteeRole.values), name="ehc_invitee_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"


class EhcDueDate(models.Model):
    """The school's own date for one duty, with the reason. Later rows supersede earlier ones;
    a row with no date puts the statutory date back. None is ever changed or deleted."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="ehc_due_dates")
    duty_key = models.CharField(max_length=60)
    due = models.DateField(null=True, blank=True)
    reason = models.TextField()
    by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    by_label = models.CharField(max_length=300)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="ehc_due_date_has_reason"),
        ]
        indexes = [models.Index(fields=["pupil", "duty_key"])]

    def __str__(self) -> str:
        return f"{self.duty_key}: {self.due or 'statutory date'}"


class EhcClock(models.Model):
    """When the pupil's EHC record next has a duty due, and its open duties, kept by the
    services after every change to the record (``services._keep_clock``), so that the home
    panel and the weekly email read the records with a duty overdue or due soon instead of
    working each one out.

    Derived, never edited: ``deadlines.next_open_due`` and ``deadlines.kept_duties`` of the
    record's duties, the phase transfer aside (its date moves with the pupil's year group
    and the school's age range, so the reader works out in full every plan in force near
    the move). A record without a row (one made before rows were kept) is worked out in
    full too.
    """

    pupil = models.OneToOneField(Pupil, on_delete=models.CASCADE, related_name="ehc_clock")
    #: The earliest date an open duty is due (the school's own date where it set one).
    next_due = models.DateField(null=True, blank=True)
    plan_in_force = models.BooleanField(default=False)
    #: The open duties themselves, the phase transfer aside, as ``deadlines.kept_duties``
    #: writes them (with the rules they were worked out by): what the home panel lists of the
    #: record without working it out again. None on a row kept before they were, or kept by
    #: other rules: the reader then works the record out in full (``sendreg ehc keep-clocks``
    #: keeps every record again).
    open_duties = models.JSONField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.pupil_id}: next due {self.next_due or 'nothing'}"


#: ``School.ehc_settings``: read with the member's school (``lib.extensions.SCHOOL_SETTINGS``).
SCHOOL_SETTINGS_KEY = "ehc_settings"


class EhcSchoolSettings(models.Model):
    """The school's age range as the EHC clock needs it: which year group leaves it.

    ``School.phase`` (the census phase) cannot tell an infant school from a junior one,
    or a secondary with a sixth form from one without; without a row here the default
    comes from the phase (``rules.default_final_year``).
    """

    school = models.OneToOneField(
        School, on_delete=models.CASCADE, related_name=SCHOOL_SETTINGS_KEY
    )
    final_year = models.SmallIntegerField(
        "the last year group your school teaches", choices=rules.FINAL_YEAR_CHOICES
    )

    class Meta:
        verbose_name_plural = "EHC school settings"

    def __str__(self) -> str:
        return f"{self.school}: {rules.final_year_label(self.final_year)}"

    def clean(self) -> None:
        rules.validate_final_year(self.final_year)


class EhcAuditType(models.TextChoices):
    """The EHC record's entries in the audit trail (registered in ``apps.py``)."""

    EVENT_RECORDED = "ehc.event_recorded", "EHC event recorded"
    EVENT_WITHDRAWN = "ehc.event_withdrawn", "EHC event withdrawn as recorded in error"
    INVITEE_ADDED = "ehc.invitee_added", "Invitation to an EHC annual review added"
    INVITEE_REMOVED = "ehc.invitee_removed", "Invitation to an EHC annual review taken off"
    INVITATIONS_SENT = "ehc.invitations_sent", "EHC annual review invitations sent"
    DUE_DATE_CHANGED = "ehc.due_date_changed", "EHC deadline's date changed"
    SETTINGS_CHANGED = "ehc.settings_changed", "EHC settings changed"
