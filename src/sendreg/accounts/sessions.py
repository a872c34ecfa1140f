"""Sessions kept in the database, as Django's ``db`` engine keeps them, read by a compiled query.

Every request reads its session. Django builds that query anew each time, which cost about
twice as much as running it; this engine reads the same row by SQL compiled once
(``lib.compiled``) and treats a session past its expiry as missing, as Django's does.
Writing, deleting and clearing expired sessions are Django's own.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db.models import QuerySet
from django.utils import timezone

from sendreg.lib.compiled import compiled


@compiled
def _session(key: str) -> QuerySet[Session]:
    return Session.objects.filter(session_key=key)


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Any:
        found = _session(self.session_key) if self.session_key else []
        if not found or found[0].expire_date <= timezone.now():
            self._session_key = None
            return None
        return found[0]
