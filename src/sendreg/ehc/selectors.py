"""Reads of EHC records, for one pupil or a whole school, in a handful of queries.

A record is read as its events, the people invited to each review and the school's
own dates, and then worked out by the rules: the stage, every duty and its status.
Nothing about the stage or the deadlines is stored.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.http import Http404
from django.urls import reverse

from sendreg import codes
from sendreg.accounts.models import Membership, School
from sendreg.accounts.permissions import Permission
from sendreg.deadlines.rules import DeadlineStatus, deadline_status, long_date, still_listed
from sendreg.ehc import rules
from sendreg.ehc.deadlines import (
    PHASE_TRANSFER_KEY,
    TRANSFER_SHOWN_YEARS_AHEAD,
    Duty,
    DutyKind,
    Override,
    duties,
    latest_overrides,
    read_kept,
    school_year_of,
    transfer_due,
    transfer_year,
)
from sendreg.ehc.models import (
    SCHOOL_SETTINGS_KEY,
    EhcDueDate,
    EhcEvent,
    EhcInvitee,
    EhcSchoolSettings,
)
from sendreg.ehc.rules import EventKind, History, Stage
from sendreg.lib.compiled import compiled
from sendreg.lib.dates import ATTENTION_STATUSES, due_soon_until
from sendreg.lib.extensions import Deadline, NextMeeting, may_have, settings_read_with
from sendreg.lib.pagereads import already_read
from sendreg.lib.urls import url_pattern
from sendreg.pupils.models import Pupil
from sendreg.pupils.selectors import LINK_FIELDS, on_roll, pupils_visible_to
from sendreg.register.selectors import sen_status_key, with_sen_status

VIEW = (Permission.EHC_VIEW,)
EDIT = (Permission.EHC_EDIT,)
RECORD_BROKEN = (
    "This EHC record's events are out of order ({problem}) so its deadlines cannot be worked "
    "out. Withdraw the event recorded in error."
)


def final_year_for(school: School) -> int:
    """The last year group the school teaches: its EHC setting, or the default for its phase.
    Read with the member's school where the page has it (``lib.extensions.SCHOOL_SETTINGS``)."""
    known, settings = settings_read_with(school, SCHOOL_SETTINGS_KEY)
    if known:
        return _final_year(school, settings.final_year if settings is not None else None)
    chosen = (
        EhcSchoolSettings.objects.filter(school=school).values_list("final_year", flat=True).first()
    )
    return _final_year(school, chosen)


def _final_year(school: School, chosen: int | None) -> int:
    return rules.default_final_year(school.phase) if chosen is None else chosen


#: What the pupil's page reads with the pupil for the EHC section (``Section.pupil_facts``):
#: whether the pupil has an EHC record, whether the school set any of its dates, and the
#: age range the school chose (None for none).
HAS_EVENTS = "ehc_has_events"
HAS_DUE_DATES = "ehc_has_due_dates"
CHOSEN_FINAL_YEAR = "ehc_chosen_final_year"


def pupil_facts(membership: Membership) -> dict[str, Any]:
    """``Section.pupil_facts`` of the EHC section, for those who may see EHC records."""
    if not membership.can(Permission.EHC_VIEW):
        return {}
    pupil = OuterRef("pk")
    chosen = EhcSchoolSettings.objects.filter(school_id=OuterRef("school_id"))
    return {
        HAS_EVENTS: Exists(EhcEvent.objects.filter(pupil=pupil)),
        HAS_DUE_DATES: Exists(EhcDueDate.objects.filter(pupil=pupil)),
        CHOSEN_FINAL_YEAR: Subquery(chosen.values("final_year")[:1]),
    }


def final_year_is_set(school: School) -> bool:
    return EhcSchoolSettings.objects.filter(school=school).exists()


@dataclass(frozen=True)
class TimelineItem:
    """One event as the record page shows it: a title and the details kept with it."""

    event: EhcEvent
    title: str
    facts: list[tuple[str, str]]


def _fact_value(event: EhcEvent, name: str) -> str:
    value = getattr(event, name)
    if name == "sections":
        return ", ".join(value)
    if name in ("requested_by", "outcome"):
        return str(getattr(event, f"get_{name}_display")()) if value else ""
    return str(value).strip() if value else ""


