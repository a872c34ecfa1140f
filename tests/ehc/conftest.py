"""People and records the EHC tests share."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from sendreg.accounts.models import School, User
from sendreg.accounts.permissions import Role
from sendreg.ehc.models import EhcEvent
from sendreg.ehc.services import ehc_event_record
from sendreg.pupils.models import Pupil
from tests.conftest import TODAY
from tests.factories import MembershipFactory, UserFactory


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


def record(
    pupil: Pupil,
    by: User | None,
    kind: str,
    on: str | dt.date,
    today: dt.date = TODAY,
    **details: Any,
) -> EhcEvent:
    """Record one event through the service, as the pages do."""
    day = dt.date.fromisoformat(on) if isinstance(on, str) else on
    for name, value in list(details.items()):
        if name == "meeting_on" and isinstance(value, str):
            details[name] = dt.date.fromisoformat(value)
    return ehc_event_record(pupil=pupil, kind=kind, on=day, by=by, today=today, details=details)


@pytest.fixture
def planned(pupil: Pupil, senco: User) -> Pupil:
    """A pupil whose plan was issued on 3 March 2025 after a request in October 2024."""
    record(pupil, senco, "request", "2024-10-14", requested_by="school")
    record(pupil, senco, "assessment_agreed", "2024-11-20")
    record(pupil, senco, "draft_issued", "2025-02-01")
    record(pupil, senco, "draft_response", "2025-02-12", notes="Happy to be named.")
    record(pupil, senco, "plan_issued", "2025-03-03", local_authority="Bristol City Council",
           named_school="Oakfield Academy", sections=["A", "B", "E", "F", "I"])  # fmt: skip
    return pupil
