"""Encrypted backups of the whole database and the uploaded files, and their restore.

A backup file is::

    SENDREG-BACKUP\\n
    {"format": 1, "kdf": "scrypt", "n": ..., "r": ..., "p": ..., "salt": "..."}\\n
    frames: a 4-byte length, then a Fernet token

The key is derived from ``SENDREG_BACKUP_PASSPHRASE`` with scrypt. The plaintext is a
gzipped tar (``manifest.json``, the database, ``files/...``) cut into pieces of 1 MiB,
so that neither making nor restoring a backup holds it all in memory. Each piece is
one Fernet token (AES and an HMAC from ``cryptography``), whose plaintext starts with
the piece's number and whether it is the last: a file whose pieces were reordered,
repeated, dropped or cut short is refused, as is one changed in any byte.

The database is copied with SQLite's online backup API (a consistent copy while
sendreg runs) or with ``pg_dump``; it is restored with the backup API or
``pg_restore``, into an empty database unless ``force`` is given.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import struct
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from django.conf import settings
from django.db import connection, connections

MAGIC = b"SENDREG-BACKUP\n"
FORMAT = 1
PIECE = 1 << 20
#: scrypt at 2**15 × 8 uses 32 MiB and about a tenth of a second: slow for a guesser.
SCRYPT = {"n": 2**15, "r": 8, "p": 1}
MIN_PASSPHRASE = 12
MANIFEST = "manifest.json"
SQLITE_NAME = "database.sqlite3"
POSTGRES_NAME = "database.dump"
FILES = "files"
#: Tables whose rows mean the database is in use: restore will not overwrite them unasked.
IN_USE_TABLES = ("accounts_school", "accounts_user", "pupils_pupil", "audit_auditevent")

UNKEYED = (
    "Set SENDREG_BACKUP_PASSPHRASE (or SENDREG_BACKUP_PASSPHRASE_FILE, the name of a file "
    "holding it): backups are always encrypted."
)
TOO_SHORT = f"The backup passphrase must be at least {MIN_PASSPHRASE} characters long."
NOT_A_BACKUP = "This is not a sendreg backup file."
UNREADABLE = (
    "The backup cannot be read with this passphrase, or the file has been changed or damaged."
)
CUT_SHORT = "The backup file is cut short: it was not written to the end."
NOT_EMPTY = (
    "The database already holds schools, people or pupils (or the files folder is not empty). "
    "Restore into an empty SENDREG_HOME or database, or add --force to replace what is there."
)
OTHER_DATABASE = (
    "This backup is of a {made} database and sendreg now uses {now}: restore it into the same kind."
)
UNSAFE_MEMBER = "The backup holds an unexpected entry ({name}): it is refused."
FILE_CHANGED = "The file {name} in the backup does not match its checksum."


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why, for the person."""


# --- Encryption ------------------------------------------------------------------------------


def _fernet(passphrase: str, salt: bytes, params: dict[str, int]) -> Fernet:
    key = Scrypt(salt=salt, length=32, n=params["n"], r=params["r"], p=params["p"]).derive(
        passphrase.encode("utf-8")
    )
    return Fernet(base64.urlsafe_b64encode(key))


class EncryptingWriter(io.RawIOBase):
    """A write-only stream that encrypts what it is given, piece by piece, into ``out``."""

    def __init__(self, out: IO[bytes], passphrase: str) -> None:
        super().__init__()
        salt = os.urandom(16)
        header = {"format": FORMAT, "kdf": "scrypt", **SCRYPT, "salt": salt.hex()}
        out.write(MAGIC + json.dumps(header).encode("ascii") + b"\n")
        self._out = out
        self._fernet = _fernet(passphrase, salt, SCRYPT)
        self._buffer = bytearray()
        self._index = 0
        self._finished = False

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._buffer += data
        while len(self._buffer) >= PIECE:
            self._emit(bytes(self._buffer[:PIECE]), last=False)
            del self._buffer[:PIECE]
        return len(data)

    def _emit(self, payload: bytes, *, last: bool) -> None:
        token = self._fernet.encrypt(struct.pack(">Q?", self._index, last) + payload)
        self._out.write(struct.pack(">I", len(token)) + token)
        self._index += 1

    def finish(self) -> None:
        if not self._finished:
            self._emit(bytes(self._buffer), last=True)
            self._buffer.clear()
            self._finished = True


