"""Reads of plans, meetings, specialists and passports, scoped to what the member may see.

Everything starts from ``pupils_visible_to``: a teacher or assistant sees the
support of the pupils they teach, the SENCO and the head every pupil's. Statuses
(a review overdue, parents not met this term) are worked out here through the
rules, never stored. Lists are built in a fixed number of queries whatever the
size of the school.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Exists,
    F,
    FilteredRelation,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.http import Http404

from sendreg import codes
from sendreg.accounts.models import Membership, School
from sendreg.accounts.permissions import Permission
from sendreg.lib import plain_english
from sendreg.lib.compiled import compiled
from sendreg.lib.dates import ATTENTION_STATUSES
from sendreg.lib.pagereads import shared
from sendreg.lib.urls import url_pattern
from sendreg.pupils.models import Pupil, TeachingGroup
from sendreg.pupils.rules import shown_name
from sendreg.pupils.selectors import NAME_FIELDS, on_roll, pupils_visible_to
from sendreg.records import selectors as records
from sendreg.register.models import MonitoringEntry
from sendreg.register.selectors import needs_by_pupil, needs_held, needs_on, with_sen_status
from sendreg.support import rules
from sendreg.support.models import (
    AssessmentEntry,
    Outcome,
    ParentMeeting,
    Passport,
    PassportSuggestion,
    SpecialistInvolvement,
    SpecialistReport,
    SupportPlan,
    SupportSettings,
)
from sendreg.support.rules import DeadlineStatus

SUPPORT_STATUS = codes.SenProvision.SEN_SUPPORT.value
#: One-to-one records the pupil's support page fetches with the pupil.
PUPIL_RELATED = ("passport",)


def _open_monitoring() -> Exists:
    return Exists(MonitoringEntry.objects.filter(pupil=OuterRef("pk"), ended_on__isnull=True))


def meetings_per_year(school: School) -> int:
    found = (
        SupportSettings.objects.filter(school=school)
        .values_list("meetings_per_year", flat=True)
        .first()
    )
    return found or rules.DEFAULT_MEETINGS_PER_YEAR


# --- One object, for a page ---------------------------------------------------------------------


def plan_get_for_user(membership: Membership, pk: int) -> SupportPlan:
    """The plan, or 404 when its pupil is outside what the member may see."""
    plan = (
        SupportPlan.objects.filter(pk=pk, pupil__in=pupils_visible_to(membership))
        .select_related("pupil__school", "review__reviewed_by", "previous", "opened_by")
        .first()
    )
    if plan is None:
        raise Http404("No such plan.")
    return plan


def outcome_get(plan: SupportPlan, pk: int) -> Outcome:
    outcome = plan.outcomes.filter(pk=pk).first()
    if outcome is None:
        raise Http404("No such outcome.")
    outcome.plan = plan
    return outcome


def meeting_get_for_user(membership: Membership, pk: int) -> ParentMeeting:
    meeting = (
        ParentMeeting.objects.filter(pk=pk, pupil__in=pupils_visible_to(membership))
        .select_related("pupil__school", "plan", "recorded_by")
        .first()
    )
    if meeting is None:
        raise Http404("No such meeting.")
    return meeting


def specialist_get_for_user(membership: Membership, pk: int) -> SpecialistInvolvement:
    involvement = (
        SpecialistInvolvement.objects.filter(pk=pk, pupil__in=pupils_visible_to(membership))
        .select_related("pupil__school")
        .prefetch_related("visits", "reports")
        .first()
    )
    if involvement is None:
        raise Http404("No such specialist involvement.")
    return involvement


def report_get_for_user(membership: Membership, pk: int) -> SpecialistReport:
    report = (
        SpecialistReport.objects.filter(pk=pk, involvement__pupil__in=pupils_visible_to(membership))
        .select_related("involvement__pupil")
        .first()
    )
    if report is None:
        raise Http404("No such report.")
    return report


def suggestion_get_for_user(membership: Membership, pk: int) -> PassportSuggestion:
    suggestion = (
        PassportSuggestion.objects.filter(pk=pk, pupil__in=pupils_visible_to(membership))
        .select_related("pupil", "suggested_by")
        .first()
    )
    if suggestion is None:
        raise Http404("No such suggestion.")
    return suggestion


@dataclass(frozen=True)
class Standing:
    """Where the pupil stands today, as far as plans and meetings care."""

    sen_status: str | None
    sen_since: dt.date | None
    monitored: bool

    @property
    def eligible(self) -> bool:
        return rules.plan_eligible(
            on_register=self.sen_status is not None, on_monitoring=self.monitored
        )

    @property
    def on_support(self) -> bool:
        return self.sen_status == SUPPORT_STATUS


def standing_of(pupil: Pupil, *, day: dt.date) -> Standing:
    row = (
        with_sen_status(Pupil.objects.filter(pk=pupil.pk), day)
        .annotate(monitored=_open_monitoring())
        .values("sen_status", "sen_since", "monitored")
        .first()
    )
    if row is None:
        return Standing(None, None, False)
    return Standing(row["sen_status"], row["sen_since"], row["monitored"])


# --- A pupil's support record -----------------------------------------------------------------


@dataclass
class PlanView:
    plan: SupportPlan
    outcomes: list[Outcome]
    status: DeadlineStatus

    @property
    def review(self) -> object | None:
        return getattr(self.plan, "review", None)


def _plan_views(plans: Iterable[SupportPlan], day: dt.date) -> list[PlanView]:
    return [
        PlanView(
            plan,
            list(plan.outcomes.all()),
            rules.deadline_status(due=plan.review_date, today=day, done=not plan.is_open),
        )
        for plan in plans
    ]


def _plans_with_outcomes() -> QuerySet[SupportPlan]:
    return SupportPlan.objects.select_related("review__reviewed_by").prefetch_related(
        Prefetch(
            "outcomes",
            queryset=Outcome.objects.select_related("result").order_by("position", "pk"),
        )
    )


@dataclass
class PupilSupport:
    """Everything the pupil's support page and its section on the pupil page show."""

    pupil: Pupil
    standing: Standing
    plans: list[PlanView]
    meetings: list[ParentMeeting]
    meetings_due: rules.MeetingsDue | None
    meetings_per_year: int
    specialists: list[SpecialistInvolvement]
    passport: Passport | None
    suggestions: list[PassportSuggestion]
    can_edit: bool
    can_suggest: bool
    can_read_reports: bool
    #: School years with a plan, newest first (for the annual report).
    years: list[int] = field(default_factory=list)

    @property
    def open_plan(self) -> PlanView | None:
        return next((p for p in self.plans if p.plan.is_open), None)

    @property
    def past_plans(self) -> list[PlanView]:
        return [p for p in self.plans if not p.plan.is_open]

    @property
    def last_reviewed(self) -> PlanView | None:
        return next((p for p in self.plans if not p.plan.is_open), None)

    @property
    def passport_findings(self) -> list[plain_english.FieldFindings]:
        """What to put right in the passport before it is printed."""
        if self.passport is None:
            return []
        return text_findings(passport_parts(self.passport))

    @property
    def can_open_plan(self) -> bool:
        return self.can_edit and self.standing.eligible and self.open_plan is None


