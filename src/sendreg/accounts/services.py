"""Changes to people's accounts: second factors, passwords, sessions, failed logins.

Each change that matters to a school is written to the audit trail of every school
the person works in; a failed login is written to the failed-login log.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from sendreg.accounts.models import AccountAudit, LoginFailure, User
from sendreg.accounts.signals import account_changed

log = logging.getLogger("sendreg.security")

#: How many recovery codes a person gets; each works once.
RECOVERY_CODE_COUNT = 10
AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"


def _audit(
    *,
    type: AccountAudit,
    user: User,
    by: User | None,
    new: dict[str, Any] | None = None,
    actor_label: str = "",
) -> None:
    """Announce a change to someone's account; the audit app writes it to the trail."""
    account_changed.send(
        sender=User, type=type, user=user, by=by, new=new or {}, actor_label=actor_label
    )


@transaction.atomic
def two_factor_device_for_setup(*, user: User) -> TOTPDevice:
    """The authenticator app being set up: one unconfirmed device, kept until confirmed.

    Opening the set-up page again shows the same key, so a half-finished set-up can be
    completed; nothing is audited until the code is confirmed.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
        device.full_clean()
        device.save()
    return device


@transaction.atomic
def two_factor_confirm(*, device: TOTPDevice, code: str, by: User) -> list[str] | None:
    """Confirm the app with one of its codes: it replaces any earlier app, and a new set of
    recovery codes is made. Returns the recovery codes, or None when the code is wrong."""
    if device.confirmed or not device.verify_token(code):
        return None
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _recovery_codes_make(device.user)
    _audit(type=AccountAudit.TWO_FACTOR_SET_UP, user=device.user, by=by)
    return codes


def _recovery_codes_make(user: User) -> list[str]:
    recovery, _ = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_NAME, defaults={"confirmed": True}
    )
    recovery.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=recovery, token=c) for c in codes)
    return codes


@transaction.atomic
def recovery_codes_renew(*, by: User) -> list[str]:
    """A new set of recovery codes for ``by``; the old ones stop working."""
    codes = _recovery_codes_make(by)
    _audit(type=AccountAudit.RECOVERY_CODES_MADE, user=by, by=by)
    return codes


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def two_factor_remove(*, user: User, by: User | None, actor_label: str = "") -> None:
    """Remove every second factor of ``user``: their app and their recovery codes.

    For someone whose role does not need one, by their own choice; or for someone who
    lost their phone and their codes, by ``sendreg account reset-two-factor`` (they set
    up a new app at their next login).
    """
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    _audit(type=AccountAudit.TWO_FACTOR_REMOVED, user=user, by=by, actor_label=actor_label)


@transaction.atomic
def sessions_end_everywhere(*, by: User) -> None:
    """End every session of ``by``, on every computer and phone, including this one."""
    by.session_generation += 1
    by.save(update_fields=["session_generation"])
    _audit(type=AccountAudit.LOGGED_OUT_EVERYWHERE, user=by, by=by)


@transaction.atomic
def password_changed(*, user: User, by_email: bool) -> None:
    """Audit a password change (Django's forms save the password itself)."""
    kind = AccountAudit.PASSWORD_RESET if by_email else AccountAudit.PASSWORD_CHANGED
    _audit(type=kind, user=user, by=user)


def login_failure_record(
    *, email: str, address: str | None, reason: LoginFailure.Reason
) -> LoginFailure:
    """Write one failed login to the log (and to the server's log, for its own alerts)."""
    failure = LoginFailure.objects.create(
        at=timezone.now(), email=email.strip().lower()[:254], address=address, reason=reason
    )
    log.warning("Failed login (%s) for %r from %s", reason.value, failure.email, address)
    return failure
