"""Reads of the SEN register, scoped to what the asking member may see."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    QuerySet,
    Window,
)
from django.http import Http404
from django.utils import timezone

from sendreg import codes
from sendreg.accounts.models import Membership, School
from sendreg.accounts.permissions import Permission
from sendreg.audit.models import REGISTER_CHANGES, AuditEvent
from sendreg.lib.compiled import compiled
from sendreg.lib.figures import percent, suppress_breakdown
from sendreg.lib.jsontext import JsonTexts, json_text
from sendreg.lib.pagereads import remember, shared
from sendreg.lib.urls import url_pattern
from sendreg.pupils.models import Pupil
from sendreg.pupils.rules import shown_name
from sendreg.pupils.selectors import (
    BY_SHOWN_NAME,
    LINK_FIELDS,
    NAME_FIELDS,
    of_school,
    of_school_on_roll,
    on_roll,
    pupils_visible_to,
    visible_to,
)
from sendreg.register import rules
from sendreg.register.models import (
    CensusDateOverride,
    MisSenRecord,
    MonitoringEntry,
    ParentNotification,
    PupilNeed,
    SenEpisode,
)

FLAGS: dict[str, str] = {
    "eal": "English as an additional language",
    "fsm": "Free school meals",
    "pupil_premium": "Pupil premium",
    "looked_after": "Looked after",
    "medical": "Medical needs",
}


def _name_key(row: RegisterRow) -> tuple[str, str, int]:
    # The names the page shows (preferred where recorded), case and accents aside.
    return (row.surname.casefold(), row.forename.casefold(), row.pk)


SORTS: dict[str, Callable[[RegisterRow], tuple[object, ...]]] = {
    "name": _name_key,
    "year": lambda r: (
        r.year_group if r.year_group is not None else 99,
        r.reg_group,
        *_name_key(r),
    ),
    "status": lambda r: (r.status, *_name_key(r)),
    "need": lambda r: (r.needs[0].code if r.needs else "~", *_name_key(r)),
    "since": lambda r: (r.since or dt.date.max, *_name_key(r)),
}


def census_overrides() -> dict[tuple[int, rules.Term], dt.date]:
    """The census days moved from their usual dates (read once per page: ``lib.pagereads``)."""
    return shared(
        "register.census_overrides",
        lambda: {(year, rules.Term(term)): day for year, term, day in _census_overrides()},
    )


@compiled
def _census_overrides() -> QuerySet[Any]:
    return CensusDateOverride.objects.values_list("academic_year", "term", "date")


def with_sen_status(pupils: QuerySet[Pupil], day: dt.date) -> QuerySet[Pupil]:
    """Annotate ``sen_status`` (E, K or None) as it stands on ``day``: ``rules.status_on`` as
    SQL, for filtering and scoping in the database (tests hold the two together).

    ``sen_since`` is the start of the episode covering ``day``; when the pupil joined the
    register is ``rules.register_since``, which ``register_states`` gives."""
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


@dataclass(frozen=True)
class RegisterState:
    """Where one pupil stands on the register on a day, from their whole history."""

    status: str | None
    #: When their present stay on the register began (a move from K to E continues it).
    since: dt.date | None
    needs: tuple[str, ...]
    episodes: tuple[rules.Episode, ...]


def register_states(
    pupils: QuerySet[Pupil], *, day: dt.date, records: Q | None = None
) -> dict[int, RegisterState]:
    """Every pupil's register state on ``day``, in two queries whatever the school's size.

    Reads plain values (no model instances) and applies the pure rules to them, so the
    same answers as everywhere else, fast enough for a page of a whole school.
    ``records``, when given, chooses the same pupils as a condition on a record's pupil
    (``pupils.selectors.visible_to``): the history is then read by a join.
    """
    chosen = records if records is not None else Q(pupil__in=pupils.values("pk"))
    return _states(_episodes(chosen), needs_on_query(pupils, day=day, records=records), day)


def _episodes(chosen: Q) -> QuerySet[Any]:
    return (
        SenEpisode.objects.filter(chosen)
        .order_by("pupil_id", "start")
        .values_list("pupil_id", "status", "start", "end")
    )


def needs_held(chosen: Q, day: dt.date) -> QuerySet[Any]:
    """The need codes held on ``day`` by the pupils of the records ``chosen`` (a condition on a
    need's pupil), as rows of pupil id and code, primary first: for ``needs_by_pupil``. A
    query of its own, so that another app can compile it (``lib.compiled``)."""
    return (
        PupilNeed.objects.filter(Q(end__isnull=True) | Q(end__gt=day), chosen, start__lte=day)
        .order_by("pupil_id", "rank")
        .values_list("pupil_id", "code")
    )


@compiled
def _school_episodes(school_id: int, day: dt.date) -> QuerySet[Any]:
    return _episodes(of_school_on_roll(school_id, day))


@compiled
def _school_needs(school_id: int, day: dt.date) -> QuerySet[Any]:
    return needs_held(of_school_on_roll(school_id, day), day)


@compiled
def _school_roll(school_id: int, day: dt.date) -> QuerySet[Any]:
    """How many pupils the school has on roll on ``day`` (no row when none)."""
    return (
        Pupil.objects.filter(on_roll(day), school_id=school_id)
        .values("school_id")
        .annotate(pupils=Count("pk"))
        .values_list("pupils", flat=True)
    )


def needs_by_pupil(rows: Iterable[tuple[int, str]]) -> dict[int, list[str]]:
    """Rows of ``needs_held`` as each pupil's codes, primary first."""
    found: dict[int, list[str]] = {}
    for pupil_id, code in rows:
        found.setdefault(pupil_id, []).append(code)
    return found


def _states(
    episode_rows: Iterable[tuple[int, str, dt.date, dt.date | None]],
    needs: dict[int, list[str]],
    day: dt.date,
) -> dict[int, RegisterState]:
    episodes: dict[int, list[rules.Episode]] = {}
    for pupil_id, status, start, end in episode_rows:
        episodes.setdefault(pupil_id, []).append(rules.Episode(status, start, end))
    states = {}
    for pupil_id, history in episodes.items():
        status = rules.status_on(history, day)
        states[pupil_id] = RegisterState(
            status=status,
            since=rules.register_since(history, day),
            needs=tuple(needs.get(pupil_id, ())) if status else (),
            episodes=tuple(history),
        )
    return states


_NO_STATE = RegisterState(None, None, (), ())


def state_of(states: dict[int, RegisterState], pupil_id: int) -> RegisterState:
    return states.get(pupil_id, _NO_STATE)


def needs_on_query(
    pupils: QuerySet[Pupil], *, day: dt.date, records: Q | None = None
) -> dict[int, list[str]]:
    """Each pupil's need codes held on ``day``, primary first: ``rules.needs_on`` as SQL.
    ``records``: as for ``register_states``."""
    chosen = records if records is not None else Q(pupil__in=pupils.values("pk"))
    return needs_by_pupil(needs_held(chosen, day))


def needs_on(pupil_ids: Iterable[int], *, day: dt.date) -> dict[int, list[str]]:
    """Each pupil's need codes held on ``day``, primary first (pupils with none left out).

    Other apps read needs through this (or ``register_states``, or ``needs_held`` for a
    query of their own to compile), never through ``PupilNeed`` itself.
    """
    return needs_on_query(Pupil.objects.filter(pk__in=list(pupil_ids)), day=day)


def need_held_since(pupils: QuerySet[Pupil], code: str, *, day: dt.date) -> dict[int, dt.date]:
    """Since when each pupil of ``pupils`` holding ``code`` on ``day`` has held it without a
    break (a re-ranking ends one row and starts the next on the same day: one stretch).
    One query."""
    spans: dict[int, list[tuple[dt.date, dt.date | None]]] = {}
    for pupil_id, start, end in (
        PupilNeed.objects.filter(code=code, start__lte=day, pupil__in=pupils.values("pk"))
        .order_by("pupil_id", "start")
        .values_list("pupil_id", "start", "end")
    ):
        spans.setdefault(pupil_id, []).append((start, end))
    since = {}
    for pupil_id, held in spans.items():
        covering = [s for s, e in held if e is None or e > day]
        if not covering:
            continue
        start = min(covering)
        ends = {e: s for s, e in held if e is not None}
        while start in ends:
            start = ends[start]
        since[pupil_id] = start
    return since


def on_register(pupils: QuerySet[Pupil], *, day: dt.date) -> QuerySet[Pupil]:
    """The pupils of ``pupils`` on the SEN register (E or K) on ``day``, with ``sen_status``."""
    return with_sen_status(pupils, day).filter(sen_status__isnull=False)


_ROW_FIELDS = (
    "pk", "upn", "legal_surname", "legal_forename", "preferred_surname", "preferred_forename",
    "year_group", "reg_group", "eal", "fsm", "pupil_premium", "looked_after", "medical",
    "attendance",
)  # fmt: skip


@dataclass
class SchoolRegister:
    """The register of a set of pupils on roll on a day, read once (three queries) and used by
    every part of a page: the list, the counts, what needs attention, the MIS differences."""

    day: dt.date
    #: The pupils on roll, scoped to what the member may see.
    pupils: QuerySet[Pupil]
    states: dict[int, RegisterState]
    roll: int
    #: The school, when these are all its pupils: then reads of them can be compiled once.
    whole_school: int | None = None

    def counts(self) -> RegisterCounts:
        return counts_from(self.roll, self.states.values())

    def carrying_n_entry(self) -> set[int]:
        """Pupils who came off the register since the last census (the explicit N entry)."""
        overrides = census_overrides()
        census = rules.next_census(self.day, overrides).date
        previous = rules.previous_census(census, overrides).date
        return {
            pk
            for pk, state in self.states.items()
            if state.status is None
            and rules.n_entry_due(state.episodes, census=census, previous=previous)
        }

    def rows(self, filters: RegisterFilters) -> list[RegisterRow]:
        """Pupils on the register (or, filtering by N, off it since the last census), filtered
        and sorted: one more query, then plain Python."""
        states = self.states
        if filters.status == codes.SenProvision.NO_SEN:
            chosen = self.carrying_n_entry()
        else:
            chosen = {
                pk
                for pk, state in states.items()
                if state.status and (not filters.status or state.status == filters.status)
            }
        if filters.need:
            chosen = {pk for pk in chosen if filters.need in states[pk].needs}
        if filters.area:
            area = {n.code for n in codes.need_types() if n.area == filters.area}
            chosen = {pk for pk in chosen if states[pk].needs[:1] and states[pk].needs[0] in area}
        if self.whole_school is not None and filters.status != codes.SenProvision.NO_SEN:
            # Everyone chosen is on the register today: read the school's register by SQL
            # compiled once, and choose here (hundreds of ids in the SQL cost the page 5 ms).
            records = _school_register_records(self.whole_school, self.day)
        else:
            records = list(self.pupils.filter(pk__in=chosen).values(*_ROW_FIELDS))
        flag = filters.flag if filters.flag in FLAGS else None
        records = [
            r
            for r in records
            if r["pk"] in chosen
            and (filters.year is None or r["year_group"] == filters.year)
            and (flag is None or r[flag])
        ]
        rows = _rows(records, states)
        return sorted(rows, key=SORTS.get(filters.sort, SORTS["name"]))


@compiled
def _school_register_records(school_id: int, day: dt.date) -> QuerySet[Any]:
    """What the register's rows show of each pupil on the school's register on ``day``."""
    on_roll_today = Pupil.objects.filter(on_roll(day), school_id=school_id)
    return on_register(on_roll_today, day=day).values(*_ROW_FIELDS)


def school_register(
    pupils: QuerySet[Pupil], *, day: dt.date, records: Q | None = None
) -> SchoolRegister:
    """The register of ``pupils`` on roll on ``day``; ``records`` as for ``register_states``
    (the same pupils, as a condition on a record's pupil)."""
    on = pupils.filter(on_roll(day))
    on_records = records & on_roll(day, through="pupil") if records is not None else None
    return SchoolRegister(day, on, register_states(on, day=day, records=on_records), on.count())


def member_register(membership: Membership, *, day: dt.date) -> SchoolRegister:
    """The register of the pupils the member may see."""
    if membership.can(Permission.PUPILS_VIEW_ALL):
        return whole_school_register(membership.school, day=day)
    return school_register(pupils_visible_to(membership), day=day, records=visible_to(membership))


def whole_school_states(school_id: int, *, day: dt.date) -> dict[int, RegisterState]:
    """``register_states`` of the school's pupils on roll, in two compiled queries."""
    needs = needs_by_pupil(_school_needs(school_id, day))
    return _states(_school_episodes(school_id, day), needs, day)


def whole_school_register(school: School, *, day: dt.date) -> SchoolRegister:
    """The whole school's register, read by queries compiled once (``lib.compiled``): every
    page of those who see the whole school starts from it."""
    states = whole_school_states(school.pk, day=day)
    roll = _school_roll(school.pk, day)
    on = Pupil.objects.filter(on_roll(day), school_id=school.pk)
    return SchoolRegister(day, on, states, roll[0] if roll else 0, whole_school=school.pk)


def register_rows(
    membership: Membership, filters: RegisterFilters, *, day: dt.date
) -> list[RegisterRow]:
    """The pupils the member may see who are on the register on ``day``."""
    return member_register(membership, day=day).rows(filters)


def register_school_rows(
    school: School, filters: RegisterFilters, *, day: dt.date
) -> list[RegisterRow]:
    """The whole school's register, for the command line (which has no member)."""
    return whole_school_register(school, day=day).rows(filters)


def _rows(records: list[dict[str, object]], states: dict[int, RegisterState]) -> list[RegisterRow]:
    cells = {n.code: NeedCell(n.code, n.meaning) for n in codes.NEED_TYPES}
    labels = codes.PROVISION_LABELS
    # reverse() once, not once a row: the page lists hundreds of pupils.
    url = url_pattern("pupil_detail")
    rows = []
    for r in records:
        state = state_of(states, r["pk"])  # type: ignore[arg-type]
        status = state.status or codes.SenProvision.NO_SEN
        rows.append(
            RegisterRow(
                pk=r["pk"],  # type: ignore[arg-type]
                url=url.format(r["pk"]),
                upn=r["upn"],  # type: ignore[arg-type]
                surname=r["preferred_surname"] or r["legal_surname"],  # type: ignore[arg-type]
                forename=r["preferred_forename"] or r["legal_forename"],  # type: ignore[arg-type]
                year_group=r["year_group"],  # type: ignore[arg-type]
                year_label=codes.year_label(r["year_group"]),  # type: ignore[arg-type]
                reg_group=r["reg_group"],  # type: ignore[arg-type]
                status=status,
                status_meaning=labels[codes.SenProvision(status)],
                since=state.since,
                needs=tuple(cells.get(c) or NeedCell(c, c) for c in state.needs),
                eal=r["eal"],  # type: ignore[arg-type]
                fsm=r["fsm"],  # type: ignore[arg-type]
                pupil_premium=r["pupil_premium"],  # type: ignore[arg-type]
                looked_after=r["looked_after"],  # type: ignore[arg-type]
                medical=r["medical"],  # type: ignore[arg-type]
                attendance=r["attendance"],  # type: ignore[arg-type]
            )
        )
    return rows


@dataclass
class RegisterCounts:
    roll: int
    ehc: int
    support: int
    by_need: list[tuple[str, int]] = field(default_factory=list)

    @property
    def on_register(self) -> int:
        return self.ehc + self.support

    @property
    def ehc_percent(self) -> Decimal:
        return percent(self.ehc, self.roll)

    @property
    def support_percent(self) -> Decimal:
        return percent(self.support, self.roll)

    @property
    def on_register_percent(self) -> Decimal:
        return percent(self.on_register, self.roll)


@dataclass(frozen=True)
class ShownCounts:
    """Counts as a page may show them: a count that could identify a child (and any count
    from which it could be worked out) reads "fewer than 5" to those who see only figures."""

    ehc: str
    support: str
    on_register: str
    by_need: list[tuple[str, str]]
    #: Percentages of the roll, "" where the count is withheld (it could be worked out).
    ehc_percent: str = ""
    support_percent: str = ""
    on_register_percent: str = ""


def counts_as_shown(counts: RegisterCounts, *, suppress: bool) -> ShownCounts:
    if not suppress:
        return ShownCounts(
            str(counts.ehc),
            str(counts.support),
            str(counts.on_register),
            [(code, str(n)) for code, n in counts.by_need],
            f"{counts.ehc_percent}%",
            f"{counts.support_percent}%",
            f"{counts.on_register_percent}%",
        )
    statuses = suppress_breakdown([counts.ehc, counts.support], total=counts.on_register)
    needs = suppress_breakdown([n for _, n in counts.by_need], total=counts.on_register)
    # The register's total is shown only when both breakdowns allow it.
    total = statuses.total if isinstance(needs.total, int) else needs.total

    def share(value: object, percent_: Decimal) -> str:
        return f"{percent_}%" if isinstance(value, int) else ""

    return ShownCounts(
        str(statuses.cells[0]),
        str(statuses.cells[1]),
        str(total),
        [(code, str(n)) for (code, _), n in zip(counts.by_need, needs.cells, strict=True)],
        share(statuses.cells[0], counts.ehc_percent),
        share(statuses.cells[1], counts.support_percent),
        share(total, counts.on_register_percent),
    )


def counts_from(roll: int, states: Iterable[RegisterState]) -> RegisterCounts:
    """Roll, E, K and primary needs from register states (of the pupils on roll)."""
    statuses: Counter[str] = Counter()
    primary: Counter[str] = Counter()
    for state in states:
        if state.status:
            statuses[state.status] += 1
            if state.needs:
                primary[state.needs[0]] += 1
    return RegisterCounts(
        roll=roll,
        ehc=statuses[codes.SenProvision.EHC_PLAN],
        support=statuses[codes.SenProvision.SEN_SUPPORT],
        by_need=sorted(primary.items(), key=lambda item: (-item[1], item[0])),
    )


def register_counts(school: School, *, day: dt.date) -> RegisterCounts:
    """Roll, E and K counts and primary needs for the whole school, in three queries (read
    once per page: ``lib.pagereads``)."""
    return shared(
        register_counts_key(school.pk, day),
        lambda: whole_school_register(school, day=day).counts(),
    )


def register_counts_key(school_id: int, day: dt.date) -> tuple[str, int, dt.date]:
    return ("register.register_counts", school_id, day)


def register_history(pupil: Pupil, *, lock: bool = False) -> rules.RegisterHistory:
    """The pupil's whole register record as the rules take it (``lock``: for a change)."""
    episodes = SenEpisode.objects.filter(pupil=pupil).order_by("start")
    spans = PupilNeed.objects.filter(pupil=pupil).order_by("start", "rank")
    if lock:
        episodes, spans = episodes.select_for_update(), spans.select_for_update()
    return rules.RegisterHistory(
        episodes=tuple(
            rules.EpisodeRecord(e.status, e.start, e.end, e.start_reason, e.end_reason)
            for e in episodes
        ),
        needs=tuple(n.as_rule() for n in spans),
    )


@dataclass(frozen=True)
class NeedItem:
    """A need as a page lists it: the code with its meaning, its broad area, and whether
    the census collects it (ranks 1 and 2) or it is for the school's own planning."""

    code: str
    rank: int
    meaning: str
    area: str

    @property
    def label(self) -> str:
        return codes.need_label(self.code)

    @property
    def in_census(self) -> bool:
        return self.rank <= codes.CENSUS_NEED_RANKS


def need_items(needs: Iterable[str]) -> list[NeedItem]:
    items = []
    for rank, code in enumerate(needs, start=1):
        need = codes.need_type(code)
        items.append(
            NeedItem(
                code=code,
                rank=rank,
                meaning=need.meaning if need else "not a census need type",
                area=need.area.label if need else "",
            )
        )
    return items


@dataclass(frozen=True)
class SenSummary:
    status: str | None
    #: When the present stay on the register began.
    since: dt.date | None
    needs: list[str]
    next_census: rules.CensusDay
    #: E, K or N: what the pupil is returned as in the next census.
    next_census_status: str
    #: The pupil came off the register since the last census: the MIS keeps an explicit N
    #: entry for them until the next census (recording practice; the return is N anyway).
    n_entry_due: bool
    episodes: list[SenEpisode]
    #: A change recorded to take effect after today.
    upcoming: SenEpisode | None
    removal_on: dt.date | None


def sen_status_key(pupil_id: int, day: dt.date) -> tuple[str, int, dt.date]:
    """The ``lib.pagereads`` key of a pupil's SEN status on ``day`` (E, K or None), which a
    pupil's page reads with the summary and other sections need again."""
    return ("register.sen_status", pupil_id, day)


@compiled
def _episodes_of(pupil_id: int) -> QuerySet[SenEpisode]:
    """One pupil's stays on the register, in order (every pupil's page reads them)."""
    return SenEpisode.objects.filter(pupil_id=pupil_id)


@compiled
def _need_history_of(pupil_id: int) -> QuerySet[PupilNeed]:
    return PupilNeed.objects.filter(pupil_id=pupil_id)


def pupil_sen_summary(pupil: Pupil, *, day: dt.date) -> SenSummary:
    """Where the pupil stands today and what they will carry in the next census.

    Inside ``page_reads()`` the status is remembered for later readers (``sen_status_key``)."""
    overrides = census_overrides()
    episodes = _episodes_of(pupil.pk)
    history = [e.as_rule() for e in episodes]
    spans = [n.as_rule() for n in _need_history_of(pupil.pk)]
    census = rules.next_census(day, overrides)
    previous = rules.previous_census(census.date, overrides)
    current = next((e for e in episodes if e.as_rule().covers(day)), None)
    remember(sen_status_key(pupil.pk, day), current.status if current else None)
    return SenSummary(
        status=current.status if current else None,
        since=rules.register_since(history, day),
        needs=rules.needs_on(spans, day),
        next_census=census,
        next_census_status=rules.census_status(history, census=census.date),
        n_entry_due=rules.n_entry_due(history, census=census.date, previous=previous.date),
        episodes=episodes,
        upcoming=next((e for e in episodes if e.start > day), None),
        removal_on=(
            current.end
            if current and current.end and not any(e.start == current.end for e in episodes)
            else None
        ),
    )


#: What the pupil's page reads with the pupil (``lib.extensions.pupil_facts``): whether the
#: pupil has ever been on the monitoring list (most have not).
HAS_MONITORING = "register_has_monitoring"


def pupil_facts(membership: Membership) -> dict[str, Any]:
    """For the pupil's page: what to read with the pupil to skip an empty monitoring history."""
    if not membership.can(Permission.PUPILS_VIEW_ALL):
        return {}
    return {HAS_MONITORING: Exists(MonitoringEntry.objects.filter(pupil=OuterRef("pk")))}


def monitoring_list(membership: Membership, *, day: dt.date) -> QuerySet[MonitoringEntry]:
    return (
        MonitoringEntry.objects.filter(
            visible_to(membership), on_roll(day, through="pupil"), ended_on__isnull=True
        )
        .select_related("pupil")
        .order_by("review_date")
    )


#: How many of the latest register changes the home page lists.
RECENT_CHANGES = 10


@compiled
def _recent_changes(school_id: int) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(
        school_id=school_id,
        type__in=REGISTER_CHANGES,
    )[:RECENT_CHANGES]


def recent_changes(school: School) -> list[AuditEvent]:
    """The school's latest changes of SEN status or need, newest first."""
    return _recent_changes(school.pk)


@dataclass(frozen=True)
class Attention:
    message: str
    pupils: list[Pupil]


def needs_attention(
    membership: Membership, *, day: dt.date, register: SchoolRegister | None = None
) -> list[Attention]:
    """What about the register itself the SENCO should put right now.

    Dated duties (monitoring reviews among them) are the deadlines panel's, beside this on
    the same page for everyone who may change the register: they are not listed twice.
    """
    items: list[Attention] = []
    register = register or member_register(membership, day=day)
    states = register.states
    assessing = {pk for pk, s in states.items() if s.status and codes.NSA in s.needs}
    no_need = {pk for pk, s in states.items() if s.status and not s.needs}
    leaving = register.carrying_n_entry()
    wanted = assessing | no_need | leaving
    named = {
        p.pk: p
        for p in register.pupils.filter(pk__in=wanted).only(*LINK_FIELDS).order_by(*BY_SHOWN_NAME)
    }
    for message, ids in (
        ("On SEN support with the type of need still to be assessed (NSA)", assessing),
        ("On the register with no primary need recorded", no_need),
        (
            "Came off the register since the last census: the MIS keeps an explicit N entry "
            "for them until the next census",
            leaving,
        ),
    ):
        chosen = [pupil for pk, pupil in named.items() if pk in ids]
        if chosen:
            items.append(Attention(message, chosen))
    return items


# --- Where the MIS and the register disagree ---------------------------------------------
#
# A discrepancy is derived, never stored: it exists while the MIS and the register differ
# and is gone as soon as they agree, whichever side changed.

STATUS = rules.DIFFERS_STATUS
NEEDS = rules.DIFFERS_NEEDS


@dataclass(frozen=True)
class Discrepancy:
    upn: str
    name: str
    field: str
    mis: str
    register: str
    pupil_id: int | None = None
    correction_requested: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"upn": self.upn, "field": self.field, "mis": self.mis, "register": self.register}

    @property
    def field_label(self) -> str:
        return "SEN status" if self.field == STATUS else "Need types (ranks 1 and 2)"

    @property
    def mis_label(self) -> str:
        return _label(self.field, self.mis)

    @property
    def register_label(self) -> str:
        return _label(self.field, self.register)


