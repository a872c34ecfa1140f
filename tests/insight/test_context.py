"""What the findings read from the other apps: the provision's costs and the deadlines."""

from __future__ import annotations

import datetime as dt

import pytest

from sendreg.accounts.models import School, User
from sendreg.insight import selectors
from sendreg.provision import rules as provision_rules
from sendreg.provision.selectors import cost_totals, pupil_costs
from tests.conftest import TODAY, put_on_register
from tests.factories import PupilFactory
from tests.provision.conftest import Map, provision  # noqa: F401 - the fixture
from tests.support.conftest import open_plan

DAY = dt.timedelta(days=1)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_today")]


def test_cost_totals_are_pupil_costs_without_the_rows(provision: Map, school: School) -> None:  # noqa: F811
    year = provision_rules.school_year_of(TODAY)
    full = {c.upn: c.cost for c in pupil_costs(school, year=year, today=TODAY)}
    assert cost_totals(school, year=year) == full
    assert len(full) == 3


def test_over_threshold_finding_reads_the_provision_map(provision: Map, school: School) -> None:  # noqa: F811
    found = selectors.analysis(school, TODAY)
    over = found.finding("over_threshold")
    assert [f.upns for f in over] == [(provision.amy.upn,)]
    assert "£6,000.00" in over[0].title


def test_overdue_review_no_plan_and_parents_come_from_the_support_plans(
    school: School, senco: User
) -> None:
    overdue = put_on_register(PupilFactory(school=school), by=senco, on=TODAY - 200 * DAY)
    planned = put_on_register(PupilFactory(school=school), by=senco, on=TODAY - 200 * DAY)
    unplanned = put_on_register(PupilFactory(school=school), by=senco, on=TODAY - 200 * DAY)
    open_plan(overdue, senco, opened_on=TODAY - 90 * DAY, review_date=TODAY - 2 * DAY)
    open_plan(planned, senco)
    found = selectors.analysis(school, TODAY)
    assert [f.upns for f in found.finding("overdue_reviews")] == [(overdue.upn,)]
    assert found.finding("overdue_reviews")[0].codes == ("plan_review",)
    assert [f.upns for f in found.finding("no_plan")] == [(unplanned.upn,)]
    # No parent meeting has been recorded this term for any of the three.
    assert set(found.finding("parents_not_met")[0].upns) == {
        overdue.upn,
        planned.upn,
        unplanned.upn,
    }
