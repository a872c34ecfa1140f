"""The demo's trust: each demo school joins it, and the demo adviser has a role in it."""

from __future__ import annotations

from sendreg.accounts.models import Organisation
from sendreg.accounts.permissions import OrganisationRole, Role
from sendreg.lib.extensions import DemoSchool
from sendreg.organisations.services import (
    organisation_add,
    organisation_membership_set,
    organisation_school_add,
)

DEMO_TRUST = "Oakfield Learning Trust"


def fill(demo: DemoSchool) -> None:
    trust = Organisation.objects.filter(name=DEMO_TRUST).first() or organisation_add(
        name=DEMO_TRUST, kind=Organisation.Kind.TRUST, by=None
    )
    organisation_school_add(
        organisation=trust, school=demo.school, by=None, actor_label="sendreg demo"
    )
    adviser = demo.staff.get(Role.ADVISER)
    if adviser is not None:
        organisation_membership_set(
            organisation=trust,
            user=adviser,
            role=OrganisationRole.ADVISER,
            by=None,
            actor_label="sendreg demo",
        )
    demo.report.append(f"{demo.school.name} is in {DEMO_TRUST}; the adviser sees its figures.")
