"""The header's links: each role sees a link exactly when it may open the page."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import set_script_prefix

from sendreg.accounts.models import User
from sendreg.accounts.permissions import Role
from sendreg.pages.navigation import links_for


def _labels(role: str | None) -> list[str]:
    return [link.label for link in links_for(role)]


def test_someone_with_no_school_sees_home_alone() -> None:
    assert _labels(None) == ["Home"]


def test_a_teacher_sees_their_own_pupils_and_not_the_register() -> None:
    labels = _labels(Role.TEACHER)
    assert "My pupils" in labels
    assert "Pupils" not in labels
    assert "SEN register" not in labels
    assert "Census" not in labels


def test_the_senco_sees_the_register_and_every_pupil() -> None:
    labels = _labels(Role.SENCO)
    assert labels[:5] == ["Home", "SEN register", "Monitoring list", "Other registers", "Census"]
    assert "Pupils" in labels
    assert "My pupils" not in labels


def test_links_follow_the_address_the_site_is_served_under() -> None:
    try:
        set_script_prefix("/sendreg/")
        assert links_for(Role.SENCO)[0].url == "/sendreg/"
    finally:
        set_script_prefix("/")
    assert links_for(Role.SENCO)[0].url == "/"


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.SENCO, Role.TEACHER, Role.OFFICE, Role.GOVERNOR])
def test_every_link_in_the_header_opens_for_the_role(
    client: Client, senco: User, role: str
) -> None:
    senco.memberships.update(role=role)
    client.force_login(senco)
    page = client.get("/").content.decode()
    nav = page[page.index('<nav aria-label="Main">') : page.index("</nav>")]
    links = re.findall(r'href="([^"]+)"', nav)
    assert links == [link.url for link in links_for(role)]
    assert 'href="/" aria-current="page"' in nav
    for url in links:
        assert client.get(url).status_code == 200, url