def _label(field: str, value: str) -> str:
    if field == STATUS:
        return codes.provision_label(value) if value else "No SEN status"
    return "; ".join(codes.need_label(c) for c in value.split()) or "None"


def compare(
    *,
    upn: str,
    name: str,
    mis_status: str,
    mis_needs: Sequence[str],
    status: str | None,
    needs: Sequence[str],
    pupil_id: int | None = None,
    correction_requested: bool = False,
) -> list[Discrepancy]:
    """One pupil's differences (``rules.compare_with_mis``) as the pages and imports show them."""
    extra = {"pupil_id": pupil_id, "correction_requested": correction_requested}
    return [
        Discrepancy(upn, name, d.field, d.mis, d.register, **extra)
        for d in rules.compare_with_mis(
            mis_status=mis_status, mis_needs=mis_needs, status=status, needs=needs
        )
    ]


class Comparer:
    """``compare``, remembering the combinations of values that agree.

    A school's pupils repeat a handful of combinations (no SEN on either side; K with the
    same need on both), so each is put to the rule once, not once a pupil.
    """

    def __init__(self) -> None:
        self._agree: set[tuple[Any, ...]] = set()

    def __call__(
        self, *, upn: str, name: str, mis_status: str, mis_needs: Sequence[str],
        status: str | None, needs: Sequence[str], pupil_id: int | None = None,
        correction_requested: bool = False,
    ) -> list[Discrepancy]:  # fmt: skip
        key = (mis_status, *mis_needs, "|", status, *needs)
        try:
            if key in self._agree:
                return []
        except TypeError:  # a need kept as an object (with its rank) is not hashable
            key = ()
        found = compare(
            upn=upn, name=name, mis_status=mis_status, mis_needs=mis_needs, status=status,
            needs=needs, pupil_id=pupil_id, correction_requested=correction_requested,
        )  # fmt: skip
        if not found and key:
            self._agree.add(key)
        return found


