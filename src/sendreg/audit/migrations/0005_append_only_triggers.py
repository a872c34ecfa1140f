"""The audit trail and the access log refuse UPDATE and DELETE in the database itself.

The models already refuse changes, but a raw query, a bug or a person at a database
prompt would not go through them. Two doors are left open, each only while a setting
of the connection says so (see ``sendreg.audit.append_only``):

- ``erasure``: an audit event's pupil label, values and reason may be overwritten (the
  anonymisation of a pupil whose retention period has passed); never its time, type,
  actor, school, target or pupil id, and never an access event;
- ``flush``: ``sendreg manage flush``, which empties the whole database (tests use it
  between browser tests), may delete rows.

On PostgreSQL the setting is ``sendreg.audit_unlock`` (set with ``set_config``); SQLite
has no settings of a connection, so its triggers ask a function, ``sendreg_audit_unlock()``,
that sendreg registers on each of its connections. Anything else that opens the file has
no such function, and its UPDATE or DELETE fails.
"""

from django.db import migrations

TABLES = ("audit_auditevent", "audit_accessevent")

POSTGRESQL = [
    """
    CREATE OR REPLACE FUNCTION sendreg_audit_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
        unlock text := coalesce(current_setting('sendreg.audit_unlock', true), '');
    BEGIN
        -- Nested, not joined with AND: PL/pgSQL may evaluate every part of a condition, and
        -- NEW has no "type" on the access log (nor any NEW at all on a DELETE).
        IF TG_OP = 'DELETE' THEN
            IF unlock = 'flush' THEN
                RETURN OLD;
            END IF;
        ELSIF TG_TABLE_NAME = 'audit_auditevent' AND unlock = 'erasure' THEN
            IF NEW.id = OLD.id AND NEW.at = OLD.at AND NEW.school_id = OLD.school_id
               AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id AND NEW.type = OLD.type
               AND NEW.target_model = OLD.target_model AND NEW.target_id = OLD.target_id
               AND NEW.pupil_id IS NOT DISTINCT FROM OLD.pupil_id THEN
                RETURN NEW;
            END IF;
        END IF;
        RAISE EXCEPTION 'sendreg: % is append-only: % refused', TG_TABLE_NAME, TG_OP;
    END;
    $$
    """,
    *(
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION sendreg_audit_append_only()"
        for table in TABLES
    ),
]
POSTGRESQL_REVERSE = [
    *(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}" for table in TABLES),
    "DROP FUNCTION IF EXISTS sendreg_audit_append_only()",
]

_IDENTITY = (
    "NEW.id IS NOT OLD.id OR NEW.at IS NOT OLD.at OR NEW.school_id IS NOT OLD.school_id "
    "OR NEW.actor_id IS NOT OLD.actor_id OR NEW.type IS NOT OLD.type "
    "OR NEW.target_model IS NOT OLD.target_model OR NEW.target_id IS NOT OLD.target_id "
    "OR NEW.pupil_id IS NOT OLD.pupil_id"
)
SQLITE = [
    *(
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
        "WHEN sendreg_audit_unlock() IS NOT 'flush' "
        f"BEGIN SELECT RAISE(ABORT, 'sendreg: {table} is append-only: DELETE refused'); END"
        for table in TABLES
    ),
    "CREATE TRIGGER audit_auditevent_no_update BEFORE UPDATE ON audit_auditevent "
    f"WHEN sendreg_audit_unlock() IS NOT 'erasure' OR {_IDENTITY} "
    "BEGIN SELECT RAISE(ABORT, 'sendreg: audit_auditevent is append-only: UPDATE refused'); END",
    "CREATE TRIGGER audit_accessevent_no_update BEFORE UPDATE ON audit_accessevent "
    "BEGIN SELECT RAISE(ABORT, 'sendreg: audit_accessevent is append-only: UPDATE refused'); END",
]
SQLITE_REVERSE = [
    *(f"DROP TRIGGER IF EXISTS {table}_no_delete" for table in TABLES),
    *(f"DROP TRIGGER IF EXISTS {table}_no_update" for table in TABLES),
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise NotImplementedError(
                f"sendreg has no append-only triggers for {schema_editor.connection.vendor}."
            )
        for statement in statements:
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0004_access_event_address_and_request_id"),
    ]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL, "sqlite": SQLITE}),
            _run({"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE}),
        ),
    ]
