"""The demo school has census-day snapshots, so that its analysis shows trends."""

from __future__ import annotations

import pytest

from sendreg.accounts.models import School
from sendreg.demo import demo_fill
from sendreg.insight import selectors
from sendreg.insight.models import Snapshot
from tests.conftest import TODAY

# What the demo holds is decided in Python: checked on the first (SQLite) pass only.
pytestmark = [pytest.mark.django_db, pytest.mark.one_pass]


def test_the_demo_has_snapshots_on_past_census_days() -> None:
    demo_fill(pupils=120, today=TODAY)
    school = School.objects.get()
    snapshots = list(Snapshot.objects.filter(school=school).order_by("taken_on"))
    assert len(snapshots) == 6
    assert all(s.reason == "census" and s.taken_on < TODAY for s in snapshots)
    assert snapshots[-1].roll > 0
    found = selectors.analysis(school, TODAY)
    assert len(found.trends) == 6
    assert found.findings
