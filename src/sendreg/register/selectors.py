"""Reads of the SEN register, scoped to what the asking member may see."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, FilteredRelation, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse

from sendreg import codes
from sendreg.accounts.models import Membership, School
from sendreg.audit.models import AuditEvent
from sendreg.pupils.models import Pupil
from sendreg.pupils.selectors import on_roll, pupils_visible_to
from sendreg.register import rules
from sendreg.register.models import CensusDateOverride, MonitoringEntry, PupilNeed, SenEpisode

FLAGS: dict[str, str] = {
    "eal": "English as an additional language",
    "fsm": "Free school meals",
    "pupil_premium": "Pupil premium",
    "looked_after": "Looked after",
    "medical": "Medical needs",
}

SORTS: dict[str, list[str]] = {
    "name": ["legal_surname", "legal_forename", "pk"],
    "year": ["year_group", "reg_group", "legal_surname", "pk"],
    "status": ["sen_status", "legal_surname", "pk"],
    "need": ["primary_need", "legal_surname", "pk"],
    "since": ["sen_since", "legal_surname", "pk"],
}


def census_overrides() -> dict[tuple[int, rules.Term], dt.date]:
    return {(o.academic_year, rules.Term(o.term)): o.date for o in CensusDateOverride.objects.all()}


def with_sen_status(pupils: QuerySet[Pupil], day: dt.date) -> QuerySet[Pupil]:
    """Annotate ``sen_status`` (E, K or None) and ``sen_since`` as they stand on ``day``."""
    covering = Q(sen_episodes__start__lte=day) & (
        Q(sen_episodes__end__isnull=True) | Q(sen_episodes__end__gt=day)
    )
    return pupils.annotate(
        current_episode=FilteredRelation("sen_episodes", condition=covering)
    ).annotate(sen_status=F("current_episode__status"), sen_since=F("current_episode__start"))


@dataclass(frozen=True)
class RegisterFilters:
    status: str = ""
    need: str = ""
    area: str = ""
    year: int | None = None
    flag: str = ""
    sort: str = "name"


@dataclass(frozen=True)
class NeedCell:
    code: str
    meaning: str


@dataclass(frozen=True)
class RegisterRow:
    """One pupil on the register, with every text the page and the exports show made once.

    The register page renders hundreds of these; preparing the words here keeps
    the template to plain lookups, which is most of its speed.
    """

    pk: int
    url: str
    upn: str
    surname: str
    forename: str
    year_group: int | None
    year_label: str
    reg_group: str
    status: str
    status_meaning: str
    since: dt.date | None
    needs: tuple[NeedCell, ...]
    eal: bool
    fsm: bool
    pupil_premium: bool
    looked_after: bool
    medical: bool
    attendance: Decimal | None

    @property
    def need_codes(self) -> list[str]:
        return [n.code for n in self.needs]


_ROW_FIELDS = (
    "pk", "upn", "legal_surname", "legal_forename", "preferred_surname", "preferred_forename",
    "year_group", "reg_group", "sen_status", "sen_since", "eal", "fsm", "pupil_premium",
    "looked_after", "medical", "attendance",
)  # fmt: skip


def register_rows(
    membership: Membership, filters: RegisterFilters, *, day: dt.date
) -> list[RegisterRow]:
    """The pupils the member may see who are on the register on ``day``."""
    return _rows(_register(pupils_visible_to(membership), membership.school, filters, day))


def register_school_rows(
    school: School, filters: RegisterFilters, *, day: dt.date
) -> list[RegisterRow]:
    """The whole school's register, for the command line (which has no member)."""
    return _rows(_register(Pupil.objects.filter(school=school), school, filters, day))


