"""Every change to the SEN register: validated by the rules, audited, in one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from sendreg.accounts.models import School, User
from sendreg.audit.models import AuditEvent
from sendreg.audit.services import actor_label_for, audit_record
from sendreg.lib.dates import today as local_today
from sendreg.pupils.models import Pupil
from sendreg.register import rules
from sendreg.register.models import (
    CensusDateOverride,
    MisSenRecord,
    MonitoringEntry,
    ParentNotification,
    PupilNeed,
    SenEpisode,
)
from sendreg.register.selectors import (
    accept_mis_plan,
    census_overrides,
    change_recorded_on,
    register_history,
)

MONITORING_ALREADY = "This pupil is already on the monitoring list."
MONITORING_ON_REGISTER = (
    "This pupil is on the SEN register, so they are not put on the monitoring list as well. "
    'When their outcomes are met, use "Move to the monitoring list", which does both.'
)
HISTORY_EXISTS = "These pupils already have a register record, so a history cannot be loaded."
MONITORING_REVIEW_BEFORE_START = "The review date must be on or after the day monitoring starts."
MONITORING_END_BEFORE_START = "Monitoring cannot end before it started ({start:%d/%m/%Y})."


class StaleRecord(Exception):
    """Someone else changed the pupil's SEN record since the form was opened."""

    MESSAGE = (
        "Someone else changed this pupil's SEN record while you were editing it. "
        "The current record is shown below: check it, then make your change again."
    )


def _history(pupil: Pupil, *, lock: bool = False) -> rules.RegisterHistory:
    return register_history(pupil, lock=lock)


def _store(pupil_id: int, history: rules.RegisterHistory) -> None:
    """Write a pupil's register history: a handful of rows, rewritten as one."""
    SenEpisode.objects.filter(pupil_id=pupil_id).delete()
    PupilNeed.objects.filter(pupil_id=pupil_id).delete()
    SenEpisode.objects.bulk_create(_episode_rows(pupil_id, history))
    PupilNeed.objects.bulk_create(_need_rows(pupil_id, history))


def _episode_rows(pupil_id: int, history: rules.RegisterHistory) -> list[SenEpisode]:
    return [
        SenEpisode(
            pupil_id=pupil_id,
            status=e.status,
            start=e.start,
            end=e.end,
            start_reason=e.start_reason,
            end_reason=e.end_reason,
        )
        for e in history.episodes
    ]


def _need_rows(pupil_id: int, history: rules.RegisterHistory) -> list[PupilNeed]:
    return [
        PupilNeed(pupil_id=pupil_id, code=n.code, rank=n.rank, start=n.start, end=n.end)
        for n in history.needs
    ]


def _claim_version(pupil: Pupil, expected_version: int) -> None:
    """Bump the pupil's SEN version, or fail if someone else already has."""
    claimed = Pupil.objects.filter(pk=pupil.pk, sen_version=expected_version).update(
        sen_version=F("sen_version") + 1
    )
    if not claimed:
        raise StaleRecord(StaleRecord.MESSAGE)
    pupil.sen_version = expected_version + 1


def _notify_parents(
    pupil: Pupil, before: str | None, after: str | None, effective: dt.date
) -> None:
    """Create the task of telling the parents, folding in an untold change of the same day.

    Parents told twice about a change that was undone within the day would be
    told of something that never happened: while the earlier notice is unsent,
    it is replaced by the net change, or dropped if there is none.
    """
    pending = ParentNotification.objects.filter(
        pupil=pupil, effective=effective, sent_on__isnull=True, to_status=before or ""
    ).first()
    if pending is not None:
        kind = rules.notification_kind(pending.from_status or None, after)
        if kind is None:
            pending.delete()
        else:
            pending.kind, pending.to_status = kind, after or ""
            pending.save(update_fields=["kind", "to_status"])
        return
    kind = rules.notification_kind(before, after)
    if kind is not None:
        ParentNotification.objects.create(
            pupil=pupil,
            kind=kind,
            from_status=before or "",
            to_status=after or "",
            effective=effective,
        )


def _clean_needs(needs: Sequence[str]) -> list[str]:
    return [code.strip().upper() for code in needs if code.strip()]


