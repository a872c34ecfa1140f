"""Reads for the analysis: the facts of a day (from its snapshot, or live), and the analysis.

``analysis(school, day)`` is the one entry point: the pages, ``sendreg insight``, the
termly pack and the snapshot service all read it. A day with a snapshot is analysed from
the snapshot, so that last spring's figures stay as they were; a day without one is
analysed from the live register, without writing anything (a GET never writes).

Every read is set-based: the number of queries does not grow with the number of pupils.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Q, QuerySet

from sendreg import codes
from sendreg.accounts.models import School
from sendreg.insight import rules
from sendreg.insight.models import CaseNote, FindingNote, Snapshot, SnapshotPupil
from sendreg.insight.rules import E, Finding, K, PupilFacts
from sendreg.lib import national as national_figures
from sendreg.lib.compiled import compiled
from sendreg.lib.extensions import DEADLINE_SOURCES
from sendreg.lib.figures import percent
from sendreg.lib.urls import url_pattern
from sendreg.pupils.models import Pupil
from sendreg.pupils.rules import persistently_absent
from sendreg.pupils.selectors import on_roll
from sendreg.register.models import MonitoringEntry
from sendreg.register.selectors import need_held_since, on_register, register_states, state_of

_PUPIL_FIELDS = (
    "pk", "upn", "year_group", "gender", "date_of_birth", "attendance", "pupil_premium", "fsm",
    "eal", "looked_after",
)  # fmt: skip


# --- The facts of a day ---------------------------------------------------------------------


def _on_roll(school: School, day: dt.date) -> QuerySet[Pupil]:
    return Pupil.objects.filter(on_roll(day), school=school)


def on_monitoring(pupils: QuerySet[Pupil], *, day: dt.date) -> set[int]:
    """Pupils of ``pupils`` on the monitoring list on ``day``, in one query."""
    held = Q(started_on__lte=day) & (Q(ended_on__isnull=True) | Q(ended_on__gt=day))
    return set(
        MonitoringEntry.objects.filter(held, pupil__in=pupils.values("pk")).values_list(
            "pupil_id", flat=True
        )
    )


def with_open_plan(pupils: QuerySet[Pupil], *, day: dt.date) -> set[int]:
    """Pupils of ``pupils`` with a support plan open on ``day`` (opened by then and not yet
    reviewed), in one query. The support app's lists ask only about today; a snapshot of a
    past day needs the plans as they stood then."""
    from sendreg.support.models import SupportPlan

    open_then = Q(opened_on__lte=day) & (Q(reviewed_on__isnull=True) | Q(reviewed_on__gt=day))
    return set(
        SupportPlan.objects.filter(open_then, pupil__in=pupils.values("pk")).values_list(
            "pupil_id", flat=True
        )
    )


def live_facts(school: School, day: dt.date) -> list[tuple[int, PupilFacts]]:
    """Each pupil on roll on ``day`` with their facts, from the live register: six queries
    whatever the size of the school."""
    pupils = _on_roll(school, day)
    states = register_states(pupils, day=day)
    monitoring = on_monitoring(pupils, day=day)
    planned = with_open_plan(pupils, day=day)
    nsa = need_held_since(pupils, codes.NSA, day=day)
    facts = []
    for row in pupils.order_by("upn").values(*_PUPIL_FIELDS):
        pk: int = row["pk"]
        state = state_of(states, pk)
        facts.append(
            (
                pk,
                PupilFacts(
                    upn=row["upn"],
                    status=state.status or rules.N,
                    needs=state.needs,
                    year_group=row["year_group"],
                    gender=row["gender"],
                    birth_month=row["date_of_birth"].month,
                    monitoring=pk in monitoring,
                    attendance=row["attendance"],
                    pupil_premium=row["pupil_premium"],
                    fsm=row["fsm"],
                    eal=row["eal"],
                    looked_after=row["looked_after"],
                    open_plan=pk in planned,
                    nsa_since=nsa.get(pk) if state.status else None,
                ),
            )
        )
    return facts


_SNAPSHOT_FIELDS = (
    "upn", "status", "needs", "year_group", "gender", "birth_month", "monitoring", "attendance",
    "pupil_premium", "fsm", "eal", "looked_after", "open_plan", "nsa_since",
)  # fmt: skip


def snapshot_facts(snapshot_id: int) -> list[PupilFacts]:
    """The pupils of a snapshot, in one query."""
    facts = []
    for row in (
        SnapshotPupil.objects.filter(snapshot_id=snapshot_id)
        .order_by("upn")
        .values(*_SNAPSHOT_FIELDS)
    ):
        row["needs"] = tuple(row["needs"].split())
        facts.append(PupilFacts(**row))
    return facts


def snapshot_on(school: School, day: dt.date) -> Snapshot | None:
    return Snapshot.objects.filter(school=school, taken_on=day).first()


def snapshots_of(school: School) -> QuerySet[Snapshot]:
    return Snapshot.objects.filter(school=school).order_by("taken_on")


def latest_finding_counts(school_id: int, day: dt.date) -> dict[str, Any] | None:
    """The day and the findings' counts of the school's latest snapshot on or before ``day``
    (the home page's panel, compiled once), or None before the first."""
    found = _latest_finding_counts(school_id, day)
    return found[0] if found else None


@compiled
def _latest_finding_counts(school_id: int, day: dt.date) -> QuerySet[Any]:
    return (
        Snapshot.objects.filter(school_id=school_id, taken_on__lte=day)
        .order_by("-taken_on")
        .values("taken_on", "finding_counts")[:1]
    )


# --- National figures ----------------------------------------------------------------------


@dataclass(frozen=True)
class National:
    """What the school is compared with, with where each figure came from."""

    shares: rules.NationalShares
    #: The phase the E and K figures are for (all schools when the phase has none).
    ek_phase: str
    verified: bool
    source: str
    #: A newer release than the figures used, not yet checked against the DfE's tables.
    newer_unverified: national_figures.NationalFigures | None = None
    #: The school's own phase when no checked figures are held for it ("special schools").
    phase_not_held: str = ""

    def as_json(self) -> dict[str, Any]:
        s = self.shares
        return {
            "year": s.year,
            "phase": s.phase,
            "e_pct": _num(s.e_pct),
            "k_pct": _num(s.k_pct),
            "sen_pct": _num(s.sen_pct),
        }


def national_for(school: School) -> National | None:
    """The latest verified figures for the school's phase, each of E, K and all SEN taken
    from the phase where published and from all schools otherwise."""
    phase_name = national_figures.PHASE_OF_SCHOOL.get(school.phase)
    every = national_figures.latest_national(verified_only=True)
    phase = national_figures.latest_national(phase_name, verified_only=True) if phase_name else None
    if every is None and phase is None:
        return None
    chosen = [
        f
        for f in (phase, every)
        if f is not None and (every is None or f is every or f.year == every.year)
    ]

    def first(attribute: str) -> tuple[Decimal | None, str]:
        for f in chosen:
            value: Decimal | None = getattr(f, attribute)
            if value is not None:
                return value, f.phase
        return None, national_figures.ALL_SCHOOLS

    e_pct, e_phase = first("ehc_percent")
    k_pct, _ = first("support_percent")
    sen_pct, _ = first("all_sen_percent")
    needs = {(status, code): share for f in reversed(chosen) for status, code, share in f.needs}
    main = chosen[0]
    latest = national_figures.latest_national()
    newer = latest if latest is not None and latest.year > main.year else None
    return National(
        shares=rules.NationalShares(
            year=main.year,
            phase=main.phase,
            e_pct=e_pct,
            k_pct=k_pct,
            sen_pct=sen_pct,
            needs=needs,
        ),
        ek_phase=e_phase,
        verified=all(f.verified for f in chosen),
        source="; ".join(dict.fromkeys(f.source for f in chosen if f.source)),
        newer_unverified=newer,
        phase_not_held=(
            national_figures.PHASE_LABELS.get(phase_name, phase_name)
            if phase_name and phase is None
            else ""
        ),
    )


# --- The context of the findings: plans, provision, deadlines ---------------------------


def _interventions(school: School) -> list[rules.Targets]:
    from sendreg.provision.selectors import interventions_of

    return [
        rules.Targets(tuple(needs or ()), tuple(areas or ()))
        for needs, areas in interventions_of(school, active=True).values_list("need_codes", "areas")
    ]


def _trained_in(school: School) -> list[str]:
    from sendreg.provision.selectors import training_records

    return sorted(set(training_records(school).values_list("need_area", flat=True)))


def _costs(school: School, day: dt.date) -> tuple[list[rules.Cost], Decimal]:
    from sendreg.provision import rules as provision_rules
    from sendreg.provision.selectors import cost_totals, topup_threshold

    # All the school's pupils, not only those on roll: a subquery of the roll costs SQLite
    # far more than the few rows of pupils who left, which ``findings_for`` leaves out.
    totals = cost_totals(school, year=provision_rules.school_year_of(day))
    return [rules.Cost(upn, cost) for upn, cost in totals.items()], topup_threshold(school)


#: The kinds of deadline that ``overdue_reviews`` asks about, by the source that yields them
#: (None: every kind the source yields).
REVIEW_KINDS: dict[str, tuple[str, ...] | None] = {"support": ("plan_review",), "ehc": None}


def _duties(school: School, day: dt.date) -> list[rules.Duty] | None:
    from sendreg.deadlines.selectors import school_deadlines

    kinds: list[str] = []
    for key, wanted in REVIEW_KINDS.items():
        source = DEADLINE_SOURCES.get(key)
        if source is not None:
            kinds += wanted if wanted is not None else list(source.kinds)
    if not kinds:
        return None
    return [
        rules.Duty(d.upn, d.kind, d.due, d.detail)
        for d in school_deadlines(school, day, only_kinds=kinds, only_statuses=["overdue"])
    ]


def _meetings(school: School, day: dt.date) -> tuple[list[rules.Meetings], int]:
    from sendreg.support import rules as support_rules
    from sendreg.support.models import ParentMeeting
    from sendreg.support.selectors import meetings_per_year

    pupils = on_register(_on_roll(school, day), day=day).filter(sen_status=K)
    since = {pk: (upn, start) for pk, upn, start in pupils.values_list("pk", "upn", "sen_since")}
    year_start = support_rules.terms_of(support_rules.academic_year_start(day))[0].start
    held: dict[int, list[dt.date]] = defaultdict(list)
    for pupil_id, held_on in ParentMeeting.objects.filter(
        pupil__in=pupils.values("pk"), held_on__gte=year_start, held_on__lte=day
    ).values_list("pupil_id", "held_on"):
        held[pupil_id].append(held_on)
    meetings = [
        rules.Meetings(upn, start, tuple(sorted(held[pk]))) for pk, (upn, start) in since.items()
    ]
    return meetings, meetings_per_year(school)


# --- The analysis --------------------------------------------------------------------------


def _num(value: Decimal | None) -> float | None:
    """A one-decimal percentage for JSON: a number, or null where there is none."""
    return None if value is None else float(value)


@dataclass(frozen=True)
class GroupRow:
    """One group of the roll (a year group, a sex, a birth month, pupils with pupil premium):
    how many are on roll, with an EHC plan, on SEN support, and the share on the register."""

    key: str
    label: str
    roll: int
    e: int
    k: int

    @property
    def sen(self) -> int:
        return self.e + self.k

    @property
    def sen_pct(self) -> Decimal:
        return percent(self.sen, self.roll)


@dataclass(frozen=True)
class NeedRow:
    """A primary need or a broad area: pupils on the register with it, and their share."""

    code: str
    label: str
    count: int
    pct: Decimal
    national_pct: Decimal | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "count": self.count,
            "pct": _num(self.pct),
            "national_pct": _num(self.national_pct),
        }


