"""England's SEN figures, and any regional or LA figures a school or LA adds, by year and phase.

Kept as a dated data file (``sendreg/data/national_figures.json``) that
``SENDREG_HOME/national_figures.json`` extends, so a new year's release or a region's
figures are data, never a code change. A school is compared with the figures for its own
phase as well as all schools.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from django.conf import settings

ENGLAND = "England"
ALL_SCHOOLS = "all"

#: The national phase a school's census phase (``School.Phase``) is compared with.
PHASE_OF_SCHOOL: dict[str, str] = {
    "NS": "nursery",
    "PS": "primary",
    "MS": "primary",
    "SS": "secondary",
    "AT": "secondary",
    "SP": "special",
    "PR": "alternative provision",
}

PHASE_LABELS: dict[str, str] = {
    ALL_SCHOOLS: "all schools",
    "nursery": "nursery schools",
    "primary": "primary schools",
    "secondary": "secondary schools",
    "special": "special schools",
    "alternative provision": "alternative provision",
}


@dataclass(frozen=True)
class NationalFigures:
    year: int
    area: str
    phase: str
    ehc_percent: Decimal | None
    support_percent: Decimal | None
    all_sen_percent: Decimal | None
    verified: bool
    source: str
    #: Share of pupils with a status ("E", "K", or "" for all with SEN) whose primary need
    #: is a code, where published: ((status, code, percent), ...).
    needs: tuple[tuple[str, str, Decimal], ...] = ()

    @property
    def phase_label(self) -> str:
        return PHASE_LABELS.get(self.phase, self.phase)

    @property
    def label(self) -> str:
        return f"{self.area}, {self.phase_label}, January {self.year}"


def _percent(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _needs(entry: dict[str, Any]) -> tuple[tuple[str, str, Decimal], ...]:
    """An entry's need shares: its ``needs`` list, and the most common needs the national
    file gives for pupils with an EHC plan and on SEN support."""
    found = [
        (str(n.get("status", "")), str(n["code"]), Decimal(str(n["percent"])))
        for n in entry.get("needs", [])
    ]
    for status, suffix in (("E", "ehc"), ("K", "support")):
        code = entry.get(f"most_common_need_{suffix}")
        share = entry.get(f"most_common_need_{suffix}_percent")
        if code and share is not None and not any(s == status and c == code for s, c, _ in found):
            found.append((status, str(code), Decimal(str(share))))
    return tuple(found)


def _read(entries: list[dict[str, Any]]) -> dict[tuple[int, str, str], NationalFigures]:
    figures = {}
    for entry in entries:
        figure = NationalFigures(
            year=int(entry["year"]),
            area=str(entry.get("area", ENGLAND)),
            phase=str(entry.get("phase", ALL_SCHOOLS)),
            ehc_percent=_percent(entry.get("ehc_percent")),
            support_percent=_percent(entry.get("support_percent")),
            all_sen_percent=_percent(entry.get("all_sen_percent")),
            verified=bool(entry.get("verified", False)),
            source=str(entry.get("source", "")),
            needs=_needs(entry),
        )
        figures[(figure.year, figure.area, figure.phase)] = figure
    return figures


def local_figures_path() -> Path:
    return Path(settings.HOME) / "national_figures.json"


@cache
def all_figures() -> dict[tuple[int, str, str], NationalFigures]:
    raw = json.loads(
        resources.files("sendreg").joinpath("data/national_figures.json").read_text("utf-8")
    )
    figures = _read(raw["figures"])
    local = local_figures_path()
    if local.exists():
        figures.update(_read(json.loads(local.read_text("utf-8"))["figures"]))
    return figures


def latest_national(
    phase: str = ALL_SCHOOLS, area: str = ENGLAND, *, verified_only: bool = False
) -> NationalFigures | None:
    """The latest figures for a phase (``all`` for all schools) and area, or None;
    ``verified_only``: the latest checked against the DfE's own tables."""
    found = [
        f
        for (_, a, p), f in all_figures().items()
        if a == area and p == phase and (f.verified or not verified_only)
    ]
    return max(found, key=lambda f: f.year, default=None)


@dataclass(frozen=True)
class Comparison:
    """What a school is compared with: England's figures for all schools, and for its phase."""

    all_schools: NationalFigures | None
    phase: NationalFigures | None


def comparison_for(school_phase: str) -> Comparison:
    phase = PHASE_OF_SCHOOL.get(school_phase)
    return Comparison(
        all_schools=latest_national(),
        phase=latest_national(phase) if phase else None,
    )


# --- Figures a school or LA adds -----------------------------------------------------------

FIELDS = ("year", "area", "phase", "ehc_percent", "support_percent", "all_sen_percent", "source")
PERCENT_FIELDS = ("ehc_percent", "support_percent", "all_sen_percent")


def _problem(where: str, field: str, message: str) -> str:
    return f"{where}, {field}: {message}"