def timeline_item(event: EhcEvent) -> TimelineItem:
    title = event.get_kind_display()
    if event.kind == EventKind.REVIEW_SCHEDULED and event.meeting_on is not None:
        title += f" for {long_date(event.meeting_on)}"
    facts = []
    for name in rules.DETAIL_FIELDS[event.kind]:
        if name == "meeting_on":
            continue
        value = _fact_value(event, name)
        if value:
            label = str(getattr(EhcEvent._meta.get_field(name), "verbose_name", name))
            facts.append((label[:1].upper() + label[1:], value))
    return TimelineItem(event=event, title=title, facts=facts)


def _deadline(
    pupil: Pupil, kind: DutyKind, due: dt.date, status: DeadlineStatus, detail: str, url: str
) -> Deadline:
    """One duty of a pupil's record as a deadline of the school's list, linking to ``url``."""
    return Deadline(
        kind=kind.value,
        due=due,
        status=status.value,
        detail=detail,
        upn=pupil.upn,
        name=str(pupil),
        pupil_id=pupil.pk,
        url=url,
    )


@dataclass(frozen=True)
class DutyRow:
    duty: Duty
    status: DeadlineStatus

    @property
    def label(self) -> str:
        return self.duty.kind.label

    @property
    def status_label(self) -> str:
        return self.status.label

    @property
    def needs_attention(self) -> bool:
        return self.status in ATTENTION_STATUSES


@dataclass
class EhcRecord:
    pupil: Pupil
    today: dt.date
    #: Every event, withdrawn ones too, in date order (none when read for a list).
    events: list[EhcEvent]
    invitees: dict[int, list[EhcInvitee]]
    sen_status: str | None
    overrides: dict[str, Override] = field(default_factory=dict)
    history: History | None = None
    problem: str = ""
    duties: list[Duty] = field(default_factory=list)
    #: The events that count (not withdrawn), as the rules read them.
    rule_events: list[rules.Event] = field(default_factory=list)

    @property
    def timeline(self) -> list[TimelineItem]:
        return [timeline_item(event) for event in self.events]

    @property
    def reviews_arranged(self) -> list[EhcEvent]:
        return [e for e in self.active_events if e.kind == EventKind.REVIEW_SCHEDULED]

    @property
    def reviews_held(self) -> list[EhcEvent]:
        return [e for e in self.active_events if e.kind == EventKind.REVIEW_HELD]

    @property
    def active_events(self) -> list[EhcEvent]:
        return [event for event in self.events if not event.withdrawn]

    @property
    def stage(self) -> Stage:
        return self.history.stage if self.history is not None else Stage.NONE

    @property
    def rows(self) -> list[DutyRow]:
        return [DutyRow(duty, duty.status(self.today)) for duty in self.duties]

    @property
    def open_rows(self) -> list[DutyRow]:
        return [row for row in self.rows if row.status != DeadlineStatus.DONE]

    @property
    def next_duty(self) -> DutyRow | None:
        return next(iter(self.open_rows), None)

    @property
    def plan_in_force(self) -> bool:
        return self.history is not None and self.history.plan is not None

    @property
    def register_offer(self) -> bool:
        """A plan in force and the pupil not E on the SEN register: offer the SENCO the change."""
        return self.plan_in_force and self.sen_status != codes.SenProvision.EHC_PLAN

    @property
    def e_without_plan(self) -> bool:
        return self.sen_status == codes.SenProvision.EHC_PLAN and not self.plan_in_force

    @property
    def next_kinds(self) -> list[EventKind]:
        if self.history is None:
            return []
        return rules.next_events(self.history)

    def _event(self, wanted: rules.Event | None) -> EhcEvent | None:
        if wanted is None:
            return None
        return next((e for e in self.events if e.pk == wanted.id), None)

    @property
    def plan_event(self) -> EhcEvent | None:
        """The latest issue of the plan in force (amended or not)."""
        plan = self.history.plan if self.history is not None else None
        return self._event(plan.issues[-1]) if plan is not None else None

    @property
    def pending_review(self) -> EhcEvent | None:
        plan = self.history.plan if self.history is not None else None
        if plan is None or plan.pending is None:
            return None
        return self._event(plan.pending.scheduled)

    @property
    def adulthood_prompt(self) -> str | None:
        plan = self.plan_event
        if plan is None:
            return None
        return rules.adulthood_missing(pupil_year=self.pupil.year_group, adulthood=plan.adulthood)

    def all_deadlines(self) -> list[Deadline]:
        """Every duty of the record, met long ago or open, as deadlines."""
        url = reverse("ehc_pupil", args=[self.pupil.pk])
        return [self.deadline(row, url) for row in self.rows]

    def deadline(self, row: DutyRow, url: str) -> Deadline:
        """One duty of the record as a deadline of the school's list, linking to ``url``."""
        return _deadline(self.pupil, row.duty.kind, row.duty.due, row.status, row.duty.detail, url)

    def as_deadlines(self) -> list[Deadline]:
        """The duties in the school's list: every open one, and those met in the last 30 days."""
        met = {duty.key: duty.met_on for duty in self.duties}
        return [
            deadline
            for deadline, duty in zip(self.all_deadlines(), self.duties, strict=True)
            if still_listed(done_on=met[duty.key], today=self.today)
        ]


