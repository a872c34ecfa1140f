"""A letter to parents gives the date of the next review or meeting (issue 7, point 7): the
open support plan's review, the EHC plan's annual review (arranged, or the date it is due
by), whichever comes first; only without one does it promise to write with the date."""

from __future__ import annotations

import datetime as dt

import pytest

from sendreg.accounts.models import User
from sendreg.documents import letters
from sendreg.documents.selectors import letter_template_for
from sendreg.pupils.models import Pupil
from sendreg.register.models import ParentNotification
from sendreg.register.rules import NotificationKind
from tests.conftest import TODAY, put_on_register
from tests.ehc.conftest import planned, record
from tests.support.conftest import open_plan

pytestmark = pytest.mark.usefixtures("on_today")
__all__ = ["planned"]  # the EHC tests' fixture, used here too


def letter_text(notification: ParentNotification, by: User) -> str:
    template = letter_template_for(notification.pupil.school, NotificationKind(notification.kind))
    [letter] = letters.letters_for(notification, template, by=by, today=TODAY)
    return "\n".join(line for paragraph in letter.paragraphs for line in paragraph)


def latest_notification(pupil: Pupil) -> ParentNotification:
    return pupil.notifications.order_by("-pk").first()  # type: ignore[return-value]


def test_without_a_meeting_in_sendreg_the_letter_promises_to_write_with_the_date(
    pupil: Pupil, senco: User
) -> None:
    put_on_register(pupil, by=senco)
    text = letter_text(latest_notification(pupil), senco)
    assert letters.NEXT_REVIEW_TO_COME.format(forename=pupil.forename) in text


def test_a_support_plan_s_review_is_the_next_meeting(pupil: Pupil, senco: User) -> None:
    put_on_register(pupil, by=senco, on=TODAY - dt.timedelta(days=30))
    open_plan(pupil, senco, review_date=dt.date(2026, 2, 9))
    put_on_register(pupil, by=senco, needs=("SEMH", "SLCN"))  # needs changed today: a letter

    text = letter_text(latest_notification(pupil), senco)

    assert (
        f"The next meeting about {pupil.forename}'s support is the review of their support "
        "plan, on 9 February 2026." in text
    )
    assert "We will write to you with the date" not in text


def test_an_ehc_plan_s_annual_review_arranged_or_due(planned: Pupil, senco: User) -> None:
    pupil = planned  # the plan issued on 3 March 2025
    put_on_register(pupil, by=senco, status="E", needs=("ASD",))
    notification = latest_notification(pupil)

    # Not arranged yet: the date the law says it is due by, 12 months from the plan.
    assert (
        f"The next meeting about {pupil.forename}'s support is the annual review of their EHC "
        "plan, due by 3 March 2026; we will write to you with the day."
        in letter_text(notification, senco)
    )
    record(pupil, senco, "review_scheduled", TODAY, meeting_on="2026-01-20")
    assert (
        f"The next meeting about {pupil.forename}'s support is the annual review of their EHC "
        "plan, on 20 January 2026." in letter_text(notification, senco)
    )
    # A support plan reviewed sooner comes first.
    open_plan(pupil, senco, review_date=dt.date(2025, 12, 1))
    assert "the review of their support plan, on 1 December 2025." in letter_text(
        notification, senco
    )


def test_a_meeting_already_past_is_not_the_next(pupil: Pupil, senco: User) -> None:
    put_on_register(pupil, by=senco, on=TODAY - dt.timedelta(days=90))
    open_plan(pupil, senco, opened_on=TODAY - dt.timedelta(days=80),
              review_date=TODAY - dt.timedelta(days=1))  # fmt: skip
    put_on_register(pupil, by=senco, needs=("SEMH", "SLCN"))

    text = letter_text(latest_notification(pupil), senco)

    assert letters.NEXT_REVIEW_TO_COME.format(forename=pupil.forename) in text
