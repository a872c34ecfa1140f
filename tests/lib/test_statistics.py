"""The database's statistics are brought up to date after a bulk write (a first import, the
demo), so that queries are planned for the tables as they now are, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import OperationalError, connection

from sendreg.accounts.models import School
from sendreg.demo import demo_fill
from sendreg.imports import rules
from sendreg.imports.services import import_apply
from sendreg.lib.database import refresh_statistics
from sendreg.pupils.models import Pupil
from sendreg.pupils.rules import make_upn
from tests.conftest import TODAY
from tests.factories import PupilFactory

pytestmark = pytest.mark.django_db


def pupils_counted_by_the_planner() -> int | None:
    """How many pupils the database's statistics say the pupils table holds (None: unknown)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if cursor.fetchone() is None:
                return None
            cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = 'pupils_pupil' LIMIT 1")
            row = cursor.fetchone()
            return int(row[0].split()[0]) if row else None
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'pupils_pupil'")
        (tuples,) = cursor.fetchone()
        return None if tuples < 0 else int(tuples)


def test_refreshing_counts_the_rows_as_they_now_are(school: School) -> None:
    PupilFactory.create_batch(7, school=school)
    refresh_statistics()
    assert pupils_counted_by_the_planner() == Pupil.objects.count() == 7


@pytest.mark.parametrize(("created", "stale"), [(0, False), (99, False), (100, True), (2000, True)])
def test_an_import_that_adds_many_pupils_leaves_the_statistics_stale(
    created: int, stale: bool
) -> None:
    assert rules.statistics_stale(created=created) is stale


def _export(pupils: int) -> bytes:
    lines = ["UPN,Legal Surname,Legal Forename,DOB,Year,SEN Status"]
    lines += [
        f"{make_upn(801, 2000, 20, n)},Surname{n},Forename{n},01/09/2013,7,"
        for n in range(1, pupils + 1)
    ]
    return ("\r\n".join(lines) + "\r\n").encode()


def test_a_first_import_refreshes_the_statistics(school: School) -> None:
    plan, _ = import_apply(
        school=school, data=_export(rules.STATISTICS_AFTER_CREATED), filename="first.csv",
        by=None, today=TODAY,
    )  # fmt: skip
    assert len(plan.creates) == rules.STATISTICS_AFTER_CREATED
    assert pupils_counted_by_the_planner() == rules.STATISTICS_AFTER_CREATED


def test_a_small_import_leaves_them_to_the_database(school: School) -> None:
    before = pupils_counted_by_the_planner()
    import_apply(school=school, data=_export(3), filename="few.csv", by=None, today=TODAY)
    assert Pupil.objects.count() == 3
    assert pupils_counted_by_the_planner() == before


def test_the_demo_refreshes_the_statistics() -> None:
    demo_fill(pupils=40, schools=1, today=TODAY)
    assert pupils_counted_by_the_planner() == Pupil.objects.count() == 40


def test_an_import_is_kept_when_the_statistics_cannot_be_refreshed(
    school: School, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The pupils are written before the statistics are asked for: a database too busy to
    gather them (another process holding SQLite's lock) costs a log line, not the import."""
    real_cursor = connection.cursor

    class Busy:
        def __init__(self) -> None:
            self.cursor = real_cursor()

        def __enter__(self) -> Busy:
            return self

        def __exit__(self, *exc: object) -> None:
            self.cursor.close()

        def __getattr__(self, name: str) -> object:
            return getattr(self.cursor, name)

        def execute(self, sql: str, *args: object) -> object:
            if sql == "ANALYZE":
                raise OperationalError("database is locked")
            return self.cursor.execute(sql, *args)

    monkeypatch.setattr(connection, "cursor", Busy)
    plan, _ = import_apply(
        school=school, data=_export(rules.STATISTICS_AFTER_CREATED), filename="first.csv",
        by=None, today=TODAY,
    )  # fmt: skip
    monkeypatch.undo()
    assert Pupil.objects.filter(school=school).count() == rules.STATISTICS_AFTER_CREATED
    assert "statistics could not be refreshed" in caplog.text