class DecryptingReader(io.RawIOBase):
    """A read-only stream of the plaintext of a backup file."""

    def __init__(self, source: IO[bytes], passphrase: str) -> None:
        super().__init__()
        if source.read(len(MAGIC)) != MAGIC:
            raise BackupError(NOT_A_BACKUP)
        try:
            header = json.loads(source.readline())
            params = {k: int(header[k]) for k in ("n", "r", "p")}
            salt = bytes.fromhex(header["salt"])
        except (ValueError, KeyError, TypeError):
            raise BackupError(NOT_A_BACKUP) from None
        if header.get("format") != FORMAT or header.get("kdf") != "scrypt":
            raise BackupError(NOT_A_BACKUP)
        self._source = source
        self._fernet = _fernet(passphrase, salt, params)
        self._pending = b""
        self._index = 0
        self._done = False

    def readable(self) -> bool:
        return True

    def _next_piece(self) -> None:
        size_bytes = self._source.read(4)
        if len(size_bytes) < 4:
            raise BackupError(CUT_SHORT)
        (size,) = struct.unpack(">I", size_bytes)
        token = self._source.read(size)
        if len(token) < size:
            raise BackupError(CUT_SHORT)
        try:
            plain = self._fernet.decrypt(token)
        except InvalidToken:
            raise BackupError(UNREADABLE) from None
        index, last = struct.unpack(">Q?", plain[:9])
        if index != self._index:
            raise BackupError(UNREADABLE)
        self._index += 1
        self._pending += plain[9:]
        if last:
            if self._source.read(1):
                raise BackupError(UNREADABLE)
            self._done = True

    def readinto(self, buffer: Any) -> int:
        while not self._pending and not self._done:
            self._next_piece()
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def passphrase_from_settings(*, making: bool) -> str:
    passphrase = settings.SENDREG_BACKUP_PASSPHRASE
    if not passphrase:
        raise BackupError(UNKEYED)
    if making and len(passphrase) < MIN_PASSPHRASE:
        raise BackupError(TOO_SHORT)
    return str(passphrase)


# --- What is backed up -------------------------------------------------------------------------


def _vendor() -> str:
    return str(connection.vendor)


def _sqlite_path() -> Path:
    return Path(settings.DATABASES["default"]["NAME"])


def _pg_command(program: str) -> tuple[list[str], dict[str, str]]:
    db = settings.DATABASES["default"]
    args = [program, "--no-owner", "--no-privileges", "--dbname", str(db["NAME"])]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            args += [option, str(db[key])]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def table_counts() -> dict[str, int]:
    """Rows in every table of the database, by table name."""
    with connection.cursor() as cursor:
        names = sorted(connection.introspection.table_names(cursor))
        counts = {}
        for name in names:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(name)}")  # noqa: S608
            counts[name] = int(cursor.fetchone()[0])
    return counts


def _media_files() -> Iterator[tuple[str, Path]]:
    root = Path(settings.MEDIA_ROOT)
    if not root.exists():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path.relative_to(root).as_posix(), path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(PIECE), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class BackupSummary:
    file: str
    bytes: int
    database: str
    tables: int
    rows: int
    files: int
    made_at: str = ""
    mismatched_tables: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """``sendreg backup --json`` and ``sendreg restore --json`` (see the README)."""
        return {
            "file": self.file,
            "bytes": self.bytes,
            "database": self.database,
            "tables": self.tables,
            "rows": self.rows,
            "files": self.files,
            "made_at": self.made_at,
        }


def backup_make(out: Path, *, passphrase: str) -> BackupSummary:
    """Write an encrypted backup of the database and the uploaded files to ``out``."""
    from importlib.metadata import version

    vendor = _vendor()
    files = {name: path for name, path in _media_files()}
    counts = table_counts()
    made_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    manifest = {
        "format": FORMAT,
        "made_at": made_at,
        "sendreg": version("sendreg"),
        "database": vendor,
        "tables": counts,
        "files": {name: _sha256(path) for name, path in files.items()},
    }
    partial = out.with_name(out.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="sendreg-backup-") as work:
        dump = Path(work) / (SQLITE_NAME if vendor == "sqlite" else POSTGRES_NAME)
        _dump_database(dump, vendor)
        with partial.open("wb") as raw:
            writer = EncryptingWriter(raw, passphrase)
            with tarfile.open(fileobj=writer, mode="w|gz") as tar:  # type: ignore[call-overload]
                data = json.dumps(manifest, indent=2).encode("utf-8")
                info = tarfile.TarInfo(MANIFEST)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
                tar.add(dump, arcname=dump.name, recursive=False)
                for name, path in files.items():
                    tar.add(path, arcname=f"{FILES}/{name}", recursive=False)
            writer.finish()
    os.replace(partial, out)
    out.chmod(0o600)
    return BackupSummary(
        file=str(out),
        bytes=out.stat().st_size,
        database=vendor,
        tables=len(counts),
        rows=sum(counts.values()),
        files=len(files),
        made_at=made_at,
    )


def _dump_database(dump: Path, vendor: str) -> None:
    if vendor == "sqlite":
        source = sqlite3.connect(_sqlite_path())
        target = sqlite3.connect(dump)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        return
    args, env = _pg_command("pg_dump")
    _run([*args, "--format=custom", "--file", str(dump)], env)


