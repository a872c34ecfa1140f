"""What a trust or local authority may see of its schools' figures: pure functions, no database.

Everyone who looks at an organisation's figures sees aggregates only, so every count
from 1 to 4 is withheld ("fewer than 5"), and so is any other count from which a
withheld one could be worked out by subtraction, along a school's row (E + K + N = the
roll) or down a column (the schools' counts add up to the organisation's total).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sendreg.insight import rules as insight_rules
from sendreg.lib.figures import Withheld, is_small, percent, suppress_breakdown

Shown = int | Withheld
Cell = tuple[Any, ...]

LA_CODE_UNKNOWN = "{code} is not a local authority's number. Use the 3-digit number, such as 801."
LA_CODE_NEEDED = "A local authority needs its 3-digit LA code (--la-code), such as 801."
LA_CODE_FOR_TRUST = "Only a local authority has an LA code; a trust has none."
SCHOOL_OUTSIDE_LA = (
    "{school} is in local authority {school_la} (its LAESTAB {laestab} begins so), "
    "not in {organisation} ({la_code})."
)

#: The termly questions whose answers a snapshot counts (issue 11), as an organisation's
#: page names them. A key the page does not know is shown as it is.
#: A short label per finding key, for a table with a column or row per finding.
FINDING_QUESTIONS: Mapping[str, str] = insight_rules.SHORT_QUESTIONS


def finding_title(key: str) -> str:
    return FINDING_QUESTIONS.get(key, key.replace("_", " ").capitalize())


def suppress_lines(
    values: Mapping[Cell, int],
    lines: Iterable[tuple[Sequence[Cell], Cell]],
    *,
    hide: Iterable[Cell] = (),
) -> dict[Cell, Shown]:
    """Counts as they may be shown, where ``lines`` say which counts add up to which.

    Each line is (parts, total): the parts' counts add up to the total's. Each count
    from 1 to 4 is withheld, and so is each cell in ``hide``. Then, as long as some
    line has exactly one withheld entry (among its parts and its total), the smallest
    non-zero count shown among its parts is withheld too, or its total if there is
    none: so no line has a single gap that subtraction would fill, whichever tables
    the lines come from.
    """
    lines = [(list(parts), total) for parts, total in lines if parts]
    hidden = {cell for cell, n in values.items() if is_small(n)} | set(hide)
    changed = True
    while changed:
        changed = False
        for parts, total in lines:
            if sum(cell in hidden for cell in parts) + (total in hidden) != 1:
                continue
            shown = [c for c in parts if c not in hidden and values[c] > 0]
            more = min(shown, key=lambda c: (values[c], str(c))) if shown else total
            if more not in hidden:
                hidden.add(more)
                changed = True
    return {
        cell: (Withheld.SMALL if is_small(n) else Withheld.SECONDARY) if cell in hidden else n
        for cell, n in values.items()
    }


def shown_percent(count: Shown, total: Shown) -> Decimal | None:
    """A percentage only of counts that are shown: one of a withheld count could undo it."""
    if isinstance(count, Withheld) or isinstance(total, Withheld):
        return None
    return percent(count, total)


@dataclass(frozen=True)
class Register:
    """One school's (or the organisation's) register on a day, as it may be shown."""

    roll: Shown
    ehc: Shown
    sen_support: Shown
    sen: Shown

    @property
    def ehc_pct(self) -> Decimal | None:
        return shown_percent(self.ehc, self.roll)

    @property
    def sen_support_pct(self) -> Decimal | None:
        return shown_percent(self.sen_support, self.roll)

    @property
    def sen_pct(self) -> Decimal | None:
        return shown_percent(self.sen, self.roll)


@dataclass(frozen=True)
class NeedLine:
    """One primary need across the organisation: pupils with EHC plans, on SEN support, both."""

    code: str
    ehc: Shown
    sen_support: Shown
    total: Shown
    pct: Decimal | None


#: The organisation's total, in the cells' keys (a school is its index in the list).
TOTAL = -1
STATUSES = {"E": "e", "K": "k"}


@dataclass(frozen=True)
class OrganisationShown:
    schools: list[Register]
    total: Register
    needs: list[NeedLine]
    needs_total: NeedLine
    #: Each school's pupils by (status, primary need), for a local authority's download.
    school_needs: list[dict[tuple[str, str], Shown]]


def organisation_shown(
    registers: Sequence[tuple[int, int, int]],
    needs: Sequence[Mapping[tuple[str, str], int]],
    codes: Sequence[str] = (),
) -> OrganisationShown:
    """Each school's (roll, E, K) and pupils by (status, primary need), as they may be shown.

    Everything the organisation's page and its download show is suppressed together:
    each school's E, K, no SEN and all SEN add up to its roll, the schools' counts add
    up to the organisation's, each school's needs add up to its E and K, and the
    schools' counts of a need add up to the organisation's. ``codes`` orders the needs.
    """
    values: dict[Cell, int] = {}
    lines: list[tuple[Sequence[Cell], Cell]] = []
    schools = list(range(len(registers)))
    for i, (roll, e, k) in enumerate(registers):
        values.update({("e", i): e, ("k", i): k, ("sen", i): e + k})
        values.update({("n", i): roll - e - k, ("roll", i): roll})
    for part in ("e", "k", "sen", "n", "roll"):
        values[(part, TOTAL)] = sum(values[(part, i)] for i in schools)
        lines.append(([(part, i) for i in schools], (part, TOTAL)))
    for i in [*schools, TOTAL]:
        lines.append(([("e", i), ("k", i)], ("sen", i)))
        lines.append(([("sen", i), ("n", i)], ("roll", i)))
        lines.append(([("e", i), ("k", i), ("n", i)], ("roll", i)))
    present = {c for counts in needs for (_, c), n in counts.items() if n}
    order = [c for c in codes if c in present] + sorted(present - set(codes))
    for status, part in STATUSES.items():
        for code in order:
            for i, counts in enumerate(needs):
                values[("need", i, status, code)] = counts.get((status, code), 0)
            values[("need", TOTAL, status, code)] = sum(
                values[("need", i, status, code)] for i in schools
            )
            lines.append(
                ([("need", i, status, code) for i in schools], ("need", TOTAL, status, code))
            )
        for i in [*schools, TOTAL]:
            cells = [("need", i, status, code) for code in order]
            # Each school's needs add up to its E (or K) when its pupils' rows agree with
            # its totals; otherwise they are a line of their own.
            total: Cell = (part, i)
            if values[total] != sum(values[c] for c in cells):
                total = ("need_sum", i, status)
                values[total] = sum(values[c] for c in cells)
            lines.append((cells, total))
    for code in order:
        values[("need_all", code)] = sum(values[("need", TOTAL, s, code)] for s in STATUSES)
        lines.append(([("need", TOTAL, s, code) for s in STATUSES], ("need_all", code)))
    need_all = [("need_all", code) for code in order]
    grand: Cell = ("sen", TOTAL)
    if values[grand] != sum(values[c] for c in need_all):
        grand = ("need_all_sum",)
        values[grand] = sum(values[c] for c in need_all)
    lines.append((need_all, grand))
    shown = suppress_lines(values, lines)

    def register(i: int) -> Register:
        return Register(shown[("roll", i)], shown[("e", i)], shown[("k", i)], shown[("sen", i)])

    def need_sum(status: str) -> Shown:
        cell = ("need_sum", TOTAL, status)
        return shown[cell] if cell in shown else shown[(STATUSES[status], TOTAL)]

    need_lines = [
        NeedLine(
            code,
            shown[("need", TOTAL, "E", code)],
            shown[("need", TOTAL, "K", code)],
            shown[("need_all", code)],
            shown_percent(shown[("need_all", code)], shown[grand]),
        )
        for code in order
    ]
    return OrganisationShown(
        schools=[register(i) for i in schools],
        total=register(TOTAL),
        needs=need_lines,
        needs_total=NeedLine("", need_sum("E"), need_sum("K"), shown[grand], None),
        school_needs=[
            {(s, c): shown[("need", i, s, c)] for s in STATUSES for c in order} for i in schools
        ],
    )


@dataclass(frozen=True)
class FindingColumn:
    """One finding across the organisation: how many it concerned in each school, and in all."""

    key: str
    title: str
    by_school: tuple[Shown | None, ...]
    total: Shown
    schools: int


def findings_shown(per_school: Sequence[Mapping[str, int] | None]) -> list[FindingColumn]:
    """The findings' counts of each school's latest snapshot (None: no snapshot), suppressed
    down each column: a count from 1 to 4 is withheld, and so is another with it."""
    keys = [k for k in FINDING_QUESTIONS if any(s and k in s for s in per_school)]
    keys += sorted({k for s in per_school if s for k in s} - set(keys))
    columns = []
    for key in keys:
        cells = [int((s or {}).get(key, 0)) for s in per_school]
        shown = suppress_breakdown(cells, sum(cells))
        columns.append(
            FindingColumn(
                key=key,
                title=finding_title(key),
                by_school=tuple(
                    None if s is None else cell
                    for s, cell in zip(per_school, shown.cells, strict=True)
                ),
                total=shown.total,
                schools=sum(1 for c in cells if c),
            )
        )
    return columns
