from __future__ import annotations

from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "sendreg.records"
    label = "records"
