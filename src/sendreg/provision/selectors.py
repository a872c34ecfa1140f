"""Reads of the provision map, scoped to what the asking member may see.

Pages, exports and the command line read the same prepared rows (``ProvisionRow``):
one pupil in one run, with its cost and hours worked out once by ``provision.rules``.
Every list is built from a fixed number of queries, however many pupils the school has.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.urls import reverse

from sendreg import codes
from sendreg.accounts.models import Membership, School, User
from sendreg.accounts.permissions import STAFF_ROLES, Permission
from sendreg.lib import dates
from sendreg.lib.compiled import compiled
from sendreg.lib.extensions import settings_read_with
from sendreg.provision import rules
from sendreg.provision.models import (
    SCHOOL_SETTINGS_KEY,
    Enrolment,
    Intervention,
    ProvisionSettings,
    Run,
    TrainingRecord,
)
from sendreg.pupils.models import Pupil
from sendreg.pupils.rules import shown_forename, shown_surname
from sendreg.pupils.selectors import on_roll, pupils_visible_to, visible_to
from sendreg.register.selectors import needs_on, needs_on_query, on_register

#: See the whole school's provision with names.
VIEW = (Permission.PROVISION_VIEW,)
#: See the whole school's provision as totals, with no pupil named.
AGGREGATES = (Permission.PROVISION_VIEW, Permission.PROVISION_AGGREGATES)
#: Change the provision map.
EDIT = (Permission.PROVISION_EDIT,)
#: See some provision: the whole school's, or that of the pupils one teaches.
SOME = (Permission.PROVISION_VIEW, Permission.PROVISION_VIEW_TAUGHT)

#: The status a pupil not on the SEN register carries (the census's "No SEN").
NO_SEN = codes.SenProvision.NO_SEN.value


def sees_names(membership: Membership) -> bool:
    return membership.can(Permission.PROVISION_VIEW)


def default_threshold() -> Decimal:
    """The top-up threshold a school has not changed: ``SENDREG_TOPUP_THRESHOLD``."""
    value = getattr(settings, "SENDREG_TOPUP_THRESHOLD", rules.DEFAULT_TOPUP_THRESHOLD)
    return rules.money(Decimal(str(value)))


def own_threshold(school: School) -> Decimal | None:
    """The threshold the school set for itself, or None."""
    known, settings = settings_read_with(school, SCHOOL_SETTINGS_KEY)
    if known:
        return settings.topup_threshold if settings is not None else None
    return (
        ProvisionSettings.objects.filter(school=school)
        .values_list("topup_threshold", flat=True)
        .first()
    )


def topup_threshold(school: School) -> Decimal:
    """The school's top-up threshold, or the default setting."""
    own = own_threshold(school)
    return own if own is not None else default_threshold()


def school_year_for(day: dt.date, year: int | None = None) -> int:
    return rules.school_year_of(day) if year is None else year


def day_in_year(year: int, today: dt.date) -> dt.date:
    """The day to read a pupil's SEN status and needs on, for a school year: today, or the
    year's last day for a year already over, or its first for one still to come."""
    first, last = rules.school_year_bounds(year)
    return min(max(today, first), last)


# --- Prepared rows ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RunFacts:
    """What every pupil in one run shares, worked out once per run: its intervention, costs,
    hours, and the share of them in the school year."""

    run_id: int
    intervention_id: int
    intervention: str
    wave: int
    staff_role: str
    need_codes: tuple[str, ...]
    areas: tuple[str, ...]
    measure: str
    run_start: dt.date
    run_end: dt.date
    costing: rules.Costing
    cost: Decimal
    hours: Decimal
    year: int
    days: int
    days_in_year: int
    cost_in_year: Decimal
    hours_in_year: Decimal


_RUN_FIELDS = (
    "pk", "intervention_id", "intervention__name", "intervention__wave",
    "intervention__staff_role", "intervention__need_codes", "intervention__areas",
    "intervention__measure", "start_date", "end_date", "hourly_rate", "sessions_per_week",
    "minutes_per_session", "weeks", "group_size", "resources_per_pupil",
)  # fmt: skip


def _run_facts(runs: QuerySet[Run], year: int) -> dict[int, RunFacts]:
    return {r["pk"]: _facts(r, year) for r in runs.values(*_RUN_FIELDS)}


#: What a run's cost per pupil in a school year is worked out from (``_cost_in_year``).
_COST_FIELDS = (
    "pk", "start_date", "end_date", "hourly_rate", "sessions_per_week", "minutes_per_session",
    "weeks", "group_size", "resources_per_pupil",
)  # fmt: skip


def _costing(r: dict[str, Any]) -> rules.Costing:
    return rules.Costing(
        hourly_rate=r["hourly_rate"],
        sessions_per_week=r["sessions_per_week"],
        minutes_per_session=r["minutes_per_session"],
        weeks=r["weeks"],
        group_size=r["group_size"],
        resources_per_pupil=r["resources_per_pupil"],
    )


def _cost_in_year(cost: Decimal, r: dict[str, Any], year: int) -> Decimal:
    return rules.in_school_year(cost, start=r["start_date"], end=r["end_date"], year=year)


def _costs_in_year(runs: QuerySet[Run], year: int) -> dict[int, Decimal]:
    """Each run's cost per pupil in the school year, as ``RunFacts.cost_in_year``, and nothing
    else of it: for totals, which need neither the intervention nor the hours."""
    return _costs_of(runs.values(*_COST_FIELDS), year)


def _costs_of(runs: Iterable[dict[str, Any]], year: int) -> dict[int, Decimal]:
    return {r["pk"]: _cost_in_year(rules.pupil_run_cost(_costing(r)), r, year) for r in runs}


