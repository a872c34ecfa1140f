"""Logging in with an email address and password, as Django's ``ModelBackend`` does.

The logged-in person is read on every request; this reads them by SQL compiled once
(``lib.compiled``) rather than building the same query each time. Everything else,
checking a password included, is Django's own.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db.models import QuerySet

from sendreg.accounts.models import User
from sendreg.lib.compiled import compiled


@compiled
def _user(pk: int) -> QuerySet[User]:
    return User.objects.filter(pk=pk)


class UserBackend(ModelBackend):
    def get_user(self, user_id: Any) -> User | None:
        try:
            pk = int(user_id)
        except (TypeError, ValueError):
            return None
        found = _user(pk)
        if not found or not self.user_can_authenticate(found[0]):
            return None
        return found[0]  # type: ignore[no-any-return]
