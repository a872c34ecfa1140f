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

    @property
    def phase_label(self) -> str:
        return PHASE_LABELS.get(self.phase, self.phase)

    @property
    def label(self) -> str:
        return f"{self.area}, {self.phase_label}, January {self.year}"


def _percent(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


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


def latest_national(phase: str = ALL_SCHOOLS, area: str = ENGLAND) -> NationalFigures | None:
    """The latest figures for a phase (``all`` for all schools) and area, or None."""
    found = [f for (_, a, p), f in all_figures().items() if a == area and p == phase]
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
