from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import models


def jsonable(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def snapshot(instance: models.Model, fields: list[str]) -> dict[str, Any]:
    return {name: jsonable(getattr(instance, name)) for name in fields}


def changed(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The old and new values of just the fields that differ."""
    keys = [k for k in after if before.get(k) != after[k]]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}
