"""Audited values in plain words: the one presenter for the audit trail, the pupil's history
and anything else that shows what an audit event held.

An event stores values as JSON under the names the code uses (``has_ihp``, ``needs``,
``2026-05-03``). People read them as "Has an Individual Healthcare Plan: Yes", "Need
types: 1. SLCN – Speech, language and communication needs", "3 May 2026". A value's label
comes from the audited model's field (its verbose name), or from ``KEYS`` for a value that
is not a field of that model (a status, the needs, when a change takes effect); its words
come from what it is: a yes or no, a date, a need code, a status code, a choice.

Nothing here touches the database or changes an event: the audit trail stays as written.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.dateformat import format as date_format
from django.utils.text import capfirst

from sendreg import codes

#: How an empty value reads.
NOTHING = "—"
NO_NEEDS = "None recorded"
NOT_ON_REGISTER = "Not on the SEN register"
YES, NO = "Yes", "No"


class Kind(StrEnum):
    """What a value is, which decides its words."""

    TEXT = "text"
    YES_NO = "yes_no"
    DATE = "date"
    STATUS = "status"
    NEEDS = "needs"
    YEAR = "year"
    PERCENT = "percent"
    SCHOOL_YEAR = "school_year"


@dataclass(frozen=True)
class Key:
    label: str
    kind: Kind = Kind.TEXT


#: Values that are not a field of the audited model: the register's status and needs,
#: the letters' change, the import's summary. Used only when the audited model has no
#: field of that name, so that another model's own ``status`` keeps its own meaning.
KEYS: dict[str, Key] = {
    "status": Key("Status", Kind.STATUS),
    "needs": Key("Need types, most important first", Kind.NEEDS),
    "effective": Key("Takes effect", Kind.DATE),
    "mis_status": Key("SEN status in the MIS", Kind.STATUS),
    "mis_needs": Key("Need types in the MIS", Kind.NEEDS),
    "sen_status": Key("SEN status", Kind.STATUS),
    "change": Key("Change"),
    "letter": Key("Letter"),
    "file": Key("File"),
    "sha256": Key("File fingerprint (SHA-256)"),
    "whole_roll": Key("The whole roll", Kind.YES_NO),
    "rows": Key("Rows in the file"),
    "created": Key("Records added"),
    "updated": Key("Records changed"),
    "unchanged": Key("Records unchanged"),
    "register_seeded": Key("Register records started from the MIS"),
    "groups": Key("Classes and teaching groups"),
    "pupils_added": Key("Pupils added"),
    "pupils_removed": Key("Pupils removed"),
}

#: Fields whose verbose name or type says too little, as ``app_label.model.field``.
FIELDS: dict[str, Key] = {
    "pupils.pupil.year_group": Key("Year group", Kind.YEAR),
    "pupils.pupil.attendance": Key("Attendance", Kind.PERCENT),
    "register.censusdateoverride.academic_year": Key("School year", Kind.SCHOOL_YEAR),
    "documents.lettertemplate.subject": Key("Subject line"),
    "documents.lettertemplate.body": Key("Wording"),
}

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class ShownValue:
    label: str
    text: str


@cache
def _model(target_model: str) -> type[models.Model] | None:
    try:
        return apps.get_model(target_model)
    except (LookupError, ValueError):
        return None


def _field(target_model: str, key: str) -> models.Field[Any, Any] | None:
    model = _model(target_model)
    if model is None:
        return None
    try:
        field = model._meta.get_field(key)
    except FieldDoesNotExist:
        return None
    return field if isinstance(field, models.Field) else None


def _kind_of_field(field: models.Field[Any, Any] | None) -> Kind:
    if isinstance(field, models.BooleanField):
        return Kind.YES_NO
    if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
        return Kind.DATE
    return Kind.TEXT


@cache
def _describe(target_model: str, key: str) -> tuple[Key, models.Field[Any, Any] | None]:
    """The label and kind of one audited value, and the model field it is, if any.

    Depends only on the models and the tables above, so worked out once per name: a
    pupil's history asks it for every value of every event."""
    field = _field(target_model, key)
    if f"{target_model}.{key}" in FIELDS:
        return FIELDS[f"{target_model}.{key}"], field
    if field is not None:
        return Key(capfirst(str(field.verbose_name)), _kind_of_field(field)), field
    if key in KEYS:
        return KEYS[key], None
    return Key(capfirst(key.replace("_", " "))), None


def present_label(target_model: str, key: str) -> str:
    """The label of one audited value: the model field's verbose name, ``FIELDS`` or
    ``KEYS``, or the name in words as a last resort."""
    return _describe(target_model, key)[0].label


def _date_text(value: Any) -> str:
    if isinstance(value, dt.date):
        return date_format(value, "j F Y")
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            return date_format(dt.date.fromisoformat(value), "j F Y")
        except ValueError:
            return value
    return str(value)


def _status_text(value: Any) -> str:
    return codes.provision_label(str(value)) if value else NOT_ON_REGISTER


def _needs_text(value: Any) -> str:
    if not value:
        return NO_NEEDS
    if isinstance(value, str):
        value = [value]
    return "; ".join(f"{rank}. {codes.need_label(str(code))}" for rank, code in enumerate(value, 1))


def _year_text(value: Any) -> str:
    try:
        return codes.year_label(int(value))
    except (TypeError, ValueError):
        return str(value)


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, list | tuple):
        return "; ".join(_plain(item) for item in value) if value else NOTHING
    if isinstance(value, dict):
        return "; ".join(
            f"{capfirst(str(k).replace('_', ' '))}: {_plain(v)}" for k, v in value.items()
        )
    if isinstance(value, dt.date) or (isinstance(value, str) and _ISO_DATE.match(value)):
        return _date_text(value)
    return str(value)


@cache
def _choices(target_model: str, key: str) -> dict[Any, Any]:
    """The choices of the audited field ``key`` of ``target_model``, by stored value."""
    field = _describe(target_model, key)[1]
    return dict(field.flatchoices) if field is not None else {}


def present_value(target_model: str, key: str, value: Any) -> str:
    """One audited value in words, as a person reads it."""
    described, field = _describe(target_model, key)
    kind = described.kind
    if kind is Kind.STATUS:
        return _status_text(value)
    if kind is Kind.NEEDS:
        return _needs_text(value)
    if value is None or value == "":
        return NOTHING
    if kind is Kind.YES_NO and isinstance(value, bool):
        return YES if value else NO
    if kind is Kind.DATE:
        return _date_text(value)
    if kind is Kind.YEAR:
        return _year_text(value)
    if kind is Kind.PERCENT:
        return f"{value}%"
    if kind is Kind.SCHOOL_YEAR and isinstance(value, int):
        return f"{value}/{(value + 1) % 100:02d}"
    if field is not None and field.choices:
        shown = _choices(target_model, key).get(value)
        if shown is not None:
            return str(shown)
    return _plain(value)


def present_values(target_model: str, values: Mapping[str, Any]) -> list[ShownValue]:
    """Every value of an event's before or after, labelled and in words, in stored order."""
    return [
        ShownValue(_describe(target_model, key)[0].label, present_value(target_model, key, value))
        for key, value in values.items()
    ]
