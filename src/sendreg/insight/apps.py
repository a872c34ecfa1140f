from __future__ import annotations

from django.apps import AppConfig


class InsightConfig(AppConfig):
    name = "sendreg.insight"
    label = "insight"
    verbose_name = "Insight: analysis, findings and reports"

    def ready(self) -> None:
        from sendreg.insight import cli, demo, views
        from sendreg.insight.models import InsightEvent
        from sendreg.lib.extensions import (
            AUDIT_TYPES,
            COMMANDS,
            DEMO_FILLERS,
            HOME_PANELS,
            AuditTypes,
            Command,
            DemoFiller,
            Section,
        )

        AUDIT_TYPES.register(AuditTypes("insight", InsightEvent, order=60))
        COMMANDS.register(Command("snapshot", cli.add_snapshot, order=60))
        COMMANDS.register(Command("insight", cli.add_insight, order=61))
        COMMANDS.register(Command("national", cli.add_national, order=62))
        DEMO_FILLERS.register(DemoFiller("insight", demo.fill, order=90))
        HOME_PANELS.register(
            Section("insight_findings", "insight/home_senco.html", views.home_panel, order=40)
        )
        self._ready_information_report()

    def _ready_information_report(self) -> None:
        """The SEN information report and the termly pack: audit types and the home panel."""
        from sendreg.insight import report_demo, report_sections
        from sendreg.insight.report_models import ReportEvent
        from sendreg.lib.extensions import (
            AUDIT_TYPES,
            DEMO_FILLERS,
            HOME_PANELS,
            AuditTypes,
            DemoFiller,
        )

        AUDIT_TYPES.register(AuditTypes("insight_report", ReportEvent, order=70))
        HOME_PANELS.register(report_sections.HOME_PANEL)
        # After the provision map and the register, so that the figures are the demo's.
        DEMO_FILLERS.register(DemoFiller("insight_report", report_demo.fill, order=95))