@dataclass(frozen=True)
class AttendanceRow:
    """Attendance of one group: pupils, those with a figure, the average, and how many are
    persistently absent (attendance of 90% or below)."""

    key: str
    label: str
    pupils: int
    measured: int
    average: Decimal | None
    persistently_absent: int

    @property
    def persistently_absent_pct(self) -> Decimal:
        return percent(self.persistently_absent, self.measured)

    def as_json(self) -> dict[str, Any]:
        return {
            "pupils": self.pupils,
            "measured": self.measured,
            "average": _num(self.average),
            "persistently_absent": self.persistently_absent,
            "persistently_absent_pct": _num(self.persistently_absent_pct),
        }


@dataclass(frozen=True)
class TrendRow:
    """One snapshot, as a point of a trend."""

    taken_on: dt.date
    reason: str
    roll: int
    e: int
    k: int
    monitoring: int
    findings: int

    @property
    def e_pct(self) -> Decimal:
        return percent(self.e, self.roll)

    @property
    def k_pct(self) -> Decimal:
        return percent(self.k, self.roll)

    @property
    def sen_pct(self) -> Decimal:
        return percent(self.e + self.k, self.roll)


@dataclass
class Analysis:
    """The register of one school on one day, as an analytical tool."""

    school: School
    day: dt.date
    #: Read from the day's snapshot, or (None) from the live register.
    snapshot: Snapshot | None
    pupils: list[PupilFacts]
    national: National | None
    findings: list[Finding]
    trends: list[TrendRow] = field(default_factory=list)
    #: The pupils' ids by UPN, when read live (for links to the pupils concerned).
    ids: dict[str, int] = field(default_factory=dict)

    # -- Headline figures

    @property
    def roll(self) -> int:
        return len(self.pupils)

    @property
    def e(self) -> int:
        return sum(1 for p in self.pupils if p.status == E)

    @property
    def k(self) -> int:
        return sum(1 for p in self.pupils if p.status == K)

    @property
    def monitoring(self) -> int:
        return sum(1 for p in self.pupils if p.monitoring and not p.on_register)

    @property
    def on_register(self) -> int:
        return self.e + self.k

    @property
    def e_pct(self) -> Decimal:
        return percent(self.e, self.roll)

    @property
    def k_pct(self) -> Decimal:
        return percent(self.k, self.roll)

    @property
    def sen_pct(self) -> Decimal:
        return percent(self.on_register, self.roll)

    # -- Breakdowns

    def _groups(
        self, keyed: Callable[[PupilFacts], str], labels: Iterable[tuple[str, str]]
    ) -> list[GroupRow]:
        roll: Counter[str] = Counter()
        status: Counter[tuple[str, str]] = Counter()
        for p in self.pupils:
            key = keyed(p)
            roll[key] += 1
            status[key, p.status] += 1
        return [
            GroupRow(key, label, roll[key], status[key, E], status[key, K])
            for key, label in labels
            if roll[key]
        ]

    def by_year_group(self) -> list[GroupRow]:
        years = sorted({p.year_group for p in self.pupils}, key=lambda y: (y is None, y or 0))
        return self._groups(
            lambda p: str(p.year_group),
            [(str(y), codes.year_label(y) if y is not None else "Not recorded") for y in years],
        )

    def by_sex(self) -> list[GroupRow]:
        return self._groups(
            lambda p: p.gender, [("F", "Girls"), ("M", "Boys"), ("", "Not recorded")]
        )

    def by_birth_month(self) -> list[GroupRow]:
        # The school year's order: September's children are the oldest.
        months = [*range(9, 13), *range(1, 9)]
        return self._groups(
            lambda p: str(p.birth_month),
            [(str(m), dt.date(2000, m, 1).strftime("%B")) for m in months],
        )

    def by_season_of_birth(self) -> list[GroupRow]:
        return self._groups(
            lambda p: "summer" if p.summer_born else "other",
            [("other", "Born September to March"), ("summer", "Summer-born (April to August)")],
        )

    def overlaps(self) -> list[GroupRow]:
        """Pupils with pupil premium, free school meals, EAL or looked after: each a group."""
        rows = []
        for flag, label in (
            ("pupil_premium", "Pupil premium"),
            ("fsm", "Free school meals"),
            ("eal", "English as an additional language"),
            ("looked_after", "Looked after"),
        ):
            inside = [p for p in self.pupils if getattr(p, flag)]
            rows.append(
                GroupRow(
                    flag,
                    label,
                    len(inside),
                    sum(1 for p in inside if p.status == E),
                    sum(1 for p in inside if p.status == K),
                )
            )
        return rows

    def primary_needs(self) -> list[NeedRow]:
        """Each primary need on the register, most common first, as a share of the register,
        beside the national share of pupils with SEN where one is published."""
        counts = Counter(p.primary_need for p in self.pupils if p.on_register and p.needs)
        shares = self.national.shares.needs if self.national else {}
        return [
            NeedRow(
                code,
                codes.need_label(code),
                n,
                percent(n, self.on_register),
                shares.get(("", code)),
            )
            for code, n in sorted(counts.items(), key=lambda i: (-i[1], i[0]))
        ]

    def areas(self) -> list[NeedRow]:
        """Each broad area of need, by the pupils on the register whose primary need is in it."""
        counts: Counter[str] = Counter()
        for p in self.pupils:
            if p.on_register and p.needs:
                found = codes.need_type(p.primary_need)
                counts[found.area.value if found else codes.BroadArea.NONE.value] += 1
        return [
            NeedRow(
                area.value,
                area.label,
                counts[area.value],
                percent(counts[area.value], self.on_register),
            )
            for area in codes.BroadArea
            if counts[area.value]
        ]

    def attendance(self) -> list[AttendanceRow]:
        """Average attendance and persistent absence for pupils with an EHC plan, on SEN
        support, on the monitoring list (and not on the register) and with no SEN."""
        groups: dict[str, list[PupilFacts]] = {"e": [], "k": [], "monitoring": [], "no_sen": []}
        for p in self.pupils:
            if p.status == E:
                groups["e"].append(p)
            elif p.status == K:
                groups["k"].append(p)
            elif p.monitoring:
                groups["monitoring"].append(p)
            else:
                groups["no_sen"].append(p)
        labels = {
            "e": "EHC plan (E)",
            "k": "SEN support (K)",
            "monitoring": "Monitoring list",
            "no_sen": "No SEN",
        }
        rows = []
        for key, members in groups.items():
            figures = [p.attendance for p in members if p.attendance is not None]
            average = (
                (sum(figures, Decimal(0)) / len(figures)).quantize(
                    Decimal("0.1"), rounding=ROUND_HALF_UP
                )
                if figures
                else None
            )
            rows.append(
                AttendanceRow(
                    key,
                    labels[key],
                    len(members),
                    len(figures),
                    average,
                    sum(1 for f in figures if persistently_absent(f)),
                )
            )
        return rows

    def finding(self, key: str) -> list[Finding]:
        return [f for f in self.findings if f.key == key]

    def finding_counts(self) -> dict[str, int]:
        return rules.finding_counts(self.findings)

    def as_json(self) -> dict[str, Any]:
        """``sendreg insight --json`` (a public interface: see the README)."""
        return {
            "roll": self.roll,
            "e": self.e,
            "k": self.k,
            "e_pct": _num(self.e_pct),
            "k_pct": _num(self.k_pct),
            "sen_pct": _num(self.sen_pct),
            "national": self.national.as_json() if self.national else None,
            "primary_needs": [n.as_json() for n in self.primary_needs()],
            "attendance": {row.key: row.as_json() for row in self.attendance()},
            "findings": [f.as_json() for f in self.findings],
        }