def _facts(r: dict[str, Any], year: int) -> RunFacts:
    costing = _costing(r)
    start, end = r["start_date"], r["end_date"]
    cost, hours = rules.pupil_run_cost(costing), rules.run_hours(costing)
    return RunFacts(
        run_id=r["pk"],
        intervention_id=r["intervention_id"],
        intervention=r["intervention__name"],
        wave=r["intervention__wave"],
        staff_role=r["intervention__staff_role"],
        need_codes=tuple(r["intervention__need_codes"] or ()),
        areas=tuple(r["intervention__areas"] or ()),
        measure=r["intervention__measure"],
        run_start=start,
        run_end=end,
        costing=costing,
        cost=cost,
        hours=hours,
        year=year,
        days=rules.days_between(start, end),
        days_in_year=rules.days_in_school_year(start, end, year),
        cost_in_year=_cost_in_year(cost, r, year),
        hours_in_year=rules.in_school_year(hours, start=start, end=end, year=year),
    )


@dataclass(frozen=True)
class ProvisionRow:
    """One pupil in one run, with every figure the pages and exports show worked out once.

    What the run's pupils share (the intervention, costs, hours) is the run's ``facts``.
    """

    enrolment_id: int
    pupil_id: int
    upn: str
    surname: str
    forename: str
    year_group: int | None
    start: dt.date
    end: dt.date
    sessions_attended: int | None
    entry: Decimal | None
    exit: Decimal | None
    target: Decimal | None
    outcome: str
    facts: RunFacts

    # The run's facts, as the pupil's row: pages and exports read them from the row.
    run_id = property(lambda self: self.facts.run_id)
    intervention_id = property(lambda self: self.facts.intervention_id)
    intervention = property(lambda self: self.facts.intervention)
    wave = property(lambda self: self.facts.wave)
    staff_role = property(lambda self: self.facts.staff_role)
    need_codes = property(lambda self: self.facts.need_codes)
    areas = property(lambda self: self.facts.areas)
    measure = property(lambda self: self.facts.measure)
    run_start = property(lambda self: self.facts.run_start)
    run_end = property(lambda self: self.facts.run_end)
    costing = property(lambda self: self.facts.costing)
    cost = property(lambda self: self.facts.cost)
    hours = property(lambda self: self.facts.hours)
    year = property(lambda self: self.facts.year)
    days = property(lambda self: self.facts.days)
    days_in_year = property(lambda self: self.facts.days_in_year)
    cost_in_year = property(lambda self: self.facts.cost_in_year)
    hours_in_year = property(lambda self: self.facts.hours_in_year)

    @property
    def name(self) -> str:
        return f"{self.forename} {self.surname}"

    @property
    def gain(self) -> Decimal | None:
        if self.entry is None or self.exit is None:
            return None
        return self.exit - self.entry

    @property
    def year_label(self) -> str:
        return codes.year_label(self.year_group)

    @property
    def wave_label(self) -> str:
        return rules.WAVE_SHORT.get(self.facts.wave, str(self.facts.wave))

    @property
    def targets_label(self) -> str:
        return rules.targets_label(self.facts.need_codes, self.facts.areas)

    @property
    def planned_sessions(self) -> Decimal:
        return self.facts.costing.sessions_per_week * self.facts.costing.weeks

    @property
    def met_target(self) -> bool | None:
        if self.target is None or self.exit is None:
            return None
        return self.exit >= self.target

    @property
    def pupil_url(self) -> str:
        return reverse("pupil_detail", args=[self.pupil_id])

    @property
    def run_url(self) -> str:
        return reverse("provision_run", args=[self.facts.run_id])

    def scores(self) -> rules.Scores:
        return rules.Scores(entry=self.entry, exit=self.exit, target=self.target)


_ROW_FIELDS = (
    "pk", "run_id", "pupil_id", "pupil__upn", "pupil__legal_surname", "pupil__legal_forename",
    "pupil__preferred_surname", "pupil__preferred_forename", "pupil__year_group", "start_date",
    "end_date", "sessions_attended", "entry_score", "exit_score", "target_score", "outcome",
)  # fmt: skip


def _rows(enrolments: QuerySet[Enrolment], year: int) -> list[ProvisionRow]:
    """Prepared rows for ``enrolments``, their costs and hours split for the school year. Two
    queries: the pupils' rows, and their runs' facts (worked out once a run)."""
    records = list(enrolments.values(*_ROW_FIELDS))
    return _rows_from(records, enrolments, year)


def _rows_from(
    records: list[dict[str, Any]], enrolments: QuerySet[Enrolment], year: int
) -> list[ProvisionRow]:
    if not records:
        return []
    facts = _run_facts(Run.objects.filter(pk__in=enrolments.values("run_id")), year)
    return [_row(r, facts[r["run_id"]]) for r in records]


#: The run's fields as seen from an enrolment, for reading a few rows in one query.
_JOINED_RUN_FIELDS = {f"run__{name}" if name != "pk" else "run_id": name for name in _RUN_FIELDS}


def _joined(enrolments: QuerySet[Enrolment], *extra: str) -> QuerySet[Any]:
    """The enrolments' records with their run's fields joined to each: for one pupil's few
    rows, where a second query would cost more than repeating the run's columns."""
    return enrolments.values(*dict.fromkeys([*_ROW_FIELDS, *_JOINED_RUN_FIELDS, *extra]))


def _rows_joined(records: Iterable[dict[str, Any]], year: int) -> list[ProvisionRow]:
    """Prepared rows from records read by ``_joined``, each run's facts worked out once."""
    facts: dict[int, RunFacts] = {}
    rows = []
    for r in records:
        if r["run_id"] not in facts:
            run = {name: r[joined] for joined, name in _JOINED_RUN_FIELDS.items()}
            facts[r["run_id"]] = _facts(run, year)
        rows.append(_row(r, facts[r["run_id"]]))
    return rows


