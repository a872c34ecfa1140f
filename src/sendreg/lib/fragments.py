"""The busiest lists of rows, rendered by Jinja2 inside Django's pages.

A page's rows (the SEN register's hundred, a pupil list's fifty, an audit trail's events)
cost Django's template language a few microseconds for every value shown: about a third of
a loaded server's time went on templates (``benchmarks/README.md``). Jinja2 compiles a
template to Python once, and renders the same rows several times faster. Only row lists
are written in it, each a file under ``src/sendreg/jinja2/``, put into a Django template by

    {% fragment "register/rows.jinja" rows=pupils %}

Everything shown is escaped exactly as Django escapes it (Django's safe strings stay safe);
a name the template uses that its context lacks is an error, not an empty cell, so a test
that renders the page finds it. ``docs/decisions.md`` has the reasons.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from django import template
from django.template import defaultfilters, engines
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]
from jinja2 import Environment, StrictUndefined
from markupsafe import Markup

from sendreg.lib.urls import url_pattern

#: The engine's name in ``settings.TEMPLATES``.
ENGINE = "fragments"

register = template.Library()


def _filters() -> dict[str, Callable[..., Any]]:
    """The filters a page has that a row needs: Django's ``date`` and ``linebreaksbr``, and
    every filter of sendreg's own libraries among the Django engine's builtins (such as
    ``need_label`` and ``provision_label``), so that a fragment shows a code as a page does."""
    pages = engines["django"].engine  # type: ignore[attr-defined]
    own = (
        library.filters
        for module, library in zip(pages.builtins, pages.template_builtins, strict=True)
        if module.startswith("sendreg.")
    )
    found = {
        "date": defaultfilters.date,
        "linebreaksbr": defaultfilters.linebreaksbr,
        **{name: function for filters in own for name, function in filters.items()},
    }
    return {name: _in_local_time(function) for name, function in found.items()}


def _in_local_time(function: Callable[..., Any]) -> Callable[..., Any]:
    """A filter as Django applies it: one that asks for local time (``date``) is given a time
    in the school's time zone, not in UTC as the database keeps it."""
    if not getattr(function, "expects_localtime", False):
        return function

    def localised(value: Any, *arguments: Any) -> Any:
        return function(template_localtime(value), *arguments)

    return localised


def _shown_as_django_shows(value: Any) -> Markup:
    """Every value shown as a Django page shows it (``render_value_in_context``): a time in
    the school's time zone, a date or a number in the site's format, and escaped by Django's
    own rule (an apostrophe is ``&#x27;``, where Jinja2's would be ``&#39;``); what is
    already safe HTML (``__html__``) is kept as it is."""
    if hasattr(value, "__html__"):
        return Markup(value.__html__())  # noqa: S704 - safe HTML by its own declaration
    if not isinstance(value, str):
        value = localize(template_localtime(value))
    return Markup(html.escape(str(value)))  # noqa: S704 - escaped on the line itself


def environment(**options: Any) -> Environment:
    """The Jinja2 environment of ``settings.TEMPLATES``'s fragments engine."""
    # Django's backend passes autoescape (True), the loader and an ``undefined`` of its own,
    # which a missing name must not be here.
    options.update(undefined=StrictUndefined, finalize=_shown_as_django_shows)
    env = Environment(**options)  # noqa: S701 - autoescape is among the options
    env.filters.update(_filters())
    env.globals.update(url_pattern=url_pattern)
    return env


@register.simple_tag
def fragment(name: str, **context: Any) -> SafeString:
    """The Jinja2 template ``name`` rendered with ``context``, into a Django page."""
    rendered = engines[ENGINE].get_template(name).render(context)
    # Autoescaped by Jinja2 as it rendered: every value in it is escaped already.
    return mark_safe(rendered)  # noqa: S308
