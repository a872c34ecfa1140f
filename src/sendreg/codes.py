"""The census code lists: the one place sendreg knows them.

Everything else (models, forms, rules, templates, imports, exports) asks this
module for a code's meaning or broad area; nothing restates them. The lists are
data so that a new census year can grow them: the Down syndrome code (DS) is
listed but switched off until the school census specification confirms it, and
``SENDREG_ENABLE_NEED_TYPES=DS`` switches it on without a code change.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache


class SenProvision(StrEnum):
    """SEN provision in the school census (CBDS item 100472)."""

    EHC_PLAN = "E"
    SEN_SUPPORT = "K"
    NO_SEN = "N"

    @property
    def label(self) -> str:
        return PROVISION_LABELS[self]


PROVISION_LABELS: dict[SenProvision, str] = {
    SenProvision.EHC_PLAN: "Education, health and care plan",
    SenProvision.SEN_SUPPORT: "SEN support",
    # Every pupil on roll who is not E or K is returned as N in the census: "No SEN".
    SenProvision.NO_SEN: "No SEN",
}

#: The discontinued provision code for a statement; census rule 2115 says recode it E.
DISCONTINUED_STATEMENT = "S"

#: The provisions that put a pupil on the register.
ON_REGISTER = (SenProvision.EHC_PLAN, SenProvision.SEN_SUPPORT)


class BroadArea(StrEnum):
    COGNITION = "cognition"
    SEMH = "semh"
    COMMUNICATION = "communication"
    SENSORY_PHYSICAL = "sensory"
    NONE = "none"

    @property
    def label(self) -> str:
        return AREA_LABELS[self]


AREA_LABELS: dict[BroadArea, str] = {
    BroadArea.COGNITION: "Cognition and learning",
    BroadArea.SEMH: "Social, emotional and mental health",
    BroadArea.COMMUNICATION: "Communication and interaction",
    BroadArea.SENSORY_PHYSICAL: "Sensory and/or physical",
    BroadArea.NONE: "No broad area",
}


@dataclass(frozen=True)
class NeedType:
    code: str
    meaning: str
    area: BroadArea
    active: bool = True

    def __str__(self) -> str:
        return f"{self.code} – {self.meaning}"


#: Census SEN need types (CBDS items 100080 and 100081), in the DfE's order.
NEED_TYPES: tuple[NeedType, ...] = (
    NeedType("SPLD", "Specific learning difficulty", BroadArea.COGNITION),
    NeedType("MLD", "Moderate learning difficulty", BroadArea.COGNITION),
    NeedType("SLD", "Severe learning difficulty", BroadArea.COGNITION),
    NeedType("PMLD", "Profound and multiple learning difficulty", BroadArea.COGNITION),
    NeedType("SEMH", "Social, emotional and mental health", BroadArea.SEMH),
    NeedType("SLCN", "Speech, language and communication needs", BroadArea.COMMUNICATION),
    NeedType("HI", "Hearing impairment", BroadArea.SENSORY_PHYSICAL),
    NeedType("VI", "Visual impairment", BroadArea.SENSORY_PHYSICAL),
    NeedType("MSI", "Multi-sensory impairment", BroadArea.SENSORY_PHYSICAL),
    NeedType("PD", "Physical disability", BroadArea.SENSORY_PHYSICAL),
    NeedType("ASD", "Autistic spectrum disorder", BroadArea.COMMUNICATION),
    NeedType("DS", "Down syndrome", BroadArea.COGNITION, active=False),
    NeedType("OTH", "Other difficulty or disability", BroadArea.NONE),
    NeedType("NSA", "SEN support but no specialist assessment of type of need", BroadArea.NONE),
)

#: The need type allowed only with SEN support while the school assesses the need.
NSA = "NSA"

#: At most this many ranked needs go into a census return.
CENSUS_NEED_RANKS = 2


def _enabled_extra_codes() -> frozenset[str]:
    # Imported lazily so that this module stays usable without Django settings.
    from django.conf import settings

    return frozenset(getattr(settings, "SENDREG_ENABLE_NEED_TYPES", ()))


@cache
def _by_code() -> dict[str, NeedType]:
    return {need.code: need for need in NEED_TYPES}


def need_types() -> tuple[NeedType, ...]:
    """The need types a school may record now, in census order."""
    return _need_types_with(_enabled_extra_codes())


def need_codes() -> tuple[str, ...]:
    return _need_codes_with(_enabled_extra_codes())


# The census check asks for these once a pupil: worked out once for each setting.
@cache
def _need_types_with(extra: frozenset[str]) -> tuple[NeedType, ...]:
    return tuple(n for n in NEED_TYPES if n.active or n.code in extra)


@cache
def _need_codes_with(extra: frozenset[str]) -> tuple[str, ...]:
    return tuple(n.code for n in _need_types_with(extra))


def need_type(code: str) -> NeedType | None:
    """The need type for ``code`` (any case), or None for an unknown code."""
    return _by_code().get(code.strip().upper())


def need_label(code: str) -> str:
    """``code`` with its meaning, for every page and export that shows a code."""
    need = need_type(code)
    return str(need) if need else f"{code} – not a census need type"


def provision_label(code: str) -> str:
    try:
        return f"{code} – {SenProvision(code).label}"
    except ValueError:
        return f"{code} – not a census SEN provision code"


def areas() -> tuple[BroadArea, ...]:
    return tuple(BroadArea)


#: National curriculum years before Year 1, as the census writes them.
_EARLY_YEARS = {"N1": -2, "N2": -1, "R": 0}


def year_label(year: int | None) -> str:
    """Plain words for an NC year held as a number (Reception is 0, nursery -1 and -2)."""
    if year is None:
        return "Not recorded"
    for code, number in _EARLY_YEARS.items():
        if number == year:
            return {"N1": "Nursery 1", "N2": "Nursery 2", "R": "Reception"}[code]
    return f"Year {year}"


def parse_year(value: str) -> int | None:
    """Read an NC year as MIS exports write it: ``Year 7``, ``Y7``, ``7``, ``R``, ``N2``.

    Returns None when the value is not a year group.
    """
    text = "".join(value.split()).upper()
    if not text.isascii() or len(text) > 12:
        return None
    if text in _EARLY_YEARS:
        return _EARLY_YEARS[text]
    if text in {"RECEPTION", "YR"}:
        return 0
    for prefix in ("YEAR", "NCYEAR", "Y"):
        if text.startswith(prefix) and text[len(prefix) :].isdecimal():
            text = text[len(prefix) :]
            break
    if text.isdecimal() and 1 <= int(text) <= 14:
        return int(text)
    return None
