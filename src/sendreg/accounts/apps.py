from __future__ import annotations

from typing import Any

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "sendreg.accounts"
    label = "accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_login_failed

        from sendreg.accounts import checks  # noqa: F401 - registers the deployment checks
        from sendreg.accounts.models import AccountAudit
        from sendreg.lib.extensions import AUDIT_TYPES, COMMANDS, AuditTypes, Command

        AUDIT_TYPES.register(AuditTypes("accounts", AccountAudit, order=5))
        user_login_failed.connect(_login_failed, dispatch_uid="sendreg_login_failed")
        user_logged_in.connect(_logged_in, dispatch_uid="sendreg_logged_in")
        from sendreg.accounts.commands import add_account_command

        COMMANDS.register(Command("account", add_account_command, order=50))


def _login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    """Every failed password login goes into the failed-login log, whoever's form it came from."""
    from sendreg.accounts.models import LoginFailure
    from sendreg.accounts.services import login_failure_record
    from sendreg.lib.http import client_address

    email = str(credentials.get("username") or credentials.get("email") or "")
    address = client_address(request) if request is not None else None
    login_failure_record(email=email, address=address, reason=LoginFailure.Reason.PASSWORD)


def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from sendreg.accounts.middleware import session_started

    if request is not None and hasattr(request, "session"):
        session_started(request)
