from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from sendreg.pages.navigation import links_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    """``navigation``: the header's links for the member's role, and the current page's name."""
    membership = getattr(request, "membership", None)
    match = getattr(request, "resolver_match", None)
    return {
        "navigation": links_for(membership.role if membership else None),
        "current_page": match.url_name if match else None,
    }
