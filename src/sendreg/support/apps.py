from __future__ import annotations

from django.apps import AppConfig


class SupportConfig(AppConfig):
    """The graduated approach: support plans, reviews, meetings, specialists and passports."""

    name = "sendreg.support"
    label = "support"

    def ready(self) -> None:
        from sendreg.lib.extensions import (
            AUDIT_TYPES,
            COMMANDS,
            DEADLINE_SOURCES,
            DEMO_FILLERS,
            HOME_PANELS,
            MEETING_SOURCES,
            PUPIL_RECORD_PARTS,
            PUPIL_SECTIONS,
            AuditTypes,
            Command,
            DeadlineSource,
            DemoFiller,
            MeetingSource,
            PupilRecordPart,
            Section,
        )
        from sendreg.support import contributions
        from sendreg.support.cli import add_plans_command
        from sendreg.support.demo import demo_fill
        from sendreg.support.models import SupportEvent

        AUDIT_TYPES.register(AuditTypes("support", SupportEvent))
        PUPIL_SECTIONS.register(
            Section("support", "support/pupil_section.html", contributions.pupil_section, order=50)
        )
        HOME_PANELS.register(
            Section("support_due", "support/home_senco.html", contributions.senco_panel, order=20)
        )
        HOME_PANELS.register(
            Section(
                "support_teacher",
                "support/home_teacher.html",
                contributions.teacher_panel,
                order=10,
            )
        )
        DEADLINE_SOURCES.register(
            DeadlineSource(
                "support",
                contributions.DEADLINE_KINDS,
                contributions.deadlines,
                attention=contributions.attention_deadlines,
            )
        )
        MEETING_SOURCES.register(MeetingSource("support", contributions.meetings_ahead))
        COMMANDS.register(Command("plans", add_plans_command))
        DEMO_FILLERS.register(DemoFiller("support", demo_fill, order=50))
        PUPIL_RECORD_PARTS.register(
            PupilRecordPart(
                "support",
                "Support plans, meetings, specialists and passport",
                contributions.record_data,
                files=contributions.record_files,
            )
        )