def _row(r: dict[str, Any], facts: RunFacts) -> ProvisionRow:
    """One prepared row from a ``values()`` record of an enrolment."""
    return ProvisionRow(
        enrolment_id=r["pk"],
        pupil_id=r["pupil_id"],
        upn=r["pupil__upn"],
        surname=r["pupil__preferred_surname"] or r["pupil__legal_surname"],
        forename=r["pupil__preferred_forename"] or r["pupil__legal_forename"],
        year_group=r["pupil__year_group"],
        start=r["start_date"],
        end=r["end_date"],
        sessions_attended=r["sessions_attended"],
        entry=r["entry_score"],
        exit=r["exit_score"],
        target=r["target_score"],
        outcome=r["outcome"],
        facts=facts,
    )


def _in_year(year: int) -> Q:
    return _overlapping(*rules.school_year_bounds(year), through="run__")


def _overlapping(first: dt.date, last: dt.date, *, through: str = "") -> Q:
    """Runs (or, ``through`` a relation, records of runs) that fall at least partly from
    ``first`` to ``last``."""
    return Q(**{f"{through}start_date__lte": last, f"{through}end_date__gte": first})


@compiled
def _school_year_pairs(school_id: int, first: dt.date, last: dt.date) -> QuerySet[Any]:
    """Who is in which of the school's runs falling in the year from ``first`` to ``last``."""
    return (
        Enrolment.objects.filter(
            _overlapping(first, last, through="run__"), run__school_id=school_id
        )
        .order_by()
        .values_list("pupil_id", "run_id")
    )


@compiled
def _school_year_runs(school_id: int, first: dt.date, last: dt.date) -> QuerySet[Any]:
    """What the costs of the school's runs falling in the year are worked out from."""
    return (
        Run.objects.filter(_overlapping(first, last), school_id=school_id)
        .order_by()
        .values(*_COST_FIELDS)
    )


def _year_enrolments(
    school: School, year: int, pupils: QuerySet[Pupil] | None = None
) -> QuerySet[Enrolment]:
    enrolments = Enrolment.objects.filter(_in_year(year), run__school=school)
    if pupils is not None:
        enrolments = enrolments.filter(pupil__in=pupils)
    return enrolments


def _pupils_in(enrolments: QuerySet[Enrolment]) -> QuerySet[Pupil]:
    """The pupils of ``enrolments``, as a subquery (not a list of thousands of ids)."""
    return Pupil.objects.filter(pk__in=enrolments.values("pupil_id"))


def year_rows(
    school: School, year: int, *, pupils: QuerySet[Pupil] | None = None
) -> list[ProvisionRow]:
    """Every pupil in every run that falls (at least partly) in the school year, by pupil."""
    enrolments = _year_enrolments(school, year, pupils).order_by(
        "pupil__legal_surname", "pupil__legal_forename", "pupil_id", "run__start_date", "pk"
    )
    return _rows(enrolments, year)


# --- Need filters -----------------------------------------------------------------------------


def need_filter_choices() -> list[tuple[str, str]]:
    """Broad areas, then need types, for the map's "need" filter."""
    return rules.need_area_choices()


def _with_need(
    rows: Sequence[ProvisionRow], pupils: QuerySet[Pupil], need: str, day: dt.date
) -> tuple[list[ProvisionRow], dict[int, list[str]]]:
    """Rows of pupils who have ``need`` (a need type, or any need in a broad area) on ``day``."""
    needs = needs_on_query(pupils, day=day) if rows else {}
    if not need:
        return list(rows), needs
    if codes.need_type(need) is not None:
        wanted = {need}
    else:
        wanted = {n.code for n in codes.NEED_TYPES if n.area.value == need}
    return [r for r in rows if wanted & set(needs.get(r.pupil_id, ()))], needs


# --- The whole-school map ---------------------------------------------------------------------


@dataclass
class MapCell:
    pupil_ids: set[int] = field(default_factory=set)
    hours: Decimal = rules.ZERO
    cost: Decimal = rules.ZERO
    #: Fewer pupils than may be shown to a role that sees only totals.
    suppressed: bool = False

    @property
    def pupils(self) -> int:
        return len(self.pupil_ids)

    def add(self, row: ProvisionRow) -> None:
        self.pupil_ids.add(row.pupil_id)
        self.hours += row.hours_in_year
        self.cost += row.cost_in_year


@dataclass
class MapLine:
    label: str
    cells: list[MapCell]
    total: MapCell


@dataclass
class InterventionLine:
    intervention_id: int
    name: str
    wave: int
    targets: str
    runs: int
    cell: MapCell

    @property
    def url(self) -> str:
        return reverse("provision_intervention", args=[self.intervention_id])


@dataclass
class ProvisionMap:
    year: int
    need: str
    waves: list[tuple[int, str]]
    lines: list[MapLine]
    totals: MapLine
    interventions: list[InterventionLine]
    rows: list[ProvisionRow]
    needs: dict[int, list[str]]

    @property
    def year_label(self) -> str:
        return rules.school_year_label(self.year)


#: Counts below this are not shown to roles that see only totals.
SMALL_NUMBER = 5


