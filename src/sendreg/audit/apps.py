from __future__ import annotations

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "sendreg.audit"
    label = "audit"

    def ready(self) -> None:
        from sendreg.audit.models import AuditEvent
        from sendreg.lib.extensions import AUDIT_TYPES, AuditTypes

        AUDIT_TYPES.register(AuditTypes("core", AuditEvent.Type, order=0))