def with_census_plain(pupils: QuerySet[Pupil]) -> QuerySet[Pupil]:
    """``pupils`` with ``census_plain``: ``rules.census_plain`` as SQL (tests/census/test_plain.py
    holds the two together). True for a pupil never on the register, with no top-up, and no
    MIS values or exactly blank or N with no needs; never NULL, so False is every other pupil.

    The census check reads such pupils narrowly; the MIS differences leave them out, as
    their MIS values agree with a register they were never on.
    """
    plain = (
        ~Exists(SenEpisode.objects.filter(pupil=OuterRef("pk")))
        & Q(top_up_funding=False)
        & (
            Q(mis_sen__isnull=True)
            | Q(mis_sen__status__in=rules.PLAIN_MIS_PROVISIONS, mis_sen__needs=[])
        )
    )
    return pupils.alias(census_plain=ExpressionWrapper(plain, output_field=BooleanField()))


def _discrepancy_rows(pupils: QuerySet[Pupil]) -> QuerySet[Any]:
    """The pupils among ``pupils`` (on roll) whose MIS values may differ from the register."""
    return (
        with_census_plain(pupils.filter(mis_sen__isnull=False))
        .filter(census_plain=False)
        .order_by(*BY_SHOWN_NAME)
        .values_list(
            *NAME_FIELDS,
            "mis_sen__status",
            json_text("mis_sen__needs"),
            "mis_sen__correction_requested_at",
        )  # fmt: skip
    )