#: What the deadlines and the stage need of an event; the rest is its details.
LIGHT_FIELDS = ("id", "pupil_id", "kind", "on", "meeting_on", "withdrawn_at")  # in this order


def _build(
    pupils: Sequence[Pupil],
    *,
    today: dt.date,
    school: School,
    statuses: Mapping[int, str | None],
    light: bool = False,
    final_year: int | None = None,
    due_dates: bool = True,
) -> list[EhcRecord]:
    """The EHC records of ``pupils`` in at most four queries, however many there are.

    ``statuses`` are the pupils' SEN statuses on ``today``, read with the pupils. The
    people invited are read only when there is a review, and the school's age range only
    when there is a plan in force. ``light`` reads only what the deadlines need of each
    event (for lists of many records, which show no event's details). ``final_year``, when
    given, is the school's, and ``due_dates`` False says that the pupils have none of the
    school's own dates (``pupil_facts``): neither is then read.
    """
    ids = [pupil.pk for pupil in pupils]
    # Every event as a model (for pages that show them), and the active ones as the rules
    # read them; a light read makes no model instances at all.
    events: dict[int, list[EhcEvent]] = defaultdict(list)
    active: dict[int, list[tuple[int, str, dt.date, dt.date | None]]] = defaultdict(list)
    rows = EhcEvent.objects.filter(pupil_id__in=ids).order_by("on", "id")
    if light:
        for pk, pupil_id, kind, on, meeting_on, withdrawn_at in rows.values_list(*LIGHT_FIELDS):
            if withdrawn_at is None:
                active[pupil_id].append((pk, kind, on, meeting_on))
    else:
        for event in rows:
            events[event.pupil_id].append(event)
            if not event.withdrawn:
                active[event.pupil_id].append((event.pk, event.kind, event.on, event.meeting_on))
    reviews = [
        row[0] for found in active.values() for row in found if row[1] == EventKind.REVIEW_SCHEDULED
    ]
    invitees: dict[int, list[EhcInvitee]] = defaultdict(list)
    invited: dict[int, list[dt.date | None]] = defaultdict(list)
    if reviews:
        chosen = EhcInvitee.objects.filter(review_id__in=reviews).order_by("role", "name", "id")
        if light:
            for review_id, invited_on in chosen.values_list("review_id", "invited_on"):
                invited[review_id].append(invited_on)
        else:
            for invitee in chosen:
                invitees[invitee.review_id].append(invitee)
                invited[invitee.review_id].append(invitee.invited_on)
    changes: dict[int, list[tuple[str, dt.date | None, str]]] = defaultdict(list)
    if active and due_dates:
        for pupil_id, key, due, reason in (
            EhcDueDate.objects.filter(pupil_id__in=list(active))
            .order_by("at", "id")
            .values_list("pupil_id", "duty_key", "due", "reason")
        ):
            changes[pupil_id].append((key, due, reason))
    overrides = {pupil_id: latest_overrides(found) for pupil_id, found in changes.items()}
    known: dict[str, int] = {} if final_year is None else {"year": final_year}

    def school_final_year() -> int:
        if "year" not in known:
            known["year"] = final_year_for(school)
        return known["year"]

    records = []
    for pupil in pupils:
        record = EhcRecord(
            pupil=pupil,
            today=today,
            events=events.get(pupil.pk, []),
            invitees=invitees,
            sen_status=statuses.get(pupil.pk),
            overrides=overrides.get(pupil.pk, {}),
            rule_events=[
                rules.Event(kind=kind, on=on, id=pk, meeting_on=meeting, invited=tuple(invited[pk]))
                for pk, kind, on, meeting in active.get(pupil.pk, [])
            ],
        )
        _work_out(record, school_final_year)
        records.append(record)
    return records


