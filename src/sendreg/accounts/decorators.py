from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from sendreg.accounts.permissions import Permission

View = Callable[..., HttpResponse]


def require_permission(*permissions: Permission) -> Callable[[View], View]:
    """Log in first; then the user's role in the current school must hold one of ``permissions``.

    A logged-in user without that right gets 403. Objects outside the user's
    school are a separate matter: selectors answer 404 for them.
    """

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            membership = getattr(request, "membership", None)
            if membership is None or not any(membership.can(p) for p in permissions):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def require_membership(view: View) -> View:
    """Log in first; any role in a school will do."""
    return require_permission(*Permission)(view)
