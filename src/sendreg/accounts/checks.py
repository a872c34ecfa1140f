"""Deployment checks of sendreg's own security settings (``sendreg manage check --deploy``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register

TWO_FACTOR_OFF = Warning(
    "SENDREG_TWO_FACTOR is off: no one is asked for a second factor when logging in.",
    hint="Unset SENDREG_TWO_FACTOR (it is on by default) in production.",
    id="sendreg.W001",
)
NO_BACKUP_KEY = Warning(
    "SENDREG_BACKUP_PASSPHRASE is not set, so `sendreg backup` cannot run.",
    hint="Set SENDREG_BACKUP_PASSPHRASE_FILE to a file holding a long passphrase.",
    id="sendreg.W002",
)


@register(Tags.security, deploy=True)
def check_security_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    problems: list[CheckMessage] = []
    if not settings.SENDREG_TWO_FACTOR:
        problems.append(TWO_FACTOR_OFF)
    if not settings.SENDREG_BACKUP_PASSPHRASE:
        problems.append(NO_BACKUP_KEY)
    return problems
