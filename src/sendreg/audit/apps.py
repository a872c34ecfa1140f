from __future__ import annotations

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "sendreg.audit"
    label = "audit"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from sendreg.audit.append_only import register_sqlite_function
        from sendreg.audit.models import AuditEvent
        from sendreg.lib.extensions import AUDIT_TYPES, PUPIL_SECTIONS, AuditTypes, Section

        AUDIT_TYPES.register(AuditTypes("core", AuditEvent.Type, order=0))
        # The append-only triggers of SQLite ask this function whether a door is open.
        connection_created.connect(register_sqlite_function, dispatch_uid="sendreg_audit_unlock")
        from sendreg.audit.sections import pupil_access_section

        PUPIL_SECTIONS.register(
            Section("access", "audit/pupil_access.html", pupil_access_section, order=900)
        )
        from sendreg.accounts.signals import account_changed
        from sendreg.audit.services import account_change_record

        account_changed.connect(account_change_record, dispatch_uid="sendreg_audit_accounts")
