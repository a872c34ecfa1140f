"""The site's main navigation: which links a role sees, worked out once per role.

The header is on every page. Reversing a score of URL names and checking a role's
permissions for each link cost about a millisecond a request in the template; the links
depend only on the role (and the address the site is served under), so they are made
once for each and kept.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from django.urls import get_script_prefix, reverse

from sendreg.accounts.permissions import Permission, role_can, role_sees_pupils


@dataclass(frozen=True)
class Link:
    label: str
    url_name: str
    url: str


@dataclass(frozen=True)
class _Item:
    label: str
    url_name: str
    #: Whether a role sees the link; None: everyone logged in.
    shown: Callable[[str], bool] | None = None


def _can(*permissions: Permission) -> Callable[[str], bool]:
    """Shown to a role with any of ``permissions``."""
    return lambda role: any(role_can(role, p) for p in permissions)


def _pupils_label(role: str) -> str:
    return "Pupils" if role_can(role, Permission.PUPILS_VIEW_ALL) else "My pupils"


ITEMS: tuple[_Item, ...] = (
    _Item("Home", "home"),
    _Item("SEN register", "register", _can(Permission.REGISTER_VIEW)),
    _Item("Monitoring list", "monitoring", _can(Permission.REGISTER_VIEW)),
    _Item("Other registers", "registers_index", _can(Permission.REGISTER_VIEW)),
    _Item("Census", "census", _can(Permission.REGISTER_VIEW)),
    _Item("Support plans", "support_plans", _can(Permission.SUPPORT_VIEW)),
    _Item("Provision map", "provision_map", _can(Permission.PROVISION_VIEW)),
    _Item("EHC plans", "ehc_list", _can(Permission.EHC_VIEW)),
    _Item(
        "Analysis", "insight_analysis", _can(Permission.INSIGHT_VIEW, Permission.AGGREGATES_VIEW)
    ),
    _Item("Deadlines", "deadlines", _can(Permission.DEADLINES_VIEW)),
    _Item("Parents to be told", "notifications_list", _can(Permission.SEN_EDIT)),
    _Item("", "pupil_list", role_sees_pupils),
    _Item("Imports", "import_list", _can(Permission.IMPORTS_RUN)),
    _Item("Transfers", "transfer_log", _can(Permission.TRANSFER_LOG_VIEW)),
    _Item("School details", "documents_school_contact", _can(Permission.SCHOOL_DETAILS_EDIT)),
    _Item("Audit trail", "audit", _can(Permission.AUDIT_VIEW)),
    _Item("Access report", "audit_access", _can(Permission.ACCESS_LOG_VIEW)),
    _Item("Retention", "privacy_retention", _can(Permission.PRIVACY_MANAGE)),
)


def links_for(role: str | None) -> tuple[Link, ...]:
    """The main navigation of a member of ``role`` (None: someone with no school, who sees
    Home alone), in order."""
    return _links(role or "", get_script_prefix())


@functools.cache
def _links(role: str, prefix: str) -> tuple[Link, ...]:
    # ``prefix`` is part of the key: the URLs reversed here begin with it.
    return tuple(
        Link(item.label or _pupils_label(role), item.url_name, reverse(item.url_name))
        for item in ITEMS
        if item.shown is None or (role and item.shown(role))
    )
