"""Every write of the insight app: snapshots, and the SENCO's notes on findings and cases."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import models, transaction

from sendreg.accounts.models import School, User
from sendreg.audit.models import AuditEvent
from sendreg.audit.services import audit_record
from sendreg.insight import rules, selectors
from sendreg.insight.models import CaseNote, FindingNote, InsightEvent, Snapshot, SnapshotPupil
from sendreg.register import rules as register_rules
from sendreg.register.selectors import census_overrides

#: Rows written in one INSERT: well under SQLite's limit on variables in a statement.
BATCH = 500


def _audit(
    event: InsightEvent,
    *,
    school: School,
    target: models.Model,
    by: User | None,
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
) -> None:
    audit_record(
        # The audit trail keeps another app's types as text (``lib.extensions.AUDIT_TYPES``).
        type=cast(AuditEvent.Type, event.value),
        school_id=school.pk,
        target=target,
        by=by,
        old=old,
        new=new,
    )


@transaction.atomic
def take_snapshot(
    school: School, day: dt.date, reason: str = Snapshot.Reason.ON_DEMAND, user: User | None = None
) -> Snapshot:
    """Copy every pupil on roll on ``day`` into a snapshot, with the totals and how many
    pupils or codes each finding concerned.

    Idempotent per school and day: taking it again replaces that day's snapshot (and a
    census-day snapshot stays marked as one). Audited.
    """
    found = selectors.analysis(school, day, live=True)
    counts = found.finding_counts()
    replaced = Snapshot.objects.filter(school=school, taken_on=day).first()
    if replaced is not None:
        if replaced.reason == Snapshot.Reason.CENSUS:
            reason = Snapshot.Reason.CENSUS
        replaced.delete()
    snapshot = Snapshot(
        school=school,
        taken_on=day,
        reason=reason,
        taken_by=user,
        roll=found.roll,
        ehc=found.e,
        sen_support=found.k,
        monitoring=found.monitoring,
        finding_counts=counts,
    )
    snapshot.full_clean()
    snapshot.save()
    SnapshotPupil.objects.bulk_create(
        (
            SnapshotPupil(
                snapshot=snapshot,
                upn=p.upn,
                year_group=p.year_group,
                gender=p.gender,
                birth_month=p.birth_month,
                status=p.status,
                monitoring=p.monitoring,
                primary_need=p.primary_need,
                needs=" ".join(p.needs),
                attendance=p.attendance,
                pupil_premium=p.pupil_premium,
                fsm=p.fsm,
                eal=p.eal,
                looked_after=p.looked_after,
                open_plan=p.open_plan,
                nsa_since=p.nsa_since,
            )
            for p in found.pupils
        ),
        batch_size=BATCH,
    )
    _audit(
        InsightEvent.SNAPSHOT_TAKEN,
        school=school,
        target=snapshot,
        by=user,
        new={
            "taken_on": day.isoformat(),
            "reason": reason,
            "roll": snapshot.roll,
            "replaced": replaced is not None,
        },
    )
    return snapshot


def is_census_day(day: dt.date) -> bool:
    """Whether ``day`` is a census day (with the dates an administrator overrode)."""
    overrides = census_overrides()
    return any(c.date == day for c in register_rules.census_days_around(day, overrides))


def snapshots_for_census_day(day: dt.date, *, user: User | None = None) -> list[Snapshot]:
    """On a census day, a census snapshot of every school; on any other day, nothing.
    Safe to run twice (the second replaces the first)."""
    if not is_census_day(day):
        return []
    return [
        take_snapshot(school, day, Snapshot.Reason.CENSUS, user)
        for school in School.objects.order_by("pk")
    ]


# --- The SENCO's notes -----------------------------------------------------------------------

FINDING_KEY_UNKNOWN = "{key!r} is not one of the findings."
CASE_NOTE_ONE_SENTENCE = "Write one sentence (no more than {most} characters)."
CASE_NOTE_EMPTY = "Write the note: one sentence about the case."
CASE_NOTE_MAX = 300


@transaction.atomic
def finding_note_save(*, school: School, key: str, note: str, action: str, by: User) -> FindingNote:
    """Save the SENCO's note and action on a finding (blank both to clear them). Audited."""
    if key not in {k.value for k in rules.Key}:
        raise ValidationError(FINDING_KEY_UNKNOWN.format(key=key))
    existing = FindingNote.objects.select_for_update().filter(school=school, key=key).first()
    old = {"note": existing.note, "action": existing.action} if existing else {}
    saved = existing or FindingNote(school=school, key=key)
    saved.note, saved.action, saved.updated_by = note.strip(), action.strip(), by
    saved.full_clean()
    saved.save()
    _audit(
        InsightEvent.FINDING_NOTED,
        school=school,
        target=saved,
        by=by,
        old=old,
        new={"key": key, "note": saved.note, "action": saved.action},
    )
    return saved


@transaction.atomic
def case_note_save(*, school: School, upn: str, text: str, by: User) -> CaseNote:
    """Save the one-sentence note on a complex case (the pupil of ``upn``). Audited."""
    text = " ".join(text.split())
    if not text:
        raise ValidationError(CASE_NOTE_EMPTY)
    if len(text) > CASE_NOTE_MAX:
        raise ValidationError(CASE_NOTE_ONE_SENTENCE.format(most=CASE_NOTE_MAX))
    existing = CaseNote.objects.select_for_update().filter(school=school, upn=upn).first()
    old = {"text": existing.text} if existing else {}
    saved = existing or CaseNote(school=school, upn=upn)
    saved.text, saved.updated_by = text, by
    saved.full_clean()
    saved.save()
    _audit(InsightEvent.CASE_NOTED, school=school, target=saved, by=by, old=old, new={"text": text})
    return saved
