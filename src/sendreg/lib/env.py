"""Typed readers for ``SENDREG_*`` environment variables that fail loudly on bad values."""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

PREFIX = "SENDREG_"


def _raw(name: str) -> str | None:
    """The variable's value, or the contents of the file named by ``<name>_FILE``."""
    key = PREFIX + name
    file_key = key + "_FILE"
    if file_key in os.environ:
        try:
            return Path(os.environ[file_key]).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(
                f"{file_key} names a file that cannot be read: {exc}"
            ) from exc
    return os.environ.get(key)


def env_str(name: str, default: str = "") -> str:
    value = _raw(name)
    return default if value is None else value


def env_bool(name: str, default: bool = False) -> bool:
    value = _raw(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{PREFIX}{name} must be true or false, not {value!r}.")


def env_int(name: str, default: int) -> int:
    value = _raw(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"{PREFIX}{name} must be a whole number, not {value!r}."
        ) from None


def env_list(name: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
    value = _raw(name)
    if value is None:
        return default
    return tuple(item.strip() for item in value.split(",") if item.strip())


def env_path(name: str, default: Path) -> Path:
    value = _raw(name)
    return Path(value).expanduser() if value else default


#: Folders and files under SENDREG_HOME hold children's personal data: readable by the
#: account that runs sendreg and no one else.
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Make ``path`` (and its parents) if missing; a folder made here is the owner's only."""
    if not path.exists():
        path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
        # mkdir's mode is narrowed by the umask, never widened; say it exactly.
        path.chmod(PRIVATE_DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty and owner-only if missing, or narrow it to owner-only if it exists.

    SQLite then opens the file as it is, and gives its write-ahead log and shared
    memory files the database file's permissions.
    """
    try:
        descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE_MODE)
    except FileExistsError:
        status = path.stat()
        mine = status.st_uid == os.geteuid() if hasattr(os, "geteuid") else True
        if status.st_mode & 0o077 and mine:
            path.chmod(PRIVATE_FILE_MODE)
    else:
        os.close(descriptor)
    return path