def pupil_support(membership: Membership, pupil: Pupil, *, day: dt.date) -> PupilSupport:
    """One pupil's plans (newest first, with outcomes and results), meetings, specialists and
    passport, in a fixed number of queries. ``pupil`` must have been fetched for the member."""
    standing = standing_of(pupil, day=day)
    plans = _plan_views(_plans_with_outcomes().filter(pupil=pupil).order_by("-number"), day)
    meetings = list(pupil.parent_meetings.select_related("plan").order_by("-held_on", "-pk"))
    per_year = rules.DEFAULT_MEETINGS_PER_YEAR
    due = None
    if standing.on_support and standing.sen_since is not None:
        per_year = meetings_per_year(pupil.school)
        due = rules.meetings_due(
            per_year=per_year,
            since=standing.sen_since,
            held=[m.held_on for m in meetings],
            today=day,
        )
    specialists = list(
        pupil.specialists.prefetch_related("visits", "reports").order_by("-referred_on", "-pk")
    )
    can_edit = membership.can(Permission.SUPPORT_EDIT)
    suggestions = list(
        pupil.passport_suggestions.filter(state=rules.SuggestionState.PENDING).select_related(
            "suggested_by"
        )
    )
    if not can_edit:
        # A teacher sees only what they suggested themselves.
        suggestions = [s for s in suggestions if s.suggested_by_id == membership.user_id]
    return PupilSupport(
        pupil=pupil,
        standing=standing,
        plans=plans,
        meetings=meetings,
        meetings_due=due,
        meetings_per_year=per_year,
        specialists=specialists,
        # Fetched with the pupil when the page asked for it (``PUPIL_RELATED``).
        passport=getattr(pupil, "passport", None),
        suggestions=suggestions,
        can_edit=can_edit,
        can_suggest=membership.can(Permission.PASSPORT_SUGGEST) and not can_edit,
        can_read_reports=membership.can(Permission.SPECIALIST_REPORTS_VIEW),
        years=_years_since(min((p.plan.opened_on for p in plans), default=None), day),
    )


