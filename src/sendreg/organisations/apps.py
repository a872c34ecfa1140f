from __future__ import annotations

from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    """Trusts and local authorities: the figures of their schools, from the snapshots.

    The organisations themselves are ``accounts`` models; this app, above ``insight``,
    gives their commands, pages, home-page entry and the demo's trust.
    """

    name = "sendreg.organisations"
    label = "organisations"
    verbose_name = "Trusts and local authorities"

    def ready(self) -> None:
        from sendreg.lib.extensions import (
            AUDIT_TYPES,
            COMMANDS,
            DEMO_FILLERS,
            HOME_PANELS,
            AuditTypes,
            Command,
            DemoFiller,
            Section,
        )
        from sendreg.organisations import cli, demo, sections
        from sendreg.organisations.models import OrganisationAudit

        AUDIT_TYPES.register(AuditTypes("organisations", OrganisationAudit, order=6))
        COMMANDS.register(Command("org", cli.add_parser, order=5))
        # After the insight app's own filler, which takes the demo school's snapshots.
        DEMO_FILLERS.register(DemoFiller("organisations", demo.fill, order=90))
        HOME_PANELS.register(
            Section("organisations", "organisations/home_panel.html", sections.home_panel, order=5)
        )
