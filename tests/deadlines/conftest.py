"""A school with one deadline of every kind that already exists, and the EHC ones."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from sendreg.accounts.models import School, User
from sendreg.accounts.permissions import Role
from sendreg.records.models import ExamArrangement, LookedAfterRecord, MedicalCondition
from sendreg.register.models import MonitoringEntry
from tests.conftest import TODAY
from tests.ehc.conftest import record
from tests.factories import MembershipFactory, PupilFactory, UserFactory


def _member(school: School, role: Role, name: str) -> User:
    user = UserFactory(email=f"{name}@{school.urn}.test", name=name.capitalize())
    MembershipFactory(user=user, school=school, role=role)
    return user


@pytest.fixture
def deputy_senco(school: School) -> User:
    return _member(school, Role.DEPUTY_SENCO, "deputy")


@pytest.fixture
def adviser(school: School) -> User:
    return _member(school, Role.ADVISER, "adviser")


def days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


@pytest.fixture
def full_school(school: School, senco: User) -> dict[str, Any]:
    """One pupil per kind, each due at a different distance from TODAY (12 November 2025)."""
    watched = PupilFactory(school=school, legal_forename="Wes", legal_surname="Watts")
    MonitoringEntry.objects.create(
        pupil=watched,
        reason="Reading age",
        started_on=days(-60),
        review_date=days(-3),
        added_by=senco,
    )
    exams = PupilFactory(school=school, legal_forename="Ella", legal_surname="Exley", year_group=10)
    ExamArrangement.objects.create(
        pupil=exams, arrangement="reader", key_stage="KS4", evidence="Form 8",
        approved_on=days(-100), expires_on=days(10),
    )  # fmt: skip
    ihp = PupilFactory(school=school, legal_forename="Ian", legal_surname="Hale")
    MedicalCondition.objects.create(
        pupil=ihp, condition="Epilepsy", has_ihp=True, ihp_review_date=days(40)
    )
    lac = PupilFactory(
        school=school, legal_forename="Lara", legal_surname="Lake", looked_after=True
    )
    LookedAfterRecord.objects.create(
        pupil=lac, responsible_authority="Bristol City Council", pep_review_date=days(14)
    )
    ehc = PupilFactory(school=school, legal_forename="Maisie", legal_surname="Young")
    record(ehc, senco, "request", days(-50), requested_by="school")  # decision due days(-8)
    # Left the school: nothing of theirs is listed.
    gone = PupilFactory(
        school=school, legal_forename="Gus", legal_surname="Gone", leaving_date=days(-1)
    )
    MonitoringEntry.objects.create(
        pupil=gone, reason="x", started_on=days(-60), review_date=days(1), added_by=senco
    )
    return {"watched": watched, "exams": exams, "ihp": ihp, "lac": lac, "ehc": ehc, "gone": gone}
