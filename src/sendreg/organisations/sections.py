"""The home page's way to the trusts and local authorities a person has a role in."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sendreg.lib.extensions import PageContext
from sendreg.organisations.selectors import organisation_memberships_of


def home_panel(page: PageContext) -> Mapping[str, Any] | None:
    memberships = organisation_memberships_of(page.user)
    if not memberships:
        return None
    return {"org_memberships": memberships}
