from __future__ import annotations

from typing import Any

from django.conf import settings


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
