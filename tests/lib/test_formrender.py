"""The drop-down lists made in Python are Django's own, character for character."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from hypothesis import given, settings
from hypothesis import strategies as st

from sendreg.lib.formrender import Renderer

DJANGO = DjangoTemplates()
OURS = Renderer()

text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
value = st.one_of(text, st.integers(-5, 3000), st.none())
label = st.one_of(text, st.integers(-5, 3000), st.dates())
choice = st.tuples(value, label)
choices = st.lists(
    st.one_of(choice, st.tuples(text, st.lists(choice, max_size=4))), min_size=0, max_size=8
)
attrs = st.dictionaries(
    st.sampled_from(["id", "class", "aria-describedby", "required", "disabled", "data-x"]),
    st.one_of(st.booleans(), text, st.integers()),
    max_size=4,
)


def both(widget: forms.Widget, name: str, chosen: Any, given_attrs: dict[str, Any]) -> None:
    theirs = widget.render(name, chosen, attrs=given_attrs, renderer=DJANGO)
    ours = widget.render(name, chosen, attrs=given_attrs, renderer=OURS)
    assert ours == theirs


@settings(max_examples=150, deadline=None)
@given(choices=choices, name=text, chosen=value, given_attrs=attrs)
def test_a_select_is_rendered_as_django_renders_it(
    choices: list[Any], name: str, chosen: Any, given_attrs: dict[str, Any]
) -> None:
    both(forms.Select(choices=choices), name, chosen, given_attrs)


@settings(max_examples=80, deadline=None)
@given(choices=choices, name=text, chosen=st.lists(value, max_size=3), given_attrs=attrs)
def test_a_multiple_select_is_rendered_as_django_renders_it(
    choices: list[Any], name: str, chosen: list[Any], given_attrs: dict[str, Any]
) -> None:
    both(forms.SelectMultiple(choices=choices), name, chosen, given_attrs)


def test_text_marked_safe_and_markup_are_treated_as_django_treats_them() -> None:
    choices = [
        ("<b>", mark_safe("<i>kept</i>")),  # noqa: S308 - a test of how safe text is shown
        ('"&', "A & B <c>"),
        (7, dt.date(2026, 1, 15)),
    ]
    both(forms.Select(choices=choices), 'year"<', "<b>", {"aria-label": 'a"b<'})


def test_a_widget_with_its_own_option_template_is_left_to_django() -> None:
    class Custom(forms.Select):
        option_template_name = "django/forms/widgets/input.html"

    widget = Custom(choices=[("1", "One")])
    assert widget.render("n", "1", renderer=OURS) == widget.render("n", "1", renderer=DJANGO)


@pytest.mark.django_db
def test_the_site_renders_forms_with_it(settings: Any) -> None:
    from django.forms.renderers import get_default_renderer

    assert isinstance(get_default_renderer(), Renderer)
