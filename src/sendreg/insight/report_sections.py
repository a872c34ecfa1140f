"""What the SEN information report adds to the SENCO's home page: a reminder to update it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sendreg.accounts.permissions import Permission
from sendreg.insight import report
from sendreg.lib.extensions import PageContext, Section


def reminder_panel(page: PageContext) -> Mapping[str, Any] | None:
    """Shown to those who publish the report, only when it needs updating: never published,
    more than a year old, or stating a SENCO or numbers that have changed since."""
    membership = page.membership
    if not membership.can(Permission.INFORMATION_REPORT_EDIT):
        return None
    reasons = report.report_reminders(membership.school, today=page.day)
    if not reasons:
        return None
    return {"reasons": reasons}


HOME_PANEL = Section("information_report", "insight/report/panel.html", reminder_panel, order=60)
