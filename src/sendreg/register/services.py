"""Every change to the SEN register: validated by the rules, audited, in one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from sendreg.accounts.models import User
from sendreg.audit.models import AuditEvent
from sendreg.audit.services import audit_record
from sendreg.pupils.models import Pupil
from sendreg.register import rules
from sendreg.register.models import (
    MonitoringEntry,
    ParentNotification,
    PupilNeed,
    SenEpisode,
)
from sendreg.register.selectors import census_overrides

MONITORING_ALREADY = "This pupil is already on the monitoring list."
MONITORING_REVIEW_BEFORE_START = "The review date must be on or after the day monitoring starts."
MONITORING_END_BEFORE_START = "Monitoring cannot end before it started ({start:%d/%m/%Y})."


class StaleRecord(Exception):
    """Someone else changed the pupil's SEN record since the form was opened."""

    MESSAGE = (
        "Someone else changed this pupil's SEN record while you were editing it. "
        "The current record is shown below: check it, then make your change again."
    )


def _sen_state(pupil: Pupil) -> dict[str, object]:
    open_episode = pupil.sen_episodes.filter(end__isnull=True).first()
    return {
        "status": open_episode.status if open_episode else None,
        "needs": list(pupil.needs.order_by("rank").values_list("code", flat=True)),
    }


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
    also clears their needs). A change of status ends the open episode on
    ``effective`` and starts the next one there. Raises ValidationError on a
    broken rule and StaleRecord if the record changed since ``expected_version``
    was read; either way nothing is saved. Writes one audit event per kind of change.
    """
    needs = [code.strip().upper() for code in needs if code.strip()]
    rules.validate_needs(status=status, needs=needs)
    episodes = list(pupil.sen_episodes.select_for_update().order_by("start"))
    open_episode = next((e for e in episodes if e.end is None), None)
    latest = max(
        [e.start for e in episodes] + [e.end for e in episodes if e.end is not None],
        default=None,
    )
    rules.validate_change_date(
        start=effective,
        next_census=rules.next_census(today, census_overrides()).date,
        latest_change=latest,
    )
    before = _sen_state(pupil)
    if status is None and open_episode is None:
        raise ValidationError(rules.NOT_ON_REGISTER)
    if before == {"status": status, "needs": needs}:
        raise ValidationError(rules.NOTHING_CHANGED)

    _claim_version(pupil, expected_version)

    if status != before["status"]:
        if open_episode is not None and open_episode.start == effective:
            # A same-day correction: the episode that starts today simply changes. If
            # that undoes the day's change, the episode before it carries on instead.
            before_it = next((e for e in episodes if e.end == effective), None)
            if status is None or (before_it is not None and before_it.status == status):
                open_episode.delete()
            if before_it is not None and before_it.status == status:
                before_it.end = None
                before_it.end_reason = ""
                before_it.save(update_fields=["end", "end_reason"])
            elif status is not None:
                open_episode.status = status
                open_episode.start_reason = reason
                open_episode.full_clean()
                open_episode.save(update_fields=["status", "start_reason"])
        else:
            if open_episode is not None:
                open_episode.end = effective
                open_episode.end_reason = reason
                open_episode.save(update_fields=["end", "end_reason"])
            if status is not None:
                episode = SenEpisode(
                    pupil=pupil, status=status, start=effective, start_reason=reason
                )
                episode.full_clean()
                episode.save()
        _notify_parents(pupil, before["status"], status, effective)  # type: ignore[arg-type]
        audit_record(
            type=AuditEvent.Type.SEN_STATUS_CHANGED,
            school_id=pupil.school_id,
            target=pupil,
            pupil=pupil,
            by=by,
            old=before,
            new={"status": status, "needs": needs, "effective": effective.isoformat()},
            reason=reason,
            source=source,
        )
    else:
        audit_record(
            type=AuditEvent.Type.SEN_NEEDS_CHANGED,
            school_id=pupil.school_id,
            target=pupil,
            pupil=pupil,
            by=by,
            old=before,
            new={"status": status, "needs": needs, "effective": effective.isoformat()},
            reason=reason,
            source=source,
        )

    if needs != before["needs"]:
        pupil.needs.all().delete()
        PupilNeed.objects.bulk_create(
            PupilNeed(pupil=pupil, code=code, rank=rank) for rank, code in enumerate(needs, 1)
        )
    return pupil


@transaction.atomic
def monitoring_start(
    *, pupil: Pupil, reason: str, review_date: dt.date, on: dt.date, by: User
) -> MonitoringEntry:
    if MonitoringEntry.objects.filter(pupil=pupil, ended_on__isnull=True).exists():
        raise ValidationError(MONITORING_ALREADY)
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
