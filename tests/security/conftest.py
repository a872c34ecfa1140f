"""Fixtures for the security tests: two-factor switched on, and a confirmed authenticator."""

from __future__ import annotations

from typing import Any

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from sendreg.accounts.models import User


@pytest.fixture
def two_factor_on(settings: Any) -> None:
    """Switch the second factor on, as in production (the test settings switch it off)."""
    settings.SENDREG_TWO_FACTOR = True


def authenticator(user: User) -> TOTPDevice:
    """A confirmed authenticator app for ``user``."""
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def code_now(device: TOTPDevice) -> str:
    """The code the app shows now, as a person would read it off their phone."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"