def _validate_change(
    history: rules.RegisterHistory,
    *,
    status: str | None,
    needs: list[str],
    effective: dt.date,
    next_census: dt.date,
) -> None:
    rules.validate_needs(status=status, needs=needs)
    rules.validate_change_date(
        start=effective, next_census=next_census, latest_change=history.latest_change
    )
    if status is None and history.open_status is None:
        raise ValidationError(rules.NOT_ON_REGISTER)
    if history.state() == {"status": status, "needs": needs}:
        raise ValidationError(rules.NOTHING_CHANGED)


@transaction.atomic
def sen_record_set(
    *,
    pupil: Pupil,
    status: str | None,
    needs: Sequence[str],
    effective: dt.date,
    reason: str,
    expected_version: int,
    by: User | None,
    today: dt.date,
    source: str = "",
) -> Pupil:
    """Put a pupil on the register, change their status or needs, or take them off.

    ``status`` is E or K, or None to remove the pupil from the register (which
    also ends their needs). The change takes effect on ``effective`` (up to the next
    census, never before the record's latest change): the record before that day is
    kept as it was (``rules.apply_change``). Raises ValidationError on a broken rule
    and StaleRecord if the record changed since ``expected_version`` was read; either
    way nothing is saved. Writes one audit event, and a parents-to-be-told task when
    the status changes.
    """
    needs = _clean_needs(needs)
    history = _history(pupil, lock=True)
    next_census = rules.next_census(today, census_overrides()).date
    _validate_change(
        history, status=status, needs=needs, effective=effective, next_census=next_census
    )
    _claim_version(pupil, expected_version)
    before = history.state()
    after = rules.apply_change(
        history, status=status, needs=needs, effective=effective, reason=reason
    )
    _store(pupil.pk, after)
    status_changed = status != before["status"]
    if status_changed:
        _notify_parents(pupil, before["status"], status, effective)  # type: ignore[arg-type]
    audit_record(
        type=(
            AuditEvent.Type.SEN_STATUS_CHANGED
            if status_changed
            else AuditEvent.Type.SEN_NEEDS_CHANGED
        ),
        school_id=pupil.school_id,
        target=pupil,
        pupil=pupil,
        by=by,
        old=before,
        new={"status": status, "needs": needs, "effective": effective.isoformat()},
        reason=reason,
        source=source,
    )
    return pupil


@dataclass(frozen=True)
class HistoricChange:
    """One change in a register history loaded in bulk (``sen_histories_load``)."""

    effective: dt.date
    status: str | None
    needs: tuple[str, ...]
    reason: str
    #: When the change was recorded (the audit event's time); default: now.
    recorded_at: dt.datetime | None = None
    #: When and how the parents were told, if they were; otherwise the task is left open.
    told: tuple[dt.date, str] | None = None


