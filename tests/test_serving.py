"""``sendreg serve`` with several processes, and what keeps SQLite safe when it does."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
import requests
from django.conf import settings
from django.db.backends.sqlite3.base import DatabaseWrapper

from sendreg import cli
from sendreg.lib import serving

# --- how many processes, and which server -------------------------------------------------


@pytest.mark.parametrize(
    ("cores", "can_fork", "workers"),
    [(1, True, 2), (2, True, 4), (4, True, 8), (16, True, 8), (None, True, 1), (8, False, 1)],
)
def test_default_workers_are_two_a_core_up_to_eight_where_processes_can_fork(
    cores: int | None, can_fork: bool, workers: int
) -> None:
    assert serving.default_workers(cores=cores, can_fork=can_fork) == workers


@pytest.mark.parametrize(
    ("workers", "can_fork", "gunicorn"),
    [(1, True, False), (2, True, True), (2, False, False), (1, False, False)],
)
def test_several_processes_are_served_by_gunicorn_one_by_waitress(
    workers: int, can_fork: bool, gunicorn: bool
) -> None:
    assert serving.uses_gunicorn(workers=workers, can_fork=can_fork) is gunicorn


def test_gunicorn_binds_ipv6_addresses_in_brackets() -> None:
    assert serving.gunicorn_options(host="::1", port=8000, workers=2)["bind"] == ["[::1]:8000"]
    assert serving.gunicorn_options(host="0.0.0.0", port=80, workers=2)["bind"] == ["0.0.0.0:80"]  # noqa: S104


def test_gunicorn_believes_no_forwarded_header_itself() -> None:
    options = serving.gunicorn_options(host="127.0.0.1", port=8000, workers=2)
    assert options["secure_scheme_headers"] == {}
    assert options["forwarded_allow_ips"] == ""


@pytest.mark.django_db
def test_serve_refuses_no_workers(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["serve", "--workers", "0"])
    assert code == 2
    assert "--workers must be 1 or more" in capsys.readouterr().err


# --- the trusted proxy under gunicorn ------------------------------------------------------


def _seen(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"{environ.get('REMOTE_ADDR')} {environ['wsgi.url_scheme']}".encode()]


def _call(app: serving.WsgiApp, remote: str, **headers: str) -> str:
    environ = {
        "REMOTE_ADDR": remote,
        "wsgi.url_scheme": "http",
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/",
        **{f"HTTP_{k.upper()}": v for k, v in headers.items()},
    }
    return b"".join(app(environ, lambda *args: None)).decode()


def test_the_trusted_proxy_gives_the_clients_address_and_scheme() -> None:
    app = serving.with_trusted_proxy(_seen, "10.0.0.5")
    seen = _call(app, "10.0.0.5", x_forwarded_for="203.0.113.9", x_forwarded_proto="https")
    assert seen == "203.0.113.9 https"


def test_forwarded_headers_from_anyone_else_are_not_believed() -> None:
    app = serving.with_trusted_proxy(_seen, "10.0.0.5")
    seen = _call(app, "198.51.100.7", x_forwarded_for="203.0.113.9", x_forwarded_proto="https")
    assert seen == "198.51.100.7 http"


# --- SQLite with several processes ------------------------------------------------------------


def _sqlite(path: Path) -> DatabaseWrapper:
    """A connection made as each server process makes one, to the file at ``path``."""
    config = {**settings.DATABASES["default"], "NAME": str(path), "OPTIONS": {}}
    from sendreg import settings as product

    if product.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip("the product's settings are for PostgreSQL in this run")
    config["OPTIONS"] = {**product.DATABASES["default"]["OPTIONS"], "timeout": 5}
    config["ENGINE"] = "django.db.backends.sqlite3"
    return DatabaseWrapper(config, alias=f"sqlite-{path.name}")


@pytest.mark.one_pass
def test_sqlite_connections_use_wal_and_wait_for_another_writer(
    tmp_path: Path, django_db_blocker: Any
) -> None:
    path = tmp_path / "shared.sqlite3"
    first, second = _sqlite(path), _sqlite(path)
    with django_db_blocker.unblock():
        _write_while_another_writes(path, first, second)


def _write_while_another_writes(
    path: Path, first: DatabaseWrapper, second: DatabaseWrapper
) -> None:
    try:
        with first.cursor() as cursor:
            cursor.execute("CREATE TABLE t (n INTEGER)")
            assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        # Another process (here another connection) holds the write lock for a moment ...
        holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        holder.execute("BEGIN IMMEDIATE")
        holder.execute("INSERT INTO t VALUES (1)")
        threading.Timer(0.5, holder.commit).start()
        # ... a reader carries on meanwhile, and a writer waits its turn rather than fail.
        with second.cursor() as cursor:
            assert cursor.execute("SELECT count(*) FROM t").fetchone()[0] == 0
        started = time.monotonic()
        with first.cursor() as cursor:
            cursor.execute("INSERT INTO t VALUES (2)")
        assert time.monotonic() - started >= 0.3
        with second.cursor() as cursor:
            assert cursor.execute("SELECT count(*) FROM t").fetchone()[0] == 2
        holder.close()
    finally:
        first.close()
        second.close()


def test_database_connections_are_kept_between_requests() -> None:
    # Opening a connection cost each request about 2 ms of CPU on SQLite.
    from sendreg import settings as product

    assert product.DATABASES["default"]["CONN_MAX_AGE"] == 60


# --- a real server with two processes -------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.one_pass
@pytest.mark.skipif(not serving.gunicorn_available(), reason="gunicorn runs on Linux and macOS")
def test_serve_with_two_workers_answers_from_two_processes(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "SENDREG_HOME": str(tmp_path),
        "SENDREG_SECRET_KEY": "tests-only-not-secret",
        "PYTHONPATH": os.pathsep.join(sys.path),
    }
    env.pop("SENDREG_DATABASE_URL", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    command = [sys.executable, "-m", "sendreg.cli", "serve", "--port", str(port), "--workers", "2"]
    server = subprocess.Popen(  # noqa: S603 - our own command
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 90
        answered = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                answered = requests.get(f"http://127.0.0.1:{port}/login/", timeout=5)
                break
            except requests.ConnectionError:
                time.sleep(0.3)
        assert answered is not None and answered.status_code == 200
        workers = subprocess.run(  # noqa: S603
            ["ps", "--ppid", str(server.pid), "-o", "pid="],  # noqa: S607
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        assert len(workers) == 2
    finally:
        server.terminate()
        output = server.communicate(timeout=60)[0].decode()
    assert "with 2 processes" in output
    assert "Traceback" not in output