def passport_parts(passport: Passport | None) -> list[tuple[str, str]]:
    """Each part of the passport with its label, in order (empty parts included)."""
    return [
        (part.label, getattr(passport, part.value, "") if passport else "")
        for part in rules.PassportField
    ]


@dataclass
class PlanDetail:
    plan: SupportPlan
    outcomes: list[Outcome]
    assessments: list[AssessmentEntry]
    meetings: list[ParentMeeting]
    status: DeadlineStatus
    next_plan: SupportPlan | None
    #: What to put right before sharing the plan, and its review, in plain English.
    plan_findings: list[plain_english.FieldFindings]
    review_findings: list[plain_english.FieldFindings]


def _plan_texts(
    plan: SupportPlan, outcomes: Sequence[Outcome], assessments: Sequence[AssessmentEntry]
) -> list[tuple[str, str]]:
    texts = [
        ("Strategies", plan.strategies),
        ("Support and interventions", plan.support),
        ("Expected impact", plan.expected_impact),
    ]
    for number, outcome in enumerate(outcomes, 1):
        texts += [
            (f"Outcome {number}", outcome.text),
            (f"Outcome {number}: what will be measured", outcome.measure),
            (f"Outcome {number}: baseline", outcome.baseline),
            (f"Outcome {number}: target", outcome.target),
        ]
    for entry in assessments:
        texts.append(
            (f"Assessment: {entry.get_source_display()} ({entry.recorded_on:%d/%m/%Y})", entry.text)
        )
    return texts


def _review_texts(plan: SupportPlan, outcomes: Sequence[Outcome]) -> list[tuple[str, str]]:
    review = getattr(plan, "review", None)
    if review is None:
        return []
    texts = [
        ("The pupil's views", review.pupil_views),
        ("The parents' views", review.parent_views),
        ("Notes on the decision", review.decision_notes),
    ]
    for number, outcome in enumerate(outcomes, 1):
        result = getattr(outcome, "result", None)
        if result is not None:
            texts.append((f"Evidence for outcome {number}", result.evidence))
    return texts


def plan_detail(plan: SupportPlan, *, day: dt.date) -> PlanDetail:
    outcomes = list(
        plan.outcomes.select_related("result", "carried_from").order_by("position", "pk")
    )
    assessments = list(plan.assessments.select_related("added_by"))
    glossary = plain_english.load_glossary()
    return PlanDetail(
        plan=plan,
        outcomes=outcomes,
        assessments=assessments,
        meetings=list(plan.meetings.order_by("held_on", "pk")),
        status=rules.deadline_status(due=plan.review_date, today=day, done=not plan.is_open),
        next_plan=SupportPlan.objects.filter(previous=plan).first(),
        plan_findings=plain_english.check_fields(
            _plan_texts(plan, outcomes, assessments), glossary
        ),
        review_findings=plain_english.check_fields(_review_texts(plan, outcomes), glossary),
    )


def text_findings(fields: Sequence[tuple[str, str]]) -> list[plain_english.FieldFindings]:
    return plain_english.check_fields(fields, plain_english.load_glossary())


# --- Due and overdue: the SENCO's panel, the deadlines, the plan list -------------------------


