"""The demo school's contact details, so that its letters to parents read as a real school's."""

from __future__ import annotations

from sendreg.accounts.permissions import Role
from sendreg.documents.services import school_contact_update
from sendreg.lib.extensions import DemoSchool


def fill_school_contact(demo: DemoSchool) -> None:
    """Made-up details: Ofcom's drama numbers and example.* addresses reach nobody."""
    slug = demo.school.name.split()[0].lower().replace("'", "")
    school_contact_update(
        school=demo.school,
        data={
            "address": "1 School Lane\nBristol\nBS1 1AA",
            "phone": "0117 496 0123",
            "email": f"senco@{slug}.example.org",
            "sendiass_name": "Bristol SENDIASS (demo)",
            "sendiass_phone": "0117 496 0999",
            "sendiass_website": "https://sendiass.example.org",
            "local_offer_url": "https://localoffer.example.org",
        },
        by=demo.staff[Role.SENCO],
    )
