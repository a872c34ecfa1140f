"""Retention periods: pure date arithmetic over a rule read from settings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

RULE_UNKNOWN = "There is no retention rule called {key!r} in SENDREG_RETENTION."
RULE_BAD = "The retention rule {key!r} needs a whole number of years of at least 1."


@dataclass(frozen=True)
class RetentionRule:
    """How long one kind of record is kept: ``years`` after the date in its ``anchor`` field."""

    key: str
    label: str
    anchor: str
    years: int
    source: str
    verified: bool


def retention_rule(key: str, rules: Mapping[str, Mapping[str, Any]]) -> RetentionRule:
    if key not in rules:
        raise ValueError(RULE_UNKNOWN.format(key=key))
    value = rules[key]
    years = value.get("years")
    if not isinstance(years, int) or isinstance(years, bool) or years < 1:
        raise ValueError(RULE_BAD.format(key=key))
    return RetentionRule(
        key=key,
        label=str(value["label"]),
        anchor=str(value["from"]),
        years=years,
        source=str(value.get("source", "")),
        verified=bool(value.get("verified", False)),
    )


def years_after(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` later; 29 February becomes 1 March, so a full period passes."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return dt.date(day.year + years, 3, 1)


def years_before(day: dt.date, years: int) -> dt.date:
    """The latest anchor date whose period has ended by ``day``: ``years_after(a) <= day``
    exactly when ``a <= years_before(day)``, which lets a query filter on the anchor."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return dt.date(day.year - years, 2, 28)


def retention_ends(anchor: dt.date, rule: RetentionRule) -> dt.date:
    """The first day on which the record is past its retention period."""
    return years_after(anchor, rule.years)


def is_past(anchor: dt.date, rule: RetentionRule, today: dt.date) -> bool:
    return retention_ends(anchor, rule) <= today