@transaction.atomic
def sen_histories_load(
    *,
    histories: Sequence[tuple[Pupil, Sequence[HistoricChange]]],
    by: User | None,
    today: dt.date,
    source: str,
    notify: bool,
    actor_label: str = "",
) -> int:
    """Write the register histories of pupils who have none yet, in bulk.

    For the first import that seeds an empty register from the MIS, and for the demo.
    Each change is checked by the same rules and applied by the same
    ``rules.apply_change`` as ``sen_record_set``, and writes the same audit event and
    (when ``notify``) the same parents-to-be-told task, in a few queries for the lot.
    A pupil who already has a register record is refused. Returns the changes written.
    """
    ids = [pupil.pk for pupil, _ in histories]
    if SenEpisode.objects.filter(pupil_id__in=ids).exists():
        raise ValidationError(HISTORY_EXISTS)
    next_census = rules.next_census(today, census_overrides()).date
    label = actor_label or actor_label_for(by)
    episodes: list[SenEpisode] = []
    spans: list[PupilNeed] = []
    events: list[AuditEvent] = []
    notifications: list[ParentNotification] = []
    versions: dict[int, list[int]] = {}
    now = timezone.now()
    for pupil, changes in histories:
        history = rules.RegisterHistory()
        for change in changes:
            needs = _clean_needs(change.needs)
            _validate_change(
                history,
                status=change.status,
                needs=needs,
                effective=change.effective,
                next_census=max(next_census, change.effective),
            )
            before = history.state()
            history = rules.apply_change(
                history,
                status=change.status,
                needs=needs,
                effective=change.effective,
                reason=change.reason,
            )
            status_changed = change.status != before["status"]
            kind = rules.notification_kind(before["status"], change.status)  # type: ignore[arg-type]
            if notify and kind is not None:
                told_on, method = change.told or (None, "")
                notifications.append(
                    ParentNotification(
                        pupil=pupil,
                        kind=kind,
                        from_status=before["status"] or "",
                        to_status=change.status or "",
                        effective=change.effective,
                        sent_on=told_on,
                        method=method,
                        sent_by=by if told_on else None,
                    )
                )
            events.append(
                AuditEvent(
                    at=change.recorded_at or now,
                    school_id=pupil.school_id,
                    actor_id=by.pk if by else None,
                    actor_label=label,
                    type=(
                        AuditEvent.Type.SEN_STATUS_CHANGED
                        if status_changed
                        else AuditEvent.Type.SEN_NEEDS_CHANGED
                    ),
                    target_model=pupil._meta.label_lower,
                    target_id=pupil.pk,
                    pupil_id=pupil.pk,
                    pupil_label=str(pupil),
                    old=before,
                    new={
                        "status": change.status,
                        "needs": needs,
                        "effective": change.effective.isoformat(),
                    },
                    reason=change.reason,
                    source=source,
                )
            )
        episodes += _episode_rows(pupil.pk, history)
        spans += _need_rows(pupil.pk, history)
        versions.setdefault(len(changes), []).append(pupil.pk)
    SenEpisode.objects.bulk_create(episodes)
    PupilNeed.objects.bulk_create(spans)
    ParentNotification.objects.bulk_create(notifications)
    AuditEvent.objects.bulk_create(events)
    for count, pupil_ids in versions.items():
        Pupil.objects.filter(pk__in=pupil_ids).update(sen_version=F("sen_version") + count)
    return len(events)


@transaction.atomic
def monitoring_start(
    *, pupil: Pupil, reason: str, review_date: dt.date, on: dt.date, by: User
) -> MonitoringEntry:
    if MonitoringEntry.objects.filter(pupil=pupil, ended_on__isnull=True).exists():
        raise ValidationError(MONITORING_ALREADY)
    if rules.status_on(_history(pupil).episodes, on) is not None:
        raise ValidationError(MONITORING_ON_REGISTER)
    if review_date < on:
        raise ValidationError({"review_date": MONITORING_REVIEW_BEFORE_START})
    entry = MonitoringEntry(
        pupil=pupil, reason=reason, review_date=review_date, started_on=on, added_by=by
    )
    entry.full_clean()
    entry.save()
    audit_record(
        type=AuditEvent.Type.MONITORING_STARTED,
        school_id=pupil.school_id,
        target=entry,
        pupil=pupil,
        by=by,
        new={
            "reason": reason,
            "review_date": review_date.isoformat(),
            "started_on": on.isoformat(),
        },
        reason=reason,
    )
    return entry


@transaction.atomic
def monitoring_end(
    *, entry: MonitoringEntry, on: dt.date, reason: str, by: User
) -> MonitoringEntry:
    if on < entry.started_on:
        raise ValidationError({"on": MONITORING_END_BEFORE_START.format(start=entry.started_on)})
    entry.ended_on = on
    entry.end_reason = reason
    entry.save(update_fields=["ended_on", "end_reason"])
    audit_record(
        type=AuditEvent.Type.MONITORING_ENDED,
        school_id=entry.pupil.school_id,
        target=entry,
        pupil=entry.pupil,
        by=by,
        old={"review_date": entry.review_date.isoformat()},
        new={"ended_on": on.isoformat()},
        reason=reason,
    )
    return entry


CENSUS_DATE_NOT_IN_TERM = (
    "{date:%d/%m/%Y} is not in the {term} census's months of the {year}/{next:02d} school year."
)


