"""The role-by-URL matrix, shared by every app's permission tests.

Each app keeps its own table of rows (with the records its URLs need), and they all read the
same way: one URL to a line, one answer per role. ``LOGIN`` means a redirect to the login
page. A logged-in role without the right gets 403; a pupil or record outside what the role
may see (another school's, or a pupil a teacher does not teach) gets 404, so the answer
never says whether it exists. ``test_every_url_of_the_product_is_in_a_matrix`` in
tests/test_permissions.py checks that together the tables cover every named URL.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver

LOGIN = "login"
#: Every role, a member of another school (``outsider``) and someone not logged in.
ROLES = (
    "senco", "deputy_senco", "teacher", "ta", "office", "head", "governor", "adviser",
    "outsider", "anonymous",
)  # fmt: skip


@dataclass(frozen=True)
class Row:
    name: str
    method: str
    url: str
    expected: tuple[int | str, ...]
    #: What a POST sends.
    data: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        assert len(self.expected) == len(ROLES), self


def cases(matrix: Iterable[Row]) -> list[Any]:
    """One test case per row and role."""
    return [
        pytest.param(row, role, expected, id=f"{row.method} {row.url} as {role}")
        for row in matrix
        for role, expected in zip(ROLES, row.expected, strict=True)
    ]


def check(
    row: Row,
    role: str,
    expected: int | str,
    *,
    objects: Mapping[str, Any],
    client: Client,
    request: pytest.FixtureRequest,
) -> None:
    """Ask for ``row``'s URL as ``role`` and require the expected answer.

    Every role's user exists in every case (so that "only the teacher teaches this pupil"
    holds), and a page that is shown must not leak template syntax.
    """
    users = {r: request.getfixturevalue(r) for r in ROLES if r != "anonymous"}
    if role != "anonymous":
        client.force_login(users[role])
    url = row.url.format(**objects)
    if row.method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, dict(row.data))
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith("/login/?next=")
    else:
        assert response.status_code == expected
    if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
        # Template syntax that leaked into the page, such as a comment Django did not parse.
        assert b"{#" not in response.content and b"{%" not in response.content


def url_names(patterns: Iterable[URLPattern | URLResolver]) -> set[str]:
    """Every named URL below ``patterns``, included apps' too."""
    names: set[str] = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            names |= url_names(pattern.url_patterns)
        elif pattern.name:
            names.add(pattern.name)
    return names