def _rows(pupils: QuerySet[Pupil]) -> list[RegisterRow]:
    records = list(pupils.values(*_ROW_FIELDS))
    needs: dict[int, list[NeedCell]] = {}
    cells = {n.code: NeedCell(n.code, n.meaning) for n in codes.NEED_TYPES}
    for pupil_id, code in (
        PupilNeed.objects.filter(pupil_id__in=[r["pk"] for r in records])
        .order_by("pupil_id", "rank")
        .values_list("pupil_id", "code")
    ):
        needs.setdefault(pupil_id, []).append(cells.get(code) or NeedCell(code, code))
    no_longer = codes.PROVISION_LABELS[codes.SenProvision.NO_SEN]
    # reverse() once, not once a row: the page lists hundreds of pupils.
    url = reverse("pupil_detail", args=[0]).removesuffix("0/") + "{}/"
    return [
        RegisterRow(
            pk=r["pk"],
            url=url.format(r["pk"]),
            upn=r["upn"],
            surname=r["preferred_surname"] or r["legal_surname"],
            forename=r["preferred_forename"] or r["legal_forename"],
            year_group=r["year_group"],
            year_label=codes.year_label(r["year_group"]),
            reg_group=r["reg_group"],
            status=r["sen_status"] or codes.SenProvision.NO_SEN,
            status_meaning=(
                codes.PROVISION_LABELS[codes.SenProvision(r["sen_status"])]
                if r["sen_status"]
                else no_longer
            ),
            since=r["sen_since"],
            needs=tuple(needs.get(r["pk"], ())),
            eal=r["eal"],
            fsm=r["fsm"],
            pupil_premium=r["pupil_premium"],
            looked_after=r["looked_after"],
            medical=r["medical"],
            attendance=r["attendance"],
        )
        for r in records
    ]


def _register(
    pupils: QuerySet[Pupil], school: School, filters: RegisterFilters, day: dt.date
) -> QuerySet[Pupil]:
    """Pupils on roll who are on the register on ``day`` (or, filtering by N, who carry N
    at the next census), filtered and sorted."""
    pupils = with_sen_status(pupils.filter(on_roll(day)), day)
    if filters.status == codes.SenProvision.NO_SEN:
        pupils = pupils.filter(pk__in=_no_longer_on_register(school, day))
    elif filters.status:
        pupils = pupils.filter(sen_status=filters.status)
    else:
        pupils = pupils.filter(sen_status__isnull=False)
    if filters.need:
        pupils = pupils.filter(needs__code=filters.need)
    if filters.area:
        area_codes = [n.code for n in codes.need_types() if n.area == filters.area]
        pupils = pupils.filter(needs__rank=1, needs__code__in=area_codes)
    if filters.year is not None:
        pupils = pupils.filter(year_group=filters.year)
    if filters.flag in FLAGS:
        pupils = pupils.filter(**{filters.flag: True})
    pupils = pupils.annotate(
        primary_need=Subquery(
            PupilNeed.objects.filter(pupil=OuterRef("pk"), rank=1).values("code")[:1]
        )
    )
    return pupils.order_by(*SORTS.get(filters.sort, SORTS["name"]))


def _no_longer_on_register(school: School, day: dt.date) -> QuerySet[SenEpisode]:
    """Pupils who will carry N at the next census: off the register since the previous one."""
    overrides = census_overrides()
    census = rules.next_census(day, overrides)
    previous = rules.previous_census(census.date, overrides)
    still_on = SenEpisode.objects.filter(
        Q(end__isnull=True) | Q(end__gt=day), start__lte=day
    ).values("pupil_id")
    return (
        SenEpisode.objects.filter(
            pupil__school=school, end__gt=previous.date, end__lte=max(day, census.date)
        )
        .exclude(pupil_id__in=still_on)
        .values("pupil_id")
    )


@dataclass
class RegisterCounts:
    roll: int
    ehc: int
    support: int
    by_need: list[tuple[str, int]] = field(default_factory=list)

    @property
    def on_register(self) -> int:
        return self.ehc + self.support

    def percent(self, n: int) -> Decimal:
        if not self.roll:
            return Decimal(0)
        return (Decimal(100) * n / self.roll).quantize(Decimal("0.1"))

    @property
    def ehc_percent(self) -> Decimal:
        return self.percent(self.ehc)

    @property
    def support_percent(self) -> Decimal:
        return self.percent(self.support)

    @property
    def on_register_percent(self) -> Decimal:
        return self.percent(self.on_register)


