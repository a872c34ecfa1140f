"""The register's latest changes, as the SENCO's home page lists them, and the index they read."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.db.models import Q

from sendreg.accounts.models import School, User
from sendreg.audit.models import REGISTER_CHANGES, AuditEvent
from sendreg.audit.services import audit_record
from sendreg.register.selectors import RECENT_CHANGES, recent_changes
from tests.conftest import TODAY_NOON, put_on_register
from tests.factories import PupilFactory

pytestmark = pytest.mark.django_db


def test_the_index_holds_exactly_the_changes_of_the_register() -> None:
    (index,) = [i for i in AuditEvent._meta.indexes if i.name == "audit_register_changes"]
    assert index.condition == Q(type__in=REGISTER_CHANGES)
    assert set(REGISTER_CHANGES) == {"sen.status_changed", "sen.needs_changed"}


def test_the_latest_changes_of_the_register_newest_first_and_nothing_else(
    school: School, other_school: School, senco: User, time_machine: Any
) -> None:
    pupils = PupilFactory.create_batch(RECENT_CHANGES + 2, school=school)
    for minutes, pupil in enumerate(pupils):
        time_machine.move_to(TODAY_NOON + dt.timedelta(minutes=minutes), tick=False)
        put_on_register(pupil, by=senco)
    # Newer than every change of the register: events of other kinds, and another school's.
    time_machine.move_to(TODAY_NOON + dt.timedelta(hours=1), tick=False)
    for pupil in pupils:
        audit_record(
            type=AuditEvent.Type.NOTIFICATION_SENT, school_id=school.pk, target=pupil, by=senco
        )
    put_on_register(PupilFactory(school=other_school), by=senco)

    shown = recent_changes(school)

    assert len(shown) == RECENT_CHANGES
    assert {event.school_id for event in shown} == {school.pk}
    assert {event.type for event in shown} <= set(REGISTER_CHANGES)
    assert [event.at for event in shown] == sorted((event.at for event in shown), reverse=True)
    assert shown[0].pupil_id == pupils[-1].pk


@pytest.mark.skipif(
    "connection.vendor != 'postgresql'",
    reason="SQLite uses a partial index only when the query's values are written in its SQL, "
    "and Django passes them as parameters",
)
def test_the_latest_changes_are_read_from_their_own_index(school: School) -> None:
    sql, params = AuditEvent.objects.filter(school_id=school.pk, type__in=REGISTER_CHANGES)[
        :RECENT_CHANGES
    ].query.sql_with_params()
    with connection.cursor() as cursor:
        # A handful of rows would be read whole rather than through any index.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = " ".join(row[0] for row in cursor.fetchall())
    assert "audit_register_changes" in plan