@dataclass(frozen=True)
class DueRow:
    """One thing due for one pupil: a review, a plan that does not exist yet, a meeting."""

    pupil_id: int
    upn: str
    name: str
    due: dt.date
    status: DeadlineStatus
    detail: str
    url: str
    #: Parents met this term (meetings only).
    met_this_term: bool = True

    @property
    def status_label(self) -> str:
        return self.status.label

    @property
    def due_label(self) -> str:
        return short_date(self.due)


@dataclass
class DueLists:
    reviews: list[DueRow] = field(default_factory=list)
    no_plan: list[DueRow] = field(default_factory=list)
    meetings: list[DueRow] = field(default_factory=list)

    @property
    def overdue_reviews(self) -> list[DueRow]:
        return [r for r in self.reviews if r.status == DeadlineStatus.OVERDUE]

    @property
    def reviews_due_soon(self) -> list[DueRow]:
        return [r for r in self.reviews if r.status == DeadlineStatus.DUE_SOON]

    @property
    def not_met_this_term(self) -> list[DueRow]:
        return [r for r in self.meetings if not r.met_this_term]


def _pupil_url() -> str:
    return url_pattern("pupil_detail")


def _name(row: dict[str, Any]) -> str:
    return shown_name(
        row["legal_forename"], row["legal_surname"],
        row["preferred_forename"], row["preferred_surname"],
    )  # fmt: skip


def _due_rows(pupils: QuerySet[Pupil], day: dt.date) -> QuerySet[Any]:
    """Each pupil on roll among ``pupils`` who is on the register or has an open plan, with the
    open plan, the last review and the school's promise of meetings beside them, in one query.
    A pupil has at most one open plan (a constraint), so it is joined, not asked for three
    times over."""
    last_review = SupportPlan.objects.filter(pupil=OuterRef("pk"), reviewed_on__isnull=False)
    return (
        with_sen_status(pupils.filter(on_roll(day)), day)
        .annotate(
            open_plan=FilteredRelation(
                "support_plans", condition=Q(support_plans__reviewed_on__isnull=True)
            ),
            plan_pk=F("open_plan__pk"),
            plan_number=F("open_plan__number"),
            plan_review=F("open_plan__review_date"),
            last_review=Subquery(last_review.order_by("-reviewed_on").values("reviewed_on")[:1]),
            per_year=F("school__support_settings__meetings_per_year"),
        )
        .filter(Q(sen_status__isnull=False) | Q(plan_pk__isnull=False))
        .order_by("legal_surname", "legal_forename", "pk")
        .values(
            *NAME_FIELDS,
            "sen_status",
            "sen_since",
            "plan_pk",
            "plan_number",
            "plan_review",
            "last_review",
            "per_year",
        )
    )


@compiled
def _school_due_rows(school_id: int, day: dt.date) -> QuerySet[Any]:
    return _due_rows(Pupil.objects.filter(school_id=school_id), day)


@compiled
def _school_meetings(school_id: int, since: dt.date, day: dt.date) -> QuerySet[Any]:
    """When each of the school's pupils' parent meetings from ``since`` to ``day`` was held."""
    return (
        ParentMeeting.objects.filter(
            pupil__school_id=school_id, held_on__gte=since, held_on__lte=day
        )
        .order_by()
        .values_list("pupil_id", "held_on")
    )


def due_lists(
    pupils: QuerySet[Pupil], school: School, *, day: dt.date, upcoming: bool = True
) -> DueLists:
    """Open plans' reviews, pupils on the register with no open plan, and parent meetings owed,
    for the pupils on roll among ``pupils``, in two queries whatever the school's size.

    ``upcoming`` False leaves out reviews and missing plans that are neither overdue nor
    due within two weeks (for the home page); the deadlines list keeps them. Meetings
    owed this term are always listed.
    """
    rows = list(_due_rows(pupils, day))
    on_support = [r for r in rows if r["sen_status"] == SUPPORT_STATUS]
    since = _year_start(day)
    # Only the meetings of pupils on SEN support (a list of the register's size, read
    # above), in no order: asking for the roll as a subquery made the database read every
    # pupil of the school again.
    held = (
        ParentMeeting.objects.filter(
            pupil_id__in=[r["pk"] for r in on_support], held_on__gte=since, held_on__lte=day
        )
        .order_by()
        .values_list("pupil_id", "held_on")
        if on_support
        else []
    )
    return _lists(rows, held, day=day, upcoming=upcoming)


