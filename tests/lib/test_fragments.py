"""Rows rendered by Jinja2 (``lib.fragments``) read exactly as Django's templates show them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import jinja2
import pytest
from django.conf import settings
from django.template import Context, Template, engines
from django.utils.safestring import mark_safe
from hypothesis import given
from hypothesis import strategies as st

from sendreg.lib.fragments import ENGINE

text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20)
shown = st.one_of(text, st.integers(), st.none(), st.booleans(), st.dates())


def jinja(source: str, **context: Any) -> str:
    return str(engines[ENGINE].from_string(source).render(context))


def django(source: str, **context: Any) -> str:
    return Template(source).render(Context(context))


@given(shown)
def test_any_value_is_shown_and_escaped_as_django_shows_it(value: object) -> None:
    assert jinja("{{ v }}", v=value) == django("{{ v }}", v=value)


@pytest.mark.parametrize(
    "value",
    ["<script>alert(1)</script>", 'O\'Brien & "Sons"', "=SUM(A1)", mark_safe("<b>kept</b>")],  # noqa: S308 - the test's own HTML
)
def test_html_and_quotes_are_escaped_and_safe_html_kept(value: str) -> None:
    assert jinja("<p>{{ v }}</p>", v=value) == django("<p>{{ v }}</p>", v=value)


def test_a_time_is_shown_in_the_schools_time_zone_as_on_a_page() -> None:
    # 15:00 UTC on a summer day is 16:00 in London: the database keeps UTC.
    at = dt.datetime(2026, 8, 27, 15, 0, tzinfo=dt.UTC)
    shown = jinja('{{ at|date("j F Y, H:i") }}', at=at)
    assert shown == django('{{ at|date:"j F Y, H:i" }}', at=at) == "27 August 2026, 16:00"
    assert settings.TIME_ZONE == "Europe/London"


def test_no_date_shows_nothing_and_codes_show_their_meaning() -> None:
    assert jinja('{{ d|date("d/m/Y") }}', d=None) == ""
    assert jinja("{{ c|need_label }}", c="SLCN") == django("{{ c|need_label }}", c="SLCN")
    assert jinja("{{ s|provision_label }}", s=None) == "Not on the SEN register"


def test_a_name_missing_from_the_context_is_an_error_not_an_empty_cell() -> None:
    with pytest.raises(jinja2.UndefinedError):
        jinja("{{ p.surname }}", p=object())


def test_a_django_page_puts_a_fragment_in_with_its_own_values() -> None:
    page = django('<tbody>{% fragment "pupils/rows.jinja" rows=rows %}</tbody>', rows=[])
    assert "No pupils found." in page
    assert page.startswith("<tbody>") and page.endswith("</tbody>")


def test_every_fragment_is_valid_jinja2() -> None:
    folder = Path(settings.BASE_DIR) / "jinja2"
    names = sorted(str(p.relative_to(folder)) for p in folder.rglob("*.jinja"))
    assert names, "no fragments found"
    for name in names:
        engines[ENGINE].get_template(name)  # parses and compiles it, or raises