@transaction.atomic
def census_date_set(
    *, academic_year: int, term: rules.Term, date: dt.date, by: User | None, actor_label: str = ""
) -> CensusDateOverride:
    """Override one census day of an academic year (the LA moved it), for every school.

    Audited in each school's trail, since every school's census check turns on it.
    """
    expected = {
        rules.Term.AUTUMN: (academic_year, {9, 10, 11, 12}),
        rules.Term.SPRING: (academic_year + 1, {1, 2, 3, 4}),
        rules.Term.SUMMER: (academic_year + 1, {5, 6, 7, 8}),
    }[term]
    if date.year != expected[0] or date.month not in expected[1]:
        raise ValidationError(
            CENSUS_DATE_NOT_IN_TERM.format(
                date=date, term=term.value, year=academic_year, next=(academic_year + 1) % 100
            )
        )
    existing = CensusDateOverride.objects.filter(academic_year=academic_year, term=term).first()
    before = (
        existing.date
        if existing
        else {c.term: c.date for c in rules.census_days(academic_year)}[term]
    )
    override, _ = CensusDateOverride.objects.update_or_create(
        academic_year=academic_year, term=term, defaults={"date": date}
    )
    for school_id in School.objects.values_list("pk", flat=True):
        audit_record(
            type=AuditEvent.Type.CENSUS_DATE_SET,
            school_id=school_id,
            target=override,
            by=by,
            actor_label=actor_label,
            old={"term": term.value, "academic_year": academic_year, "date": before.isoformat()},
            new={"term": term.value, "academic_year": academic_year, "date": date.isoformat()},
        )
    return override


# --- Telling parents -----------------------------------------------------------------------

NOTIFICATION_ALREADY_SENT = (
    "The parents were already recorded as told on {sent:%d/%m/%Y}. Nothing was changed."
)
NOTIFICATION_ALREADY_ACKNOWLEDGED = (
    "An acknowledgement was already recorded on {ack:%d/%m/%Y}. Nothing was changed."
)
DATE_IN_FUTURE = "{day:%d/%m/%Y} is in the future: record it on the day it happens."


def _not_after_today(day: dt.date, today: dt.date, field: str) -> None:
    if day > today:
        raise ValidationError({field: DATE_IN_FUTURE.format(day=day)})


@transaction.atomic
def notification_mark_sent(
    *,
    notification: ParentNotification,
    sent_on: dt.date | None,
    method: str,
    by: User,
    today: dt.date | None = None,
) -> ParentNotification:
    """Record when and how the parents were told of the change.

    Both are required (``rules.validate_notification_sent``; a CheckConstraint
    holds the same at the database). The day may not come before the change was
    recorded, nor after ``today``. A notification is marked sent once: raises
    ValidationError and saves nothing otherwise. Audited as NOTIFICATION_SENT.
    """
    notification = ParentNotification.objects.select_for_update().get(pk=notification.pk)
    if notification.sent_on is not None:
        raise ValidationError(NOTIFICATION_ALREADY_SENT.format(sent=notification.sent_on))
    rules.validate_notification_sent(
        sent_on=sent_on, method=method, change_made=change_recorded_on(notification)
    )
    # validate_notification_sent has refused a missing day.
    assert sent_on is not None
    _not_after_today(sent_on, today or local_today(), "sent_on")
    notification.sent_on = sent_on
    notification.method = method
    notification.sent_by = by
    notification.full_clean()
    notification.save(update_fields=["sent_on", "method", "sent_by"])
    audit_record(
        type=AuditEvent.Type.NOTIFICATION_SENT,
        school_id=notification.pupil.school_id,
        target=notification,
        pupil=notification.pupil,
        by=by,
        new={
            "change": notification.get_kind_display(),
            "sent_on": sent_on.isoformat(),
            "method": notification.get_method_display(),
        },
    )
    return notification


@transaction.atomic
def notification_acknowledge(
    *,
    notification: ParentNotification,
    acknowledged_on: dt.date,
    note: str,
    by: User,
    today: dt.date | None = None,
) -> ParentNotification:
    """Record that the parents acknowledged being told, with an optional note.

    Only after the notification was sent (``rules.validate_acknowledgement``), not
    in the future, and once. Audited as NOTIFICATION_ACKNOWLEDGED.
    """
    notification = ParentNotification.objects.select_for_update().get(pk=notification.pk)
    if notification.acknowledged_on is not None:
        raise ValidationError(
            NOTIFICATION_ALREADY_ACKNOWLEDGED.format(ack=notification.acknowledged_on)
        )
    rules.validate_acknowledgement(acknowledged_on=acknowledged_on, sent_on=notification.sent_on)
    _not_after_today(acknowledged_on, today or local_today(), "acknowledged_on")
    notification.acknowledged_on = acknowledged_on
    notification.acknowledgement_note = note
    notification.full_clean()
    notification.save(update_fields=["acknowledged_on", "acknowledgement_note"])
    audit_record(
        type=AuditEvent.Type.NOTIFICATION_ACKNOWLEDGED,
        school_id=notification.pupil.school_id,
        target=notification,
        pupil=notification.pupil,
        by=by,
        new={
            "change": notification.get_kind_display(),
            "acknowledged_on": acknowledged_on.isoformat(),
        },
        reason=note,
    )
    return notification


