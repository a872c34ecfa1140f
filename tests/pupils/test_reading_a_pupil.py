"""``pupil_get_for_user``: a pupil is read only by members who may see them, by each role's
compiled query."""

from __future__ import annotations

import pytest
from django.http import Http404

from sendreg.accounts.models import Membership, School, User
from sendreg.accounts.permissions import Role
from sendreg.pupils.models import Pupil
from sendreg.pupils.selectors import pupil_get_for_user
from tests.factories import PupilFactory

pytestmark = pytest.mark.django_db


def _member(user: User, school: School, role: str) -> Membership:
    membership = Membership.objects.get(user=user, school=school)
    membership.role = role
    return membership


@pytest.mark.parametrize("role", [Role.GOVERNOR, Role.ADVISER, "no such role"])
def test_a_role_that_sees_no_pupil_by_name_is_told_there_is_none(
    senco: User, school: School, pupil: Pupil, role: str
) -> None:
    with pytest.raises(Http404):
        pupil_get_for_user(_member(senco, school, role), pupil.pk)


def test_the_senco_reads_any_pupil_of_their_school_and_none_of_another(
    senco: User, school: School, other_school: School, pupil: Pupil
) -> None:
    member = _member(senco, school, Role.SENCO)
    found = pupil_get_for_user(member, pupil.pk)
    assert found == pupil
    assert found.school == school
    elsewhere = PupilFactory(school=other_school)
    with pytest.raises(Http404):
        pupil_get_for_user(member, elsewhere.pk)


def test_a_teacher_reads_the_pupils_they_teach_and_no_others(
    teacher: User, school: School, taught_pupil: Pupil, pupil: Pupil
) -> None:
    member = _member(teacher, school, Role.TEACHER)
    assert pupil_get_for_user(member, taught_pupil.pk) == taught_pupil
    with pytest.raises(Http404):
        pupil_get_for_user(member, pupil.pk)
