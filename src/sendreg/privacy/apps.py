from __future__ import annotations

from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """Data protection: retention and erasure, subject access, and encrypted backups."""

    name = "sendreg.privacy"
    label = "privacy"

    def ready(self) -> None:
        from sendreg.lib.extensions import (
            AUDIT_TYPES,
            COMMANDS,
            PUPIL_SECTIONS,
            AuditTypes,
            Command,
            Section,
        )
        from sendreg.privacy.commands import add_backup_commands, add_retention_command
        from sendreg.privacy.models import PrivacyAudit
        from sendreg.privacy.parts import register_parts
        from sendreg.privacy.sections import pupil_privacy_section

        register_parts()
        AUDIT_TYPES.register(AuditTypes("privacy", PrivacyAudit, order=90))
        PUPIL_SECTIONS.register(
            Section("privacy", "privacy/pupil_section.html", pupil_privacy_section, order=910)
        )
        COMMANDS.register(Command("retention", add_retention_command, order=80))
        COMMANDS.register(Command("backup", add_backup_commands, order=81))
