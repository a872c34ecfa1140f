"""Template filters that show every code with its meaning, from codes.py alone, and the
one "due soon" window (``lib.dates.DUE_SOON_DAYS``) for pages that explain it."""

from __future__ import annotations

from django import template

from sendreg import codes
from sendreg.lib.dates import DUE_SOON_DAYS

register = template.Library()


@register.simple_tag
def due_soon_days() -> int:
    """How many days ahead a dated duty counts as due soon, as pages say it."""
    return DUE_SOON_DAYS


@register.filter
def need_label(code: str) -> str:
    return codes.need_label(code)


@register.filter
def provision_label(code: str | None) -> str:
    return codes.provision_label(code) if code else "Not on the SEN register"


@register.filter
def provision_meaning(code: str | None) -> str:
    try:
        return codes.SenProvision(code).label if code else "Not on the SEN register"
    except ValueError:
        return "not a census SEN provision code"


@register.filter
def year_label(year: int | None) -> str:
    return codes.year_label(year)


@register.filter
def area_label(code: str) -> str:
    need = codes.need_type(code)
    return need.area.label if need else ""


@register.filter
def yesno_plain(value: bool) -> str:
    return "Yes" if value else "No"


#: Counts below this are shown as "fewer than 5" to roles that see only aggregates.
SMALL_NUMBER = 5


@register.filter
def suppressed(count: int, suppress: bool) -> str:
    if suppress and 0 < count < SMALL_NUMBER:
        return f"fewer than {SMALL_NUMBER}"
    return str(count)
