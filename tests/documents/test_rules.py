"""The placeholder rule of letter wording: no database."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from sendreg.documents import rules
from sendreg.documents.letters import DEFAULT_LETTERS


def messages_of(text: str) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        rules.validate_letter_text(text)
    return caught.value.messages


@pytest.mark.parametrize("kind", list(DEFAULT_LETTERS))
def test_default_wording_uses_only_known_placeholders(kind: str) -> None:
    subject, body = DEFAULT_LETTERS[kind]  # type: ignore[index]
    rules.validate_letter_text(subject)
    rules.validate_letter_text(body)


def test_unknown_placeholders_are_all_named_in_one_message() -> None:
    [message] = messages_of("Dear {parent_nmae}, about {pupil_name} at {address} and {address}.")
    assert message == rules.PLACEHOLDER_UNKNOWN.format(
        names="{parent_nmae}, {address}", verb="are", valid=rules._valid_text()
    )
    assert "{pupil_name}" in message and "{status_meaning}" in message


def test_one_unknown_placeholder_reads_as_singular() -> None:
    [message] = messages_of("{address}")
    assert message.startswith("{address} is not a placeholder.")


@pytest.mark.parametrize(
    "text",
    ["{pupil_name.__class__}", "{pupil_name[0]}", "{0}", "{senco_name.__init__.__globals__}"],
)
def test_attribute_and_index_lookups_are_not_placeholders(text: str) -> None:
    [message] = messages_of(text)
    assert message.startswith(text + " is not a placeholder")


@pytest.mark.parametrize(("text", "shown"), [("{pupil_name!r}", "!r"), ("{today:>30}", ":>30")])
def test_conversions_and_format_specs_are_refused(text: str, shown: str) -> None:
    [message] = messages_of(text)
    name = text[1:].split("!")[0].split(":")[0]
    assert message == rules.PLACEHOLDER_DECORATED.format(field=name, extra=shown)


def test_empty_braces_are_refused() -> None:
    assert messages_of("Hello {}") == [rules.PLACEHOLDER_EMPTY]


@pytest.mark.parametrize("text", ["Dear {parent_name", "a } alone", "{ {pupil_name}"])
def test_unbalanced_braces_are_refused(text: str) -> None:
    assert messages_of(text) == [rules.BRACES_UNBALANCED]


def test_fill_copies_values_in_as_they_are() -> None:
    values = dict.fromkeys(rules.PLACEHOLDERS, "x")
    values["pupil_name"] = "{senco_name} <b>Bobby</b> {{"
    assert rules.fill("Hi {pupil_name}", values) == "Hi {senco_name} <b>Bobby</b> {{"


def test_doubled_braces_print_one_brace() -> None:
    assert rules.fill("{{not a placeholder}}", {}) == "{not a placeholder}"


def test_fill_refuses_wording_with_an_unknown_placeholder() -> None:
    with pytest.raises(ValidationError):
        rules.fill("{nope}", {"nope": "x"})
