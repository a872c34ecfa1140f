"""Django's form renderer, with drop-down lists made in Python rather than by a template each.

Django renders every ``<option>`` of a ``<select>`` through two templates, an include for
the option and another for its attributes: the SEN register's filters (about fifty
options) spent about 6 ms a request doing so, more than its table of 380 pupils' names.
``Renderer`` makes the same HTML, character for character, from the same context
(``tests/lib/test_formrender.py`` holds the two together), and leaves every other
template, and any widget that names its own option template, to Django.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.http import HttpRequest
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]

SELECT = "django/forms/widgets/select.html"
OPTION = "django/forms/widgets/select_option.html"


def _shown(value: Any) -> str:
    """``{{ value }}``: in local time and format, escaped unless marked safe."""
    return conditional_escape(localize(template_localtime(value)))


def _text(value: Any) -> str:
    """``{{ value|stringformat:'s' }}``: the value as text, escaped unless marked safe."""
    return conditional_escape(value if isinstance(value, str) else str(value))


def attributes(attrs: Mapping[str, Any]) -> str:
    """``django/forms/widgets/attrs.html``: each attribute not False, a bare name when True."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {_shown(name)}")
        else:
            parts.append(f' {_shown(name)}="{_text(value)}"')
    return "".join(parts)


def select(widget: Mapping[str, Any]) -> str:
    """``django/forms/widgets/select.html`` with ``select_option.html`` for each option (whose
    file's last line break comes with it)."""
    parts = [f'<select name="{_shown(widget["name"])}"{attributes(widget["attrs"])}>']
    for group_name, group_choices, _ in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_shown(group_name)}">')
        for option in group_choices:
            parts.append(
                f'\n  <option value="{_text(option["value"])}"'
                f"{attributes(option['attrs'])}>{_shown(option['label'])}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _plain_options(widget: Mapping[str, Any]) -> bool:
    return all(
        option["template_name"] == OPTION
        for _, choices, _ in widget["optgroups"]
        for option in choices
    )


class Renderer(DjangoTemplates):
    def render(
        self, template_name: str, context: dict[str, Any], request: HttpRequest | None = None
    ) -> str:
        if template_name == SELECT and _plain_options(context["widget"]):
            return select(context["widget"])
        return super().render(template_name, context, request)
