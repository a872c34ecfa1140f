from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from sendreg.accounts.permissions import Permission


def membership(request: HttpRequest) -> dict[str, Any]:
    """``membership`` and a ``can`` map so templates show only the controls a role may use."""
    current = getattr(request, "membership", None)
    can = {p.name: bool(current and current.can(p)) for p in Permission}
    return {"membership": current, "can": can}
