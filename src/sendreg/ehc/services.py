"""Every change to an EHC record: checked by the rules, audited, in one transaction.

The pages, ``sendreg ehc record``, the EHC tracker import and the demo all record events
through ``ehc_event_record``, so that they keep the same order of events and write the
same audit events. None of these services touches the SEN register: when a final plan
is recorded for a pupil who is not E, the SENCO is offered the register's own change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from sendreg.accounts.models import School, User
from sendreg.audit.models import AuditEvent
from sendreg.audit.services import actor_label_for, audit_record
from sendreg.deadlines.rules import long_date
from sendreg.ehc import rules
from sendreg.ehc.deadlines import duties, kept_duties, latest_overrides, next_open_due
from sendreg.ehc.models import (
    SCHOOL_SETTINGS_KEY,
    WITHDRAW_REASON_REQUIRED,
    EhcAuditType,
    EhcClock,
    EhcDueDate,
    EhcEvent,
    EhcInvitee,
    EhcSchoolSettings,
)
from sendreg.ehc.rules import EventKind
from sendreg.lib.diff import jsonable
from sendreg.lib.extensions import settings_kept_with
from sendreg.pupils.models import Pupil

INVITEE_REVIEW_HELD = "The meeting has been held: invitations can no longer change."
INVITEE_ALREADY_INVITED = (
    "{name} has already been sent an invitation, so stays on the list. Record the meeting "
    "again with a new date if everyone must be invited afresh."
)
INVITATIONS_NONE_CHOSEN = "Choose who was sent an invitation."
INVITATIONS_BEFORE_ARRANGED = "Invitations cannot be sent before the meeting was arranged ({date})."
INVITATIONS_IN_FUTURE = "The invitations cannot be dated in the future."
DUE_DATE_UNKNOWN_DUTY = "That deadline is not part of this pupil's EHC record."
DUE_DATE_REASON_REQUIRED = "Say why the date is different: it is kept in the record."
REVIEW_NOT_PENDING = (
    "Only a review meeting that has been arranged and not yet held takes invitations."
)


def _audit(
    type: EhcAuditType,
    *,
    pupil: Pupil | None,
    school_id: int,
    target: models.Model,
    by: User | None,
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
    reason: str = "",
    source: str = "",
    actor_label: str = "",
) -> None:
    audit_record(
        # The audit trail keeps another app's types as text (``lib.extensions.AUDIT_TYPES``).
        type=cast(AuditEvent.Type, type),
        school_id=school_id,
        target=target,
        by=by,
        old=old,
        new=new,
        pupil=pupil,
        reason=reason,
        source=source,
        actor_label=actor_label,
    )


def _locked(pupil: Pupil) -> Pupil:
    """Hold the pupil's row for the transaction, so that two people adding events at once
    cannot both pass the order check against a record that no longer exists."""
    return Pupil.objects.select_for_update().get(pk=pupil.pk)


def _rule_events(pupil: Pupil) -> list[rules.Event]:
    events = list(EhcEvent.objects.filter(pupil=pupil, withdrawn_at__isnull=True))
    invited: dict[int, list[dt.date | None]] = {}
    for review_id, on in EhcInvitee.objects.filter(review__in=events).values_list(
        "review_id", "invited_on"
    ):
        invited.setdefault(review_id, []).append(on)
    return [event.as_rule(tuple(invited.get(event.pk, []))) for event in events]


def _keep_clock(pupil: Pupil) -> None:
    """Set the pupil's ``EhcClock`` to what the record's duties now give: every service that
    changes the record (its events, the people invited, the school's dates) ends here."""
    try:
        built = rules.history(_rule_events(pupil))
    except ValidationError:
        # A record whose events are out of order has no duties until it is put right.
        next_due, in_force, kept = None, False, kept_duties([])
    else:
        overrides = latest_overrides(
            EhcDueDate.objects.filter(pupil_id=pupil.pk)
            .order_by("at", "id")
            .values_list("duty_key", "due", "reason")
        )
        # Without the pupil's year the phase transfer is left out: its date moves with the
        # year group and the school's age range, so the readers check it themselves.
        found = duties(built, today=timezone.localdate(), overrides=overrides)
        next_due, in_force = next_open_due(found), built.plan is not None
        kept = kept_duties(found)
    EhcClock.objects.update_or_create(
        pupil_id=pupil.pk,
        defaults={"next_due": next_due, "plan_in_force": in_force, "open_duties": kept},
    )


def ehc_clocks_keep(*, school: School | None = None) -> int:
    """Keep again the clock of every pupil with an EHC record (of ``school``, or of every
    school), as ``_keep_clock`` does after a change: after an upgrade whose release works
    duties out differently, the home panel reads the records again instead of working each
    out. Derived data only: no record changes, so nothing is audited. How many were kept."""
    pupils = Pupil.objects.filter(pk__in=EhcEvent.objects.values("pupil_id"))
    if school is not None:
        pupils = pupils.filter(school=school)
    # Read first, then kept one by one: a school has tens of EHC records, not thousands.
    chosen = list(pupils.only("pk").order_by("pk"))
    for pupil in chosen:
        with transaction.atomic():
            _keep_clock(pupil)
    return len(chosen)


def _snapshot(event: EhcEvent) -> dict[str, Any]:
    values: dict[str, Any] = {"kind": event.kind, "on": jsonable(event.on)}
    for name in rules.DETAIL_FIELDS[event.kind]:
        value = getattr(event, name)
        if value not in ("", None, []):
            values[name] = jsonable(value)
    return values


@transaction.atomic
def ehc_event_record(
    *,
    pupil: Pupil,
    kind: str,
    on: dt.date,
    by: User | None,
    today: dt.date,
    details: Mapping[str, Any] | None = None,
    source: str = "",
    actor_label: str = "",
) -> EhcEvent:
    """Record one event of the pupil's EHC process.

    Refuses (``ValidationError``) an event dated in the future (a review meeting is
    arranged ahead through ``meeting_on``, not ``on``) or one that cannot happen where its
    date puts it among the others. Arranging a review meeting while another is arranged
    moves it: the people invited to the old date are carried over, to be invited again.
    Writes one audit event; never changes the SEN register.
    """
    details = dict(details or {})
    rules.validate_details(kind, details)
    pupil = _locked(pupil)
    existing = _rule_events(pupil)
    new = rules.Event(kind=kind, on=on, meeting_on=details.get("meeting_on"))
    built = rules.validate_new_event(existing, new, today=today)
    moved_from = None
    if kind == EventKind.REVIEW_SCHEDULED and built.plan is not None and built.plan.moved:
        moved_from = built.plan.moved[-1].scheduled
    label = actor_label or actor_label_for(by)
    event = EhcEvent(
        pupil=pupil,
        kind=kind,
        on=on,
        recorded_by=by,
        recorded_by_label=label,
        source=source,
        **{name: value for name, value in details.items() if value is not None},
    )
    event.full_clean()
    event.save()
    if moved_from is not None and moved_from.id != rules.NEW:
        EhcInvitee.objects.bulk_create(
            EhcInvitee(
                review=event,
                name=old.name,
                role=old.role,
                organisation=old.organisation,
                advice_requested=old.advice_requested,
            )
            for old in EhcInvitee.objects.filter(review_id=moved_from.id)
        )
    _audit(
        EhcAuditType.EVENT_RECORDED,
        pupil=pupil,
        school_id=pupil.school_id,
        target=event,
        by=by,
        new=_snapshot(event),
        source=source,
        actor_label=label,
    )
    _keep_clock(pupil)
    return event


@transaction.atomic
def ehc_event_withdraw(*, event: EhcEvent, reason: str, by: User) -> EhcEvent:
    """Mark an event as recorded in error. It stays in the record, and in the audit trail."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(WITHDRAW_REASON_REQUIRED)
    pupil = _locked(event.pupil)
    existing = _rule_events(pupil)
    target = next((e for e in existing if e.id == event.pk), None)
    if target is None:
        return event
    rules.validate_withdrawal(existing, target)
    event.withdrawn_at = timezone.now()
    event.withdrawn_by_label = actor_label_for(by)
    event.withdrawn_reason = reason
    event.full_clean()
    event.save(update_fields=["withdrawn_at", "withdrawn_by_label", "withdrawn_reason"])
    _audit(
        EhcAuditType.EVENT_WITHDRAWN,
        pupil=pupil,
        school_id=pupil.school_id,
        target=event,
        by=by,
        old=_snapshot(event),
        reason=reason,
    )
    _keep_clock(pupil)
    return event


def _pending(review: EhcEvent) -> None:
    """A review takes invitations only while it is the meeting arranged and not yet held."""
    existing = _rule_events(review.pupil)
    built = rules.history(existing)
    plan = built.plan
    pending = plan.pending.scheduled if plan is not None and plan.pending else None
    if pending is None or pending.id != review.pk:
        raise ValidationError(REVIEW_NOT_PENDING)


@transaction.atomic
def ehc_invitee_add(
    *,
    review: EhcEvent,
    name: str,
    role: str,
    organisation: str = "",
    advice_requested: bool = True,
    by: User,
) -> EhcInvitee:
    _locked(review.pupil)
    _pending(review)
    invitee = EhcInvitee(
        review=review,
        name=name.strip(),
        role=role,
        organisation=organisation.strip(),
        advice_requested=advice_requested,
    )
    invitee.full_clean()
    invitee.save()
    _audit(
        EhcAuditType.INVITEE_ADDED,
        pupil=review.pupil,
        school_id=review.pupil.school_id,
        target=invitee,
        by=by,
        new={"name": invitee.name, "role": invitee.role, "meeting_on": jsonable(review.meeting_on)},
    )
    _keep_clock(review.pupil)
    return invitee


@transaction.atomic
def ehc_invitee_remove(*, invitee: EhcInvitee, by: User) -> None:
    review = invitee.review
    _locked(review.pupil)
    _pending(review)
    if invitee.invited_on is not None:
        raise ValidationError(INVITEE_ALREADY_INVITED.format(name=invitee.name))
    _audit(
        EhcAuditType.INVITEE_REMOVED,
        pupil=review.pupil,
        school_id=review.pupil.school_id,
        target=invitee,
        by=by,
        old={"name": invitee.name, "role": invitee.role},
    )
    invitee.delete()
    _keep_clock(review.pupil)


@transaction.atomic
def ehc_invitations_sent(
    *, review: EhcEvent, invitees: Sequence[EhcInvitee], on: dt.date, by: User, today: dt.date
) -> int:
    """Record that these people were sent their invitation on ``on``; returns how many changed."""
    _locked(review.pupil)
    _pending(review)
    if not invitees:
        raise ValidationError(INVITATIONS_NONE_CHOSEN)
    if on > today:
        raise ValidationError(INVITATIONS_IN_FUTURE)
    if on < review.on:
        raise ValidationError(INVITATIONS_BEFORE_ARRANGED.format(date=long_date(review.on)))
    changed = [i for i in invitees if i.review_id == review.pk and i.invited_on != on]
    for invitee in changed:
        invitee.invited_on = on
    EhcInvitee.objects.bulk_update(changed, ["invited_on"])
    if changed:
        _audit(
            EhcAuditType.INVITATIONS_SENT,
            pupil=review.pupil,
            school_id=review.pupil.school_id,
            target=review,
            by=by,
            new={"invited_on": jsonable(on), "invitees": [i.name for i in changed]},
        )
    _keep_clock(review.pupil)
    return len(changed)


@transaction.atomic
def ehc_due_date_set(
    *,
    pupil: Pupil,
    duty_key: str,
    due: dt.date | None,
    reason: str,
    by: User,
    known_keys: Sequence[str],
    statutory_due: dt.date,
    current_due: dt.date,
) -> EhcDueDate:
    """Give a duty the school's own date (or, with ``due`` None, its statutory date back).

    ``known_keys`` are the duties of the pupil's record as read just now: a date is only
    kept for one of them. Earlier dates are superseded, never changed.
    """
    if duty_key not in known_keys:
        raise ValidationError(DUE_DATE_UNKNOWN_DUTY)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": DUE_DATE_REASON_REQUIRED})
    _locked(pupil)
    row = EhcDueDate(
        pupil=pupil,
        duty_key=duty_key,
        due=due,
        reason=reason,
        by=by,
        by_label=actor_label_for(by),
    )
    row.full_clean()
    row.save()
    _audit(
        EhcAuditType.DUE_DATE_CHANGED,
        pupil=pupil,
        school_id=pupil.school_id,
        target=row,
        by=by,
        old={"duty": duty_key, "due": jsonable(current_due)},
        new={"duty": duty_key, "due": jsonable(due or statutory_due)},
        reason=reason,
    )
    _keep_clock(pupil)
    return row


@transaction.atomic
def ehc_settings_set(*, school: School, final_year: int, by: User) -> EhcSchoolSettings:
    """Say which year group leaves the school (for the phase transfer deadline)."""
    settings = EhcSchoolSettings.objects.select_for_update().filter(school=school).first()
    old = settings.final_year if settings is not None else None
    if settings is not None and old == final_year:
        return settings
    if settings is None:
        settings = EhcSchoolSettings(school=school, final_year=final_year)
        settings.full_clean()
        settings.save()
    else:
        settings.final_year = final_year
        settings.full_clean()
        settings.save(update_fields=["final_year"])
    settings_kept_with(school, SCHOOL_SETTINGS_KEY, settings)
    _audit(
        EhcAuditType.SETTINGS_CHANGED,
        pupil=None,
        school_id=school.pk,
        target=settings,
        by=by,
        old={"final_year": old} if old is not None else None,
        new={"final_year": final_year},
    )
    return settings
