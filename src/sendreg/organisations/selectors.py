"""Reads of a trust's or local authority's figures: set-based, over the schools' snapshots.

Each query reads one row per school, per snapshot day, or per need type and status:
the pupils' rows are only ever counted by the database (through the snapshot pupils'
index on snapshot, status and primary need), so the number of queries and the rows
brought back do not grow with the number of pupils.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, OuterRef, QuerySet, Subquery, Sum

from sendreg import codes
from sendreg.accounts.models import Organisation, OrganisationMembership, School, User
from sendreg.insight.models import Snapshot, SnapshotPupil
from sendreg.lib.compiled import compiled
from sendreg.organisations import rules

#: How many snapshot days the trend shows, the latest first.
TREND_DAYS = 12


@compiled
def _organisation_memberships(user_id: int) -> QuerySet[OrganisationMembership]:
    return (
        OrganisationMembership.objects.filter(user_id=user_id)
        .select_related("organisation")
        .order_by("organisation__name")
    )


def organisation_memberships_of(user: User) -> list[OrganisationMembership]:
    """The trusts and local authorities the person has a role in, by name (every home page
    asks, so the SQL is compiled once)."""
    return _organisation_memberships(user.pk)


def organisation_membership_of(user: User, pk: int) -> OrganisationMembership | None:
    """The user's membership of organisation ``pk``, if they have one."""
    return (
        OrganisationMembership.objects.filter(user=user, organisation_id=pk)
        .select_related("organisation")
        .first()
    )


def organisation_by_name(name: str) -> Organisation | None:
    """An organisation by its name (any case) or, for a local authority, its LA code."""
    return (
        Organisation.objects.filter(name__iexact=name.strip()).first()
        or Organisation.objects.filter(kind=Organisation.Kind.LA, la_code=name.strip()).first()
    )


def _latest(organisation: Organisation) -> list[tuple[School, Snapshot | None]]:
    """Each of the organisation's schools, by name, with its latest snapshot (or None).

    Two queries whatever the number of schools: the schools with the id of their latest
    snapshot (through the snapshots' unique index on school and day), then those snapshots.
    """
    latest = Snapshot.objects.filter(school=OuterRef("pk")).order_by("-taken_on").values("pk")[:1]
    schools = list(
        School.objects.filter(organisation_links__organisation=organisation)
        .annotate(latest_snapshot=Subquery(latest))
        .order_by("name", "pk")
    )
    ids = {s.pk: getattr(s, "latest_snapshot", None) for s in schools}
    snapshots = Snapshot.objects.in_bulk([i for i in ids.values() if i is not None])
    return [(s, snapshots.get(ids[s.pk]) if ids[s.pk] else None) for s in schools]


@dataclass(frozen=True)
class SchoolLine:
    school: School
    taken_on: dt.date | None
    register: rules.Register | None
    #: The user is also a member of this school, and can open it.
    member: bool


@dataclass(frozen=True)
class TrendLine:
    taken_on: dt.date
    schools: int
    register: rules.Register


@dataclass
class OrganisationFigures:
    organisation: Organisation
    schools: list[SchoolLine]
    total: rules.Register | None
    trend: list[TrendLine]
    needs: list[rules.NeedLine]
    needs_total: rules.NeedLine | None
    findings: list[rules.FindingColumn]
    #: Schools with at least one snapshot.
    with_snapshots: int = 0

    @property
    def has_snapshots(self) -> bool:
        return self.with_snapshots > 0


