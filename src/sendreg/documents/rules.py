"""Pure rules of the parent letters: the placeholders a school's letter text may use.

A letter template is plain text with named placeholders such as ``{pupil_name}``.
It is not a Django or Python template: the only thing that can happen to it is
that a known placeholder is replaced by a value, and the values are inserted as
they are, never read as template text themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from string import Formatter

from django.core.exceptions import ValidationError

#: Every placeholder a letter may use, with what it becomes (shown on the edit page).
PLACEHOLDERS: dict[str, str] = {
    "parent_name": "the name of the parent or carer the letter is addressed to",
    "pupil_name": "the pupil's full name",
    "pupil_forename": "the pupil's first name",
    "status": "the SEN status now, with its code explained, such as K (SEN support)",
    "status_meaning": "a plain-English explanation of what that status means",
    "previous_status": "the SEN status before the change, with its code explained",
    "needs": "each need type now recorded, most important first, with its meaning",
    "effective_date": "the day the change takes effect",
    "who_decided": (
        "who made the decision, in a sentence: the school, or the local authority when an "
        "EHC plan is issued or ends"
    ),
    "next_review": (
        "the next review or meeting, in a sentence: the monitoring review date after a move "
        "to the monitoring list, otherwise that the school will write with the date"
    ),
    "advice": (
        "where to get free, impartial advice: the local SENDIASS and the local offer, from "
        "the school's contact details"
    ),
    "school_contact": (
        "how to reach the school, in a sentence: its telephone and email, from the school's "
        "contact details"
    ),
    "school_name": "the school's name",
    "senco_name": "the name of the person producing the letter",
    "today": "the date the letter is produced",
}

#: What every letter to parents must give, by the placeholder that gives it. A school's
#: own wording without one of them is still saved, but the SENCO is told what it leaves out.
ESSENTIAL_PLACEHOLDERS: dict[str, str] = {
    "who_decided": "who made the decision (for an EHC plan, the local authority)",
    "next_review": "the date of the next review or meeting",
    "advice": "where to get impartial advice (the local SENDIASS and the local offer)",
}

PLACEHOLDER_UNKNOWN = "{names} {verb} not a placeholder. The placeholders are: {valid}."
PLACEHOLDER_EMPTY = (
    "Empty braces {} are not a placeholder: write a name inside, such as {pupil_name}."
)
PLACEHOLDER_DECORATED = (
    "Write placeholders as a plain name in braces, such as {{pupil_name}}, not {{{field}{extra}}}."
)
BRACES_UNBALANCED = (
    "A brace does not belong to a placeholder. Write placeholders as {pupil_name}; "
    "to print a brace itself, write it twice: {{ or }}."
)


def _valid_text() -> str:
    return ", ".join("{" + name + "}" for name in PLACEHOLDERS)


def _parse(text: str) -> list[tuple[str, str | None, str | None, str | None]]:
    try:
        return list(Formatter().parse(text))
    except ValueError:
        raise ValidationError(BRACES_UNBALANCED) from None


def validate_letter_text(text: str) -> None:
    """Every placeholder in ``text`` is a known name in plain braces.

    Raises one ValidationError naming every unknown placeholder, so the SENCO can
    put them all right at once.
    """
    errors: list[str] = []
    unknown: list[str] = []
    for _, field, spec, conversion in _parse(text):
        if field is None:
            continue
        if field == "":
            errors.append(PLACEHOLDER_EMPTY)
        elif spec or conversion:
            extra = (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
            errors.append(PLACEHOLDER_DECORATED.format(field=field, extra=extra))
        elif field not in PLACEHOLDERS and "{" + field + "}" not in unknown:
            unknown.append("{" + field + "}")
    if unknown:
        errors.insert(
            0,
            PLACEHOLDER_UNKNOWN.format(
                names=", ".join(unknown),
                verb="is" if len(unknown) == 1 else "are",
                valid=_valid_text(),
            ),
        )
    if errors:
        raise ValidationError(errors)


def missing_essentials(text: str) -> list[str]:
    """The essential placeholders (``ESSENTIAL_PLACEHOLDERS``) that ``text`` does not use,
    in their listed order. A text that cannot be parsed uses none."""
    try:
        used = {field for _, field, _, _ in _parse(text) if field}
    except ValidationError:
        used = set()
    return [name for name in ESSENTIAL_PLACEHOLDERS if name not in used]


def fill(text: str, values: Mapping[str, str]) -> str:
    """``text`` with each placeholder replaced by its value.

    The values are copied in as they are: a value that itself contains braces (a
    name typed as ``{senco_name}``, say) stays as typed. ``{{`` and ``}}`` print
    one brace each. Raises ValidationError on a text that ``validate_letter_text``
    would refuse.
    """
    validate_letter_text(text)
    out: list[str] = []
    for literal, field, _, _ in _parse(text):
        out.append(literal)
        if field is not None:
            out.append(values[field])
    return "".join(out)