def provision_map(
    school: School, *, year: int, need: str = "", today: dt.date, suppress: bool = False
) -> ProvisionMap:
    """The school year's provision by year group and wave, with totals of pupils, hours and cost.

    ``suppress`` hides the figures of any group of fewer than five pupils (for governors and
    advisers), so that no child's provision can be picked out.
    """
    enrolments = _year_enrolments(school, year)
    rows, needs = _with_need(
        year_rows(school, year), _pupils_in(enrolments), need, day_in_year(year, today)
    )
    waves = [(w.value, rules.WAVE_SHORT[w.value]) for w in rules.Wave]
    by_year: dict[int | None, list[MapCell]] = {}
    year_totals: dict[int | None, MapCell] = defaultdict(MapCell)
    wave_totals = [MapCell() for _ in waves]
    grand = MapCell()
    per_intervention: dict[int, tuple[ProvisionRow, set[int], MapCell]] = {}
    for row in rows:
        cells = by_year.setdefault(row.year_group, [MapCell() for _ in waves])
        position = row.wave - 1
        cells[position].add(row)
        year_totals[row.year_group].add(row)
        wave_totals[position].add(row)
        grand.add(row)
        first, runs, cell = per_intervention.setdefault(
            row.intervention_id, (row, set(), MapCell())
        )
        runs.add(row.run_id)
        cell.add(row)
    ordered = sorted(by_year, key=lambda y: (y is None, y if y is not None else 0))
    lines = [MapLine(codes.year_label(y), by_year[y], year_totals[y]) for y in ordered]
    totals = MapLine("All year groups", wave_totals, grand)
    interventions = [
        InterventionLine(
            intervention_id=first.intervention_id,
            name=first.intervention,
            wave=first.wave,
            targets=first.targets_label,
            runs=len(runs),
            cell=cell,
        )
        for first, runs, cell in sorted(
            per_intervention.values(), key=lambda item: (item[0].wave, item[0].intervention)
        )
    ]
    if suppress:
        for line in [*lines, totals]:
            for cell in [*line.cells, line.total]:
                cell.suppressed = 0 < cell.pupils < SMALL_NUMBER
        for item in interventions:
            item.cell.suppressed = 0 < item.cell.pupils < SMALL_NUMBER
    return ProvisionMap(
        year=year,
        need=need,
        waves=waves,
        lines=lines,
        totals=totals,
        interventions=interventions,
        rows=[] if suppress else rows,
        needs={} if suppress else needs,
    )


def years_with_provision(school: School, today: dt.date) -> list[int]:
    """School years that have runs, and this one, newest first (for the year filter)."""
    bounds = Run.objects.filter(school=school).values_list("start_date", "end_date")
    years = {rules.school_year_of(today)}
    for start, end in bounds:
        years.update(range(rules.school_year_of(start), rules.school_year_of(end) + 1))
    return sorted(years, reverse=True)


# --- Pupils' costs and top-up candidates ------------------------------------------------------


@dataclass(frozen=True)
class PupilCost:
    """A pupil's costed provision for a school year, with the runs that make it up."""

    pupil_id: int
    upn: str
    name: str
    surname: str
    forename: str
    year_group: int | None
    status: str
    needs: tuple[str, ...]
    cost: Decimal
    hours: Decimal
    threshold: Decimal
    runs: tuple[ProvisionRow, ...]

    @property
    def over_threshold(self) -> bool:
        return rules.over_threshold(self.cost, self.threshold)

    @property
    def above_by(self) -> Decimal:
        return self.cost - self.threshold

    @property
    def year_label(self) -> str:
        return codes.year_label(self.year_group)

    @property
    def url(self) -> str:
        return reverse("pupil_detail", args=[self.pupil_id])

    def as_json(self) -> dict[str, Any]:
        """One pupil in ``sendreg provision costs --json`` (a public interface: see the README)."""
        return {
            "upn": self.upn,
            "name": self.name,
            "status": self.status,
            "cost": rules.money_text(self.cost),
            "over_threshold": self.over_threshold,
            "runs": [
                {"intervention": r.intervention, "cost": rules.money_text(r.cost_in_year)}
                for r in self.runs
            ],
        }


def statuses_on(pupil_ids: Iterable[int], day: dt.date) -> dict[int, str]:
    """Each pupil's SEN status (E or K) on ``day``; pupils not on the register are left out."""
    return dict(
        on_register(Pupil.objects.filter(pk__in=list(pupil_ids)), day=day).values_list(
            "pk", "sen_status"
        )
    )


def pupil_costs(
    school: School,
    *,
    year: int,
    today: dt.date,
    pupils: QuerySet[Pupil] | None = None,
    threshold: Decimal | None = None,
) -> list[PupilCost]:
    """Every pupil with provision in the school year, most expensive first. Five queries (four
    when ``threshold`` is given)."""
    rows = year_rows(school, year, pupils=pupils)
    if threshold is None:
        threshold = topup_threshold(school)
    if not rows:
        return []
    day = day_in_year(year, today)
    holders = _pupils_in(_year_enrolments(school, year, pupils))
    statuses = dict(on_register(holders, day=day).values_list("pk", "sen_status"))
    return _pupil_costs(rows, threshold, statuses, needs_on_query(holders, day=day))


def _pupil_costs(
    rows: Sequence[ProvisionRow],
    threshold: Decimal,
    statuses: dict[int, str],
    needs: dict[int, list[str]],
) -> list[PupilCost]:
    grouped: dict[int, list[ProvisionRow]] = {}
    for row in rows:
        grouped.setdefault(row.pupil_id, []).append(row)
    costs = []
    for pupil_id, runs in grouped.items():
        first = runs[0]
        costs.append(
            PupilCost(
                pupil_id=pupil_id,
                upn=first.upn,
                name=first.name,
                surname=first.surname,
                forename=first.forename,
                year_group=first.year_group,
                status=statuses.get(pupil_id) or NO_SEN,
                needs=tuple(needs.get(pupil_id, ())),
                cost=sum((r.cost_in_year for r in runs), rules.ZERO),
                hours=sum((r.hours_in_year for r in runs), rules.ZERO),
                threshold=threshold,
                runs=tuple(sorted(runs, key=lambda r: (-r.cost_in_year, r.intervention))),
            )
        )
    costs.sort(key=lambda c: (-c.cost, c.surname, c.forename, c.pupil_id))
    return costs


