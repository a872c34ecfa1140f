"""A looked-after pupil whose carer's address is protected, and a pupil of another school."""

from __future__ import annotations

import datetime as dt

import pytest

from sendreg.accounts.models import School, User
from sendreg.pupils.models import Pupil
from sendreg.register.models import ParentNotification
from tests.conftest import TODAY, put_on_register
from tests.factories import ContactFactory, PupilFactory

#: Distinctive enough that finding any part of it anywhere means it leaked.
SECRET_STREET = "17 Secret Lane"
SECRET_ADDRESS = f"{SECRET_STREET}\nHiddenton\nHD1 7SQ"
OPEN_STREET = "2 Open Road"
OTHER_SCHOOL_PUPIL = ("Otto", "Elsewhere")


@pytest.fixture
def lac_pupil(school: School, senco: User, on_today: object) -> Pupil:
    """Lacey Hart: looked after, on SEN support, with a foster carer whose address is protected,
    a birth mother whose address is not, and a grandparent without parental responsibility."""
    pupil = PupilFactory(
        school=school, legal_forename="Lacey", legal_surname="Hart", looked_after=True
    )
    ContactFactory(
        pupil=pupil,
        name="Jo Carer",
        relationship="Foster carer",
        parental_responsibility=True,
        address=SECRET_ADDRESS,
        address_protected=True,
    )
    ContactFactory(
        pupil=pupil,
        name="Dana Hart",
        relationship="Mother",
        parental_responsibility=True,
        address=f"{OPEN_STREET}\nBristol\nBS2 2QR",
    )
    ContactFactory(
        pupil=pupil,
        name="Grace Hart",
        relationship="Grandmother",
        parental_responsibility=False,
        address="5 Gran Street\nBath",
    )
    # A week before TODAY, so that a change on TODAY is a second change, not a same-day undo.
    return put_on_register(pupil, by=senco, needs=("SEMH", "SLCN"), on=TODAY - dt.timedelta(days=7))


@pytest.fixture
def lac_notification(lac_pupil: Pupil) -> ParentNotification:
    return lac_pupil.notifications.get()


@pytest.fixture
def elsewhere(other_school: School, outsider: User, on_today: object) -> Pupil:
    """A pupil on the register of the other school, with a contact of their own."""
    forename, surname = OTHER_SCHOOL_PUPIL
    pupil = PupilFactory(school=other_school, legal_forename=forename, legal_surname=surname)
    ContactFactory(pupil=pupil, name="Olive Elsewhere", address="9 Far Away Road\nLeeds")
    return put_on_register(pupil, by=outsider, needs=("ASD",))
