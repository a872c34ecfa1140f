"""Queries that a page makes on every request, compiled to SQL once and run again with new values.

Building a query in Django's ORM and compiling it to SQL costs more than running it for
most of sendreg's reads: the home page spent about two fifths of its time there (profiled
in ``benchmarks/README.md``), making the same SQL with a different school and day each
time. ``compiled`` keeps the SQL the ORM made for a query's shape and runs it with each
call's values:

    @compiled
    def _open_reviews(school_id: int, day: dt.date) -> QuerySet[Any]:
        return SupportPlan.objects.filter(pupil__school_id=school_id, review_date__lte=day)
            .values_list("pupil_id", "review_date")

    _open_reviews(school.pk, today())   # a list of tuples, as list(queryset) would give

The builder returns a queryset of ``values()``, ``values_list()`` or model instances (with
``select_related``, ``only`` and annotations, made as the ORM makes them), and takes only
whole numbers, text, dates and tuples of them (for ``__in``; a tuple's length is part of the
shape, compiled once for each length met). It must make the same SQL whatever its values:
no ``if`` on them, no sums with them (pass ``day + 14 days`` as an
argument of its own), and nothing read from outside but constants of the code (not the
member's role, not a limit the caller chooses: the SQL is kept whoever calls next). A query
whose SQL differs by role is one compiled builder for each role, each a closure over its own
(``pupils.selectors._pupil_read``).

The values are checked, not trusted: the shape is compiled twice, with two different sets of
stand-in values, and each place where the two differ must be exactly one of the arguments.
Anything else raises ``NotCompilable`` at the first call, so a test that runs the query finds
it. What the builder reads from outside cannot be checked that way: keep it to constants.

Rows are converted by the ORM's own converters, as ``list()`` of the queryset would convert
them, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, ParamSpec

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import QuerySet
from django.db.models.query import (
    FlatValuesListIterable,
    ModelIterable,
    ValuesIterable,
    ValuesListIterable,
    get_related_populators,
)

P = ParamSpec("P")

#: The kinds of value a compiled query may take: each has stand-ins no real value has. A tuple
#: is for ``__in``: its length and its elements' kinds are part of the shape.
Value = int | str | dt.date | tuple[int | str | dt.date, ...]

#: The longest tuple a compiled query takes: a few year groups or census days, not a list of
#: pupils (whose length would make a new shape, kept for good, on nearly every call).
MAX_TUPLE = 16

_Rows = Literal["dicts", "tuples", "flat", "models"]


class NotCompilable(TypeError):
    """A builder whose SQL depends on its values other than through its parameters."""


@dataclass(frozen=True)
class _Slot:
    """Where one SQL parameter's value comes from: argument ``index``, or a constant."""

    index: int | None
    as_text: bool = False
    constant: object = None
    #: The place in a tuple argument.
    element: int | None = None

    def value(self, arguments: Sequence[Value]) -> Any:
        if self.index is None:
            return self.constant
        value = arguments[self.index]
        if self.element is not None:
            value = value[self.element]  # type: ignore[index]
        return str(value) if self.as_text else value


@dataclass(frozen=True)
class _Models:
    """How rows become model instances, as Django's ``ModelIterable`` makes them."""

    model: Any
    fields: slice
    names: tuple[str, ...]
    related: tuple[Any, ...]
    annotations: tuple[tuple[str, int], ...]

    def make(self, row: Sequence[Any]) -> Any:
        instance = self.model.from_db(DEFAULT_DB_ALIAS, self.names, row[self.fields])
        for populator in self.related:
            populator.populate(row, instance)
        for name, position in self.annotations:
            setattr(instance, name, row[position])
        return instance


@dataclass(frozen=True)
class _Shape:
    sql: str
    slots: tuple[_Slot, ...]
    rows: _Rows
    names: tuple[str, ...]
    #: Columns the rows have; the database also returns ordering columns after them.
    columns: int
    converters: tuple[tuple[int, tuple[Sequence[Callable[..., Any]], Any]], ...]
    models: _Models | None = None


def _stand_in(value: Value, index: int, which: int) -> Value:
    """A value of the same kind as ``value`` that no query is given for real."""
    if isinstance(value, bool):
        raise NotCompilable("a compiled query cannot take True or False: build two queries")
    if isinstance(value, int):
        return 1_000_000_007 * which + 7_919 * index
    if isinstance(value, dt.datetime):
        raise NotCompilable("a compiled query takes dates, not dates with times")
    if isinstance(value, dt.date):
        return dt.date(1900 + which, 1, 1) + dt.timedelta(days=37 * index + which)
    if isinstance(value, str):
        return f"compiled-stand-in-{which}-{index}"
    if isinstance(value, tuple):
        if len(value) > MAX_TUPLE:
            raise NotCompilable(
                f"a compiled query takes tuples of at most {MAX_TUPLE} values: each length is "
                "a shape of its own, kept for the life of the process"
            )
        # Each element a stand-in of its own kind, apart from every other argument's.
        return tuple(
            _stand_in(element, 1_000 + 100 * index + k, which)  # type: ignore[misc]
            for k, element in enumerate(value)
        )
    raise NotCompilable(f"a compiled query cannot take {type(value).__name__} values")


def _rows_of(queryset: QuerySet[Any]) -> _Rows:
    iterable = queryset._iterable_class  # noqa: SLF001 - how values() and values_list() say so
    if iterable is ValuesIterable:
        return "dicts"
    if iterable is ValuesListIterable:
        return "tuples"
    if iterable is FlatValuesListIterable:
        return "flat"
    if iterable is ModelIterable and not getattr(queryset, "_known_related_objects", None):
        return "models"
    raise NotCompilable("a compiled query returns rows: values(), values_list() or models")


