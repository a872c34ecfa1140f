"""Insert and update many rows in a few statements, without building a model per row.

Django's ``bulk_create`` and ``bulk_update`` spend most of their time in Python,
compiling each value (and, for updates, a ``CASE WHEN`` per row and field): a
50,000-row import took over 30 seconds, nearly all of it there. These helpers
take plain tuples, prepare each value with the field's own database conversion
only where the field needs one (dates, decimals, JSON), and send:

- on PostgreSQL, ``COPY`` (straight into the table, or into a temporary table that
  one ``UPDATE ... FROM`` then joins on the key);
- on SQLite, one prepared statement run with ``executemany``, which SQLite executes
  as fast as a multi-row statement without its limit on parameters.

They write exactly what they are given: no defaults, no signals, no ``save()``.
A service that uses them has already validated its rows, and writes its audit
events with them in the same transaction.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from itertools import chain, islice
from itertools import count as counter
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

#: Fields whose Python value is already what both drivers want.
_PLAIN = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.ForeignKey,
)
#: Fields whose Python value psycopg adapts itself (SQLite needs them as text).
_NATIVE_ON_POSTGRES = (models.DateField, models.DecimalField)
_temporary = counter()


def _concrete(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field), f"{name} is not a column of {model.__name__}"
    return field


def _column(field: models.Field[Any, Any]) -> str:
    assert field.column is not None
    return field.column


def _preparer(
    field: models.Field[Any, Any], connection: BaseDatabaseWrapper
) -> Callable[[Any], Any] | None:
    """How to turn the field's Python value into the driver's, or None for as it is."""
    if isinstance(field, _PLAIN):
        return None
    if isinstance(field, models.JSONField):
        # The JSON text itself, from one encoder for the whole call: what Django's
        # ``adapt_json_value`` sends on SQLite, and what COPY reads into a jsonb column
        # (without psycopg's wrapper and a new encoder for every value).
        return (field.encoder or json.JSONEncoder)().encode
    # DateTimeField is a DateField: with time zones on, psycopg takes an aware datetime.
    if connection.vendor == "postgresql" and isinstance(field, _NATIVE_ON_POSTGRES):
        return None
    prepare = field.get_db_prep_save
    return lambda value: prepare(value, connection=connection)


def _prepared(
    rows: Iterable[Sequence[Any]], preparers: list[Callable[[Any], Any] | None]
) -> Iterator[tuple[Any, ...]]:
    if not any(preparers):
        yield from (tuple(row) for row in rows)
        return
    for row in rows:
        yield tuple(
            value if prepare is None or value is None else prepare(value)
            for prepare, value in zip(preparers, row, strict=True)
        )


def _peeked(rows: Iterator[tuple[Any, ...]]) -> Iterator[tuple[Any, ...]] | None:
    """``rows`` again, or None when there are none (so that nothing is sent at all)."""
    first = next(rows, None)
    return None if first is None else chain([first], rows)


def _batches(rows: Iterable[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def driver_value(model: type[models.Model], name: str, value: Any) -> Any:
    """``value`` of the field ``name`` as ``bulk_insert`` sends it to the database: for a
    value every row shares, prepared once and given to ``bulk_insert`` as ``raw``."""
    prepare = _preparer(_concrete(model, name), connections[DEFAULT_DB_ALIAS])
    return value if prepare is None or value is None else prepare(value)


def bulk_insert(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    raw: Collection[str] = (),
) -> int:
    """Insert ``rows`` (values in the order of ``fields``); returns how many were inserted.

    A field not named gets its default, worked out once for the whole call (so a
    callable default such as ``timezone.now`` gives every row the same value).
    The values of the fields named in ``raw`` are given already as the database
    driver takes them (``driver_value``; JSON as its text), and are sent as they are.
    """
    connection = connections[DEFAULT_DB_ALIAS]
    meta = model._meta
    given = [_concrete(model, name) for name in fields]
    named = {field.name for field in given}
    missing = [
        field
        for field in meta.concrete_fields
        if field.name not in named and not isinstance(field, models.AutoField)
    ]
    if missing:
        defaults = tuple(field.get_default() for field in missing)
        rows = (tuple(row) + defaults for row in rows)
    concrete = [*given, *missing]
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    columns = ", ".join(quote(_column(field)) for field in concrete)
    preparers = [None if field.name in raw else _preparer(field, connection) for field in concrete]
    values = _peeked(_prepared(rows, preparers))
    if values is None:
        return 0
    inserted = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY streams the rows with no statement to build or parse per row.
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
                    inserted += 1
        else:
            one = "(" + ", ".join(["%s"] * len(concrete)) + ")"
            # Names come from the model's metadata, quoted; every value is a parameter.
            sql = f"INSERT INTO {table} ({columns}) VALUES {one}"  # noqa: S608
            for batch in _batches(values, 5000):
                cursor.executemany(sql, batch)
                inserted += len(batch)
    return inserted


def bulk_update(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    increment: Sequence[str] = (),
) -> int:
    """Set ``fields`` on each row by primary key: each row is ``(pk, *values in fields' order)``.
    Each integer field in ``increment`` goes up by one on every row set (a version number).

    Returns how many rows were given (each names one existing row by its key).
    """
    connection = connections[DEFAULT_DB_ALIAS]
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    concrete = [_concrete(model, name) for name in fields]
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    columns = [quote(_column(field)) for field in concrete]
    bumped = [quote(_column(_concrete(model, name))) for name in increment]
    values = _peeked(
        _prepared(
            rows,
            [None, *(_preparer(field, connection) for field in concrete)],
        )
    )
    if values is None:
        return 0
    updated = 0
    if connection.vendor == "postgresql":
        # The rows are copied into a temporary table of the same column types, then set
        # in one UPDATE joined on the key: the fastest way PostgreSQL has.
        temporary = quote(f"bulk_update_{next(_temporary)}")
        key = quote(_column(pk))
        names = ", ".join([key, *columns])
        assignments = ", ".join(
            [*(f"{column} = v.{column}" for column in columns), *(f"{c} = {c} + 1" for c in bumped)]
        )
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE {temporary} ON COMMIT DROP AS "  # noqa: S608
                f"SELECT {names} FROM {table} WITH NO DATA"
            )
            with cursor.cursor.copy(f"COPY {temporary} ({names}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
                    updated += 1
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM {temporary} AS v "  # noqa: S608
                f"WHERE {table}.{key} = v.{key}"
            )
            cursor.execute(f"DROP TABLE {temporary}")
        return updated
    assignments = ", ".join(
        [*(f"{column} = %s" for column in columns), *(f"{c} = {c} + 1" for c in bumped)]
    )
    # Names come from the model's metadata, quoted; every value is a parameter.
    sql = f"UPDATE {table} SET {assignments} WHERE {quote(_column(pk))} = %s"  # noqa: S608
    with connection.cursor() as cursor:
        for batch in _batches(values, 5000):
            cursor.executemany(sql, [(*row[1:], row[0]) for row in batch])
            updated += len(batch)
    return updated
