"""Trusts, local authorities and snapshots built by hand for the organisation tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pytest

from sendreg.accounts.models import (
    Organisation,
    OrganisationMembership,
    OrganisationSchool,
    School,
    User,
)
from sendreg.accounts.permissions import OrganisationRole
from sendreg.insight.models import Snapshot, SnapshotPupil
from tests.factories import UserFactory

DAY = dt.date(2026, 1, 15)


def take_snapshot(
    school: School,
    *,
    roll: int,
    pupils: Sequence[tuple[str, str]] = (),
    on: dt.date = DAY,
    findings: dict[str, int] | None = None,
) -> Snapshot:
    """A snapshot of ``roll`` pupils, of whom ``pupils`` (status, primary need) are E or K."""
    snapshot = Snapshot.objects.create(
        school=school,
        taken_on=on,
        reason=Snapshot.Reason.CENSUS,
        roll=roll,
        ehc=sum(1 for status, _ in pupils if status == "E"),
        sen_support=sum(1 for status, _ in pupils if status == "K"),
        finding_counts=findings or {},
    )
    rows = [
        SnapshotPupil(
            snapshot=snapshot,
            upn=f"A{school.urn}{i:06d}",
            birth_month=1 + i % 12,
            status=status,
            primary_need=need,
        )
        for i, (status, need) in enumerate(pupils)
    ]
    rows += [
        SnapshotPupil(snapshot=snapshot, upn=f"N{school.urn}{i:06d}", birth_month=1, status="N")
        for i in range(roll - len(pupils))
    ]
    SnapshotPupil.objects.bulk_create(rows)
    return snapshot


def organisation_of(
    name: str, schools: Sequence[School], *, kind: str = "trust", la_code: str = ""
) -> Organisation:
    organisation = Organisation.objects.create(name=name, kind=kind, la_code=la_code)
    for school in schools:
        OrganisationSchool.objects.create(organisation=organisation, school=school)
    return organisation


def org_member(organisation: Organisation, email: str, role: str = "adviser") -> User:
    user = UserFactory(email=email, name=email.split("@")[0].capitalize())
    OrganisationMembership.objects.create(user=user, organisation=organisation, role=role)
    return user


@pytest.fixture
def trust(school: School, other_school: School) -> Organisation:
    return organisation_of("Oak Learning Trust", [school, other_school])


@pytest.fixture
def trust_adviser(trust: Organisation) -> User:
    return org_member(trust, "adviser@trust.test", OrganisationRole.ADVISER)
