"""National SEN figures, kept as a dated data file that a school or LA can update."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class NationalFigures:
    year: int
    ehc_percent: float
    support_percent: float
    all_sen_percent: float


@cache
def latest_national() -> NationalFigures:
    raw = json.loads(
        resources.files("sendreg").joinpath("data/national_figures.json").read_text("utf-8")
    )
    year = max(raw["years"], key=int)
    figures = raw["years"][year]
    return NationalFigures(
        year=int(year),
        ehc_percent=figures["ehc_percent"],
        support_percent=figures["support_percent"],
        all_sen_percent=figures["all_sen_percent"],
    )
