"""The registers read for a few pupils a page has already read give those pupils' rows of
the whole register, no more and no fewer."""

from __future__ import annotations

import pytest

from sendreg.accounts.models import Membership, School, User
from sendreg.pupils.models import Pupil
from sendreg.pupils.selectors import on_roll, pupils_visible_to
from sendreg.records import selectors
from sendreg.records.models import KeyStage
from tests.conftest import TODAY
from tests.factories import PupilFactory
from tests.records.conftest import World

pytestmark = pytest.mark.django_db

MEDICAL = [
    selectors.MedicalFilters(),
    selectors.MedicalFilters(ihp="yes"),
    selectors.MedicalFilters(ihp="no"),
    selectors.MedicalFilters(review="due"),
    selectors.MedicalFilters(year=9),
]
EXAMS = [
    selectors.ExamFilters(),
    selectors.ExamFilters(status="in_force"),
    selectors.ExamFilters(key_stage=KeyStage.KS4),
    selectors.ExamFilters(year=11),
]


def _key(row: selectors.MedicalRow | selectors.ExamRow) -> tuple[object, ...]:
    record = row.record
    return (row.pupil.pk, record.pk if record is not None else None, str(row.__dict__))


@pytest.mark.parametrize("names", [("amy", "ben", "cara"), ("dan", "eve"), ("ben",), ()])
def test_the_rows_among_some_pupils_are_theirs_of_the_whole_register(
    world: World, school: School, senco: User, names: tuple[str, ...]
) -> None:
    # A pupil the MIS marks as medical with no condition recorded yet.
    flagged = PupilFactory(school=school, medical=True, year_group=9)
    membership = Membership.objects.get(user=senco, school=school)
    wanted = {getattr(world, name).pk for name in names} | ({flagged.pk} if names else set())
    among: list[Pupil] = list(
        pupils_visible_to(membership).filter(on_roll(TODAY)).filter(pk__in=wanted)
    )
    for medical in MEDICAL:
        whole = selectors.medical_rows(membership, medical, day=TODAY)
        some = selectors.medical_rows(membership, medical, day=TODAY, among=among)
        assert [_key(r) for r in some] == [_key(r) for r in whole if r.pupil.pk in wanted]
    for exams in EXAMS:
        whole_exams = selectors.exam_rows(membership, exams, day=TODAY)
        some_exams = selectors.exam_rows(membership, exams, day=TODAY, among=among)
        assert [_key(r) for r in some_exams] == [
            _key(r) for r in whole_exams if r.pupil.pk in wanted
        ]


def test_a_pupil_of_another_school_is_never_read(world: World, school: School, senco: User) -> None:
    membership = Membership.objects.get(user=senco, school=school)
    assert (
        selectors.medical_rows(
            membership, selectors.MedicalFilters(), day=TODAY, among=[world.oscar]
        )
        == []
    )
    assert (
        selectors.exam_rows(membership, selectors.ExamFilters(), day=TODAY, among=[world.oscar])
        == []
    )