def _year_start(day: dt.date) -> dt.date:
    return rules.terms_of(rules.academic_year_start(day))[0].start


def _lists(
    rows: list[dict[str, Any]],
    meetings: Iterable[tuple[int, dt.date]],
    *,
    day: dt.date,
    upcoming: bool,
) -> DueLists:
    """The due lists from ``_due_rows`` and this year's meetings (of these pupils or more)."""
    lists = DueLists()
    pupil_url = _pupil_url()
    plan_url = url_pattern("support_plan_detail")
    wanted = set(ATTENTION_STATUSES)
    if upcoming:
        wanted.add(DeadlineStatus.UPCOMING)

    for row in sorted((r for r in rows if r["plan_pk"]), key=lambda r: (r["plan_review"], r["pk"])):
        status = rules.deadline_status(due=row["plan_review"], today=day)
        if status in wanted:
            lists.reviews.append(
                DueRow(
                    row["pk"],
                    row["upn"],
                    _name(row),
                    row["plan_review"],
                    status,
                    f"Review of support plan {row['plan_number']}",
                    plan_url.format(row["plan_pk"]),
                )
            )

    for row in rows:
        if row["plan_pk"] or not row["sen_status"]:
            continue
        due = max(d for d in (row["sen_since"], row["last_review"]) if d is not None)
        status = rules.deadline_status(due=due, today=day)
        if status in wanted:
            provision = codes.provision_label(row["sen_status"])
            lists.no_plan.append(
                DueRow(
                    row["pk"],
                    row["upn"],
                    _name(row),
                    due,
                    status,
                    f"On the register ({provision}) with no open support plan",
                    pupil_url.format(row["pk"]),
                )
            )

    on_support = [r for r in rows if r["sen_status"] == SUPPORT_STATUS]
    held: dict[int, list[dt.date]] = defaultdict(list)
    for pupil_id, held_on in meetings:
        held[pupil_id].append(held_on)
    for row in on_support:
        due_meetings = rules.meetings_due(
            per_year=row["per_year"] or rules.DEFAULT_MEETINGS_PER_YEAR,
            since=row["sen_since"],
            held=held[row["pk"]],
            today=day,
        )
        # A meeting is owed by the end of this term at the latest, so every meeting not
        # held is shown: "due this term" is the SENCO's horizon for meetings.
        if due_meetings.status != DeadlineStatus.DONE:
            detail = (
                f"Parent meeting due by the end of the {due_meetings.term.label.lower()} "
                f"({due_meetings.held_this_year} of {due_meetings.expected_this_year} held "
                "this year)"
            )
            if due_meetings.status == DeadlineStatus.OVERDUE:
                detail = (
                    f"Parent meeting overdue from last term ({due_meetings.held_this_year} of "
                    f"{due_meetings.expected_this_year} held this year)"
                )
            lists.meetings.append(
                DueRow(
                    row["pk"],
                    row["upn"],
                    _name(row),
                    due_meetings.due,
                    due_meetings.status,
                    detail,
                    pupil_url.format(row["pk"]),
                    due_meetings.met_this_term,
                )
            )
    return lists


def school_due_lists(school: School, *, day: dt.date, upcoming: bool = True) -> DueLists:
    """``due_lists`` for every pupil of the school, read once per page (``lib.pagereads``):
    the home page's support panel and its deadlines panel both show them."""
    return shared(
        ("support.due_lists", school.pk, day, upcoming),
        lambda: _lists(
            _school_due_rows(school.pk, day),
            _school_meetings(school.pk, _year_start(day), day),
            day=day,
            upcoming=upcoming,
        ),
    )


def due_for_member(membership: Membership, *, day: dt.date) -> DueLists:
    """The SENCO's home panel: only what is overdue or due within two weeks."""
    if membership.can(Permission.PUPILS_VIEW_ALL):
        return school_due_lists(membership.school, day=day, upcoming=False)
    return due_lists(pupils_visible_to(membership), membership.school, day=day, upcoming=False)


