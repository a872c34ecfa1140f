from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from sendreg.accounts.models import LoginFailure, School
from sendreg.privacy.models import Erasure
from sendreg.privacy.rules import RetentionRule, retention_ends, retention_rule, years_before
from sendreg.pupils.models import Pupil

SEN_FILE = "pupil_sen_file"
LOGIN_FAILURES = "login_failures"


def rule_for(key: str) -> RetentionRule:
    return retention_rule(key, settings.SENDREG_RETENTION)


@dataclass(frozen=True)
class RetentionItem:
    pupil: Pupil
    due: dt.date

    def as_json(self) -> dict[str, object]:
        """One pupil in ``sendreg retention apply --json`` (a public interface: see the README)."""
        return {
            "upn": self.pupil.upn,
            "name": str(self.pupil),
            "date_of_birth": self.pupil.date_of_birth.isoformat(),
            "leaving_date": self.pupil.leaving_date.isoformat()
            if self.pupil.leaving_date
            else None,
            "due": self.due.isoformat(),
        }


@dataclass(frozen=True)
class RetentionReport:
    rule: RetentionRule
    #: Past their date and left: anonymised by ``sendreg retention apply``.
    due: list[RetentionItem]
    #: Past their date but still on roll: the date of birth or leaving date is probably wrong.
    on_roll: list[RetentionItem]
    #: Reaching their date within the coming year.
    coming: list[RetentionItem]
    erased: int


def retention_report(school: School, *, today: dt.date, ahead_days: int = 365) -> RetentionReport:
    """The school's pupils' SEN files by retention date, in two queries."""
    rule = rule_for(SEN_FILE)
    horizon = today + dt.timedelta(days=ahead_days)
    pupils = Pupil.objects.filter(
        school=school,
        erasure__isnull=True,
        date_of_birth__lte=years_before(horizon, rule.years),
    ).order_by("date_of_birth", "legal_surname", "pk")
    due: list[RetentionItem] = []
    on_roll: list[RetentionItem] = []
    coming: list[RetentionItem] = []
    for pupil in pupils:
        item = RetentionItem(pupil, retention_ends(pupil.date_of_birth, rule))
        if item.due > today:
            coming.append(item)
        elif pupil.leaving_date is None or pupil.leaving_date > today:
            on_roll.append(item)
        else:
            due.append(item)
    erased = Erasure.objects.filter(pupil__school=school).count()
    return RetentionReport(rule, due, on_roll, coming, erased)


def login_failures_past(*, today: dt.date) -> int:
    return int(login_failures_to_delete(today=today).count())


def login_failures_to_delete(*, today: dt.date) -> QuerySet[LoginFailure]:
    rule = rule_for(LOGIN_FAILURES)
    cutoff = timezone.make_aware(dt.datetime.combine(years_before(today, rule.years), dt.time.max))
    return LoginFailure.objects.filter(at__lte=cutoff)
