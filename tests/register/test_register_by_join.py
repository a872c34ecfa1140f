"""A whole school's register read by a join (``pupils.selectors.visible_to``) is the same
register as read against the list of its roll: for every role, with leavers, pupils not yet
admitted, other schools' pupils and history on and off the register."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Q

from sendreg.accounts.models import Membership, School, User
from sendreg.pupils.selectors import pupils_visible_to, visible_to
from sendreg.register import selectors
from sendreg.register.services import sen_record_set
from tests.conftest import TODAY, put_on_register
from tests.factories import PupilFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def register_of_two_schools(school: School, other_school: School, senco: User, outsider: User):
    on = [PupilFactory(school=school) for _ in range(4)]
    left = PupilFactory(school=school, leaving_date=TODAY - dt.timedelta(days=10))
    joining = PupilFactory(school=school, admission_date=TODAY + dt.timedelta(days=10))
    elsewhere = PupilFactory(school=other_school)
    for pupil in [*on[:3], left, joining]:
        put_on_register(pupil, by=senco, on=TODAY - dt.timedelta(days=200))
    back = TODAY - dt.timedelta(days=50)
    put_on_register(on[1], by=senco, status="E", needs=("ASD", "SLCN"), on=back)
    on[2].refresh_from_db()
    sen_record_set(
        pupil=on[2], status=None, needs=[], effective=TODAY - dt.timedelta(days=20),
        reason="Made good progress.", expected_version=on[2].sen_version, by=senco, today=TODAY,
    )  # fmt: skip
    put_on_register(elsewhere, by=outsider)
    return on


@pytest.mark.parametrize("role_user", ["senco", "teacher", "governor", "outsider"])
def test_the_joined_register_is_the_listed_one(
    register_of_two_schools: list, role_user: str, request: pytest.FixtureRequest
) -> None:
    user: User = request.getfixturevalue(role_user)
    membership = Membership.objects.select_related("school").get(user=user)
    for day in (TODAY - dt.timedelta(days=100), TODAY, TODAY + dt.timedelta(days=30)):
        listed = selectors.school_register(pupils_visible_to(membership), day=day)
        joined = selectors.member_register(membership, day=day)
        assert joined.states == listed.states
        assert joined.roll == listed.roll
        assert joined.counts() == listed.counts()


def test_only_whole_school_roles_read_by_join(school: School, senco: User, teacher: User) -> None:
    assert visible_to(Membership.objects.get(user=senco)) == Q(pupil__school_id=school.pk)
    taught = visible_to(Membership.objects.get(user=teacher))
    assert [lookup for lookup, _ in taught.children] == ["pupil__in"]


def test_the_whole_school_register_for_the_command_line(
    register_of_two_schools: list, school: School
) -> None:
    from sendreg.pupils.models import Pupil

    listed = selectors.school_register(Pupil.objects.filter(school=school), day=TODAY)
    joined = selectors.whole_school_register(school, day=TODAY)
    assert joined.states == listed.states
    assert joined.roll == listed.roll == 4  # the leaver and the pupil still to join are not on roll