def _run(args: list[str], env: dict[str, str]) -> None:
    if shutil.which(args[0]) is None:
        raise BackupError(
            f"{args[0]} is not installed: install PostgreSQL's client tools "
            "(Debian: postgresql-client) of the server's version or newer."
        )
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{args[0]} failed: {done.stderr.strip()}")


# --- Restore ------------------------------------------------------------------------------------


def database_in_use() -> bool:
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        for table in IN_USE_TABLES:
            if table in existing:
                quoted = connection.ops.quote_name(table)
                cursor.execute(f"SELECT 1 FROM {quoted} LIMIT 1")  # noqa: S608
                if cursor.fetchone():
                    return True
    return any(True for _ in _media_files())


def _safe_member(member: tarfile.TarInfo) -> str:
    name = member.name
    path = PurePosixPath(name)
    if name in {MANIFEST, SQLITE_NAME, POSTGRES_NAME} and member.isfile():
        return name
    if (
        member.isfile()
        and path.parts[:1] == (FILES,)
        and len(path.parts) > 1
        and not path.is_absolute()
        and ".." not in path.parts
    ):
        return name
    raise BackupError(UNSAFE_MEMBER.format(name=name))


def backup_restore(source: Path, *, passphrase: str, force: bool = False) -> BackupSummary:
    """Restore ``source`` into this SENDREG_HOME's database and files folder.

    Refuses a database that holds schools, people or pupils (or a files folder with
    files in it) unless ``force``; refuses a backup of the other kind of database.
    The database is restored whole, then brought up to date by the migrations.
    """
    from django.core.management import call_command

    vendor = _vendor()
    if not force and database_in_use():
        raise BackupError(NOT_EMPTY)
    media = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="sendreg-restore-") as work:
        staging = Path(work)
        manifest = _unpack(source, staging, passphrase)
        if manifest.get("database") != vendor:
            raise BackupError(OTHER_DATABASE.format(made=manifest.get("database"), now=vendor))
        for name, digest in manifest.get("files", {}).items():
            if _sha256(staging / FILES / name) != digest:
                raise BackupError(FILE_CHANGED.format(name=name))
        _load_database(staging, vendor)
        if force and media.exists():
            shutil.rmtree(media)
        media.mkdir(parents=True, exist_ok=True)
        unpacked = staging / FILES
        if unpacked.exists():
            shutil.copytree(unpacked, media, dirs_exist_ok=True)
    counts = table_counts()
    expected: dict[str, int] = manifest.get("tables", {})
    mismatched = sorted(t for t, n in expected.items() if counts.get(t) != n)
    call_command("migrate", interactive=False, verbosity=0)
    return BackupSummary(
        file=str(source),
        bytes=source.stat().st_size,
        database=vendor,
        tables=len(expected),
        rows=sum(expected.values()),
        files=len(manifest.get("files", {})),
        made_at=str(manifest.get("made_at", "")),
        mismatched_tables=mismatched,
    )


def _unpack(source: Path, staging: Path, passphrase: str) -> dict[str, Any]:
    manifest: dict[str, Any] | None = None
    with source.open("rb") as raw:
        reader = io.BufferedReader(DecryptingReader(raw, passphrase), buffer_size=PIECE)
        try:
            with tarfile.open(fileobj=reader, mode="r|gz") as tar:  # type: ignore[call-overload]
                for member in tar:
                    name = _safe_member(member)
                    extracted = tar.extractfile(member)
                    assert extracted is not None
                    if name == MANIFEST:
                        manifest = json.loads(extracted.read())
                        continue
                    target = staging / name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with target.open("wb") as out:
                        shutil.copyfileobj(extracted, out, PIECE)
        except (tarfile.TarError, EOFError, OSError) as exc:
            if isinstance(exc.__context__, BackupError):
                raise exc.__context__ from None
            raise BackupError(f"{NOT_A_BACKUP} ({exc})") from None
    if manifest is None or manifest.get("format") != FORMAT:
        raise BackupError(NOT_A_BACKUP)
    return manifest


def _load_database(staging: Path, vendor: str) -> None:
    if vendor == "sqlite":
        dump = staging / SQLITE_NAME
        if not dump.exists():
            raise BackupError(NOT_A_BACKUP)
        connections.close_all()
        source = sqlite3.connect(dump)
        target = sqlite3.connect(_sqlite_path())
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        return
    dump = staging / POSTGRES_NAME
    if not dump.exists():
        raise BackupError(NOT_A_BACKUP)
    connections.close_all()
    args, env = _pg_command("pg_restore")
    _run([*args, "--clean", "--if-exists", "--single-transaction", str(dump)], env)
