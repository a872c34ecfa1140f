"""What every request pays before its view: the session, the user and the membership, and a
write only when a pupil's record is read (its one access-log row)."""

from __future__ import annotations

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from sendreg.accounts.models import User
from sendreg.accounts.selectors import memberships_for_request
from sendreg.pupils.models import Pupil

WRITES = ("INSERT", "UPDATE", "DELETE")


def _writes(client: Client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return [q["sql"] for q in captured.captured_queries if q["sql"].lstrip().startswith(WRITES)]


@pytest.mark.parametrize("url", ["/", "/account/", "/register/", "/pupils/"])
def test_a_page_that_is_not_a_pupils_record_writes_nothing(
    client: Client, senco: User, pupil: Pupil, url: str
) -> None:
    client.force_login(senco)
    client.get("/account/")
    assert _writes(client, url) == []


def test_a_pupils_page_writes_its_access_log_row_alone(
    client: Client, senco: User, pupil: Pupil
) -> None:
    client.force_login(senco)
    client.get("/account/")
    [write] = _writes(client, f"/pupils/{pupil.pk}/")
    assert write.startswith('INSERT INTO "audit_accessevent"')


def test_the_membership_comes_with_the_requests_user_in_one_query(
    senco: User, django_assert_num_queries: object
) -> None:
    request = RequestFactory().get("/")
    request.user = senco
    request.session = SessionStore()
    with django_assert_num_queries(1):  # type: ignore[operator]
        memberships, membership = memberships_for_request(request)
        assert membership is not None
        assert membership.user is senco
        assert membership.school.name == "Oakfield Academy"
    assert memberships == [membership]


def test_the_school_chosen_in_the_session_is_the_membership_else_the_first_by_name(
    senco: User, django_assert_num_queries: object
) -> None:
    from sendreg.accounts.models import Membership
    from sendreg.accounts.permissions import Role
    from tests.factories import SchoolFactory

    other = SchoolFactory(name="Abbey Fields School")
    second = Membership.objects.create(user=senco, school=other, role=Role.TEACHER)
    request = RequestFactory().get("/")
    request.user = senco
    request.session = SessionStore()
    memberships, chosen = memberships_for_request(request)
    assert [m.school.name for m in memberships] == ["Abbey Fields School", "Oakfield Academy"]
    assert chosen == second
    request.session["school_id"] = memberships[1].school_id
    assert memberships_for_request(request)[1] == memberships[1]
    # A school the person no longer belongs to falls back to the first.
    request.session["school_id"] = 999_999
    assert memberships_for_request(request)[1] == second
