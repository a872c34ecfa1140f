from __future__ import annotations

from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "sendreg.records"
    label = "records"

    def ready(self) -> None:
        from sendreg.lib.extensions import DEMO_FILLERS, DemoFiller
        from sendreg.records import demo

        DEMO_FILLERS.register(DemoFiller("records", demo.fill, order=20))