def cost_totals(
    school: School, *, year: int, pupils: QuerySet[Pupil] | None = None
) -> dict[str, Decimal]:
    """Each pupil's costed provision in the school year by UPN: the same sum as
    ``pupil_costs`` (each run's cost in the year), without the rows behind it. Two queries,
    for the analysis, which needs only the totals."""
    enrolments = _year_enrolments(school, year, pupils)
    costs = _costs_in_year(Run.objects.filter(pk__in=enrolments.values("run_id")).order_by(), year)
    totals: dict[str, Decimal] = defaultdict(lambda: rules.ZERO)
    for upn, run_id in enrolments.values_list("pupil__upn", "run_id"):
        totals[upn] += costs[run_id]
    return dict(totals)


@dataclass(frozen=True)
class Candidate:
    """A pupil whose costed provision this year is above the top-up threshold, as the home
    panel names them (the evidence is on the top-up page)."""

    pupil_id: int
    surname: str
    forename: str
    cost: Decimal

    @property
    def name(self) -> str:
        return f"{self.forename} {self.surname}"

    @property
    def url(self) -> str:
        return reverse("pupil_detail", args=[self.pupil_id])


@dataclass(frozen=True)
class CostSummary:
    """The year's provision costs in brief, as ``pupil_costs`` adds them up: how many pupils
    have any, the total, and the pupils above the threshold, most expensive first."""

    pupils: int
    total: Decimal
    candidates: list[Candidate]


def cost_summary(school: School, *, year: int, threshold: Decimal) -> CostSummary:
    """``pupil_costs`` in brief, in three queries: each pupil's cost is the sum of their runs'
    costs in the year (worked out once a run, by the same rule), and only the pupils above
    ``threshold`` are read, for their names."""
    # In no order: the totals are summed, and the candidates sorted, here.
    first, last = rules.school_year_bounds(year)
    pairs = _school_year_pairs(school.pk, first, last)
    if not pairs:
        return CostSummary(pupils=0, total=rules.ZERO, candidates=[])
    # The school's runs in the year: tens of them, among them every run of ``pairs``.
    costs = _costs_of(_school_year_runs(school.pk, first, last), year)
    totals: dict[int, Decimal] = defaultdict(lambda: rules.ZERO)
    for pupil_id, run_id in pairs:
        totals[pupil_id] += costs[run_id]
    over = [pk for pk, cost in totals.items() if rules.over_threshold(cost, threshold)]
    candidates = [
        Candidate(
            pupil_id=pk,
            surname=shown_surname(legal_surname, preferred_surname),
            forename=shown_forename(legal_forename, preferred_forename),
            cost=totals[pk],
        )
        for pk, legal_surname, legal_forename, preferred_surname, preferred_forename in (
            Pupil.objects.filter(pk__in=over).values_list(
                "pk", "legal_surname", "legal_forename", "preferred_surname", "preferred_forename"
            )
            if over
            else []
        )
    ]
    candidates.sort(key=lambda c: (-c.cost, c.surname, c.forename, c.pupil_id))
    return CostSummary(
        pupils=len(totals), total=sum(totals.values(), rules.ZERO), candidates=candidates
    )


def topup_candidates(school: School, *, year: int, today: dt.date) -> list[PupilCost]:
    """Pupils whose costed provision this year is above the threshold, with the evidence."""
    return [c for c in pupil_costs(school, year=year, today=today) if c.over_threshold]


# --- One pupil --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PupilProvision:
    """A pupil's provision in one school year: the runs, their hours and cost, and the threshold."""

    year: int
    rows: tuple[ProvisionRow, ...]
    hours: Decimal
    cost: Decimal
    threshold: Decimal

    @property
    def over_threshold(self) -> bool:
        return rules.over_threshold(self.cost, self.threshold)

    @property
    def year_label(self) -> str:
        return rules.school_year_label(self.year)

    @property
    def headroom(self) -> Decimal:
        return self.threshold - self.cost


def pupil_provision(pupil: Pupil, *, year: int) -> PupilProvision:
    """The pupil's runs in the school year with hours and cost, for their page and their plan.

    ``pupil`` must already have been fetched for the asking member. Two queries.
    """
    rows = _rows_joined(
        _joined(
            Enrolment.objects.filter(_in_year(year), pupil=pupil).order_by("run__start_date", "pk")
        ),
        year,
    )
    return _pupil_provision(year, rows, topup_threshold(pupil.school))


def _pupil_provision(year: int, rows: Sequence[ProvisionRow], threshold: Decimal) -> PupilProvision:
    return PupilProvision(
        year=year,
        rows=tuple(rows),
        hours=sum((r.hours_in_year for r in rows), rules.ZERO),
        cost=sum((r.cost_in_year for r in rows), rules.ZERO),
        threshold=threshold,
    )


def _pupil_enrolments(pupil_id: int, last: dt.date) -> QuerySet[Enrolment]:
    """The pupil's enrolments in runs that started by ``last``, oldest first."""
    return Enrolment.objects.filter(pupil_id=pupil_id, run__start_date__lte=last).order_by(
        "run__start_date", "pk"
    )


@compiled
def _pupil_history(pupil_id: int, last: dt.date) -> QuerySet[Any]:
    return _joined(_pupil_enrolments(pupil_id, last))


@compiled
def _pupil_history_with_threshold(pupil_id: int, last: dt.date) -> QuerySet[Any]:
    own = ProvisionSettings.objects.filter(school_id=OuterRef("run__school_id"))
    return _joined(
        _pupil_enrolments(pupil_id, last).annotate(
            own_threshold=Subquery(own.values("topup_threshold")[:1])
        ),
        "own_threshold",
    )


def pupil_provision_history(
    pupil: Pupil, *, year: int, with_threshold: bool
) -> tuple[PupilProvision, list[ProvisionRow]]:
    """The pupil's provision in the school year, and the runs that ended before it (newest
    first), in one query. Without ``with_threshold`` the threshold is the default."""
    first, last = rules.school_year_bounds(year)
    own: Decimal | None = None
    if with_threshold:
        # The school's own threshold rides along with the rows rather than costing a query.
        records = _pupil_history_with_threshold(pupil.pk, last)
        if records:
            own = records[0]["own_threshold"]
    else:
        records = _pupil_history(pupil.pk, last)
    rows = _rows_joined(records, year)
    threshold = own if own is not None else default_threshold()
    current = [r for r in rows if r.days_in_year > 0]
    earlier = [r for r in reversed(rows) if r.run_end < first]
    return _pupil_provision(year, current, threshold), earlier