@compiled
def _school_discrepancy_rows(school_id: int, day: dt.date) -> QuerySet[Any]:
    return _discrepancy_rows(Pupil.objects.filter(on_roll(day), school_id=school_id))


def discrepancies_for(
    membership: Membership, *, day: dt.date, register: SchoolRegister | None = None
) -> list[Discrepancy]:
    """Every current difference between the MIS and the register among pupils on roll.

    At most four queries, whatever the size of the school: the pupils with their MIS values,
    and (unless ``register`` has them) their register history and the needs held today;
    then the pure comparison. For a whole school the queries are compiled once. Pupils never on
    the register whose MIS holds blank or N and no need (``rules.census_plain``, most of a
    school) cannot differ, and are left out in the query.
    """
    if register is not None and register.whole_school is not None:
        states = register.states
        rows = _school_discrepancy_rows(register.whole_school, day)
    elif register is not None:
        states = register.states
        rows = list(_discrepancy_rows(register.pupils))
    elif membership.can(Permission.PUPILS_VIEW_ALL):
        states = whole_school_states(membership.school_id, day=day)
        rows = _school_discrepancy_rows(membership.school_id, day)
    else:
        pupils = pupils_visible_to(membership).filter(on_roll(day))
        rows = list(_discrepancy_rows(pupils))
        states = register_states(pupils.filter(pk__in=[row[0] for row in rows]), day=day)
    found: list[Discrepancy] = []
    comparer = Comparer()
    needs_of = JsonTexts(tuple)
    for (
        pk, upn, legal_forename, legal_surname, preferred_forename, preferred_surname,
        mis_status, mis_needs, requested_at,
    ) in rows:  # fmt: skip
        state = states.get(pk, _NO_STATE)
        found += comparer(
            upn=upn,
            name=shown_name(legal_forename, legal_surname, preferred_forename, preferred_surname),
            mis_status=mis_status,
            mis_needs=needs_of[mis_needs] or (),
            status=state.status,
            needs=state.needs,
            pupil_id=pk,
            correction_requested=requested_at is not None,
        )
    return found


