"""Erasure at the end of the retention period, and the record of subject access copies."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from sendreg.accounts.models import School, User
from sendreg.audit.services import audit_events_anonymise, audit_record
from sendreg.lib.extensions import PUPIL_RECORD_PARTS
from sendreg.privacy.models import Erasure, PrivacyAudit
from sendreg.privacy.rules import RetentionRule
from sendreg.privacy.selectors import (
    login_failures_to_delete,
    retention_report,
)
from sendreg.pupils.models import Pupil

log = logging.getLogger("sendreg.privacy")

ALREADY_ERASED = "This pupil's record was anonymised already."


@transaction.atomic
def pupil_erase(
    *, pupil: Pupil, rule: RetentionRule, due: dt.date, by: User | None, actor_label: str = ""
) -> Erasure:
    """Anonymise everything held about one pupil, through every app's ``erase``.

    Each part of the record (``lib.extensions.PUPIL_RECORD_PARTS``) removes what
    identifies the pupil; the audit trail keeps its events but loses the pupil's name,
    the values and the reasons (``audit.services.audit_events_anonymise``). One audit
    event records the erasure, naming no one. All of it or none of it happens.
    """
    if Erasure.objects.filter(pupil=pupil).exists():
        raise ValidationError(ALREADY_ERASED)
    parts = []
    for part in PUPIL_RECORD_PARTS:
        if part.erase is not None:
            part.erase(pupil, by)
            parts.append(part.key)
    pupil.refresh_from_db()
    anonymised = audit_events_anonymise(pupil_id=pupil.pk, label=str(pupil))
    erasure = Erasure(
        pupil=pupil,
        rule=rule.key,
        due=due,
        by_label=actor_label or (f"{by.name} <{by.email}>" if by else "sendreg"),
    )
    erasure.full_clean()
    erasure.save()
    audit_record(
        type=PrivacyAudit.PUPIL_ERASED,  # type: ignore[arg-type]
        school_id=pupil.school_id,
        target=pupil,
        by=by,
        pupil=pupil,
        new={
            "rule": rule.key,
            "retention_ended": due.isoformat(),
            "parts": parts,
            "audit_events_anonymised": anonymised,
        },
        actor_label=actor_label,
    )
    return erasure


@dataclass
class RetentionResult:
    erased: list[str] = field(default_factory=list)
    login_failures_deleted: int = 0


@transaction.atomic
def retention_apply(
    *, school: School, today: dt.date, by: User | None, actor_label: str = ""
) -> RetentionResult:
    """Anonymise every pupil of the school past the retention date (and left), and delete
    failed logins past theirs. Each erasure is audited; all happen or none."""
    report = retention_report(school, today=today)
    result = RetentionResult()
    for item in report.due:
        result.erased.append(item.pupil.upn)
        pupil_erase(
            pupil=item.pupil, rule=report.rule, due=item.due, by=by, actor_label=actor_label
        )
    deleted, _ = login_failures_to_delete(today=today).delete()
    result.login_failures_deleted = deleted
    if deleted:
        log.info("Deleted %d failed logins past their retention date.", deleted)
    return result