def pupil_record(pupil: Pupil) -> dict[str, Any]:
    """Everything the provision map holds about a pupil, as JSON-able values (subject access,
    record packs). Costs are each run's whole cost for the pupil."""
    enrolments = Enrolment.objects.filter(pupil=pupil).order_by("run__start_date", "pk")
    staff: dict[int, list[str]] = defaultdict(list)
    for run_id, name in Run.staff.through.objects.filter(run__enrolments__pupil=pupil).values_list(
        "run_id", "user__name"
    ):
        staff[run_id].append(name)
    others = dict(Run.objects.filter(enrolments__pupil=pupil).values_list("pk", "other_staff"))
    records = []
    for row in _rows(enrolments, rules.school_year_of(dates.today())):
        records.append(
            {
                "intervention": row.intervention,
                "wave": row.wave,
                "targets": row.targets_label,
                "run_start": row.run_start.isoformat(),
                "run_end": row.run_end.isoformat(),
                "start": row.start.isoformat(),
                "end": row.end.isoformat(),
                "staff": sorted(staff.get(row.run_id, []))
                + ([others[row.run_id]] if others.get(row.run_id) else []),
                "sessions_per_week": str(row.costing.sessions_per_week),
                "minutes_per_session": row.costing.minutes_per_session,
                "weeks": row.costing.weeks,
                "group_size": row.costing.group_size,
                "sessions_attended": row.sessions_attended,
                "entry_score": None if row.entry is None else str(row.entry),
                "exit_score": None if row.exit is None else str(row.exit),
                "target_score": None if row.target is None else str(row.target),
                "gain": None if row.gain is None else str(row.gain),
                "outcome": row.outcome,
                "hours": str(row.hours),
                "cost": rules.money_text(row.cost),
            }
        )
    return {"enrolments": records}


# --- Impact -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class InterventionImpact:
    intervention: Intervention
    runs: int
    impact: rules.Impact

    def as_json(self) -> dict[str, Any]:
        """One intervention in ``sendreg provision impact --json`` (see the README)."""
        i = self.impact

        def text(value: Decimal | None) -> str | None:
            return None if value is None else f"{value:.2f}"

        return {
            "intervention": self.intervention.name,
            "need": self.intervention.targets_label,
            "pupils": i.pupils,
            "pupils_with_scores": i.pupils_with_scores,
            "mean_gain": text(i.mean_gain),
            "sd_gain": text(i.sd_gain),
            "effect_size": text(i.effect_size),
            "met_target": text(i.met_target_share),
            "cost_per_pupil": rules.money_text(i.cost_per_pupil),
        }


def interventions_for_need(school: School, need: str) -> list[Intervention]:
    """Interventions that target ``need`` (a need type, directly or by its broad area; or a
    broad area, directly or by one of its need types), by name."""
    wanted_needs, wanted_areas = _need_and_area(need)
    return [
        i
        for i in Intervention.objects.filter(school=school).order_by("name", "pk")
        if not need or wanted_needs & set(i.need_codes) or wanted_areas & set(i.areas)
    ]


def _need_and_area(need: str) -> tuple[set[str], set[str]]:
    found = codes.need_type(need)
    if found is not None:
        return {found.code}, {found.area.value}
    return {n.code for n in codes.NEED_TYPES if n.area.value == need}, {need}


def impact_rows(
    school: School, *, need: str = "", interventions: Sequence[Intervention] | None = None
) -> list[InterventionImpact]:
    """Each intervention's impact over all its runs, by name. Three queries, reading only the
    scores and each run's cost (worked out once a run)."""
    chosen = (
        list(interventions) if interventions is not None else interventions_for_need(school, need)
    )
    ids = [i.pk for i in chosen]
    facts = _run_facts(
        Run.objects.filter(intervention__in=ids), rules.school_year_of(dates.today())
    )
    scores: dict[int, list[rules.Scores]] = defaultdict(list)
    costs: dict[int, list[Decimal]] = defaultdict(list)
    runs: dict[int, set[int]] = defaultdict(set)
    for run_id, entry, exit_, target in Enrolment.objects.filter(
        run__intervention__in=ids
    ).values_list("run_id", "entry_score", "exit_score", "target_score"):
        run = facts[run_id]
        scores[run.intervention_id].append(rules.Scores(entry=entry, exit=exit_, target=target))
        costs[run.intervention_id].append(run.cost)
        runs[run.intervention_id].add(run_id)
    return [
        InterventionImpact(
            intervention=i, runs=len(runs[i.pk]), impact=rules.impact(scores[i.pk], costs[i.pk])
        )
        for i in chosen
    ]


def run_impact(rows: Sequence[ProvisionRow]) -> rules.Impact:
    return rules.impact([r.scores() for r in rows], [r.cost for r in rows])


# --- Needs against provision ------------------------------------------------------------------


@dataclass(frozen=True)
class NeedLine:
    code: str
    label: str
    area: str
    pupils: int
    pupils_with_provision: int
    interventions: tuple[Intervention, ...]
    running: tuple[Intervention, ...]

    @property
    def gap(self) -> bool:
        """Pupils with this need, and no intervention for it running this year."""
        return self.pupils > 0 and not self.running