def mis_record_for(membership: Membership, pupil_id: int) -> MisSenRecord:
    record = (
        MisSenRecord.objects.filter(pupil__in=pupils_visible_to(membership), pupil_id=pupil_id)
        .select_related("pupil")
        .first()
    )
    if record is None:
        raise Http404("No MIS values for that pupil.")
    return record


@dataclass(frozen=True)
class AcceptPlan:
    """What accepting the MIS value would change, shown to the SENCO before they confirm."""

    before_status: str | None
    before_needs: list[str]
    status: str | None
    needs: list[str]
    #: Why it cannot be accepted (a value that is no census code), or empty.
    refused: str

    @property
    def changes_status(self) -> bool:
        return self.status != self.before_status


def accept_mis_plan(record: MisSenRecord) -> AcceptPlan:
    """The register record that accepting ``record`` would make, from the latest record.

    Needs beyond rank 2 that the register already holds are kept: the MIS has no place
    for them. A status that is not a census code is never accepted (it would otherwise
    read as "no SEN" and take the pupil off the register).
    """
    latest = register_history(record.pupil)
    before_status = latest.open_status
    before_needs = latest.open_needs
    reading = rules.read_mis_status(record.status)
    if not reading.known:
        refused = rules.MIS_STATUS_UNKNOWN.format(value=record.status)
        return AcceptPlan(before_status, before_needs, before_status, before_needs, refused)
    status = reading.register
    needs = [str(n) for n in record.needs] if status else []
    if status:
        needs += [c for c in before_needs[codes.CENSUS_NEED_RANKS :] if c not in needs]
    return AcceptPlan(before_status, before_needs, status, needs, "")


