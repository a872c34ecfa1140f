"""Addresses of a page for many ids, without asking Django's resolver once for each.

A list of hundreds of pupils links each to their page: ``reverse`` costs about 10 µs a
call, so a page of the register, the home page's panels and the deadlines list build the
address once for the view and put each id into it.
"""

from __future__ import annotations

from functools import lru_cache

from django.urls import get_script_prefix, get_urlconf, reverse


def url_pattern(name: str) -> str:
    """``reverse(name, args=[id])`` for any one id, as a ``str.format`` pattern: the view must
    take one id as the last part of its address (``pupils/<int:pk>/``)."""
    return _pattern(name, get_script_prefix(), get_urlconf())


@lru_cache(maxsize=128)
def _pattern(name: str, prefix: str, urlconf: str | None) -> str:
    # The prefix and URLconf are part of the key: reverse() reads both.
    return reverse(name, args=[0], urlconf=urlconf).removesuffix("0/") + "{}/"