def register_counts(school: School, *, day: dt.date) -> RegisterCounts:
    """Roll, E and K counts and primary needs for the whole school, in three queries."""
    pupils = Pupil.objects.filter(on_roll(day), school=school)
    roll = pupils.count()
    statuses = Counter(
        dict(
            with_sen_status(pupils, day)
            .filter(sen_status__isnull=False)
            .values_list("sen_status")
            .annotate(n=Count("pk"))
            .values_list("sen_status", "n")
        )
    )
    on_register = with_sen_status(pupils, day).filter(sen_status__isnull=False)
    by_need = (
        PupilNeed.objects.filter(rank=1, pupil__in=on_register.values("pk"))
        .values_list("code")
        .annotate(n=Count("pk"))
        .order_by("-n", "code")
    )
    return RegisterCounts(
        roll=roll,
        ehc=statuses.get(codes.SenProvision.EHC_PLAN, 0),
        support=statuses.get(codes.SenProvision.SEN_SUPPORT, 0),
        by_need=[(code, n) for code, n in by_need],
    )


@dataclass(frozen=True)
class SenSummary:
    status: str | None
    since: dt.date | None
    next_census: rules.CensusDay
    next_census_status: str | None
    episodes: list[SenEpisode]
    upcoming: SenEpisode | None


def pupil_sen_summary(pupil: Pupil, *, day: dt.date) -> SenSummary:
    """Where the pupil stands today and what they will carry in the next census."""
    overrides = census_overrides()
    episodes = list(pupil.sen_episodes.all())
    current = next((e for e in episodes if e.as_rule().covers(day)), None)
    census = rules.next_census(day, overrides)
    previous = rules.previous_census(census.date, overrides)
    return SenSummary(
        status=current.status if current else None,
        since=current.start if current else None,
        next_census=census,
        next_census_status=rules.census_status(
            [e.as_rule() for e in episodes], census=census.date, previous=previous.date
        ),
        episodes=episodes,
        upcoming=next((e for e in episodes if e.start > day), None),
    )


def monitoring_list(membership: Membership, *, day: dt.date) -> QuerySet[MonitoringEntry]:
    return (
        MonitoringEntry.objects.filter(
            ended_on__isnull=True, pupil__in=pupils_visible_to(membership).filter(on_roll(day))
        )
        .select_related("pupil")
        .order_by("review_date")
    )


def recent_changes(school: School, *, limit: int = 10) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(
        school_id=school.pk,
        type__in=[AuditEvent.Type.SEN_STATUS_CHANGED, AuditEvent.Type.SEN_NEEDS_CHANGED],
    )[:limit]


@dataclass(frozen=True)
class Attention:
    message: str
    pupils: list[Pupil]


def needs_attention(membership: Membership, *, day: dt.date) -> list[Attention]:
    """What the SENCO should look at now. Later capabilities add their own items."""
    items: list[Attention] = []
    due = [
        e.pupil
        for e in monitoring_list(membership, day=day).filter(
            review_date__lte=day + dt.timedelta(days=14)
        )
    ]
    if due:
        items.append(Attention("Monitoring reviews due within two weeks", due))
    on_register = with_sen_status(pupils_visible_to(membership).filter(on_roll(day)), day).filter(
        sen_status__isnull=False
    )
    assessing = list(on_register.filter(needs__code=codes.NSA).order_by("legal_surname"))
    if assessing:
        items.append(
            Attention("On SEN support with the type of need still to be assessed (NSA)", assessing)
        )
    no_need = list(on_register.filter(needs__isnull=True).order_by("legal_surname"))
    if no_need:
        items.append(Attention("On the register with no primary need recorded", no_need))
    leaving = list(
        pupils_visible_to(membership)
        .filter(pk__in=_no_longer_on_register(membership.school, day))
        .order_by("legal_surname")
    )
    if leaving:
        items.append(
            Attention("Removed from the register: they carry N in the next census", leaving)
        )
    return items


def needs_on(pupil_ids: Iterable[int], *, day: dt.date) -> dict[int, list[str]]:
    """Each pupil's need codes held on ``day``, primary first (pupils with none are left out).

    Other apps read needs through this, never through ``PupilNeed`` itself, so that
    the way needs are kept can change without them.
    """
    needs: dict[int, list[str]] = {}
    for pupil_id, code in (
        PupilNeed.objects.filter(pupil_id__in=list(pupil_ids))
        .order_by("pupil_id", "rank")
        .values_list("pupil_id", "code")
    ):
        needs.setdefault(pupil_id, []).append(code)
    return needs


def on_register(pupils: QuerySet[Pupil], *, day: dt.date) -> QuerySet[Pupil]:
    """The pupils of ``pupils`` on the SEN register (E or K) on ``day``, with ``sen_status``."""
    return with_sen_status(pupils, day).filter(sen_status__isnull=False)
