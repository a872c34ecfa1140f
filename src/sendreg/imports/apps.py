from __future__ import annotations

from typing import Any

from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "sendreg.imports"
    label = "imports"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out
        from django.contrib.sessions.models import Session
        from django.db.models.signals import pre_delete

        # An upload waiting for its preview is deleted with the session that knows of it:
        # at logout, and when `sendreg manage clearsessions` removes an expired session.
        user_logged_out.connect(_forget_at_logout, dispatch_uid="imports.forget_at_logout")
        pre_delete.connect(
            _forget_with_expired_session, sender=Session, dispatch_uid="imports.forget_expired"
        )


def _forget_at_logout(sender: Any, request: Any, **kwargs: Any) -> None:
    from sendreg.imports.uploads import pending_delete, session_tokens

    session = getattr(request, "session", None)
    if session is not None:
        pending_delete(session_tokens(session))


def _forget_with_expired_session(sender: Any, instance: Any, **kwargs: Any) -> None:
    """Only an expired session's uploads: a live one is also deleted when its key is
    changed (at login, or a password change), and its uploads move to the new key."""
    from django.utils import timezone

    from sendreg.imports.uploads import pending_delete, session_tokens

    if instance.expire_date > timezone.now():
        return
    try:
        data = instance.get_decoded()
    except Exception:  # noqa: BLE001 - a session that cannot be read holds nothing to delete
        return
    pending_delete(session_tokens(data))
