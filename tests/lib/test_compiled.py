"""Compiled queries give the ORM's rows for any values, and refuse builders they cannot keep."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sendreg.lib.compiled import MAX_TUPLE, NotCompilable, compiled
from sendreg.pupils.models import Pupil
from sendreg.pupils.selectors import on_roll
from sendreg.register.models import MisSenRecord
from tests.factories import PupilFactory, SchoolFactory

pytestmark = pytest.mark.django_db

START = dt.date(2025, 9, 1)


def _roll(school_id: int, day: dt.date, surname: str) -> QuerySet[Pupil]:
    return Pupil.objects.filter(on_roll(day), school_id=school_id).exclude(legal_surname=surname)


def _as_dicts(school_id: int, day: dt.date, surname: str) -> QuerySet[Any]:
    # Dates, decimals, booleans, JSON and a time-zone-aware time: each has its own converter.
    return (
        _roll(school_id, day, surname)
        .annotate(mis_status=F("mis_sen__status"))
        .order_by("legal_surname", "pk")
        .values(
            "pk",
            "upn",
            "admission_date",
            "leaving_date",
            "attendance",
            "looked_after",
            "mis_status",
            "mis_sen__needs",
            "mis_sen__imported_at",
        )  # fmt: skip
    )


def _as_tuples(school_id: int, day: dt.date, surname: str) -> QuerySet[Any]:
    # Ordered by a column it does not return: the database sends it, the rows leave it out.
    # A JSON value is a constant parameter (on PostgreSQL, one psycopg wraps).
    return (
        _roll(school_id, day, surname)
        .exclude(mis_sen__needs=["SEMH"])
        .order_by("-date_of_birth", "pk")
        .values_list("pk", "upn")
    )


def _as_values(school_id: int, day: dt.date, surname: str) -> QuerySet[Any]:
    return _roll(school_id, day, surname).order_by("pk").values_list("leaving_date", flat=True)


def _as_models(school_id: int, day: dt.date, surname: str) -> QuerySet[Any]:
    # Instances with a related row, deferred fields and an annotation, as the ORM makes them.
    return (
        _roll(school_id, day, surname)
        .select_related("school")
        .only("upn", "leaving_date", "school__name")
        .annotate(mis_status=F("mis_sen__status"))
        .order_by("pk")
    )


BUILDERS = [_as_dicts, _as_tuples, _as_values]
COMPILED = {build: compiled(build) for build in [*BUILDERS, _as_models]}


def _seen(pupil: Pupil) -> tuple[Any, ...]:
    """What a page reads of a pupil from ``_as_models``, and what it would read lazily."""
    return (
        pupil.pk, pupil.upn, pupil.leaving_date, pupil.school.name, pupil.mis_status,  # type: ignore[attr-defined]
        pupil.get_deferred_fields(), pupil._state.adding, pupil._state.db,
    )  # fmt: skip


@pytest.fixture
def schools() -> list[int]:
    """Two schools whose pupils join and leave on different days, some with MIS values."""
    ids = []
    for school_index in range(2):
        school = SchoolFactory()
        ids.append(school.pk)
        for index in range(6):
            pupil = PupilFactory(
                school=school,
                legal_surname=f"Surname{index % 3}",
                date_of_birth=dt.date(2013, 1 + index, 1 + school_index),
                admission_date=None if index == 0 else START + dt.timedelta(days=40 * index),
                leaving_date=START + dt.timedelta(days=300 + 20 * index) if index % 2 else None,
                attendance=Decimal("88.50") + index,
                looked_after=index == 4,
            )
            if index % 3:
                MisSenRecord.objects.create(
                    pupil=pupil, status="K", needs=["SEMH", "SLCN"][: index % 3],
                    imported_at=timezone.now(),
                )  # fmt: skip
    return ids


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    build=st.sampled_from(BUILDERS),
    which=st.integers(0, 1),
    day=st.dates(dt.date(2025, 6, 1), dt.date(2027, 6, 1)),
    surname=st.sampled_from(["Surname0", "Surname2", "Nobody"]),
)
def test_a_compiled_query_gives_the_orms_rows(
    schools: list[int], build: Any, which: int, day: dt.date, surname: str
) -> None:
    arguments = (schools[which], day, surname)
    assert COMPILED[build](*arguments) == list(build(*arguments))


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(which=st.integers(0, 1), day=st.dates(dt.date(2025, 6, 1), dt.date(2027, 6, 1)))
def test_compiled_model_instances_are_the_orms(
    schools: list[int], which: int, day: dt.date, django_assert_num_queries: Any
) -> None:
    arguments = (schools[which], day, "Nobody")
    expected = [_seen(pupil) for pupil in _as_models(*arguments)]
    with django_assert_num_queries(1):
        pupils = COMPILED[_as_models](*arguments)
        # The school came with each pupil: reading it makes no query.
        assert [_seen(pupil) for pupil in pupils] == expected


@compiled
def _in_years(school_id: int, years: tuple[int, ...]) -> QuerySet[Any]:
    return (
        Pupil.objects.filter(Q(date_of_birth__month__in=years) | Q(looked_after=True))
        .filter(school_id=school_id)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@pytest.mark.parametrize("months", [(), (3,), (1, 2, 5), (5, 1)])
def test_a_tuple_of_whole_numbers_is_compiled_for_each_length(
    schools: list[int], months: tuple[int, ...]
) -> None:
    assert _in_years(schools[1], months) == list(_in_years.build(schools[1], months))  # type: ignore[attr-defined]


@compiled
def _born_on(school_id: int, days: tuple[dt.date, ...]) -> QuerySet[Any]:
    return (
        Pupil.objects.filter(school_id=school_id, date_of_birth__in=days)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@pytest.mark.parametrize(
    "days", [(dt.date(2013, 3, 2),), (dt.date(2013, 1, 2), dt.date(2013, 6, 2)), (START, START)]
)
def test_a_tuple_of_dates_is_compiled(schools: list[int], days: tuple[dt.date, ...]) -> None:
    found = _born_on(schools[1], days)
    assert found == list(_born_on.build(schools[1], days))  # type: ignore[attr-defined]
    assert found or days == (START, START)


def test_a_compiled_query_is_one_query(schools: list[int], django_assert_num_queries: Any) -> None:
    _as_dicts_compiled = COMPILED[_as_dicts]
    _as_dicts_compiled(schools[0], START, "Nobody")
    with django_assert_num_queries(1):
        assert len(_as_dicts_compiled(schools[0], START + dt.timedelta(days=400), "Nobody")) == 3


def test_a_value_worked_out_from_an_argument_is_refused(schools: list[int]) -> None:
    @compiled
    def soon(school_id: int, day: dt.date) -> QuerySet[Any]:
        return Pupil.objects.filter(
            school_id=school_id, admission_date__lte=day + dt.timedelta(days=14)
        ).values_list("pk", flat=True)

    with pytest.raises(NotCompilable, match="depends on the arguments"):
        soon(schools[0], START)


def test_sql_that_depends_on_the_values_is_refused(schools: list[int]) -> None:
    @compiled
    def branching(school_id: int, day: dt.date) -> QuerySet[Any]:
        extra = Q(leaving_date__isnull=True) if day.year % 2 else Q()
        return Pupil.objects.filter(extra, school_id=school_id).values_list("pk", flat=True)

    with pytest.raises(NotCompilable, match="different SQL"):
        branching(schools[0], START)


@pytest.mark.parametrize("value", [None, True, timezone.now(), 1.5])
def test_values_a_compiled_query_cannot_take_are_refused(schools: list[int], value: Any) -> None:
    @compiled
    def by_pk(school_id: int, value: Any) -> QuerySet[Any]:
        return Pupil.objects.filter(school_id=school_id, pk=value).values_list("pk", flat=True)

    with pytest.raises(NotCompilable):
        by_pk(schools[0], value)


def test_a_long_tuple_is_refused(schools: list[int]) -> None:
    with pytest.raises(NotCompilable, match="at most"):
        _in_years(schools[0], tuple(range(MAX_TUPLE + 1)))
    assert _in_years(schools[0], tuple(range(MAX_TUPLE))) == list(
        _in_years.build(schools[0], tuple(range(MAX_TUPLE)))  # type: ignore[attr-defined]
    )


def test_other_querysets_are_refused(schools: list[int]) -> None:
    @compiled
    def totals(school_id: int) -> Any:
        return Pupil.objects.filter(school_id=school_id).aggregate(Count("pk"))

    with pytest.raises(NotCompilable, match="not a queryset"):
        totals(schools[0])