# --- From the register to the monitoring list ---------------------------------------------

MOVE_REVIEW_BEFORE_EFFECTIVE = (
    "The review date must be on or after the day the pupil comes off the register."
)


@dataclass(frozen=True)
class MovedToMonitoring:
    entry: MonitoringEntry
    #: The "removed from the register" notification the move created, for the parents' letter.
    notification: ParentNotification | None


@transaction.atomic
def register_to_monitoring(
    *,
    pupil: Pupil,
    effective: dt.date,
    reason: str,
    review_date: dt.date,
    expected_version: int,
    by: User,
    today: dt.date,
) -> MovedToMonitoring:
    """Take the pupil off the register on ``effective`` and start monitoring them there.

    One transaction: the removal (``services.sen_record_set`` with no status, which
    also creates the REMOVED parent notification and its audit event) and the
    monitoring entry (``services.monitoring_start``) both happen or neither does.
    Raises ValidationError or ``services.StaleRecord`` and saves nothing when either
    step refuses. Writes a MOVED_TO_MONITORING audit event tying the two together.
    """
    if review_date < effective:
        raise ValidationError({"review_date": MOVE_REVIEW_BEFORE_EFFECTIVE})
    latest_before = pupil.notifications.order_by("-id").values_list("id", flat=True).first()
    sen_record_set(
        pupil=pupil,
        status=None,
        needs=[],
        effective=effective,
        reason=reason,
        expected_version=expected_version,
        by=by,
        today=today,
    )
    entry = monitoring_start(
        pupil=pupil, reason=reason, review_date=review_date, on=effective, by=by
    )
    audit_record(
        type=AuditEvent.Type.MOVED_TO_MONITORING,
        school_id=pupil.school_id,
        target=entry,
        pupil=pupil,
        by=by,
        new={"effective": effective.isoformat(), "review_date": review_date.isoformat()},
        reason=reason,
    )
    notification = pupil.notifications.filter(id__gt=latest_before or 0).order_by("-id").first()
    return MovedToMonitoring(entry=entry, notification=notification)


# --- Where the MIS and the register disagree ---------------------------------------------


@transaction.atomic
def discrepancy_accept_mis(
    *,
    record: MisSenRecord,
    by: User,
    today: dt.date,
    effective: dt.date,
    reason: str,
    expected_version: int,
) -> Pupil:
    """Make the register say what the MIS says: a normal register change by the SENCO, with
    its date, reason, audit event and (for a change of status) parents-to-be-told task.

    Raises ValidationError when the MIS value cannot be accepted or breaks a rule, and
    ``StaleRecord`` when the record changed since the SENCO looked.
    """
    plan = accept_mis_plan(record)
    if plan.refused:
        raise ValidationError(plan.refused)
    return sen_record_set(
        pupil=record.pupil,
        status=plan.status,
        needs=plan.needs,
        effective=effective,
        reason=reason,
        expected_version=expected_version,
        by=by,
        today=today,
        source="MIS discrepancy: accepted the value held in the MIS",
    )


@transaction.atomic
def discrepancy_request_correction(*, record: MisSenRecord, by: User) -> MisSenRecord:
    """The register is right; the MIS must be corrected. Visible until the MIS values change."""
    record.correction_requested_at = timezone.now()
    record.correction_requested_by = by
    record.save(update_fields=["correction_requested_at", "correction_requested_by"])
    audit_record(
        type=AuditEvent.Type.MIS_CORRECTION_REQUESTED,
        school_id=record.pupil.school_id,
        target=record,
        pupil=record.pupil,
        by=by,
        new={"mis_status": record.status, "mis_needs": record.needs},
    )
    return record
