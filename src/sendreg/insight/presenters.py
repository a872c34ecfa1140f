"""The analysis as pages (and the termly pack) show it: tables of text, each with its chart.

For those who see only figures (governors, advisers) every count from 1 to 4 reads "fewer
than 5", a count from which a withheld one could be worked out is withheld too
(``lib.figures.suppress_lines``: a table as a whole, each column against its total and each
row's E and K against their sum), and a percentage computed from a withheld count is not
shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from operator import attrgetter

from django.utils.safestring import SafeString

from sendreg.insight import rules
from sendreg.insight.models import CaseNote, FindingNote
from sendreg.insight.selectors import Analysis, GroupRow, NeedRow
from sendreg.lib.charts import Bar, bar_chart, line_chart
from sendreg.lib.figures import Withheld, is_small, suppress_breakdown, suppress_lines


@dataclass(frozen=True)
class Table:
    """One table of the analysis with its chart: the chart first, the table its accessible
    version beside it."""

    key: str
    title: str
    columns: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]
    chart: SafeString | None = None
    note: str = ""


def _pct(value: Decimal | None) -> str:
    return "" if value is None else f"{value}%"


def column(values: Sequence[int], total: int, *, suppress: bool) -> list[int | Withheld]:
    """A column of counts as it may be shown."""
    if not suppress:
        return list(values)
    return list(suppress_breakdown(values, total=total).cells)


def _shown_pct(cell: int | Withheld, value: Decimal) -> str:
    return f"{value}%" if isinstance(cell, int) else ""


def _chart_value(cell: int | Withheld, value: Decimal) -> Decimal | None:
    return value if isinstance(cell, int) else None


GROUP_COLUMNS = (
    "On roll", "EHC plan (E)", "SEN support (K)", "All with SEN", "Share on the register",
)  # fmt: skip
ATTENDANCE_COLUMNS = (
    "Pupils", "Number", "Average attendance", "Persistently absent", "Share persistently absent",
)  # fmt: skip


def headline(found: Analysis, *, suppress: bool) -> Table:
    shares = found.national.shares if found.national else None
    cells = column([found.e, found.k], found.on_register, suppress=suppress)
    sen = suppress_breakdown([found.on_register]).cells[0] if suppress else found.on_register
    figures = [
        ("EHC plan (E)", cells[0], found.e_pct, shares.e_pct if shares else None),
        ("SEN support (K)", cells[1], found.k_pct, shares.k_pct if shares else None),
        ("All with SEN (E and K)", sen, found.sen_pct, shares.sen_pct if shares else None),
    ]
    national = f"England, January {shares.year}" if shares else "no national figure available"
    return Table(
        key="headline",
        title="The register against national figures",
        columns=("Pupils", "Number", "Share of the roll", "England"),
        rows=[(label, str(c), _shown_pct(c, p), _pct(n)) for label, c, p, n in figures],
        chart=bar_chart(
            title="Share of the roll on the register, with the national figure marked",
            bars=[
                Bar(label, _chart_value(c, p), _shown_pct(c, p), n) for label, c, p, n in figures
            ],
            compare_label=national,
        ),
    )


def _needs_table(
    key: str, title: str, first: str, needs: list[NeedRow], total: int, *, suppress: bool
) -> Table:
    cells = column([n.count for n in needs], total, suppress=suppress)
    with_national = any(n.national_pct is not None for n in needs)
    columns: tuple[str, ...] = (first, "Pupils", "Share of the register")
    if with_national:
        columns += ("England",)
    rows = []
    for need, cell in zip(needs, cells, strict=True):
        row: tuple[str, ...] = (need.label, str(cell), _shown_pct(cell, need.pct))
        if with_national:
            row += (_pct(need.national_pct),)
        rows.append(row)
    return Table(
        key=key,
        title=title,
        columns=columns,
        rows=rows,
        chart=bar_chart(
            title=f"{title}: share of the pupils on the register",
            bars=[
                Bar(n.label, _chart_value(c, n.pct), _shown_pct(c, n.pct), n.national_pct)
                for n, c in zip(needs, cells, strict=True)
            ],
            compare_label="the national share",
        )
        if needs
        else None,
    )


def _group_columns(
    groups: Sequence[GroupRow], *, suppress: bool
) -> tuple[list[int | Withheld], ...]:
    """The on-roll, E, K and all-SEN columns of a table of groups, as they may be shown.

    Suppressed as one table, not column by column: each column adds up to the school's
    figure shown above it, and in each row E and K add up to all with SEN, so a withheld
    count must not be the only one withheld in its column or in its row's E, K and all.
    """
    columns = [[g.roll for g in groups], [g.e for g in groups], [g.k for g in groups],
               [g.sen for g in groups]]  # fmt: skip
    if not suppress:
        return tuple(list(c) for c in columns)
    size = len(groups)
    counts = [count for c in columns for count in c]  # column by column
    lines = [range(at * size, (at + 1) * size) for at in range(len(columns))]
    lines += [(size + row, 2 * size + row, 3 * size + row) for row in range(size)]  # E + K = all
    shown = suppress_lines(counts, lines)
    return tuple(list(shown[at * size : (at + 1) * size]) for at in range(len(columns)))


def _group_table(
    key: str, title: str, first: str, groups: list[GroupRow], found: Analysis, *, suppress: bool
) -> Table:
    rolls, es, ks, sens = _group_columns(groups, suppress=suppress)
    rows = [
        (
            g.label,
            str(r),
            str(e),
            str(k),
            str(s),
            _shown_pct(s, g.sen_pct) if isinstance(r, int) else "",
        )
        for g, r, e, k, s in zip(groups, rolls, es, ks, sens, strict=True)
    ]
    return Table(
        key=key,
        title=title,
        columns=(
            first,
            "On roll",
            "EHC plan (E)",
            "SEN support (K)",
            "All with SEN",
            "Share on the register",
        ),
        rows=rows,
        chart=bar_chart(
            title=f"{title}: share of each group on the register",
            bars=[
                Bar(g.label, _chart_value(s, g.sen_pct), _shown_pct(s, g.sen_pct))
                for g, s in zip(groups, sens, strict=True)
            ],
        )
        if groups
        else None,
    )


def attendance(found: Analysis, *, suppress: bool) -> Table:
    groups = found.attendance()
    pupils = column([g.pupils for g in groups], found.roll, suppress=suppress)
    absent = column(
        [g.persistently_absent for g in groups],
        sum(g.persistently_absent for g in groups),
        suppress=suppress,
    )
    rows = []
    for g, n, a in zip(groups, pupils, absent, strict=True):
        average = "" if g.average is None or not isinstance(n, int) else f"{g.average}%"
        rows.append((g.label, str(n), average, str(a), _shown_pct(a, g.persistently_absent_pct)))
    return Table(
        key="attendance",
        title="Attendance",
        columns=(
            "Pupils",
            "Number",
            "Average attendance",
            "Persistently absent",
            "Share persistently absent",
        ),
        rows=rows,
        chart=bar_chart(
            title="Average attendance of each group",
            bars=[
                Bar(
                    g.label,
                    g.average if isinstance(n, int) else None,
                    f"{g.average}%" if g.average is not None and isinstance(n, int) else "",
                )
                for g, n in zip(groups, pupils, strict=True)
            ],
            scale_max=100,
        ),
        note=(
            "Persistently absent: attendance of 90% or below, that is 10% or more of sessions "
            "missed. Monitoring list: pupils on it and not on the register."
        ),
    )


def trends(found: Analysis, *, suppress: bool) -> Table:
    """One row per snapshot, the shares of the roll.

    The roll is shown, so a share gives its count away (1.5% of 200 is 3): for those who
    see only figures, a share is shown only when its count may be (E and K suppressed
    against their sum), and a line of the chart only when every point of it may be.
    """
    points = found.trends
    shown: list[tuple[int | Withheld, int | Withheld, int | Withheld]] = []
    for t in points:
        if suppress:
            pair = suppress_breakdown([t.e, t.k], total=t.e + t.k)
            shown.append((pair.cells[0], pair.cells[1], pair.total))
        else:
            shown.append((t.e, t.k, t.e + t.k))
    rows = [
        (
            f"{t.taken_on:%-d %b %Y}",
            "Census day" if t.reason == "census" else "On request",
            str(t.roll),
            _shown_pct(e, t.e_pct) or str(e),
            _shown_pct(k, t.k_pct) or str(k),
            _shown_pct(sen, t.sen_pct) or str(sen),
        )
        for t, (e, k, sen) in zip(points, shown, strict=True)
    ]
    series = [
        (name, [pct(t) for t in points])
        for at, (name, pct) in enumerate([("E", _E_PCT), ("K", _K_PCT), ("All SEN", _SEN_PCT)])
        if not any(isinstance(cells[at], Withheld) for cells in shown)
    ]
    return Table(
        key="trends",
        title="Trends over the snapshots",
        columns=("Snapshot", "Taken", "On roll", "EHC plan (E)", "SEN support (K)", "All with SEN"),
        rows=rows,
        chart=line_chart(
            title="Share of the roll on the register at each snapshot",
            labels=[f"{t.taken_on:%b %Y}" for t in points],
            series=series,
        )
        if points and series
        else None,
        note="" if points else "No snapshot has been taken yet: take one to start the trend.",
    )


_E_PCT, _K_PCT, _SEN_PCT = attrgetter("e_pct"), attrgetter("k_pct"), attrgetter("sen_pct")


def tables(found: Analysis, *, suppress: bool) -> list[Table]:
    """Every table of the analysis, in the order the page shows them."""
    return [
        headline(found, suppress=suppress),
        _needs_table(
            "primary_needs", "Primary need", "Need", found.primary_needs(), found.on_register,
            suppress=suppress,
        ),
        _needs_table(
            "areas", "Broad area of need", "Area", found.areas(), found.on_register,
            suppress=suppress,
        ),
        _group_table(
            "years", "Year group", "Year", found.by_year_group(), found, suppress=suppress
        ),
        _group_table("sex", "Sex", "Sex", found.by_sex(), found, suppress=suppress),
        _group_table(
            "season", "Summer-born pupils", "Born", found.by_season_of_birth(), found,
            suppress=suppress,
        ),
        _group_table(
            "months", "Month of birth", "Month", found.by_birth_month(), found, suppress=suppress
        ),
        _group_table(
            "overlaps", "Pupil premium, free school meals, EAL and looked after", "Group",
            found.overlaps(), found, suppress=suppress,
        ),
        attendance(found, suppress=suppress),
        trends(found, suppress=suppress),
    ]  # fmt: skip


@dataclass(frozen=True)
class FindingView:
    """A finding as the findings page shows it to one member."""

    finding: rules.Finding
    question: str
    #: How many pupils or needs, as it may be shown.
    count: str
    #: The pupils concerned (UPN, name, link, the note on their case), for those who see names.
    pupils: list[tuple[str, str, str, str]]
    note: FindingNote | None = None
    #: The page's id for the finding: ``finding-KEY`` for the first of its key (the one that
    #: carries the note and action, which are per key), ``finding-KEY-N`` for the others.
    anchor: str = ""
    #: The first finding of its key on the page.
    first: bool = True


def finding_views(
    found: Analysis,
    *,
    names: Mapping[str, tuple[str, str]] | None,
    suppress: bool,
    notes: Mapping[str, FindingNote] | None = None,
    cases: Mapping[str, CaseNote] | None = None,
) -> list[FindingView]:
    """Each finding with its question, the SENCO's note and, for those who see names, its
    pupils named with the note on each complex case."""
    views = []
    notes = notes or {}
    cases = cases or {}
    seen: dict[str, int] = {}
    for f in found.findings:
        seen[f.key] = seen.get(f.key, 0) + 1
        first = seen[f.key] == 1
        anchor = f"finding-{f.key}" if first else f"finding-{f.key}-{seen[f.key]}"
        count = f.count
        shown = str(Withheld.SMALL) if suppress and is_small(count) else str(count)
        pupils = []
        if names is not None:
            for upn in f.upns:
                name, url = names.get(upn, ("(no longer on roll)", ""))
                case = cases.get(upn)
                pupils.append((upn, name, url, case.text if case else ""))
        views.append(
            FindingView(
                f,
                rules.QUESTIONS[rules.Key(f.key)],
                shown,
                pupils,
                notes.get(f.key),
                anchor,
                first,
            )
        )
    return views
