# The tests run the real command in fresh homes, as an administrator would.
# ruff: noqa: S603
"""Encrypted backups: a restore into an empty home gives back every table and every file.

The round trips run the real ``sendreg`` command in fresh homes, as an administrator
would: on SQLite always, and on PostgreSQL in the suite's PostgreSQL run (scratch
databases named after the test database).
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
import struct
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings

from sendreg.privacy.backups import (
    CUT_SHORT,
    NOT_A_BACKUP,
    PIECE,
    UNREADABLE,
    BackupError,
    DecryptingReader,
    EncryptingWriter,
)

PASSPHRASE = "correct horse battery staple"


def sendreg(home: Path, *args: str, database_url: str = "", check: bool = True) -> Any:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SENDREG_", "DJANGO_"))}
    env.update(
        SENDREG_HOME=str(home),
        DJANGO_SETTINGS_MODULE="sendreg.settings",
        SENDREG_BACKUP_PASSPHRASE=PASSPHRASE,
    )
    if database_url:
        env["SENDREG_DATABASE_URL"] = database_url
    done = subprocess.run(
        [sys.executable, "-m", "sendreg.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    if check:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


def files_of(home: Path) -> dict[str, bytes]:
    root = home / "files"
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def fill(home: Path, database_url: str = "") -> None:
    sendreg(home, "demo", "--no-serve", "--pupils", "25", database_url=database_url)
    uploads = home / "files" / "reports" / "2026"
    uploads.mkdir(parents=True)
    (uploads / "ed-psych report.pdf").write_bytes(b"%PDF-1.7 " + os.urandom(3000))
    (home / "files" / "letter.docx").write_bytes(os.urandom(200))


def sqlite_tables(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    with sqlite3.connect(path) as db:
        names = [
            r[0]
            for r in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {n: sorted(db.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr) for n in names}  # noqa: S608


def test_a_sqlite_backup_restores_every_table_and_file_into_an_empty_home(
    tmp_path: Path,
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    fill(first)
    out = tmp_path / "backup.sendreg"
    made = json.loads(sendreg(first, "backup", "--out", str(out), "--json").stdout)
    assert made["database"] == "sqlite" and made["rows"] > 100
    assert made["files"] == len(files_of(first)) >= 2
    assert b"Oakfield" not in out.read_bytes() and b"%PDF" not in out.read_bytes()
    assert out.stat().st_mode & 0o777 == 0o600

    restored = json.loads(sendreg(second, "restore", str(out), "--json").stdout)

    assert restored["mismatched_tables"] == [] and restored["rows"] == made["rows"]
    before, after = (
        sqlite_tables(first / "sendreg.sqlite3"),
        sqlite_tables(second / "sendreg.sqlite3"),
    )
    assert set(before) == set(after)
    for table in before:
        assert before[table] == after[table], table
    assert files_of(first) == files_of(second)
    # The append-only triggers came back with the tables.
    with sqlite3.connect(second / "sendreg.sqlite3") as db:
        triggers = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='trigger'")}
    assert "audit_auditevent_no_delete" in triggers

    again = sendreg(second, "restore", str(out), "--json", check=False)
    assert again.returncode == 1
    assert "already holds schools" in json.loads(again.stdout)["refused"]
    assert sendreg(second, "restore", str(out), "--force").returncode == 0


def test_a_wrong_passphrase_is_refused_and_nothing_is_restored(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    sendreg(first, "school", "add", "--urn", "100001", "--laestab", "8012000", "--name", "Oak")
    out = tmp_path / "backup.sendreg"
    sendreg(first, "backup", "--out", str(out))
    done = subprocess.run(
        [sys.executable, "-m", "sendreg.cli", "restore", str(out)],
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith(("SENDREG_", "DJANGO_"))},
            "SENDREG_HOME": str(second),
            "DJANGO_SETTINGS_MODULE": "sendreg.settings",
            "SENDREG_BACKUP_PASSPHRASE": "not the right passphrase",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert UNREADABLE in done.stderr
    assert "Oak" not in json.dumps(sqlite_tables(second / "sendreg.sqlite3")["accounts_school"])


def test_a_short_passphrase_makes_no_backup(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SENDREG_", "DJANGO_"))}
    env.update(
        SENDREG_HOME=str(tmp_path),
        DJANGO_SETTINGS_MODULE="sendreg.settings",
        SENDREG_BACKUP_PASSPHRASE="short",
    )
    done = subprocess.run(
        [sys.executable, "-m", "sendreg.cli", "backup", "--out", str(tmp_path / "b")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2 and "at least 12 characters" in done.stderr
    assert not (tmp_path / "b").exists()


# --- PostgreSQL ------------------------------------------------------------------------------


@pytest.fixture
def scratch_databases() -> Iterator[tuple[str, str]]:
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("runs in the PostgreSQL run of the suite (SENDREG_DATABASE_URL)")
    base = f"{db['NAME']}_backup"
    server = f"postgresql://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}"
    names = (f"{base}_a", f"{base}_b")

    def drop() -> None:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            for name in names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    drop()
    yield f"{server}/{names[0]}", f"{server}/{names[1]}"
    drop()


def pg_tables(url: str) -> dict[str, list[tuple[Any, ...]]]:
    with psycopg.connect(url) as db:
        names = [
            r[0]
            for r in db.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        return {n: sorted(db.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr) for n in names}  # noqa: S608


@pytest.mark.postgresql
def test_a_postgresql_backup_restores_every_table_and_file_into_an_empty_home(
    tmp_path: Path, scratch_databases: tuple[str, str]
) -> None:
    first_url, second_url = scratch_databases
    first, second = tmp_path / "first", tmp_path / "second"
    fill(first, database_url=first_url)
    out = tmp_path / "backup.sendreg"
    made = json.loads(
        sendreg(first, "backup", "--out", str(out), "--json", database_url=first_url).stdout
    )
    assert made["database"] == "postgresql"

    restored = json.loads(
        sendreg(second, "restore", str(out), "--json", database_url=second_url).stdout
    )

    assert restored["mismatched_tables"] == []
    before, after = pg_tables(first_url), pg_tables(second_url)
    assert set(before) == set(after)
    for table in before:
        assert before[table] == after[table], table
    assert files_of(first) == files_of(second)
    with psycopg.connect(second_url) as db:
        triggers = {r[0] for r in db.execute("SELECT tgname FROM pg_trigger")}
    assert "audit_auditevent_append_only" in triggers
    refused = sendreg(second, "restore", str(out), database_url=second_url, check=False)
    assert refused.returncode == 1


# --- The encrypted stream --------------------------------------------------------------------


def encrypt(data: bytes, passphrase: str = PASSPHRASE) -> bytes:
    out = io.BytesIO()
    writer = EncryptingWriter(out, passphrase)
    writer.write(data)
    writer.finish()
    return out.getvalue()


def decrypt(blob: bytes, passphrase: str = PASSPHRASE) -> bytes:
    return DecryptingReader(io.BytesIO(blob), passphrase).read()


def frames(blob: bytes) -> tuple[bytes, list[bytes]]:
    """The header and the length-prefixed frames of an encrypted file."""
    header_end = blob.index(b"\n", blob.index(b"\n") + 1) + 1
    header, rest, found = blob[:header_end], blob[header_end:], []
    while rest:
        (size,) = struct.unpack(">I", rest[:4])
        found.append(rest[: 4 + size])
        rest = rest[4 + size :]
    return header, found


DATA = os.urandom(PIECE * 2 + 1234)


def test_the_stream_round_trips_in_pieces() -> None:
    blob = encrypt(DATA)
    assert decrypt(blob) == DATA
    assert len(frames(blob)[1]) == 3


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (lambda h, f: h + b"".join(f[:-1]), CUT_SHORT),
        (lambda h, f: h + f[1] + f[0] + f[2], UNREADABLE),
        (lambda h, f: h + f[0] + f[0] + f[1] + f[2], UNREADABLE),
        (lambda h, f: h + b"".join(f) + f[2], UNREADABLE),
        (lambda h, f: h + f[0][:-1] + b"A" + f[1] + f[2], UNREADABLE),
        (lambda h, f: h.replace(b'"n": 32768', b'"n": 16384') + b"".join(f), UNREADABLE),
        (lambda h, f: b"PK\x03\x04" + b"".join(f), NOT_A_BACKUP),
    ],
)
def test_a_changed_file_is_refused(tamper: Any, message: str) -> None:
    header, found = frames(encrypt(DATA))
    with pytest.raises(BackupError, match=message.split(":")[0].split(",")[0]):
        decrypt(tamper(header, found))


def test_the_wrong_passphrase_is_refused() -> None:
    with pytest.raises(BackupError, match="cannot be read with this passphrase"):
        decrypt(encrypt(b"data"), "another passphrase entirely")
