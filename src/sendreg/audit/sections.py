"""The audit app's section of the pupil's page: who has looked at this pupil."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sendreg.accounts.permissions import Permission
from sendreg.audit.selectors import pupil_access
from sendreg.lib.extensions import PageContext


def pupil_access_section(page: PageContext) -> Mapping[str, Any] | None:
    if page.pupil is None or not page.membership.can(Permission.ACCESS_LOG_VIEW):
        return None
    return {"pupil": page.pupil, "reads": pupil_access(page.pupil)}
