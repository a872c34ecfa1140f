"""How many queries a page makes: for tests that hold a page's count flat as data grows."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext


def count_queries(client: Client, url: str) -> int:
    """The queries one GET of ``url`` makes; the page must answer 200."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured)


def assert_flat(client: Client, urls: Sequence[str], grow: Callable[[], object]) -> None:
    """Each of ``urls`` makes as many queries after ``grow()`` adds data as the first made
    before it (the first request of a session, which reads what later ones need not, aside)."""
    client.get(urls[0])
    few = count_queries(client, urls[0])
    grow()
    with CaptureQueriesContext(connection) as captured:
        client.get(urls[0])
    assert len(captured) <= few, (urls[0], len(captured), few)
    for url in urls:
        assert count_queries(client, url) == few, url