def _previous_facts(school: School, day: dt.date) -> list[PupilFacts] | None:
    """The pupils on the register in the snapshot before ``day`` (their status and needs
    only: what "growing needs" compares), or None when there is no earlier snapshot."""
    before = (
        Snapshot.objects.filter(school=school, taken_on__lt=day)
        .order_by("-taken_on")
        .values_list("pk", flat=True)
        .first()
    )
    if before is None:
        return None
    return [
        PupilFacts(upn=upn, status=status, needs=tuple(needs.split()))
        for upn, status, needs in SnapshotPupil.objects.filter(
            snapshot_id=before, status__in=[E, K]
        ).values_list("upn", "status", "needs")
    ]


def trends(school: School) -> list[TrendRow]:
    """One row per snapshot of the school, oldest first, in one query."""
    return [
        TrendRow(
            s["taken_on"],
            s["reason"],
            s["roll"],
            s["ehc"],
            s["sen_support"],
            s["monitoring"],
            sum(s["finding_counts"].values()),
        )
        for s in snapshots_of(school).values(
            "taken_on", "reason", "roll", "ehc", "sen_support", "monitoring", "finding_counts"
        )
    ]


def findings_for(
    school: School, day: dt.date, pupils: Sequence[PupilFacts], national: National | None
) -> list[Finding]:
    """Every finding for the school on the day, over ``pupils``."""
    costs, threshold = _costs(school, day)
    upns = {p.upn for p in pupils}
    costs = [c for c in costs if c.upn in upns]
    meetings, per_year = _meetings(school, day)
    return rules.findings(
        rules.Inputs(
            day=day,
            pupils=pupils,
            national=national.shares if national else None,
            previous=_previous_facts(school, day),
            interventions=_interventions(school),
            trained_in=_trained_in(school),
            costs=costs,
            threshold=threshold,
            duties=_duties(school, day),
            meetings=meetings,
            meetings_per_year=per_year,
        )
    )


