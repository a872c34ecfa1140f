from __future__ import annotations

from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "sendreg.documents"
    label = "documents"

    def ready(self) -> None:
        from sendreg.documents.demo import fill_school_contact
        from sendreg.documents.models import DocumentsAudit
        from sendreg.lib.extensions import AUDIT_TYPES, DEMO_FILLERS, AuditTypes, DemoFiller

        AUDIT_TYPES.register(AuditTypes("documents", DocumentsAudit, order=40))
        DEMO_FILLERS.register(DemoFiller("documents.school_contact", fill_school_contact, order=40))
