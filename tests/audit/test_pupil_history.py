"""A pupil's page shows the latest of their history; the audit trail, filtered, has all of it."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from sendreg.accounts.models import School, User
from sendreg.audit.models import AuditEvent
from sendreg.audit.selectors import PUPIL_PAGE_EVENTS
from sendreg.audit.services import audit_record
from sendreg.pupils.models import Pupil
from tests.conftest import TODAY_NOON
from tests.factories import PupilFactory

pytestmark = pytest.mark.django_db

Login = Callable[[User], Client]
EVENT = re.compile(r"Parents told of a register change")


def letters_sent(pupil: Pupil, by: User, count: int, time_machine: Any) -> None:
    """``count`` events about ``pupil``, a minute apart, the reason numbering them from 1."""
    for n in range(1, count + 1):
        time_machine.move_to(TODAY_NOON + dt.timedelta(minutes=n), tick=False)
        audit_record(
            type=AuditEvent.Type.NOTIFICATION_SENT,
            school_id=pupil.school_id,
            target=pupil,
            by=by,
            pupil=pupil,
            reason=f"Letter number {n}.",
        )


def test_a_long_history_shows_the_latest_and_links_to_the_whole_of_it(
    pupil: Pupil, senco: User, login: Login, time_machine: Any
) -> None:
    letters_sent(pupil, senco, PUPIL_PAGE_EVENTS + 5, time_machine)

    html = login(senco).get(f"/pupils/{pupil.pk}/").content.decode()

    assert len(EVENT.findall(html)) == PUPIL_PAGE_EVENTS
    assert f"Letter number {PUPIL_PAGE_EVENTS + 5}." in html  # the newest
    assert "Letter number 5." not in html  # older than the latest twenty
    assert f"The latest {PUPIL_PAGE_EVENTS} changes to Maisie Young" in html
    assert f'href="/audit/?pupil_id={pupil.pk}"' in html


def test_a_short_history_is_shown_whole_with_no_link(
    pupil: Pupil, senco: User, login: Login, time_machine: Any
) -> None:
    letters_sent(pupil, senco, 3, time_machine)

    html = login(senco).get(f"/pupils/{pupil.pk}/").content.decode()

    assert len(EVENT.findall(html)) == 3
    assert "pupil_id=" not in html
    assert "changes to Maisie Young" not in html


def test_the_audit_trail_filtered_to_one_pupil_has_every_event_of_theirs_only(
    pupil: Pupil, school: School, senco: User, login: Login, time_machine: Any
) -> None:
    letters_sent(pupil, senco, PUPIL_PAGE_EVENTS + 5, time_machine)
    namesake = PupilFactory(school=school, legal_forename="Maisie", legal_surname="Young")
    letters_sent(namesake, senco, 2, time_machine)

    html = login(senco).get(f"/audit/?pupil_id={pupil.pk}").content.decode()

    assert f"{PUPIL_PAGE_EVENTS + 5} events" in html
    assert "Letter number 1." in html
    assert "Showing the changes to Maisie Young's record only" in html
    # Changing another filter keeps to the pupil.
    assert f'type="hidden" name="pupil_id" value="{pupil.pk}"' in html


def test_another_schools_pupil_cannot_be_read_through_the_filter(
    pupil: Pupil, other_school: School, senco: User, login: Login, time_machine: Any
) -> None:
    elsewhere = PupilFactory(school=other_school, legal_forename="Ravi", legal_surname="Shah")
    letters_sent(elsewhere, senco, 2, time_machine)

    html = login(senco).get(f"/audit/?pupil_id={elsewhere.pk}").content.decode()

    assert "0 events" in html
    assert "Ravi" not in html


def test_the_link_opens_nothing_to_those_who_may_not_see_the_trail(
    pupil: Pupil, senco: User, teacher: User, login: Login, time_machine: Any
) -> None:
    letters_sent(pupil, senco, 2, time_machine)
    assert login(teacher).get(f"/audit/?pupil_id={pupil.pk}").status_code == 403
