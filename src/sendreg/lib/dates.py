from __future__ import annotations

import datetime as dt

from django.utils import timezone


def today() -> dt.date:
    """Today in the school's time zone (Europe/London)."""
    return timezone.localdate()
