"""Rules for logging in and staying logged in: pure functions of values, no database."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

# --- Two-factor authentication ---------------------------------------------------------


class TwoFactorStep(StrEnum):
    #: Nothing more to do: the session may use sendreg.
    NONE = "none"
    #: Enter a code from the authenticator app, or a recovery code.
    VERIFY = "verify"
    #: Set up an authenticator app first: the role requires one.
    ENROL = "enrol"


def two_factor_step(*, required: bool, enrolled: bool, verified: bool) -> TwoFactorStep:
    """What a logged-in session must do before it may use sendreg.

    Anyone who has set up an authenticator app is asked for its code, whether or not
    their role requires one: a second factor that is never asked for protects nothing.
    """
    if verified:
        return TwoFactorStep.NONE
    if enrolled:
        return TwoFactorStep.VERIFY
    if required:
        return TwoFactorStep.ENROL
    return TwoFactorStep.NONE


# --- Sessions ------------------------------------------------------------------------------


class SessionEnd(StrEnum):
    IDLE = "idle"
    ABSOLUTE = "absolute"


SESSION_IDLE_MESSAGE = (
    "You were logged out because sendreg was not used for {minutes} minutes. "
    "Log in again to carry on."
)
SESSION_ABSOLUTE_MESSAGE = (
    "You were logged out because you logged in more than {hours} hours ago. "
    "Log in again to carry on."
)


def session_end(
    *,
    logged_in_at: float,
    last_seen: float,
    now: float,
    idle_seconds: int,
    absolute_seconds: int,
) -> SessionEnd | None:
    """Whether a session has ended, from its times in seconds since the epoch.

    A clock that has gone back (``now`` before the recorded times) ends nothing.
    """
    if now - logged_in_at >= absolute_seconds:
        return SessionEnd.ABSOLUTE
    if now - last_seen >= idle_seconds:
        return SessionEnd.IDLE
    return None


# --- Pausing logins after failures ---------------------------------------------------------


class LockedBy(StrEnum):
    ACCOUNT = "account"
    ADDRESS = "address"


LOCKED_OUT_ACCOUNT = (
    "There have been too many failed attempts to log in to this account, so logging in to "
    "it is paused for {minutes} (until {until}). If you have forgotten your password, "
    "reset it with the link below."
)
LOCKED_OUT_ADDRESS = (
    "There have been too many failed attempts to log in from your network, so logging in "
    "from it is paused for {minutes} (until {until}). If this keeps happening, tell the "
    "person who looks after sendreg at your school."
)


@dataclass(frozen=True)
class Lockout:
    by: LockedBy
    until: dt.datetime

    def message(self, now: dt.datetime) -> str:
        minutes = max(1, math.ceil((self.until - now).total_seconds() / 60))
        wording = "1 minute" if minutes == 1 else f"{minutes} minutes"
        until = f"{self.until:%H:%M}"
        template = LOCKED_OUT_ACCOUNT if self.by == LockedBy.ACCOUNT else LOCKED_OUT_ADDRESS
        return template.format(minutes=wording, until=until)


def _paused_until(
    failures: Iterable[dt.datetime], *, now: dt.datetime, limit: int, window: dt.timedelta
) -> dt.datetime | None:
    recent = sorted(f for f in failures if now - window < f <= now)
    if limit < 1 or len(recent) < limit:
        return None
    # The count falls below the limit once the limit-th most recent failure leaves the window.
    return recent[-limit] + window


def login_lockout(
    *,
    account_failures: Iterable[dt.datetime],
    address_failures: Iterable[dt.datetime],
    now: dt.datetime,
    account_limit: int,
    address_limit: int,
    window: dt.timedelta,
) -> Lockout | None:
    """Whether logging in is paused, for the account or for the network address.

    ``account_failures`` are the times of failed attempts on the account since its last
    successful login; ``address_failures`` those from the address, whatever the account
    (a success does not clear them, or one valid login would let an attacker go on).
    Logging in is paused while ``limit`` or more of them fall within ``window`` of now.
    """
    account = _paused_until(account_failures, now=now, limit=account_limit, window=window)
    address = _paused_until(address_failures, now=now, limit=address_limit, window=window)
    if account is not None and (address is None or account >= address):
        return Lockout(LockedBy.ACCOUNT, account)
    if address is not None:
        return Lockout(LockedBy.ADDRESS, address)
    return None