def _work_out(record: EhcRecord, final_year: Callable[[], int]) -> None:
    try:
        record.history = rules.history(record.rule_events)
    except ValidationError as exc:
        record.problem = RECORD_BROKEN.format(problem=" ".join(exc.messages))
        return
    in_force = record.history.plan is not None
    record.duties = duties(
        record.history,
        today=record.today,
        pupil_year=record.pupil.year_group,
        final_year=final_year() if in_force else None,
        overrides=record.overrides,
    )


#: What ``already_read`` gives when the page has not read the pupil's SEN status.
_UNREAD: Any = object()


def _empty_record(pupil: Pupil, *, today: dt.date, status: str | None) -> EhcRecord:
    """The record of a pupil with no EHC events."""
    return EhcRecord(
        pupil=pupil, today=today, events=[], invitees={}, sen_status=status,
        history=rules.history([]),
    )  # fmt: skip


def ehc_record(pupil: Pupil, *, today: dt.date) -> EhcRecord:
    """One pupil's EHC record: a single query for a pupil who has none.

    On a page that has read the pupil's SEN status already (``lib.pagereads``) it is not
    read again: the record is built from the events alone (none makes an empty record).
    What the page read with the pupil (``pupil_facts``) spares the reads it answers."""
    status = already_read(sen_status_key(pupil.pk, today), _UNREAD)
    if status is not _UNREAD:
        if not may_have(pupil, HAS_EVENTS):
            return _empty_record(pupil, today=today, status=status)
        chosen = getattr(pupil, CHOSEN_FINAL_YEAR, _UNREAD)
        (record,) = _build(
            [pupil],
            today=today,
            school=pupil.school,
            statuses={pupil.pk: status},
            final_year=None if chosen is _UNREAD else _final_year(pupil.school, chosen),
            due_dates=may_have(pupil, HAS_DUE_DATES),
        )
        return record
    status, has_record = (
        with_sen_status(Pupil.objects.filter(pk=pupil.pk), today)
        .annotate(has_record=Exists(EhcEvent.objects.filter(pupil_id=OuterRef("pk"))))
        .values_list("sen_status", "has_record")
        .get()
    )
    if not has_record:
        return _empty_record(pupil, today=today, status=status)
    (record,) = _build([pupil], today=today, school=pupil.school, statuses={pupil.pk: status})
    return record


def ehc_pupil_get(membership: Membership, pk: int) -> Pupil:
    """The pupil (404 outside what the member may see) with their school."""
    from sendreg.pupils.selectors import pupil_get_for_user

    return pupil_get_for_user(membership, pk)


def event_get(pupil: Pupil, pk: int, *, kind: str | None = None) -> EhcEvent:
    events = EhcEvent.objects.filter(pupil=pupil, pk=pk)
    if kind is not None:
        events = events.filter(kind=kind)
    event = events.first()
    if event is None:
        raise Http404("No such EHC event.")
    return event


def invitee_get(review: EhcEvent, pk: int) -> EhcInvitee:
    invitee = EhcInvitee.objects.filter(review=review, pk=pk).first()
    if invitee is None:
        raise Http404("No such person invited.")
    return invitee


def invitees_of(review: EhcEvent) -> list[EhcInvitee]:
    return list(review.invitees.order_by("role", "name", "id"))


