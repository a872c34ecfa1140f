"""Two edges every request passes: typed text is cleaned, and a busy database is said so.

``ControlCharactersMiddleware`` removes control characters from every posted
field before any form or view sees it, so no form anywhere in the product can
store one (see ``sendreg.lib.text``). One middleware rather than a clean method
on each form field: a new app's form is covered without anyone remembering to.

``DatabaseBusyMiddleware`` turns SQLite's "database is locked" (a write that
waited the whole busy timeout for another writer, such as a large import) into
a page that asks the user to try again, with status 503 and ``Retry-After``,
instead of a server error.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.template.loader import render_to_string

from sendreg.lib.text import has_control_characters, strip_control

#: How long to suggest waiting before trying again, in seconds.
RETRY_AFTER = 5
BUSY_MESSAGES = ("database is locked", "database table is locked")


class ControlCharactersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST":
            cleaned = clean_post(request.POST)
            if cleaned is not None:
                # The stubs type POST as immutable; ``cleaned`` is made immutable too.
                request.POST = cleaned  # type: ignore[assignment]
        return self.get_response(request)


def clean_post(data: QueryDict) -> QueryDict | None:
    """A copy of ``data`` without control characters in keys or values; None if none had any."""
    if not any(
        has_control_characters(key) or any(has_control_characters(v) for v in values)
        for key, values in data.lists()
    ):
        return None
    cleaned = QueryDict(mutable=True, encoding=data.encoding)
    for key, values in data.lists():
        cleaned.setlist(strip_control(key), [strip_control(v) for v in values])
    cleaned._mutable = False
    return cleaned


def is_database_busy(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError) and any(m in str(exc).lower() for m in BUSY_MESSAGES)


class DatabaseBusyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_database_busy(exception):
            return None
        response = HttpResponse(
            render_to_string("busy.html", {"retry_after": RETRY_AFTER}, request=request),
            status=503,
        )
        response["Retry-After"] = str(RETRY_AFTER)
        return response