def needs_against_provision(school: School, *, year: int, today: dt.date) -> list[NeedLine]:
    """Each need type held by pupils on the register, with the interventions that target it."""
    day = day_in_year(year, today)
    pupils = on_register(Pupil.objects.filter(on_roll(day), school=school), day=day)
    needs = needs_on_query(pupils, day=day)
    holders: dict[str, set[int]] = defaultdict(set)
    for pupil_id, held in needs.items():
        for code in held:
            holders[code].add(pupil_id)
    placed = list(
        Enrolment.objects.filter(_in_year(year), run__school=school).values_list(
            "pupil_id", "run__intervention_id"
        )
    )
    with_provision = {pupil_id for pupil_id, _ in placed}
    running_ids = {intervention_id for _, intervention_id in placed}
    catalogue = list(Intervention.objects.filter(school=school).order_by("name", "pk"))
    lines = []
    for need in codes.need_types():
        if need.code not in holders:
            continue
        targeting = tuple(
            i
            for i in catalogue
            if rules.targets_need(
                need=need.code,
                need_area=need.area.value,
                target_needs=i.need_codes,
                target_areas=i.areas,
            )
        )
        lines.append(
            NeedLine(
                code=need.code,
                label=str(need),
                area=need.area.label,
                pupils=len(holders[need.code]),
                pupils_with_provision=len(holders[need.code] & with_provision),
                interventions=targeting,
                running=tuple(i for i in targeting if i.pk in running_ids),
            )
        )
    lines.sort(key=lambda line: (-line.pupils, line.code))
    return lines


# --- Catalogue and runs -----------------------------------------------------------------------


def interventions_of(school: School, *, active: bool | None = None) -> QuerySet[Intervention]:
    interventions = Intervention.objects.filter(school=school)
    if active is not None:
        interventions = interventions.filter(active=active)
    return interventions.order_by("-active", "name", "pk")


def intervention_get(membership: Membership, pk: int) -> Intervention:
    """An intervention of the member's school, or 404."""
    found = Intervention.objects.filter(school_id=membership.school_id, pk=pk).first()
    if found is None:
        raise Http404("No such intervention.")
    return found


def runs_visible_to(membership: Membership) -> QuerySet[Run]:
    """Runs of the member's school: every one, or those they deliver or whose pupils they teach."""
    runs = Run.objects.filter(school_id=membership.school_id)
    if membership.can(Permission.PROVISION_VIEW):
        return runs
    if membership.can(Permission.PROVISION_VIEW_TAUGHT):
        taught = pupils_visible_to(membership).values("pk")
        return runs.filter(Q(staff=membership.user_id) | Q(enrolments__pupil__in=taught)).distinct()
    return runs.none()


def delivers(membership: Membership, run: Run) -> bool:
    return run.staff.filter(pk=membership.user_id).exists()


def run_get_for_user(membership: Membership, pk: int) -> Run:
    """A run the member may see, or 404."""
    run = runs_visible_to(membership).select_related("intervention", "school").filter(pk=pk).first()
    if run is None:
        raise Http404("No such run.")
    return run


def run_rows_for(membership: Membership, run: Run) -> list[ProvisionRow]:
    """The pupils in a run whom the member may see: all of them for those who see the whole
    school or deliver the run, otherwise the pupils they teach."""
    enrolments = run.enrolments.all()
    if not (membership.can(Permission.PROVISION_VIEW) or delivers(membership, run)):
        enrolments = enrolments.filter(visible_to(membership))
    enrolments = enrolments.order_by("pupil__legal_surname", "pupil__legal_forename", "pk")
    return _rows(enrolments, rules.school_year_of(run.start_date))


def enrolment_get(run: Run, pk: int) -> Enrolment:
    found = run.enrolments.select_related("pupil", "run__intervention").filter(pk=pk).first()
    if found is None:
        raise Http404("No such pupil in this run.")
    return found


@dataclass(frozen=True)
class RunLine:
    run: Run
    pupils: int
    cost: Decimal
    staff: tuple[str, ...]


def run_lines(runs: QuerySet[Run], *, year: int | None = None) -> list[RunLine]:
    """Runs with their number of pupils, cost and staff, in three queries."""
    if year is not None:
        first, last = rules.school_year_bounds(year)
        runs = runs.filter(start_date__lte=last, end_date__gte=first)
    runs = runs.select_related("intervention").order_by("-start_date", "intervention__name", "pk")
    found = list(runs)
    pupils: dict[int, int] = defaultdict(int)
    for run_id in Enrolment.objects.filter(run__in=[r.pk for r in found]).values_list(
        "run_id", flat=True
    ):
        pupils[run_id] += 1
    staff: dict[int, list[str]] = defaultdict(list)
    for run_id, name in Run.staff.through.objects.filter(
        run_id__in=[r.pk for r in found]
    ).values_list("run_id", "user__name"):
        staff[run_id].append(name)
    lines = []
    for run in found:
        names = sorted(staff[run.pk]) + ([run.other_staff] if run.other_staff else [])
        cost = rules.pupil_run_cost(run.costing()) * pupils[run.pk]
        lines.append(RunLine(run=run, pupils=pupils[run.pk], cost=cost, staff=tuple(names)))
    return lines


def staff_of(school: School) -> QuerySet[User]:
    """The people who work at the school, who may deliver a run or be trained."""
    return (
        User.objects.filter(
            is_active=True, memberships__school=school, memberships__role__in=STAFF_ROLES
        )
        .distinct()
        .order_by("name", "pk")
    )


@dataclass(frozen=True)
class PupilChoice:
    pk: int
    label: str
    needs: tuple[str, ...]
    in_run: bool