#: What a list of EHC records shows of each pupil, and the clock needs (the year group).
PUPIL_FIELDS = (*LINK_FIELDS, "school_id")


def _school_pupils(pupils: QuerySet[Pupil], today: dt.date) -> list[Pupil]:
    """Pupils on roll with an EHC record, or E on the SEN register (who should have one),
    with their SEN status on ``today``."""
    recorded = EhcEvent.objects.values("pupil_id")
    return list(
        with_sen_status(pupils.filter(on_roll(today)), today)
        .filter(Q(pk__in=recorded) | Q(sen_status=codes.SenProvision.EHC_PLAN))
        .only(*PUPIL_FIELDS)
        .order_by("legal_surname", "legal_forename", "pk")
    )


def _statuses(pupils: list[Pupil]) -> dict[int, str | None]:
    return {pupil.pk: getattr(pupil, "sen_status", None) for pupil in pupils}


def school_records(school: School, *, today: dt.date) -> list[EhcRecord]:
    """Every EHC record of the school's pupils on roll (with those on E and no record yet)."""
    pupils = _school_pupils(Pupil.objects.filter(school=school), today)
    return _build(pupils, today=today, school=school, statuses=_statuses(pupils), light=True)


def member_records(membership: Membership, *, today: dt.date) -> list[EhcRecord]:
    pupils = _school_pupils(pupils_visible_to(membership), today)
    return _build(
        pupils, today=today, school=membership.school, statuses=_statuses(pupils), light=True
    )


def school_deadlines(school: School, today: dt.date) -> Iterable[Deadline]:
    """The EHC kinds of the school's one list of deadlines (``lib.extensions.DEADLINE_SOURCES``)."""
    for record in school_records(school, today=today):
        yield from record.as_deadlines()


def _move_due_soon_years(today: dt.date, final_year: int) -> list[int]:
    """The year groups whose phase transfer, at its statutory date, is listed and overdue or
    due soon on ``today`` (``deadlines.transfer_year`` and ``transfer_due``, the rules the
    duty itself is worked out by)."""
    horizon = due_soon_until(today)
    found = []
    for pupil_year in range(final_year - TRANSFER_SHOWN_YEARS_AHEAD, final_year + 1):
        year = transfer_year(pupil_year=pupil_year, final_year=final_year, today=today)
        if year is None or year > school_year_of(today) + TRANSFER_SHOWN_YEARS_AHEAD:
            continue
        if transfer_due(year=year, final_year=final_year) <= horizon:
            found.append(pupil_year)
    return found


def _near_phase_transfer(moving: tuple[int, ...]) -> Q:
    """A plan is in force and its phase transfer (which the clock leaves out) may be overdue
    or due soon: the pupil is in a year group whose statutory date is (``moving``:
    ``_move_due_soon_years``), or the school gave it a date of its own."""
    own_move_date = EhcDueDate.objects.filter(duty_key__startswith=PHASE_TRANSFER_KEY)
    return Q(ehc_clock__plan_in_force=True) & (
        Q(year_group__in=moving) | Q(pk__in=own_move_date.values("pupil_id"))
    )


def _may_need_attention(horizon: dt.date, near_phase_transfer: Q) -> Q:
    """Pupils whose record may have a duty overdue or due by ``horizon`` (the end of "due
    soon"): the date kept for it (``EhcClock``) is by then, or the phase transfer may be
    (``near_phase_transfer``: ``_near_phase_transfer``), or no date is kept and the pupil has
    an event that counts.

    Every condition is on the pupil's own row and clock, or an uncorrelated list of pupils,
    so that the database never searches the events once per pupil of the school."""
    recorded = EhcEvent.objects.filter(withdrawn_at__isnull=True)
    return (
        Q(ehc_clock__next_due__lte=horizon)
        | near_phase_transfer
        | Q(ehc_clock__isnull=True) & Q(pk__in=recorded.values("pupil_id"))
    )


def _worked_out_in_full(near_phase_transfer: Q) -> ExpressionWrapper:
    """Whether a record must be worked out in full rather than read from its clock's open
    duties: none are kept (no clock, or one kept before they were), or its phase transfer,
    which the clock leaves out, may need attention. (Duties kept by other rules, an earlier
    release's, are found when read: ``deadlines.read_kept``.)"""
    return ExpressionWrapper(
        Q(ehc_clock__open_duties__isnull=True) | near_phase_transfer,
        output_field=BooleanField(),
    )


