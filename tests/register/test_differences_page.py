"""The MIS differences page shows fifty differences at a time, and each row's actions work
from any page, bringing the SENCO back to the page they were on."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import quote

import pytest
from django.test import Client
from django.utils import timezone

from sendreg.accounts.models import School, User
from sendreg.pupils.models import Pupil
from sendreg.register.models import MisSenRecord
from sendreg.register.selectors import pupil_sen_summary
from sendreg.register.views import DIFFERENCES_PER_PAGE
from tests.conftest import TODAY
from tests.factories import PupilFactory
from tests.queries import assert_flat

Login = Callable[[User], Client]
URL = "/register/discrepancies/"

pytestmark = pytest.mark.usefixtures("on_today")


def on_sen_support_in_the_mis_only(school: School, pupils: int) -> None:
    """Pupils the MIS has on SEN support (K, SPLD) and the register never had: each makes two
    differences, the SEN status and the needs."""
    for _ in range(pupils):
        MisSenRecord.objects.create(
            pupil=PupilFactory(school=school), status="K", needs=["SPLD"],
            imported_at=timezone.now(),
        )  # fmt: skip


@pytest.fixture
def sixty(school: School) -> None:
    on_sen_support_in_the_mis_only(school, 30)


def row_upns(html: str) -> list[str]:
    return re.findall(r'</a> <span class="meta">\(([A-Z0-9]+)\)</span></th>', html)


def resolve_actions(html: str) -> dict[int, str]:
    """Each pupil on the page -> the URL their row's buttons post to."""
    return {
        int(pk): action
        for action, pk in re.findall(
            r'<form method="post" action="(/register/discrepancies/(\d+)/[^"]*)"', html
        )
    }


@pytest.mark.usefixtures("sixty")
def test_differences_are_shown_fifty_to_a_page(senco: User, login: Login) -> None:
    client = login(senco)
    first = client.get(URL).content.decode()
    second = client.get(f"{URL}?page=2").content.decode()

    assert len(row_upns(first)) == DIFFERENCES_PER_PAGE and len(row_upns(second)) == 10
    assert "60 differences: page 1 of 2</h2>" in first
    assert "Showing 1 to 50 of 60 differences (page 1 of 2)" in first
    assert "Showing 51 to 60 of 60 differences (page 2 of 2)" in second
    assert '<a href="?page=2#differences-heading" rel="next">Next page</a>' in first
    assert '<a href="?page=1#differences-heading" rel="prev">Previous page</a>' in second
    # Each pupil's two differences, thirty pupils in all, each row on one page only.
    upns = row_upns(first) + row_upns(second)
    assert len(set(upns)) == 30 and all(upns.count(upn) == 2 for upn in upns)


@pytest.mark.usefixtures("sixty")
def test_asking_for_the_mis_to_be_corrected_from_page_two_comes_back_to_page_two(
    senco: User, login: Login
) -> None:
    client = login(senco)
    actions = resolve_actions(client.get(f"{URL}?page=2").content.decode())
    pk, action = next(iter(actions.items()))
    assert action == f"/register/discrepancies/{pk}/?page=2"

    response = client.post(action, {"action": "correct"})

    assert response.status_code == 302 and response["Location"] == f"{URL}?page=2"
    assert MisSenRecord.objects.get(pupil_id=pk).correction_requested_at is not None
    html = client.get(response["Location"]).content.decode()
    assert "the MIS is marked as needing correction" in html
    assert "<strong>The MIS is to be corrected.</strong>" in html


@pytest.mark.usefixtures("sixty")
def test_accepting_the_mis_value_from_page_two_comes_back_to_page_two(
    senco: User, login: Login
) -> None:
    client = login(senco)
    actions = resolve_actions(client.get(f"{URL}?page=2").content.decode())
    pk, action = next(iter(actions.items()))

    confirm = client.post(action, {"action": "accept"})
    accept_url = f"/register/discrepancies/{pk}/accept/?page=2"
    assert confirm["Location"] == accept_url
    page = client.get(accept_url).content.decode()
    assert f'<a href="{URL}?page=2">Cancel</a>' in page

    version = str(Pupil.objects.get(pk=pk).sen_version)
    done = client.post(
        accept_url,
        {"effective": TODAY.isoformat(), "reason": "The MIS is right.", "version": version},
    )

    assert done.status_code == 302 and done["Location"] == f"{URL}?page=2"
    assert pupil_sen_summary(Pupil.objects.get(pk=pk), day=TODAY).status == "K"
    # The pupil's two differences are gone: 58 left, 8 of them on page 2.
    html = client.get(done["Location"]).content.decode()
    assert "Showing 51 to 58 of 58 differences" in html and pk not in resolve_actions(html)


@pytest.mark.usefixtures("sixty")
def test_only_a_page_number_is_carried_back_to_the_list(senco: User, login: Login) -> None:
    client = login(senco)
    pk = next(iter(resolve_actions(client.get(URL).content.decode())))
    # The first page needs no number; anything but a number is dropped.
    assert resolve_actions(client.get(URL).content.decode())[pk] == f"{URL}{pk}/"
    for page in ("1", "//evil.example", "2&next=https://evil.example", "9" * 40):
        response = client.post(f"{URL}{pk}/?page={quote(page)}", {"action": "correct"})
        assert response["Location"] == URL, page
    # A page past the end shows the last page, whose actions carry its real number.
    html = client.get(f"{URL}?page=7").content.decode()
    assert "(page 2 of 2)" in html
    assert all(a.endswith("?page=2") for a in resolve_actions(html).values())


def test_the_page_makes_the_same_queries_for_six_differences_as_for_two_pages(
    school: School, senco: User, login: Login
) -> None:
    client = login(senco)
    on_sen_support_in_the_mis_only(school, 3)
    assert_flat(client, [URL, f"{URL}?page=2"], lambda: on_sen_support_in_the_mis_only(school, 40))
