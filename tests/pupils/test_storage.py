"""How the pupils table is stored on PostgreSQL (``pupils/migrations/0005``).

A re-import that changes every pupil must update them in place ("heap-only" updates,
which write no index entries): the table leaves half of each page free for it.
SQLite has no such setting, so these tests are PostgreSQL's alone.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection

from sendreg.accounts.models import School
from sendreg.imports.services import import_apply
from sendreg.pupils.rules import make_upn
from tests.conftest import TODAY

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        "connection.vendor != 'postgresql'", reason="a PostgreSQL storage parameter"
    ),
]


def export(pupils: int, attendance: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["UPN", "Legal Surname", "Legal Forename", "DOB", "Attendance %"])
    for serial in range(pupils):
        upn = make_upn(801, 2000, 20, serial)
        writer.writerow([upn, "Smith", f"Pupil {serial}", "01/09/2012", attendance])
    return out.getvalue().encode()


def updates_of_pupils() -> tuple[int, int]:
    """(updates, heap-only updates) of the pupils table in this transaction so far."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables "
            "WHERE relname = 'pupils_pupil'"
        )
        updates, hot = cursor.fetchone()
    return updates, hot


def test_the_pupils_table_leaves_half_of_each_page_free() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'pupils_pupil'")
        (options,) = cursor.fetchone()
    assert "fillfactor=50" in options


def test_a_re_import_that_changes_every_pupil_updates_them_in_place(school: School) -> None:
    import_apply(school=school, data=export(400, "91.0"), filename="a.csv", by=None, today=TODAY)
    before, before_hot = updates_of_pupils()

    plan, _ = import_apply(
        school=school, data=export(400, "92.5"), filename="b.csv", by=None, today=TODAY
    )

    assert len(plan.updates) == 400
    updates, hot = updates_of_pupils()
    # Every pupil once (the import's own fingerprints and versions in the same statement).
    assert updates - before == 400
    # Room on the page for a new version of every row: none of them touch an index.
    assert hot - before_hot == 400