def _check_entry(raw: dict[str, Any], where: str) -> tuple[dict[str, Any], list[str]]:
    """One entry as the data file keeps it, or the problems with it (each naming the field)."""
    problems: list[str] = []
    entry: dict[str, Any] = {}
    year_text = str(raw.get("year") or "").strip()
    if not year_text.isdecimal() or not 2000 <= int(year_text) <= 2100:
        problems.append(_problem(where, "year", f"{year_text!r} is not a year such as 2025."))
    else:
        entry["year"] = int(year_text)
    area = str(raw.get("area") or "").strip()
    if not area:
        problems.append(_problem(where, "area", "give the area, such as England or Leeds."))
    entry["area"] = area
    phase = str(raw.get("phase") or ALL_SCHOOLS).strip().lower()
    if phase not in PHASE_LABELS:
        problems.append(
            _problem(where, "phase", f"{phase!r} is not one of: {', '.join(PHASE_LABELS)}.")
        )
    entry["phase"] = phase
    for name in PERCENT_FIELDS:
        text = str(raw.get(name) if raw.get(name) is not None else "").strip().rstrip("%")
        if not text:
            continue
        try:
            value = Decimal(text)
        except ArithmeticError:
            value = Decimal(-1)
        if not value.is_finite() or not 0 <= value <= 100:
            problems.append(
                _problem(where, name, f"{text!r} is not a percentage from 0 to 100, such as 5.3.")
            )
        else:
            entry[name] = float(value)
    if not any(name in entry for name in PERCENT_FIELDS) and not any(
        name in "; ".join(problems) for name in PERCENT_FIELDS
    ):
        problems.append(
            _problem(
                where, "ehc_percent", "give at least one of " + ", ".join(PERCENT_FIELDS) + "."
            )
        )
    entry["source"] = str(raw.get("source") or "").strip()
    entry["verified"] = str(raw.get("verified", "")).strip().lower() in {"1", "true", "yes"}
    if raw.get("needs"):
        entry["needs"] = raw["needs"]
    return entry, problems


def parse_figures(text: str, *, name: str = "the file") -> tuple[list[dict[str, Any]], list[str]]:
    """Figures from a CSV file (a header row naming ``FIELDS``) or a JSON file in the data
    file's shape; the entries, or the problems (row and field named), with nothing saved."""
    import csv
    import io

    rows: list[tuple[str, dict[str, Any]]] = []
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError as error:
            return [], [f"{name} is not valid JSON: {error.msg} at line {error.lineno}."]
        items = data.get("figures") if isinstance(data, dict) else data
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            return [], [f'{name}: a JSON file holds {{"figures": [{{"year": ..., ...}}]}}.']
        rows = [(f"Figure {n}", item) for n, item in enumerate(items, start=1)]
    else:
        reader = csv.DictReader(io.StringIO(text))
        header = [h.strip().lower() for h in reader.fieldnames or []]
        missing = [f for f in ("year", "area") if f not in header]
        if missing:
            return [], [
                f"{name}: the first row must name the columns; missing {', '.join(missing)} "
                f"(the columns are {', '.join(FIELDS)})."
            ]
        reader.fieldnames = header
        rows = [(f"Row {n}", dict(row)) for n, row in enumerate(reader, start=2)]
    if not rows:
        return [], [f"{name} holds no figures."]
    entries: list[dict[str, Any]] = []
    problems: list[str] = []
    seen: dict[tuple[Any, ...], str] = {}
    for where, raw in rows:
        entry, found = _check_entry(raw, where)
        problems += found
        key = (entry.get("year"), entry["area"], entry["phase"])
        if not found and key in seen:
            problems.append(f"{where}: the same year, area and phase as {seen[key]}.")
        seen.setdefault(key, where)
        entries.append(entry)
    return (entries, []) if not problems else ([], problems)


def import_figures(entries: list[dict[str, Any]]) -> tuple[int, int]:
    """Add entries to ``SENDREG_HOME/national_figures.json`` (replacing any with the same year,
    area and phase); returns (added, replaced)."""
    path = local_figures_path()
    current: list[dict[str, Any]] = []
    if path.exists():
        current = json.loads(path.read_text("utf-8")).get("figures", [])

    def key(e: dict[str, Any]) -> tuple[int, str, str]:
        return (int(e["year"]), str(e.get("area", ENGLAND)), str(e.get("phase", ALL_SCHOOLS)))

    kept = {key(e): e for e in current}
    replaced = sum(1 for e in entries if key(e) in kept)
    kept.update({key(e): e for e in entries})
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(
        json.dumps({"figures": sorted(kept.values(), key=key)}, indent=2) + "\n", "utf-8"
    )
    tmp.replace(path)
    all_figures.cache_clear()
    return len(entries) - replaced, replaced


def figure_json(f: NationalFigures) -> dict[str, Any]:
    """One figure in ``sendreg national list --json``."""

    def number(value: Decimal | None) -> float | None:
        return None if value is None else float(value)

    return {
        "year": f.year,
        "area": f.area,
        "phase": f.phase,
        "ehc_percent": number(f.ehc_percent),
        "support_percent": number(f.support_percent),
        "all_sen_percent": number(f.all_sen_percent),
        "verified": f.verified,
        "source": f.source,
    }
