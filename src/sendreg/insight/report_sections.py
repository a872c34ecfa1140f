"""What the SEN information report and the termly pack add to the home page: links to both, and
for those who publish the report, a reminder when it needs updating."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sendreg.accounts.permissions import Permission
from sendreg.insight import report
from sendreg.lib.extensions import PageContext, Section


def reports_panel(page: PageContext) -> Mapping[str, Any] | None:
    """For anyone who sees the school's figures. The SENCO and deputy are also told why the
    published report needs updating: never published, more than a year old, or stating a
    SENCO or numbers that have changed since."""
    membership = page.membership
    if not (membership.can(Permission.AGGREGATES_VIEW) or membership.can(Permission.INSIGHT_VIEW)):
        return None
    reasons: list[str] = []
    if membership.can(Permission.INFORMATION_REPORT_EDIT):
        reasons = report.report_reminders(membership.school, today=page.day)
    return {"reasons": reasons}


HOME_PANEL = Section("information_report", "insight/report/panel.html", reports_panel, order=60)
