"""Read a JSON column whose rows repeat a few values (need codes, mostly ``[]``) without
decoding the same text thousands of times.

Django decodes a JSONField's every value with ``json.loads``: for a whole school's MIS
records that is 2,000 decodings of a handful of different texts, a tenth of a page's
time. Reading the column as text (``json_text``) and the values through ``JsonTexts``
decodes each different text once.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from json.encoder import (  # type: ignore[attr-defined]
    INFINITY,
    c_make_encoder,
    encode_basestring_ascii,
)
from typing import Any

from django.db.models import TextField
from django.db.models.functions import Cast


def json_text(field: str) -> Cast:
    """The JSON column ``field`` (a path such as ``"mis_sen__needs"``) as its text."""
    return Cast(field, output_field=TextField())


class JsonTexts(dict[str | None, Any]):
    """JSON text -> ``convert(decoded value)``, each text decoded once; None stays None.

    The values are shared between rows, so ``convert`` should make them immutable
    (a tuple rather than a list).
    """

    def __init__(self, convert: Callable[[Any], Any] = lambda value: value) -> None:
        super().__init__()
        self.convert = convert

    def __missing__(self, text: str | None) -> Any:
        value = None if text is None else self.convert(json.loads(text))
        self[text] = value
        return value


def json_encoder() -> Callable[[Any], str]:
    """A function that gives what ``json.JSONEncoder().encode`` gives, for writing many values.

    ``JSONEncoder.encode`` builds a new C encoder for every value it is given, which is
    most of the cost of encoding a small dictionary; this builds one and keeps it. (It
    does not check for a value that contains itself, which no audit value does.)
    """
    plain = json.JSONEncoder()
    if c_make_encoder is None:  # pragma: no cover - CPython always has the C encoder
        return plain.encode

    def floatstr(value: float) -> str:
        # As JSONEncoder's own (allow_nan is on by default).
        if value != value:
            return "NaN"
        if value == INFINITY:
            return "Infinity"
        if value == -INFINITY:
            return "-Infinity"
        return float.__repr__(value)

    encode = c_make_encoder(
        None, plain.default, encode_basestring_ascii, None, ": ", ", ", False, False, True
    )
    iterencode = plain.iterencode

    def encoded(value: Any) -> str:
        if isinstance(value, str):
            return encode_basestring_ascii(value)
        if isinstance(value, dict | list | tuple):
            return "".join(encode(value, 0))
        return "".join(iterencode(value, _one_shot=True))

    return encoded