def organisation_figures(organisation: Organisation, *, user: User) -> OrganisationFigures:
    """The organisation's page: each school's latest snapshot, the total, the trend over
    snapshot days, pupils by primary need and the findings' counts, all suppressed."""
    latest = _latest(organisation)
    member_of = set(user.memberships.values_list("school_id", flat=True))
    taken = [snapshot for _, snapshot in latest if snapshot is not None]
    figures = OrganisationFigures(
        organisation=organisation,
        schools=[SchoolLine(school, None, None, school.pk in member_of) for school, _ in latest],
        total=None,
        trend=[],
        needs=[],
        needs_total=None,
        findings=[],
        with_snapshots=len(taken),
    )
    if not taken:
        return figures
    shown = _shown(taken)
    by_school = dict(zip([s.school_id for s in taken], shown.schools, strict=True))
    figures.total = shown.total
    figures.schools = [
        SchoolLine(
            school=school,
            taken_on=snapshot.taken_on if snapshot else None,
            register=by_school.get(school.pk),
            member=school.pk in member_of,
        )
        for school, snapshot in latest
    ]
    totals = (
        sum(s.roll for s in taken),
        sum(s.ehc for s in taken),
        sum(s.sen_support for s in taken),
    )
    figures.trend = _trend(organisation, current=(totals, shown.total))
    figures.needs, figures.needs_total = shown.needs, shown.needs_total
    figures.findings = rules.findings_shown(
        [snapshot.finding_counts if snapshot else None for _, snapshot in latest]
    )
    return figures


def _shown(taken: list[Snapshot]) -> rules.OrganisationShown:
    """The latest snapshots' figures and pupils by need, suppressed together."""
    by_need: dict[int, dict[tuple[str, str], int]] = defaultdict(dict)
    for (snapshot_id, status, need), n in _needs([s.pk for s in taken]).items():
        by_need[snapshot_id][(status, need)] = n
    return rules.organisation_shown(
        [(s.roll, s.ehc, s.sen_support) for s in taken],
        [by_need[s.pk] for s in taken],
        codes.need_codes(),
    )


def _trend(
    organisation: Organisation, *, current: tuple[tuple[int, int, int], rules.Register]
) -> list[TrendLine]:
    """The organisation's totals on each snapshot day, the latest first.

    A day's total is of the schools that took a snapshot that day, said beside it. Where
    a day's counts are the page's current totals, they are shown as the totals are, so
    that the two tables cannot be set against each other to undo a suppression.
    """
    days = list(
        Snapshot.objects.filter(school__organisation_links__organisation=organisation)
        .values("taken_on")
        .annotate(
            schools=Count("pk"),
            roll=Sum("roll"),
            ehc=Sum("ehc"),
            sen_support=Sum("sen_support"),
        )
        .order_by("-taken_on")[:TREND_DAYS]
    )
    counts, register = current
    lines = []
    for day in days:
        key = (day["roll"], day["ehc"], day["sen_support"])
        shown = register if key == counts else rules.organisation_shown([key], [{}]).total
        lines.append(TrendLine(day["taken_on"], day["schools"], shown))
    return lines


def _needs(snapshot_ids: list[int]) -> dict[tuple[int, str, str], int]:
    """Pupils with an EHC plan or on SEN support, by snapshot, status and primary need."""
    rows = (
        SnapshotPupil.objects.filter(snapshot_id__in=snapshot_ids, status__in=["E", "K"])
        .values("snapshot_id", "status", "primary_need")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {(r["snapshot_id"], r["status"], r["primary_need"]): r["n"] for r in rows}


#: The columns of a local authority's "levels and types of need" download.
NEEDS_EXPORT_HEADER = [
    "urn", "laestab", "school", "snapshot_date", "roll", "ehc", "sen_support",
    "status", "primary_need", "primary_need_meaning", "pupils",
]  # fmt: skip


def organisation_needs_export(organisation: Organisation) -> list[list[Any]]:
    """Each school's latest pupils with EHC plans and on SEN support by primary need, as the
    DfE's "Special educational needs in England" tables count them; one row per school,
    status and need. Every school's breakdown is suppressed as the page's is."""
    taken = [(school, snapshot) for school, snapshot in _latest(organisation) if snapshot]
    shown = _shown([snapshot for _, snapshot in taken])
    rows: list[list[Any]] = []
    for (school, snap), register, needs in zip(
        taken, shown.schools, shown.school_needs, strict=True
    ):
        head = [
            school.urn, school.laestab, school.name, snap.taken_on.isoformat(),
            register.roll, register.ehc, register.sen_support,
        ]  # fmt: skip
        for (status, code), count in sorted(needs.items()):
            if count != 0:
                meaning = codes.need_label(code) if code else "Not recorded"
                rows.append([*head, status, code, meaning, count])
    return rows