# --- Telling parents -----------------------------------------------------------------------


def _visible(membership: Membership) -> QuerySet[ParentNotification]:
    return ParentNotification.objects.filter(visible_to(membership))


def notifications_outstanding(membership: Membership) -> QuerySet[ParentNotification]:
    """Changes whose parents have not yet been told, the longest waiting first."""
    return _outstanding(_visible(membership))


def _outstanding(notifications: QuerySet[ParentNotification]) -> QuerySet[ParentNotification]:
    return (
        notifications.filter(sent_on__isnull=True)
        .select_related("pupil")
        .order_by("created_at", "id")
    )


@dataclass(frozen=True)
class Waiting:
    """Changes whose parents have not been told: how many, and the longest waiting."""

    count: int
    first: list[ParentNotification]


#: How many of the changes waiting the home page names.
WAITING_SHOWN = 8


def notifications_waiting(membership: Membership, *, shown: int = WAITING_SHOWN) -> Waiting:
    """``notifications_outstanding`` counted, with only the ``shown`` longest waiting read: a
    large import can leave hundreds of changes waiting, and the home page names a few."""
    outstanding = notifications_outstanding(membership)
    if shown <= 0:
        return Waiting(outstanding.count(), [])
    # One query: each row read carries the count of them all.
    if shown == WAITING_SHOWN and membership.can(Permission.PUPILS_VIEW_ALL):
        longest = _school_waiting(membership.school_id)
    else:
        longest = list(_with_count(outstanding)[:shown])
    return Waiting(longest[0].waiting if longest else 0, longest)  # type: ignore[attr-defined]


def _with_count(notifications: QuerySet[ParentNotification]) -> QuerySet[ParentNotification]:
    return notifications.annotate(waiting=Window(Count("pk")))


@compiled
def _school_waiting(school_id: int) -> QuerySet[ParentNotification]:
    """``notifications_waiting`` for those who see the whole school (the home page of the
    SENCO), by SQL compiled once."""
    whole_school = ParentNotification.objects.filter(of_school(school_id))
    return _with_count(_outstanding(whole_school))[:WAITING_SHOWN]


def notifications_for_pupil(pupil: Pupil) -> QuerySet[ParentNotification]:
    """Every notification of one pupil, newest first."""
    return pupil.notifications.order_by("-created_at", "-id")


def notification_get_for_user(membership: Membership, pk: int) -> ParentNotification:
    """The notification, or 404 when its pupil is outside what the member may see."""
    notification = (
        _visible(membership).select_related("pupil", "pupil__school").filter(pk=pk).first()
    )
    if notification is None:
        raise Http404("No such notification.")
    return notification


def change_recorded_on(notification: ParentNotification) -> dt.date:
    """The school day on which the change was recorded (not the day it takes effect)."""
    return timezone.localdate(notification.created_at)


# --- Services ----------------------------------------------------------------------
