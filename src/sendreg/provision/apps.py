from __future__ import annotations

from django.apps import AppConfig


class ProvisionConfig(AppConfig):
    name = "sendreg.provision"
    label = "provision"
    verbose_name = "Provision map"

    def ready(self) -> None:
        from sendreg.imports.kinds import IMPORT_KINDS
        from sendreg.lib.extensions import (
            AUDIT_TYPES,
            COMMANDS,
            DEMO_FILLERS,
            HOME_PANELS,
            PUPIL_RECORD_PARTS,
            PUPIL_SECTIONS,
            SCHOOL_SETTINGS,
            AuditTypes,
            Command,
            DemoFiller,
            PupilRecordPart,
            SchoolSetting,
        )
        from sendreg.provision import cli, demo, importing, sections
        from sendreg.provision.models import SCHOOL_SETTINGS_KEY, ProvisionEvent
        from sendreg.provision.selectors import pupil_record
        from sendreg.provision.services import pupil_provision_erase

        AUDIT_TYPES.register(AuditTypes("provision", ProvisionEvent, order=50))
        SCHOOL_SETTINGS.register(SchoolSetting(SCHOOL_SETTINGS_KEY))
        PUPIL_SECTIONS.register(sections.PUPIL_SECTION)
        for panel in sections.HOME_PANELS:
            HOME_PANELS.register(panel)
        COMMANDS.register(Command("provision", cli.add_parser, order=50))
        DEMO_FILLERS.register(DemoFiller("provision", demo.fill, order=50))
        IMPORT_KINDS.register(importing.PROVISION_KIND)
        PUPIL_RECORD_PARTS.register(
            PupilRecordPart(
                key="provision",
                title="Provision: interventions, scores and costs",
                data=pupil_record,
                erase=pupil_provision_erase,
                order=50,
            )
        )
