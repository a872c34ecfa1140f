from __future__ import annotations

from django.apps import AppConfig


class DeadlinesConfig(AppConfig):
    """One list of every dated duty in a school, from whichever apps add to it.

    The list is ``lib.extensions.DEADLINE_SOURCES``: each app registers where its kinds
    of deadline come from. This app adds the sources for what the register and the other
    registers keep, and shows the list: the Deadlines page, the SENCO's home panel,
    ``sendreg deadlines``, the personal calendar feed and the weekly email.
    """

    name = "sendreg.deadlines"
    label = "deadlines"

    def ready(self) -> None:
        from sendreg.deadlines import cli, views
        from sendreg.deadlines.models import DeadlinesAuditType
        from sendreg.deadlines.sources import SOURCES
        from sendreg.lib.extensions import (
            AUDIT_TYPES,
            COMMANDS,
            DEADLINE_SOURCES,
            HOME_PANELS,
            AuditTypes,
            Command,
            Section,
        )

        for source in SOURCES:
            DEADLINE_SOURCES.register(source)
        AUDIT_TYPES.register(AuditTypes("deadlines", DeadlinesAuditType, order=60))
        HOME_PANELS.register(
            Section("deadlines", "deadlines/home_panel.html", views.home_panel, order=10)
        )
        COMMANDS.register(Command("deadlines", cli.add_deadlines, order=60))
        COMMANDS.register(Command("digest", cli.add_digest, order=61))
