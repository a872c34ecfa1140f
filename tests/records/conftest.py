"""Two schools' worth of records on every register, with addresses that must never be exported."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from sendreg.accounts.models import School, User
from sendreg.pupils.models import Pupil
from sendreg.records import services
from sendreg.records.models import CauseForConcern, ExamArrangement, MedicalCondition
from sendreg.records.rules import Arrangement, KeyStage
from tests.conftest import TODAY
from tests.factories import ContactFactory, PupilFactory

D = dt.date
DAY = dt.timedelta(days=1)

#: Addresses recorded for the pupils below: none may appear in any export or list.
ADDRESSES = ("9 Secret Lane", "1 High Street", "5 Plain Road", "77 Other Town Road")
#: The other school's pupil: never in this school's lists or exports.
OTHER_PUPIL = ("Oscar", "Outsideschool")
LEAVER = ("Leo", "Leftschool")


@dataclass
class World:
    amy: Pupil
    ben: Pupil
    cara: Pupil
    dan: Pupil
    eve: Pupil
    oscar: Pupil
    leo: Pupil
    amy_concern: CauseForConcern
    ben_concern: CauseForConcern
    amy_asthma: MedicalCondition
    ben_reader: ExamArrangement


def _pupil(school: School, forename: str, surname: str, **fields: object) -> Pupil:
    return PupilFactory(school=school, legal_forename=forename, legal_surname=surname, **fields)


def _exam(
    pupil: Pupil, by: User, arrangement: str, key_stage: str, **fields: object
) -> ExamArrangement:
    return services.exam_arrangement_create(
        pupil=pupil,
        arrangement=arrangement,
        key_stage=key_stage,
        evidence=fields.pop("evidence", "Assessed by the specialist teacher."),  # type: ignore[arg-type]
        approved_on=fields.pop("approved_on", D(2025, 10, 1)),  # type: ignore[arg-type]
        expires_on=fields.pop("expires_on", None),  # type: ignore[arg-type]
        by=by,
        **fields,  # type: ignore[arg-type]
    )


@pytest.fixture
def world(school: School, other_school: School, senco: User, office: User, outsider: User) -> World:
    amy = _pupil(school, "Amy", "Adams", year_group=7, eal=True)
    ben = _pupil(school, "Ben", "Brown", year_group=9)
    cara = _pupil(school, "Cara", "Clarke", year_group=11, looked_after=True)
    dan = _pupil(school, "Dan", "Davis", year_group=10, looked_after=True)
    eve = _pupil(school, "Eve", "Evans", year_group=8, eal=True)
    leo = _pupil(school, *LEAVER, year_group=9, leaving_date=D(2025, 10, 1))
    oscar = _pupil(other_school, *OTHER_PUPIL, year_group=7, eal=True, looked_after=True)

    ContactFactory(pupil=cara, name="Foster Carer", address=ADDRESSES[0], address_protected=True)
    ContactFactory(pupil=cara, name="Birth Mother", address=ADDRESSES[1])
    ContactFactory(pupil=dan, name="Kinship Carer", address=ADDRESSES[2])
    ContactFactory(pupil=oscar, name="Oscar's Carer", address=ADDRESSES[3])

    amy_asthma = services.medical_condition_create(
        pupil=amy, condition="Asthma", has_ihp=False, ihp_review_date=None, by=senco
    )
    services.medical_condition_create(
        pupil=ben, condition="Epilepsy", has_ihp=True, ihp_review_date=TODAY - 11 * DAY,
        notes="Seizure plan in the office.", by=senco,
    )  # fmt: skip
    services.medical_condition_create(
        pupil=cara, condition="Type 1 diabetes", has_ihp=True, ihp_review_date=D(2026, 6, 1),
        by=senco,
    )  # fmt: skip
    services.medical_condition_create(
        pupil=leo, condition="Asthma", has_ihp=False, ihp_review_date=None, by=senco
    )
    services.medical_condition_create(
        pupil=oscar, condition="Asthma", has_ihp=True, ihp_review_date=TODAY, by=outsider
    )

    services.eal_record_create(
        pupil=amy, first_language="Polish", started_in_english_schools=D(2019, 9, 4), by=senco
    )
    services.eal_record_create(
        pupil=ben, first_language="Urdu", started_in_english_schools=None, by=senco
    )
    services.eal_record_create(
        pupil=oscar, first_language="Polish", started_in_english_schools=None, by=outsider
    )

    services.lac_record_create(
        pupil=cara, responsible_authority="Bristol City Council", pep_date=D(2025, 6, 1),
        pep_review_date=TODAY - 2 * DAY, designated_teacher=senco, by=senco,
    )  # fmt: skip
    services.lac_record_create(
        pupil=oscar, responsible_authority="Somerset Council", pep_date=None,
        pep_review_date=None, designated_teacher=None, designated_teacher_name="Mr Other",
        by=outsider,
    )  # fmt: skip

    amy_concern = services.concern_start(
        pupil=amy, reason="Reading age well below peers.", started_on=D(2025, 10, 1), owner=senco,
        review_date=TODAY + 7 * DAY, by=senco,
    )  # fmt: skip
    ben_concern = services.concern_start(
        pupil=ben, reason="Falling attendance.", started_on=D(2025, 9, 10), owner=office,
        review_date=D(2026, 3, 1), by=senco,
    )  # fmt: skip
    ended = services.concern_start(
        pupil=eve, reason="Friendship difficulties.", started_on=D(2025, 9, 5), owner=senco,
        review_date=D(2025, 10, 5), by=senco,
    )  # fmt: skip
    services.concern_end(record=ended, on=D(2025, 10, 6), reason="Settled.", by=senco)
    services.concern_start(
        pupil=oscar, reason="Reading age well below peers.", started_on=TODAY, owner=outsider,
        review_date=TODAY, by=outsider,
    )  # fmt: skip

    _exam(amy, senco, Arrangement.EXTRA_TIME_25, KeyStage.KS2, approved_on=D(2025, 2, 1))
    ben_reader = _exam(ben, senco, Arrangement.READER, KeyStage.KS4, expires_on=TODAY + 10 * DAY)
    _exam(cara, senco, Arrangement.WORD_PROCESSOR, KeyStage.KS4)
    _exam(cara, senco, Arrangement.OTHER, KeyStage.KS4, other_arrangement="Reading pen")
    _exam(oscar, outsider, Arrangement.EXTRA_TIME_25, KeyStage.KS2, approved_on=D(2025, 2, 1))
    return World(
        amy=amy, ben=ben, cara=cara, dan=dan, eve=eve, oscar=oscar, leo=leo,
        amy_concern=amy_concern, ben_concern=ben_concern, amy_asthma=amy_asthma,
        ben_reader=ben_reader,
    )  # fmt: skip
