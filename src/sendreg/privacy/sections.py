from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sendreg.accounts.permissions import Permission
from sendreg.lib.extensions import PageContext


def pupil_privacy_section(page: PageContext) -> Mapping[str, Any] | None:
    """A link to the subject access copy, for those who may make one."""
    if page.pupil is None or not page.membership.can(Permission.PRIVACY_MANAGE):
        return None
    return {"pupil": page.pupil}
