"""The SEN information report a school publishes on its website, one per school year.

The text under each heading is the school's own (it starts from
``report_rules.starter_texts``). Editing changes the draft; publishing copies the draft
and the school's figures as they are that day into the published columns, which are
what the public page, its PDF and its Word file show until the next publication.
"""

from __future__ import annotations

from django.db import models

from sendreg.accounts.models import School, User


class InformationReport(models.Model):
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="information_reports")
    #: The school year, by its first calendar year: 2025 is 2025/26.
    year = models.PositiveSmallIntegerField()
    #: The text under each heading (``report_rules.HEADING_KEYS``) as last saved.
    texts = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    #: The day it was last published, and what was published then.
    published_on = models.DateField(null=True, blank=True)
    published_texts = models.JSONField(default=dict, blank=True)
    #: ``report_rules.ReportFacts`` as JSON: the figures and contacts the published report states.
    published_facts = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["school", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "year"], name="one_information_report_a_year"
            ),
        ]

    def __str__(self) -> str:
        return f"SEN information report {self.year} for {self.school.name}"

    @property
    def year_label(self) -> str:
        from sendreg.provision.rules import school_year_label

        return school_year_label(self.year)

    @property
    def is_published(self) -> bool:
        return self.published_on is not None


class ReportEvent(models.TextChoices):
    """The report's audit event types (registered with ``lib.extensions.AUDIT_TYPES``)."""

    TEXT_CHANGED = "insight.report_changed", "SEN information report text changed"
    PUBLISHED = "insight.report_published", "SEN information report published"
