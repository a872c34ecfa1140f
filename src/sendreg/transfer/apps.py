from __future__ import annotations

from django.apps import AppConfig


class TransferConfig(AppConfig):
    name = "sendreg.transfer"
    label = "transfer"
    verbose_name = "Transfers and consent to share"

    def ready(self) -> None:
        from sendreg.accounts.permissions import Permission
        from sendreg.imports.kinds import IMPORT_KINDS, ImportKind
        from sendreg.lib.extensions import (
            AUDIT_TYPES,
            COMMANDS,
            DEADLINE_SOURCES,
            DEMO_FILLERS,
            HOME_PANELS,
            PUPIL_RECORD_PARTS,
            PUPIL_SECTIONS,
            AuditTypes,
            Command,
            DeadlineSource,
            DemoFiller,
            Section,
        )
        from sendreg.transfer import cli, demo, importing, parts, sections
        from sendreg.transfer.ctf import is_ctf
        from sendreg.transfer.models import TransferAudit

        AUDIT_TYPES.register(AuditTypes("transfer", TransferAudit))
        IMPORT_KINDS.register(
            ImportKind(
                key="ctf",
                label="Common Transfer File (CTF)",
                recognise=lambda name, data: is_ctf(data),
                plan=importing.plan_outcome,
                apply=importing.apply_outcome,
                preview_template="transfer/ctf_preview.html",
                permission=Permission.IMPORTS_RUN,
            )
        )
        PUPIL_SECTIONS.register(
            Section(
                "transfer",
                "transfer/pupil_section.html",
                sections.pupil_section,
                order=80,
                pupil_facts=sections.pupil_facts,
            )
        )
        HOME_PANELS.register(
            Section("transfer", "transfer/home_panel.html", sections.home_panel, order=60)
        )
        DEADLINE_SOURCES.register(
            DeadlineSource(
                key="transfer",
                kinds={sections.DEADLINE_KIND: sections.DEADLINE_LABEL},
                collect=sections.deadlines,
            )
        )
        COMMANDS.register(Command("ctf", cli.add_parser))
        DEMO_FILLERS.register(DemoFiller("transfer", demo.fill, order=80))
        for part in parts.PARTS:
            PUPIL_RECORD_PARTS.register(part)