def pupils_to_add(
    membership: Membership, run: Run, *, query: str, day: dt.date, limit: int = 60
) -> list[PupilChoice]:
    """Pupils on roll to offer for a run: those matching ``query`` (name, UPN or registration
    group), or without a query those on the register with a need the intervention targets."""
    pupils = pupils_visible_to(membership).filter(on_roll(day))
    words = query.split()
    for word in words:
        pupils = pupils.filter(
            Q(legal_surname__icontains=word)
            | Q(legal_forename__icontains=word)
            | Q(preferred_forename__icontains=word)
            | Q(preferred_surname__icontains=word)
            | Q(upn__iexact=word)
            | Q(reg_group__iexact=word)
        )
    if not words:
        intervention = run.intervention
        wanted = set(intervention.need_codes) | {
            n.code for n in codes.NEED_TYPES if n.area.value in set(intervention.areas)
        }
        register = on_register(pupils, day=day)
        needs = needs_on_query(register, day=day)
        ids = [pk for pk, held in needs.items() if wanted & set(held)]
        pupils = pupils.filter(pk__in=ids)
    found = list(
        pupils.order_by("legal_surname", "legal_forename", "pk").values(
            "pk", "legal_surname", "legal_forename", "preferred_forename", "preferred_surname",
            "year_group", "reg_group", "upn",
        )[:limit]
    )  # fmt: skip
    needs = needs_on([p["pk"] for p in found], day=day)
    in_run = set(
        run.enrolments.filter(pupil_id__in=[p["pk"] for p in found]).values_list(
            "pupil_id", flat=True
        )
    )
    return [
        PupilChoice(
            pk=p["pk"],
            label=(
                f"{p['preferred_forename'] or p['legal_forename']} "
                f"{p['preferred_surname'] or p['legal_surname']}, "
                f"{codes.year_label(p['year_group'])}"
                + (f" ({p['reg_group']})" if p["reg_group"] else "")
            ),
            needs=tuple(needs.get(p["pk"], ())),
            in_run=p["pk"] in in_run,
        )
        for p in found
    ]


def pupils_by_ids(membership: Membership, ids: Sequence[int], day: dt.date) -> list[Pupil]:
    """The pupils with these ids whom the member may see and who are on roll."""
    return list(pupils_visible_to(membership).filter(on_roll(day), pk__in=list(ids)))


# --- Training ---------------------------------------------------------------------------------


def training_records(school: School) -> QuerySet[TrainingRecord]:
    return TrainingRecord.objects.filter(school=school).select_related("user").order_by("-on", "pk")


def training_record_get(membership: Membership, pk: int) -> TrainingRecord:
    found = training_records(membership.school).filter(pk=pk).first()
    if found is None:
        raise Http404("No such training record.")
    return found


@dataclass(frozen=True)
class TrainingArea:
    """Training in one need area: how many records at each level, and how many people."""

    need_area: str
    label: str
    awareness: int
    enhanced: int
    specialist: int
    people: int
    latest: dt.date
    #: Pupils on the register today with a need in this area (a broad area, or one need).
    pupils: int = 0

    @property
    def total(self) -> int:
        return self.awareness + self.enhanced + self.specialist


def training_summary(school: School, *, today: dt.date | None = None) -> list[TrainingArea]:
    """Training by need area, most trained first: for "does training match the needs?".

    With ``today``, each area also says how many pupils on the register have a need in it.
    """
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    people: dict[str, set[str]] = defaultdict(set)
    latest: dict[str, dt.date] = {}
    for area, level, user_id, name, on in TrainingRecord.objects.filter(school=school).values_list(
        "need_area", "level", "user_id", "name", "on"
    ):
        counts[area][level] += 1
        people[area].add(f"u{user_id}" if user_id else f"n{name.strip().lower()}")
        latest[area] = max(latest.get(area, on), on)
    holders: dict[str, int] = {}
    if today is not None:
        pupils = on_register(Pupil.objects.filter(on_roll(today), school=school), day=today)
        needs = needs_on_query(pupils, day=today)
        by_code: dict[str, set[int]] = defaultdict(set)
        for pupil_id, held in needs.items():
            for code in held:
                by_code[code].add(pupil_id)
                by_code[rules.area_of(code)].add(pupil_id)
        holders = {k: len(v) for k, v in by_code.items()}
    summary = [
        TrainingArea(
            need_area=area,
            label=rules.need_area_label(area),
            awareness=levels[rules.TrainingLevel.AWARENESS],
            enhanced=levels[rules.TrainingLevel.ENHANCED],
            specialist=levels[rules.TrainingLevel.SPECIALIST],
            people=len(people[area]),
            latest=latest[area],
            pupils=holders.get(area, 0),
        )
        for area, levels in counts.items()
    ]
    summary.sort(key=lambda a: (-a.total, a.label))
    return summary


# --- The SENCO's home page ---------------------------------------------------------------------


def unmeasured_interventions(school: School, *, today: dt.date) -> list[Intervention]:
    """Interventions with a run that has ended but no pupil in an ended run with both an entry
    and an exit score. One query, compiled once (the SENCO's home page)."""
    return _unmeasured(school.pk, today)


@compiled
def _unmeasured(school_id: int, today: dt.date) -> QuerySet[Intervention]:
    ended = Q(runs__end_date__lt=today)
    both = ended & Q(
        runs__enrolments__entry_score__isnull=False, runs__enrolments__exit_score__isnull=False
    )
    # Only what the list shows (the name, and the id for the link): the counts are grouped
    # by these columns, not by every column of the intervention.
    return (
        Intervention.objects.filter(school_id=school_id)
        .only("pk", "name")
        .annotate(
            ended_places=Count("runs__enrolments", filter=ended),
            measured=Count("runs__enrolments", filter=both),
        )
        .filter(ended_places__gt=0, measured=0)
        .order_by("name", "pk")
    )


def runs_delivered_by(membership: Membership, *, today: dt.date) -> list[Run]:
    """Runs the member delivers that have not ended, soonest first (compiled once: the
    teacher's home page)."""
    return _runs_delivered(membership.school_id, membership.user_id, today)


@compiled
def _runs_delivered(school_id: int, user_id: int, today: dt.date) -> QuerySet[Run]:
    return (
        Run.objects.filter(school_id=school_id, staff=user_id, end_date__gte=today)
        .select_related("intervention")
        .order_by("start_date", "pk")
    )
