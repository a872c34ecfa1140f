from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from sendreg.accounts.selectors import membership_for_request


class MembershipMiddleware:
    """Sets ``request.membership``: the school the user is working in, and their role there."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = membership_for_request(request)  # type: ignore[attr-defined]
        return self.get_response(request)
