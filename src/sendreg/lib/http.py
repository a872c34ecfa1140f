"""Small facts about a request that several apps need."""

from __future__ import annotations

import ipaddress

from django.http import HttpRequest


def client_address(request: HttpRequest) -> str | None:
    """The client's address as the server saw it.

    ``sendreg serve`` puts the real client's address here when a trusted proxy
    (``SENDREG_TRUSTED_PROXY``) forwards it; a forwarded header from anyone else is
    never believed.
    """
    address = request.META.get("REMOTE_ADDR") or ""
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None