# --- Open plans, for the plan list and the command line -----------------------------------------


@dataclass(frozen=True)
class OutcomeRow:
    text: str
    measure: str
    baseline: str
    target: str


@dataclass(frozen=True)
class PlanRow:
    """One open plan as the plan list and ``sendreg plans`` show it, every word made once.

    The list shows hundreds of plans; preparing the rows here (from ``values()``, with
    each URL built by formatting, not ``reverse()``) keeps the page quick.
    """

    pk: int
    number: int
    pupil_id: int
    upn: str
    name: str
    year_label: str
    opened_on: dt.date
    review_date: dt.date
    status: DeadlineStatus
    outcomes: tuple[OutcomeRow, ...]
    plan_url: str
    support_url: str

    @property
    def opened_label(self) -> str:
        return short_date(self.opened_on)

    @property
    def review_label(self) -> str:
        return short_date(self.review_date)


def short_date(day: dt.date) -> str:
    """ "3 Nov 2025": what the ``date:"j M Y"`` filter writes, made without the template engine
    (lists of hundreds of rows spend most of their time formatting dates)."""
    return f"{day.day} {day:%b %Y}"


def open_plans(pupils: QuerySet[Pupil], *, day: dt.date) -> list[PlanRow]:
    """Open plans of the pupils on roll among ``pupils``, soonest review first, in two queries."""
    open_ = SupportPlan.objects.filter(
        reviewed_on__isnull=True, pupil__in=pupils.filter(on_roll(day))
    )
    plans = list(
        open_.order_by("review_date", "pupil__legal_surname", "pk")
        .values(
            "pk", "number", "pupil_id", "opened_on", "review_date", "pupil__upn",
            "pupil__legal_forename", "pupil__legal_surname", "pupil__preferred_forename",
            "pupil__preferred_surname", "pupil__year_group",
        )
    )  # fmt: skip
    outcomes: dict[int, list[OutcomeRow]] = defaultdict(list)
    for plan_id, text, measure, baseline, target in (
        Outcome.objects.filter(plan__in=open_.values("pk"))
        .order_by("plan_id", "position", "pk")
        .values_list("plan_id", "text", "measure", "baseline", "target")
    ):
        outcomes[plan_id].append(OutcomeRow(text, measure, baseline, target))
    plan_url = url_pattern("support_plan_detail")
    support_url = url_pattern("support_pupil")
    return [
        PlanRow(
            pk=p["pk"],
            number=p["number"],
            pupil_id=p["pupil_id"],
            upn=p["pupil__upn"],
            name=(
                f"{p['pupil__preferred_forename'] or p['pupil__legal_forename']} "
                f"{p['pupil__preferred_surname'] or p['pupil__legal_surname']}"
            ),
            year_label=codes.year_label(p["pupil__year_group"]),
            opened_on=p["opened_on"],
            review_date=p["review_date"],
            status=rules.deadline_status(due=p["review_date"], today=day),
            outcomes=tuple(outcomes[p["pk"]]),
            plan_url=plan_url.format(p["pk"]),
            support_url=support_url.format(p["pupil_id"]),
        )
        for p in plans
    ]


def open_plans_for_member(membership: Membership, *, day: dt.date) -> list[PlanRow]:
    return open_plans(pupils_visible_to(membership), day=day)


def open_plans_for_school(school: School, *, day: dt.date) -> list[PlanRow]:
    return open_plans(Pupil.objects.filter(school=school), day=day)


# --- The teacher's view ---------------------------------------------------------------------------


@dataclass
class TaughtPupil:
    pupil: Pupil
    sen_status: str | None
    monitored: bool
    needs: list[str]
    #: The open plan, read for its strategies only (``_taught_open_plans``).
    plan: SupportPlan | None
    #: The open plan's outcomes in order, read for their words.
    outcomes: list[Outcome]
    exams: list[records.ExamRow]
    medical: list[records.MedicalRow]

    @property
    def status_label(self) -> str:
        if self.sen_status:
            return codes.provision_label(self.sen_status)
        return "On the monitoring list (not on the SEN register)"

    @property
    def need_labels(self) -> list[str]:
        return [codes.need_label(code) for code in self.needs]


