"""The demo school's provision map looks like a real one."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sendreg.accounts.models import School
from sendreg.demo import demo_fill
from sendreg.provision import rules, selectors
from sendreg.provision.models import Intervention, Run, TrainingRecord
from tests.conftest import TODAY

# What the demo holds is decided in Python: checked on the first (SQLite) pass only.
pytestmark = [pytest.mark.django_db, pytest.mark.one_pass]


def test_the_demo_has_a_realistic_provision_map() -> None:
    demo_fill(pupils=500, today=TODAY)
    school = School.objects.get()
    assert 24 <= Intervention.objects.filter(school=school).count() <= 27
    assert {i.wave for i in Intervention.objects.all()} == {1, 2, 3}
    # Three terms: runs start in at least three different terms' worth of months.
    starts = {run.start_date.month for run in Run.objects.exclude(weeks__gte=36)}
    assert len(starts) >= 3
    costs = selectors.pupil_costs(school, year=rules.school_year_of(TODAY), today=TODAY)
    over = [c for c in costs if c.over_threshold]
    assert 3 <= len(over) < len(costs) / 2
    impact = {r.intervention.name: r.impact for r in selectors.impact_rows(school)}
    works = impact["Precision teaching (reading)"]
    fails = impact["Reading comprehension booster (old scheme)"]
    assert works.effect_size is not None and works.effect_size >= Decimal(1)
    assert fails.effect_size is not None and fails.effect_size < Decimal("0.2")
    assert TrainingRecord.objects.filter(school=school).count() >= 8
    unmeasured = selectors.unmeasured_interventions(school, today=TODAY)
    assert "Anger management group" in [i.name for i in unmeasured]


def test_a_tiny_demo_school_still_fills() -> None:
    demo_fill(pupils=60)
    assert Intervention.objects.count() >= 24
