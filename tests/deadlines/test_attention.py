"""A source's ``attention`` (what the home panel and the weekly email read) yields the same
overdue and due-soon deadlines as filtering its whole list by ``rules.needs_attention``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sendreg.accounts.models import School, User
from sendreg.deadlines import rules, selectors
from sendreg.lib.extensions import DEADLINE_SOURCES, Deadline
from sendreg.register.models import MonitoringEntry
from tests.conftest import TODAY, put_on_register
from tests.deadlines.conftest import days
from tests.factories import PupilFactory
from tests.support.conftest import open_plan

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def busy_school(school: School, senco: User, full_school: dict[str, Any]) -> School:
    """Every kind of the full school, with support plans, a pupil on the register with no plan,
    parents owed meetings and monitoring reviews spread over the year either side of TODAY."""
    for offset in range(-200, 201, 25):
        pupil = PupilFactory(school=school, legal_surname=f"Plan{offset + 200:03d}")
        put_on_register(pupil, by=senco, on=TODAY - dt.timedelta(days=300))
        open_plan(pupil, senco, opened_on=TODAY - dt.timedelta(days=300), review_date=days(offset))
    unplanned = PupilFactory(school=school, legal_surname="Noplan")
    put_on_register(unplanned, by=senco, status="E", on=TODAY - dt.timedelta(days=20))
    for offset in range(-60, 61, 7):
        watched = PupilFactory(school=school, legal_surname=f"Watch{offset + 60:03d}")
        MonitoringEntry.objects.create(
            pupil=watched,
            reason="Reading",
            started_on=TODAY - dt.timedelta(days=90),
            review_date=days(offset),
            added_by=senco,
        )
    return school


def _attention_of(deadlines: list[Deadline]) -> list[Deadline]:
    return rules.in_order(d for d in deadlines if rules.needs_attention(d))


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(offset=st.integers(min_value=-400, max_value=400))
def test_each_source_attention_is_its_list_filtered(busy_school: School, offset: int) -> None:
    day = TODAY + dt.timedelta(days=offset)
    asked = [source for source in DEADLINE_SOURCES if source.attention is not None]
    assert {source.key for source in asked} >= {"monitoring", "support"}
    for source in asked:
        assert source.attention is not None
        whole = list(source.collect(busy_school, day))
        assert _attention_of(list(source.attention(busy_school, day))) == _attention_of(whole), (
            source.key
        )
    assert selectors.attention(busy_school, day) == _attention_of(
        selectors.school_deadlines(busy_school, day)
    )


def test_the_panel_shows_overdue_and_due_soon_of_every_kind(busy_school: School) -> None:
    urgent = selectors.attention(busy_school, TODAY)
    kinds = {d.kind for d in urgent}
    assert {"monitoring_review", "plan_review", "exam_arrangement_expiry", "pep_review"} <= kinds
    assert all(d.status in ("overdue", "due_soon") for d in urgent)
