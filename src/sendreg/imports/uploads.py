"""Uploaded files waiting for the person who uploaded them to confirm or cancel the import.

An export is full of children's personal data, so it is kept only as long as
the preview needs it, through Django's storage API (a private folder under
``SENDREG_HOME`` by default). It is deleted when the import is confirmed or
cancelled, when its owner logs out, when ``sendreg manage clearsessions``
removes their expired session, and, for any left behind (a server stopped
mid-preview), by ``pending_sweep`` when sendreg starts.

Which files belong to whom is kept in the session: a token per upload, never
the file name, so one person cannot reach another's upload.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import asdict, dataclass, field
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

SESSION_KEY = "pending_imports"
FOLDER = "pending-imports"


class PendingGone(Exception):
    """The upload expired, was already used, or belongs to someone else."""


@dataclass(frozen=True)
class Pending:
    token: str
    school_id: int
    filename: str
    #: ``"mis"`` for an MIS export, or the key of an app's ``ImportKind``.
    kind: str
    mapping: dict[str, str] = field(default_factory=dict)
    whole_roll: bool = False


def _path(token: str) -> str:
    return f"{FOLDER}/{token}"


def pending_save(
    session: MutableMapping[str, Any],
    *,
    school_id: int,
    filename: str,
    kind: str,
    data: bytes,
    mapping: Mapping[str, str] | None = None,
    whole_roll: bool = False,
) -> Pending:
    token = secrets.token_urlsafe(16)
    default_storage.save(_path(token), ContentFile(data))
    pending = Pending(token, school_id, filename, kind, dict(mapping or {}), whole_roll)
    waiting = dict(session.get(SESSION_KEY, {}))
    waiting[token] = {k: v for k, v in asdict(pending).items() if k != "token"}
    session[SESSION_KEY] = waiting
    return pending


def pending_load(
    session: Mapping[str, Any], token: str, *, school_id: int
) -> tuple[Pending, bytes]:
    """The upload and its bytes; ``PendingGone`` unless it is this session's, for this school."""
    entry = session.get(SESSION_KEY, {}).get(token)
    if not entry or entry.get("school_id") != school_id:
        raise PendingGone
    try:
        with default_storage.open(_path(token)) as handle:
            data = handle.read()
    except FileNotFoundError:
        raise PendingGone from None
    return Pending(token=token, **entry), data


def pending_forget(session: MutableMapping[str, Any], token: str) -> None:
    """Delete one upload and forget it."""
    pending_delete([token])
    waiting = dict(session.get(SESSION_KEY, {}))
    waiting.pop(token, None)
    session[SESSION_KEY] = waiting


def session_tokens(session_data: Mapping[str, Any]) -> list[str]:
    """The uploads a session (its decoded data) is waiting on."""
    waiting = session_data.get(SESSION_KEY) or {}
    return [token for token in waiting if isinstance(token, str)]


def pending_delete(tokens: Iterable[str]) -> int:
    """Delete the files of these uploads; returns how many there were."""
    deleted = 0
    for token in tokens:
        # A token is only ever our own URL-safe string; refuse anything that could walk
        # out of the folder, whatever a tampered session holds.
        if not token or not token.replace("-", "").replace("_", "").isalnum():
            continue
        path = _path(token)
        if default_storage.exists(path):
            default_storage.delete(path)
            deleted += 1
    return deleted


def pending_sweep(*, older_than: dt.timedelta, now: dt.datetime | None = None) -> int:
    """Delete uploads older than ``older_than`` (the longest a session lasts): nobody can
    confirm them any more. Returns how many were deleted."""
    if not default_storage.exists(FOLDER):
        return 0
    cutoff = (now or timezone.now()) - older_than
    _, files = default_storage.listdir(FOLDER)
    stale = []
    for name in files:
        try:
            modified = default_storage.get_modified_time(_path(name))
        except FileNotFoundError:
            continue
        if modified < cutoff:
            stale.append(name)
    return pending_delete(stale)
