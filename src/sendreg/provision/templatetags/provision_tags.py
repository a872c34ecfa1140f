"""Filters that show the provision map's money, hours and statistics one way everywhere."""

from __future__ import annotations

from decimal import Decimal

from django import template

from sendreg.provision import rules

register = template.Library()


@register.filter
def pounds(value: Decimal | None) -> str:
    """£1,234.50; a dash for no amount."""
    return rules.format_pounds(value) if value is not None else "—"


def _plain(value: Decimal) -> str:
    text = f"{value:,.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@register.filter
def hours(value: Decimal | None) -> str:
    """12.5 hours, 1 hour."""
    if value is None:
        return "—"
    return f"{_plain(value)} hour{'' if value == 1 else 's'}"


@register.filter
def number(value: Decimal | int | None) -> str:
    """A score or a statistic without trailing zeros: 98, 1.5, -0.25; a dash for none."""
    if value is None:
        return "—"
    return _plain(Decimal(value))


@register.filter
def share(value: Decimal | None) -> str:
    """0.75 as 75%."""
    if value is None:
        return "—"
    return f"{_plain(rules.hundredths(value * 100))}%"


@register.filter
def need_area(value: str) -> str:
    return rules.need_area_label(value)


@register.filter
def wave(value: int) -> str:
    return rules.WAVE_SHORT.get(value, str(value))
