"""The two doors the database's append-only triggers leave open (migration 0005).

``audit_unlocked("erasure")`` lets the pupil label, values and reason of audit events
be overwritten, for the anonymisation of a pupil past their retention date; it is used
only by ``audit.services.audit_events_anonymise``. ``audit_unlocked("flush")`` lets
``sendreg manage flush`` empty the tables with the rest of the database. Nothing else
can change or delete a row of the audit trail or the access log.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

Unlock = Literal["erasure", "flush"]

#: The attribute of a Django SQLite connection that the triggers' function reads.
_SQLITE_FLAG = "sendreg_audit_unlock"


def register_sqlite_function(sender: Any, connection: Any, **kwargs: Any) -> None:
    """On each new SQLite connection, the function the triggers ask (``connection_created``)."""
    if connection.vendor != "sqlite":
        return

    def unlock() -> str:
        return getattr(connection, _SQLITE_FLAG, None) or ""

    connection.connection.create_function("sendreg_audit_unlock", 0, unlock)


@contextmanager
def audit_unlocked(purpose: Unlock, *, using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    connection = connections[using]
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        setattr(connection, _SQLITE_FLAG, purpose)
        try:
            yield
        finally:
            setattr(connection, _SQLITE_FLAG, None)
        return
    # Inside a transaction the setting lasts only as long as it, so a rollback cannot
    # leave the door open; outside one it is the session's, and is closed again below.
    local = connection.in_atomic_block
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('sendreg.audit_unlock', %s, %s)", [purpose, local])
    try:
        yield
    except BaseException:
        if not local:
            _close(connection)
        raise
    _close(connection)


def _close(connection: Any) -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('sendreg.audit_unlock', '', %s)", [False])
    except DatabaseError:
        # The transaction failed; rolling it back closes a transaction-local setting, and
        # a broken connection is discarded with its session.
        if not connection.in_atomic_block:
            connection.close()
