from __future__ import annotations

from django.apps import AppConfig


class EhcConfig(AppConfig):
    """EHC (education, health and care) needs assessments, plans, annual reviews, and the
    statutory clock that runs through them."""

    name = "sendreg.ehc"
    label = "ehc"
    verbose_name = "EHC plans"

    def ready(self) -> None:
        from sendreg.ehc import cli, demo, imports, record, selectors, views
        from sendreg.ehc.models import SCHOOL_SETTINGS_KEY, EhcAuditType
        from sendreg.imports.kinds import IMPORT_KINDS
        from sendreg.lib.extensions import (
            AUDIT_TYPES,
            COMMANDS,
            DEADLINE_SOURCES,
            DEMO_FILLERS,
            MEETING_SOURCES,
            PUPIL_RECORD_PARTS,
            PUPIL_SECTIONS,
            SCHOOL_SETTINGS,
            AuditTypes,
            Command,
            DeadlineSource,
            DemoFiller,
            MeetingSource,
            PupilRecordPart,
            SchoolSetting,
            Section,
        )

        DEADLINE_SOURCES.register(
            DeadlineSource(
                "ehc",
                selectors.KINDS,
                selectors.school_deadlines,
                order=5,
                attention=selectors.attention_deadlines,
            )
        )
        MEETING_SOURCES.register(MeetingSource("ehc", selectors.meetings_ahead, order=5))
        AUDIT_TYPES.register(AuditTypes("ehc", EhcAuditType, order=50))
        SCHOOL_SETTINGS.register(SchoolSetting(SCHOOL_SETTINGS_KEY))
        PUPIL_SECTIONS.register(
            Section(
                "ehc",
                "ehc/pupil_section.html",
                views.pupil_section,
                order=20,
                pupil_facts=selectors.pupil_facts,
            )
        )
        COMMANDS.register(Command("ehc", cli.add_ehc, order=50))
        DEMO_FILLERS.register(DemoFiller("ehc", demo.fill, order=50))
        PUPIL_RECORD_PARTS.register(
            PupilRecordPart(
                "ehc",
                "Education, health and care (EHC) needs assessments, plans and reviews",
                record.data,
                record.files,
                order=50,
            )
        )
        IMPORT_KINDS.register(imports.EHC_TRACKER)
