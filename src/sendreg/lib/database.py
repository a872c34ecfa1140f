from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction

logger = logging.getLogger(__name__)

#: How many rows of each index SQLite's ANALYZE samples: enough to plan by, and quick on a
#: large database (SQLite's own advice for ``PRAGMA optimize``).
SQLITE_ANALYSIS_LIMIT = 1000


def refresh_statistics() -> None:
    """Bring the database's statistics about its tables up to date, after a bulk write that
    changed their sizes (a first import, the demo), so that queries are planned for the
    tables as they now are.

    PostgreSQL's autovacuum would do it within a minute or so; until then a fresh table
    can get plans many times slower. SQLite never does it unless asked: without
    statistics it may read every pupil of the school to find the few with a record.

    The work that called it is done and kept: if the database cannot do it now (another
    process holds SQLite's lock, say), that is logged and left to the next time.
    """
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute(f"PRAGMA analysis_limit = {SQLITE_ANALYSIS_LIMIT}")
            cursor.execute("ANALYZE")
    except DatabaseError:
        logger.warning("The database's statistics could not be refreshed", exc_info=True)


def create_postgres_database_if_missing() -> None:
    """Create the configured PostgreSQL database when the server is up but it is absent.

    SQLite creates its file by itself; PostgreSQL needs asking, on the server's
    maintenance database. A newcomer should never have to run createdb.
    """
    config = settings.DATABASES["default"]
    if config["ENGINE"] != "django.db.backends.postgresql":
        return
    import psycopg
    from psycopg import sql

    params: dict[str, Any] = {
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
    }
    try:
        psycopg.connect(dbname=config["NAME"], **params).close()
        return
    except psycopg.OperationalError as exc:
        if "does not exist" not in str(exc):
            raise
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))
