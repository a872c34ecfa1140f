"""The database itself refuses to change or delete the audit trail and the access log.

These tests run on SQLite and on PostgreSQL (``SENDREG_DATABASE_URL``): each vendor has
its own triggers (audit migration 0005).
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from sendreg.accounts.models import User
from sendreg.audit.append_only import audit_unlocked
from sendreg.audit.models import AccessEvent, AuditEvent
from sendreg.audit.services import access_record, audit_events_anonymise
from sendreg.pupils.models import Pupil
from tests.conftest import put_on_register
from tests.factories import PupilFactory, SchoolFactory, UserFactory


@pytest.fixture
def rows(senco: User, pupil: Pupil) -> tuple[AuditEvent, AccessEvent]:
    put_on_register(pupil, by=senco)
    access = access_record(by=senco, school_id=pupil.school_id, pupil_id=pupil.pk, what="record")
    return AuditEvent.objects.filter(pupil_id=pupil.pk).first(), access  # type: ignore[return-value]


def refused(sql: str, params: list[object]) -> str:
    """Run raw SQL that should be refused; the database's message."""
    with pytest.raises(DatabaseError) as caught, transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    return str(caught.value)


@pytest.mark.parametrize("table", ["audit_auditevent", "audit_accessevent"])
def test_raw_updates_and_deletes_are_refused(
    table: str, rows: tuple[AuditEvent, AccessEvent]
) -> None:
    pk = rows[0].pk if table == "audit_auditevent" else rows[1].pk
    assert "append-only" in refused(f"UPDATE {table} SET school_id = 999 WHERE id = %s", [pk])  # noqa: S608
    assert "append-only" in refused(f"DELETE FROM {table} WHERE id = %s", [pk])  # noqa: S608
    assert "append-only" in refused(f"DELETE FROM {table}", [])  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT school_id FROM {table} WHERE id = %s", [pk])  # noqa: S608
        assert cursor.fetchone()[0] != 999


def test_erasure_may_overwrite_labels_and_values_only(
    rows: tuple[AuditEvent, AccessEvent], pupil: Pupil
) -> None:
    event, access = rows
    with transaction.atomic(), audit_unlocked("erasure"):
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE audit_auditevent SET pupil_label = %s WHERE id = %s", ["Erased", event.pk]
            )
    event.refresh_from_db()
    assert event.pupil_label == "Erased"
    with audit_unlocked("erasure"):
        assert "append-only" in refused(
            "UPDATE audit_auditevent SET type = %s WHERE id = %s", ["x", event.pk]
        )
        assert "append-only" in refused(
            "UPDATE audit_auditevent SET pupil_id = %s WHERE id = %s", [pupil.pk + 1, event.pk]
        )
        assert "append-only" in refused("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
        assert "append-only" in refused(
            "UPDATE audit_accessevent SET what = %s WHERE id = %s", ["x", access.pk]
        )


def test_the_door_closes_after_erasure(rows: tuple[AuditEvent, AccessEvent]) -> None:
    event, _ = rows
    with transaction.atomic(), audit_unlocked("erasure"):
        pass
    assert "append-only" in refused(
        "UPDATE audit_auditevent SET pupil_label = %s WHERE id = %s", ["Erased", event.pk]
    )


def test_anonymising_a_pupils_events_keeps_what_happened_and_when(
    rows: tuple[AuditEvent, AccessEvent], pupil: Pupil
) -> None:
    event, _ = rows
    before = AuditEvent.objects.get(pk=event.pk)
    assert audit_events_anonymise(pupil_id=pupil.pk, label="Pupil Erased") >= 1
    after = AuditEvent.objects.get(pk=event.pk)
    assert after.pupil_label == "Pupil Erased"
    assert (after.type, after.at, after.actor_id, after.target_id) == (
        before.type,
        before.at,
        before.actor_id,
        before.target_id,
    )
    assert set(after.new) == set(before.new)
    assert set(after.new.values()) <= {"(erased)"}
    assert after.reason in {"", "(erased)"}


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_audit_tables_with_the_rest() -> None:
    school = SchoolFactory()
    senco = UserFactory()
    pupil = PupilFactory(school=school)
    put_on_register(pupil, by=senco)
    access_record(by=senco, school_id=pupil.school_id, pupil_id=pupil.pk, what="record")
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEvent.objects.exists() and not AccessEvent.objects.exists()
    # And the door is shut again afterwards.
    again = access_record(by=senco, school_id=1, pupil_id=1, what="record")
    assert "append-only" in refused("DELETE FROM audit_accessevent", [])
    assert AccessEvent.objects.get().pk == again.pk


def test_the_triggers_are_in_place_after_every_migration(db: None) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        names = {row[0] for row in cursor.fetchall()}
    expected = (
        {
            "audit_auditevent_no_delete",
            "audit_auditevent_no_update",
            "audit_accessevent_no_delete",
            "audit_accessevent_no_update",
        }
        if connection.vendor == "sqlite"
        else {"audit_auditevent_append_only", "audit_accessevent_append_only"}
    )
    assert expected <= names
