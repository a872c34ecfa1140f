from __future__ import annotations

from django.apps import AppConfig


class InsightConfig(AppConfig):
    name = "sendreg.insight"
    label = "insight"
    verbose_name = "Insight: analysis, findings and reports"

    def ready(self) -> None:
        self._ready_information_report()

    def _ready_information_report(self) -> None:
        """The SEN information report and the termly pack: audit types and the home panel."""
        from sendreg.insight import report_sections
        from sendreg.insight.report_models import ReportEvent
        from sendreg.lib.extensions import AUDIT_TYPES, HOME_PANELS, AuditTypes

        AUDIT_TYPES.register(AuditTypes("insight_report", ReportEvent, order=70))
        HOME_PANELS.register(report_sections.HOME_PANEL)