def analysis(school: School, day: dt.date, *, live: bool = False) -> Analysis:
    """The analysis of ``school`` on ``day``: from the day's snapshot if there is one (unless
    ``live``), otherwise from the live register. Never writes."""
    snapshot = None if live else snapshot_on(school, day)
    ids: dict[str, int] = {}
    if snapshot is not None:
        pupils = snapshot_facts(snapshot.pk)
    else:
        read = live_facts(school, day)
        pupils = [facts for _, facts in read]
        ids = {facts.upn: pk for pk, facts in read}
    national = national_for(school)
    return Analysis(
        school=school,
        day=day,
        snapshot=snapshot,
        pupils=pupils,
        national=national,
        findings=findings_for(school, day, pupils, national),
        trends=trends(school),
        ids=ids,
    )


# --- The findings page -------------------------------------------------------------------


def finding_notes(school: School) -> dict[str, FindingNote]:
    return {n.key: n for n in FindingNote.objects.filter(school=school)}


def case_notes(school: School) -> dict[str, CaseNote]:
    return {n.upn: n for n in CaseNote.objects.filter(school=school)}


@dataclass(frozen=True)
class PupilLink:
    upn: str
    name: str
    url: str


def pupils_by_upn(school: School, upns: Iterable[str]) -> dict[str, PupilLink]:
    """The named pupils of the school with these UPNs, for the links beside a finding."""

    url = url_pattern("pupil_detail")
    found = {}
    for pk, upn, legal_f, legal_s, pref_f, pref_s in Pupil.objects.filter(
        school=school, upn__in=set(upns)
    ).values_list(
        "pk", "upn", "legal_forename", "legal_surname", "preferred_forename", "preferred_surname"
    ):
        found[upn] = PupilLink(upn, f"{pref_f or legal_f} {pref_s or legal_s}", url.format(pk))
    return found