@compiled
def _pupils_for_attention(
    school_id: int, today: dt.date, horizon: dt.date, moving: tuple[int, ...]
) -> QuerySet[Pupil]:
    """The pupils on roll whose EHC record may have a duty needing attention
    (``_may_need_attention``), with their clock's open duties (``kept``) and whether to work
    the record out in full (``in_full``)."""
    near = _near_phase_transfer(moving)
    # Among the pupils with an event at all (a clock is kept only for them): the database
    # then looks up those few rather than every pupil of the school.
    recorded = EhcEvent.objects.values("pupil_id")
    return (
        Pupil.objects.filter(on_roll(today), school_id=school_id, pk__in=recorded)
        .filter(_may_need_attention(horizon, near))
        .annotate(kept=F("ehc_clock__open_duties"), in_full=_worked_out_in_full(near))
        .only(*PUPIL_FIELDS)
        .order_by("legal_surname", "legal_forename", "pk")
    )


def attention_deadlines(school: School, today: dt.date) -> list[Deadline]:
    """The EHC deadlines overdue or due soon (``DeadlineSource.attention``): the home panel's.

    Only pupils on roll with an event that counts can have a duty, so their SEN status is
    not read; of those, only the records that may have a duty overdue or due soon
    (``_may_need_attention``) are read. Each is read from the open duties its clock keeps,
    or worked out from its events as for the whole list where it must be
    (``_worked_out_in_full``); only the duties that need attention become deadlines.
    """
    final_year = final_year_for(school)
    pupils = _pupils_for_attention(
        school.pk,
        today,
        due_soon_until(today),
        tuple(_move_due_soon_years(today, final_year)),
    )
    url = url_pattern("ehc_pupil")
    found: list[Deadline] = []
    in_full: list[Pupil] = []
    for pupil in pupils:
        kept = None if pupil.in_full else read_kept(pupil.kept)  # type: ignore[attr-defined]
        if kept is None:
            in_full.append(pupil)
            continue
        for duty in kept:
            status = deadline_status(due=duty.due, today=today)
            if status in ATTENTION_STATUSES:
                found.append(
                    _deadline(pupil, duty.kind, duty.due, status, duty.detail, url.format(pupil.pk))
                )
    records = _build(
        in_full,
        today=today,
        school=school,
        statuses={},
        light=True,
        final_year=final_year,
    )
    for record in records:
        found += [
            record.deadline(row, url.format(record.pupil.pk))
            for row in record.rows
            if row.needs_attention
        ]
    return found


#: The deadline list's kinds, with their words.
KINDS = {kind.value: kind.label for kind in DutyKind}


def held_review_invitees(record: EhcRecord, held: EhcEvent) -> list[EhcInvitee]:
    """The people who were invited to the meeting that ``held`` records, if it was arranged."""
    if record.history is None:
        return []
    for plan in record.history.plans:
        for review in plan.reviews:
            if review.held is not None and review.held.id == held.pk and review.scheduled:
                return record.invitees.get(review.scheduled.id, [])
    return []


# --- Letters to parents ---------------------------------------------------------------------

#: How a letter to parents names the EHC plan's annual review.
ANNUAL_REVIEW = "the annual review of their EHC plan"


def meetings_ahead(pupil: Pupil, day: dt.date) -> Iterable[NextMeeting]:
    """The annual review meeting arranged, on or after ``day``; without one, the date the
    open annual review is due by."""
    if not EhcEvent.objects.filter(pupil=pupil).exists():
        return
    record = ehc_record(pupil, today=day)
    arranged = record.pending_review
    if arranged is not None and arranged.meeting_on is not None and arranged.meeting_on >= day:
        yield NextMeeting(arranged.meeting_on, ANNUAL_REVIEW)
        return
    for row in record.open_rows:
        if row.duty.kind == DutyKind.ANNUAL_REVIEW and row.duty.due >= day:
            yield NextMeeting(row.duty.due, ANNUAL_REVIEW, arranged=False)
