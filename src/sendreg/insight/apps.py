from __future__ import annotations

from django.apps import AppConfig


class InsightConfig(AppConfig):
    name = "sendreg.insight"
    label = "insight"
    verbose_name = "Insight: analysis, findings and reports"