@dataclass
class TaughtGroup:
    name: str
    pupils: list[TaughtPupil]


@dataclass
class TeacherView:
    groups: list[TaughtGroup]
    #: How many different pupils the member teaches, and how many of them are in the view.
    taught: int
    shown: int


def _places(school_id: int, user_id: int) -> QuerySet[Any]:
    """Each pupil's place in a teaching group of the school that the member teaches."""
    return TeachingGroup.pupils.through.objects.filter(
        teachinggroup__school_id=school_id, teachinggroup__teachers=user_id
    )


def _taught_by(school_id: int, user_id: int) -> QuerySet[Any]:
    """Who the member teaches in the school: pupil ids, as a subquery."""
    return _places(school_id, user_id).values("pupil_id")


@compiled
def _taught_groups(school_id: int, user_id: int) -> QuerySet[Any]:
    """The member's teaching groups with pupils, by name: group id, name and pupil id."""
    return (
        _places(school_id, user_id)
        .order_by("teachinggroup__name", "teachinggroup_id")
        .values_list("teachinggroup_id", "teachinggroup__name", "pupil_id")
    )


@compiled
def _taught_in_view(school_id: int, user_id: int, day: dt.date) -> QuerySet[Pupil]:
    """The pupils on roll the member teaches who are on the register (``sen_status``) or the
    monitoring list (``monitored``) on ``day``, by legal name."""
    taught = Pupil.objects.filter(
        on_roll(day), school_id=school_id, pk__in=_taught_by(school_id, user_id)
    )
    return (
        with_sen_status(taught, day)
        .annotate(monitored=_open_monitoring())
        .filter(Q(sen_status__isnull=False) | Q(monitored=True))
        .order_by("legal_surname", "legal_forename", "pk")
    )


@compiled
def _taught_needs(school_id: int, user_id: int, day: dt.date) -> QuerySet[Any]:
    return needs_held(Q(pupil__in=_taught_by(school_id, user_id)), day)


@compiled
def _taught_open_plans(school_id: int, user_id: int) -> QuerySet[SupportPlan]:
    """The open plans of the pupils the member teaches, read for their strategies only."""
    return SupportPlan.objects.filter(
        reviewed_on__isnull=True, pupil_id__in=_taught_by(school_id, user_id)
    ).only("pk", "pupil_id", "strategies")


@compiled
def _taught_open_outcomes(school_id: int, user_id: int) -> QuerySet[Outcome]:
    """The outcomes of those plans, in order, read for their words."""
    return (
        Outcome.objects.filter(
            plan__reviewed_on__isnull=True, plan__pupil_id__in=_taught_by(school_id, user_id)
        )
        .only("pk", "plan_id", "text")
        .order_by("position", "pk")
    )