def _models(compiler: Any) -> _Models:
    select, klass_info = compiler.select, compiler.klass_info
    fields = klass_info["select_fields"]
    start, end = fields[0], fields[-1] + 1
    return _Models(
        model=klass_info["model"],
        fields=slice(start, end),
        names=tuple(column[0].target.attname for column in select[start:end]),
        # Django 5.2's signature; the type stubs follow a later one.
        related=tuple(get_related_populators(klass_info, select, DEFAULT_DB_ALIAS)),  # type: ignore[call-arg]
        annotations=tuple(compiler.annotation_col_map.items()),
    )


def _same(first: object, second: object) -> bool:
    """Whether two compilations gave the same parameter. psycopg wraps JSON in an object
    (``Jsonb``) with no equality of its own: its ``obj`` is the value."""
    if type(first) is type(second) and hasattr(first, "obj") and hasattr(first, "dumps"):
        return bool(first.obj == second.obj)  # type: ignore[attr-defined]
    return first == second


def _slot(
    position: int, first: object, second: object, stand_ins: list[tuple[Value, Value]]
) -> _Slot:
    if _same(first, second):
        return _Slot(None, constant=first)
    for index, (one, two) in enumerate(stand_ins):
        if isinstance(one, tuple) and isinstance(two, tuple):
            for element, (one_element, two_element) in enumerate(zip(one, two, strict=True)):
                if (first, second) == (one_element, two_element):
                    return _Slot(index, element=element)
                if (first, second) == (str(one_element), str(two_element)):
                    return _Slot(index, as_text=True, element=element)
            continue
        if (first, second) == (one, two):
            return _Slot(index)
        if (first, second) == (str(one), str(two)):
            return _Slot(index, as_text=True)
    raise NotCompilable(
        f"SQL parameter {position + 1} ({first!r}) depends on the arguments but is none of "
        "them: pass what it is worked out from as an argument of its own"
    )


def _compile(
    build: Callable[..., QuerySet[Any]], arguments: Sequence[Value], connection: BaseDatabaseWrapper
) -> _Shape:
    stand_ins = [
        (_stand_in(value, index, 1), _stand_in(value, index, 2))
        for index, value in enumerate(arguments)
    ]
    first = build(*(one for one, _ in stand_ins))
    second = build(*(two for _, two in stand_ins))
    if not isinstance(first, QuerySet):
        raise NotCompilable(f"{build.__qualname__} gives {type(first).__name__}, not a queryset")
    compiler = first.query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    second_sql, second_params = second.query.get_compiler(connection=connection).as_sql()
    if sql != second_sql or len(params) != len(second_params):
        raise NotCompilable(f"{build.__qualname__} makes different SQL for different values")
    query = first.query
    names = (
        tuple(query.selected)
        if query.selected
        else (*query.extra_select, *query.values_select, *query.annotation_select)
    )
    columns = compiler.col_count
    converters = compiler.get_converters([s[0] for s in compiler.select[:columns]])
    rows = _rows_of(first)
    return _Shape(
        sql=sql,
        slots=tuple(
            _slot(position, one, two, stand_ins)
            for position, (one, two) in enumerate(zip(params, second_params, strict=True))
        ),
        rows=rows,
        names=tuple(names),
        columns=columns,
        converters=tuple(converters.items()),
        models=_models(compiler) if rows == "models" else None,
    )


def _run(shape: _Shape, arguments: Sequence[Value], connection: BaseDatabaseWrapper) -> list[Any]:
    with connection.cursor() as cursor:
        cursor.execute(shape.sql, [slot.value(arguments) for slot in shape.slots])
        fetched = cursor.fetchall()
    rows: list[Any] = fetched
    if fetched and len(fetched[0]) > shape.columns:
        rows = [row[: shape.columns] for row in fetched]
    if shape.converters:
        converted = []
        for row in rows:
            values = list(row)
            for position, (functions, expression) in shape.converters:
                value = values[position]
                for convert in functions:
                    value = convert(value, expression, connection)
                values[position] = value
            converted.append(values)
        rows = converted
    if shape.models is not None:
        return [shape.models.make(row) for row in rows]
    if shape.rows == "flat":
        return [row[0] for row in rows]
    if shape.rows == "tuples":
        return [tuple(row) for row in rows]
    names = shape.names
    return [dict(zip(names, row, strict=True)) for row in rows]


def compiled(build: Callable[P, QuerySet[Any]]) -> Callable[P, list[Any]]:
    """``list(build(*arguments))``, its SQL compiled once per database and kinds of argument."""
    shapes: dict[tuple[str, tuple[object, ...]], _Shape] = {}

    @functools.wraps(build)
    def run(*arguments: P.args, **keywords: P.kwargs) -> list[Any]:
        if keywords:
            raise NotCompilable("give a compiled query's arguments in order")
        values: tuple[Value, ...] = arguments  # type: ignore[assignment]
        if any(value is None for value in values):
            raise NotCompilable(f"{build.__qualname__} was given None: its SQL would differ")
        connection = connections[DEFAULT_DB_ALIAS]
        key = (
            connection.vendor,
            tuple(tuple(map(type, v)) if isinstance(v, tuple) else type(v) for v in values),
        )
        shape = shapes.get(key)
        if shape is None:
            shape = shapes[key] = _compile(build, values, connection)
        return _run(shape, values, connection)

    run.build = build  # type: ignore[attr-defined]
    return run
