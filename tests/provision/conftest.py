"""People and a small provision map in two schools, for the provision map's tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from sendreg.accounts.models import School, User
from sendreg.provision.models import Enrolment, Intervention, Run, TrainingRecord
from sendreg.pupils.models import Pupil
from tests.conftest import put_on_register
from tests.factories import PupilFactory
from tests.provision.factories import (
    EnrolmentFactory,
    InterventionFactory,
    RunFactory,
    TrainingRecordFactory,
)

D = Decimal


@dataclass
class Map:
    """Oakfield's provision: a reading group the teacher delivers, a group with the pupil the
    teacher and TA teach, and one-to-one support; and Riverside's own intervention."""

    reading: Intervention
    reading_run: Run
    talk: Intervention
    talk_run: Run
    support: Intervention
    support_run: Run
    amy: Pupil
    ben: Pupil
    amy_reading: Enrolment
    ben_reading: Enrolment
    taught_talk: Enrolment
    amy_support: Enrolment
    training: TrainingRecord
    other: Intervention
    other_run: Run
    other_enrolment: Enrolment


@pytest.fixture
def provision(
    school: School,
    other_school: School,
    senco: User,
    teacher: User,
    taught_pupil: Pupil,
    outsider: User,
) -> Map:
    day = dt.date(2025, 9, 4)
    amy = PupilFactory(school=school, legal_forename="Amy", legal_surname="Adams", year_group=7)
    ben = PupilFactory(school=school, legal_forename="Ben", legal_surname="Brown", year_group=9)
    put_on_register(amy, by=senco, status="E", needs=("SPLD",), on=day, today=day)
    put_on_register(ben, by=senco, status="K", needs=("SLCN",), on=day, today=day)
    reading = InterventionFactory(school=school, name="Precision teaching")
    reading_run = RunFactory(intervention=reading)
    reading_run.staff.set([teacher])
    amy_reading = EnrolmentFactory(
        run=reading_run, pupil=amy, entry_score=D(80), exit_score=D(86), target_score=D(85)
    )
    ben_reading = EnrolmentFactory(run=reading_run, pupil=ben, entry_score=D(90), exit_score=None)
    talk = InterventionFactory(
        school=school, name="Talk Boost", need_codes=["SLCN"], measure="none", group_size=6
    )
    talk_run = RunFactory(intervention=talk)
    taught_talk = EnrolmentFactory(run=talk_run, pupil=taught_pupil)
    support = InterventionFactory(
        school=school, name="One-to-one support", need_codes=[], areas=["cognition"], wave=3,
        group_size=1, sessions_per_week=D(5), minutes_per_session=180, typical_weeks=38,
        resources_per_pupil=D(0), measure="none",
    )  # fmt: skip
    support_run = RunFactory(
        intervention=support, start_date=dt.date(2025, 9, 3), end_date=dt.date(2026, 7, 17)
    )
    amy_support = EnrolmentFactory(run=support_run, pupil=amy)
    training = TrainingRecordFactory(school=school, user=teacher, name="")
    other = InterventionFactory(school=other_school, name="Precision teaching")
    other_run = RunFactory(intervention=other)
    other_pupil = PupilFactory(school=other_school, legal_surname="Outsideschool")
    other_enrolment = EnrolmentFactory(run=other_run, pupil=other_pupil)
    return Map(
        reading=reading, reading_run=reading_run, talk=talk, talk_run=talk_run, support=support,
        support_run=support_run, amy=amy, ben=ben, amy_reading=amy_reading,
        ben_reading=ben_reading, taught_talk=taught_talk, amy_support=amy_support,
        training=training, other=other, other_run=other_run, other_enrolment=other_enrolment,
    )  # fmt: skip
