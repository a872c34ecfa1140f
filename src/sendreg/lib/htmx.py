"""The two choices every htmx-aware view makes, made in one place."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django_htmx.http import HttpResponseClientRedirect


def page_or_fragment(request: HttpRequest, template: str, fragment: str) -> str:
    """``template#fragment`` for an htmx request, the whole page otherwise."""
    if getattr(request, "htmx", False):
        return f"{template}#{fragment}"
    return template


def redirect_after_post(request: HttpRequest, url: str) -> HttpResponse:
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return HttpResponseRedirect(url)


def query_without(request: HttpRequest, *names: str) -> str:
    """The request's query string, encoded, without ``names`` and empty values (for links)."""
    query = request.GET.copy()
    for name in [*names, *(k for k, v in query.items() if not v)]:
        query.pop(name, None)
    return query.urlencode()
