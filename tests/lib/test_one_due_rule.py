"""Every "due" and "due soon" in sendreg is one rule: ``lib.dates.due_status``.

A review, an expiry, an EHC step, a plan review and a record pack's acknowledgement all
fall due soon on the same day before their date and overdue on the same day after it,
whichever page, list or email shows them.
"""

from __future__ import annotations

import datetime as dt

import pytest

from sendreg.deadlines import rules as deadline_rules
from sendreg.lib.dates import DUE_SOON_DAYS, DueStatus, due_status
from sendreg.records import rules as records_rules
from sendreg.support import rules as support_rules
from sendreg.transfer import rules as transfer_rules

TODAY = dt.date(2026, 3, 2)  # a Monday
OFFSETS = range(-3, DUE_SOON_DAYS + 30)


@pytest.mark.parametrize("offset", OFFSETS)
def test_a_review_on_the_other_registers_is_due_by_the_one_rule(offset: int) -> None:
    due = TODAY + dt.timedelta(days=offset)
    review = records_rules.review_status(due=due, today=TODAY)
    assert (
        review.value
        == {
            DueStatus.OVERDUE: "overdue",
            DueStatus.DUE_SOON: "due_soon",
            DueStatus.UPCOMING: "not_due",
        }[due_status(due, today=TODAY)]
    )


@pytest.mark.parametrize("offset", OFFSETS)
def test_an_exam_arrangement_expires_soon_by_the_one_rule(offset: int) -> None:
    expires = TODAY + dt.timedelta(days=offset)
    arrangement = records_rules.arrangement_status(
        key_stage=records_rules.KeyStage.KS4,
        approved_on=TODAY - dt.timedelta(days=400),
        expires_on=expires,
        pupil_year=10,
        today=TODAY,
    )
    expected = due_status(expires, today=TODAY)
    assert arrangement.expiring == (expected == DueStatus.DUE_SOON)
    assert (not arrangement.in_force) == (expected == DueStatus.OVERDUE)


@pytest.mark.parametrize("offset", OFFSETS)
@pytest.mark.parametrize("done", [False, True])
def test_the_deadline_list_and_support_plans_use_the_one_rule(offset: int, done: bool) -> None:
    due = TODAY + dt.timedelta(days=offset)
    expected = due_status(due, today=TODAY, done=done)
    assert deadline_rules.deadline_status(due=due, today=TODAY, done=done) == expected
    assert support_rules.deadline_status(due=due, today=TODAY, done=done) == expected


def test_there_is_one_status_and_one_window() -> None:
    assert deadline_rules.DeadlineStatus is DueStatus
    assert support_rules.DeadlineStatus is DueStatus
    assert deadline_rules.SOON_DAYS == records_rules.SOON_DAYS == DUE_SOON_DAYS


@pytest.mark.parametrize("offset", range(0, 30))
def test_a_record_pack_acknowledgement_is_due_by_the_one_rule(offset: int) -> None:
    sent = TODAY - dt.timedelta(days=offset)
    status = transfer_rules.acknowledgement_status(sent_on=sent, acknowledged_on=None, today=TODAY)
    due = transfer_rules.acknowledgement_due(sent)
    assert status.value == due_status(due, today=TODAY).value