def teacher_view(membership: Membership, *, day: dt.date) -> TeacherView:
    """The pupils the member teaches who are on the register or the monitoring list, by class,
    with needs, current outcomes, strategies, exam access arrangements in force and medical
    needs, in a fixed number of queries, each compiled once (``lib.compiled``).

    Exam arrangements and medical conditions are read through the other registers'
    selectors, which apply their own rules (an arrangement for the Key Stage 2 tests is
    not in force in Year 7).
    """
    school_id, user_id = membership.school_id, membership.user_id
    groups: dict[int, str] = {}
    members: dict[int, list[int]] = defaultdict(list)
    for group_id, name, pupil_id in _taught_groups(school_id, user_id):
        groups[group_id] = name
        members[group_id].append(pupil_id)
    taught_ids = {pk for ids in members.values() for pk in ids}
    if not taught_ids:
        return TeacherView([], taught=0, shown=0)
    pupils = {p.pk: p for p in _taught_in_view(school_id, user_id, day)}
    needs = needs_by_pupil(_taught_needs(school_id, user_id, day))
    plans = {plan.pupil_id: plan for plan in _taught_open_plans(school_id, user_id)}
    outcomes: dict[int, list[Outcome]] = defaultdict(list)
    for outcome in _taught_open_outcomes(school_id, user_id):
        outcomes[outcome.plan_id].append(outcome)
    exams: dict[int, list[records.ExamRow]] = defaultdict(list)
    # Only the pupils in the view, by id: a teacher may teach hundreds, most not on the
    # register, and the registers need not check again who the member may see.
    in_view = list(pupils.values())
    in_force = records.ExamFilters(status="in_force")
    for exam in records.exam_rows(membership, in_force, day=day, among=in_view):
        exams[exam.record.pupil_id].append(exam)
    medical: dict[int, list[records.MedicalRow]] = defaultdict(list)
    for condition in records.medical_rows(
        membership, records.MedicalFilters(), day=day, among=in_view
    ):
        # A pupil the MIS marks as medical may have no condition recorded yet (no record).
        medical[condition.pupil.pk].append(condition)
    rows = {}
    for pk, pupil in pupils.items():
        plan = plans.get(pk)
        rows[pk] = TaughtPupil(
            pupil=pupil,
            sen_status=pupil.sen_status,  # type: ignore[attr-defined]
            monitored=pupil.monitored,  # type: ignore[attr-defined]
            needs=needs.get(pk, []),
            plan=plan,
            outcomes=outcomes[plan.pk] if plan else [],
            exams=exams[pk],
            medical=medical[pk],
        )
    order = list(pupils)
    taught_groups = []
    for group_id, name in groups.items():
        group_members = set(members[group_id])
        shown = [rows[pk] for pk in order if pk in group_members]
        if shown:
            taught_groups.append(TaughtGroup(name, shown))
    return TeacherView(taught_groups, taught=len(taught_ids), shown=len(rows))


# --- Annual report ----------------------------------------------------------------------------


@dataclass
class AnnualReport:
    pupil: Pupil
    year: int
    plans: list[PlanView]
    meetings: list[ParentMeeting]
    specialists: list[SpecialistInvolvement]

    @property
    def year_label(self) -> str:
        return rules.academic_year_label(self.year)


def annual_report(pupil: Pupil, *, year: int, day: dt.date) -> AnnualReport:
    """The plans that ran during academic year ``year`` (2025 is 2025/26), with the meetings
    and specialists of that year."""
    terms = rules.terms_of(year)
    start, end = terms[0].start, terms[-1].end
    plans = _plans_with_outcomes().filter(
        Q(reviewed_on__isnull=True) | Q(reviewed_on__gte=start), pupil=pupil, opened_on__lte=end
    )
    meetings = pupil.parent_meetings.filter(held_on__range=(start, end)).order_by("held_on", "pk")
    specialists = (
        pupil.specialists.filter(Q(referred_on__isnull=True) | Q(referred_on__lte=end))
        .filter(Q(report_received_on__isnull=True) | Q(report_received_on__gte=start))
        .prefetch_related("visits")
    )
    return AnnualReport(
        pupil=pupil,
        year=year,
        plans=_plan_views(plans.order_by("number"), day),
        meetings=list(meetings),
        specialists=list(specialists.order_by("referred_on", "pk")),
    )


def _years_since(first: dt.date | None, day: dt.date) -> list[int]:
    if first is None:
        return []
    return list(range(rules.academic_year_start(day), rules.academic_year_start(first) - 1, -1))


def report_years(pupil: Pupil, *, day: dt.date) -> list[int]:
    """Academic years with a plan, newest first, for the annual report's choice."""
    first = pupil.support_plans.order_by("opened_on").values_list("opened_on", flat=True).first()
    return _years_since(first, day)


@dataclass(frozen=True)
class PupilFacts:
    """What a document says about the pupil's place on the register, codes with meanings."""

    status: str
    needs: tuple[str, ...]


def pupil_facts(pupil: Pupil, *, day: dt.date) -> PupilFacts:
    standing = standing_of(pupil, day=day)
    if standing.sen_status:
        status = codes.provision_label(standing.sen_status)
    elif standing.monitored:
        status = "On the monitoring list (not on the SEN register)"
    else:
        status = "Not on the SEN register"
    needs = needs_on([pupil.pk], day=day).get(pupil.pk, [])
    return PupilFacts(status, tuple(codes.need_label(code) for code in needs))
