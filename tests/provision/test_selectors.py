"""Reads of the provision map: the figures pages, exports and the command line share."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sendreg.accounts.models import Membership, School, User
from sendreg.provision import selectors
from sendreg.provision.models import Enrolment
from tests.conftest import TODAY, register_in_bulk
from tests.factories import PupilFactory
from tests.provision.conftest import Map
from tests.provision.factories import (
    EnrolmentFactory,
    InterventionFactory,
    RunFactory,
    TrainingRecordFactory,
)

D = Decimal
pytestmark = pytest.mark.django_db
YEAR = 2025


def member(user: User) -> Membership:
    return user.memberships.get()


def test_pupil_costs_most_expensive_first_with_their_runs(provision: Map, school: School) -> None:
    costs = selectors.pupil_costs(school, year=YEAR, today=TODAY)
    assert [(c.name, c.cost, c.over_threshold) for c in costs] == [
        # One-to-one: 16.50 × 5 × 180 ÷ 60 × 38 = 9,405.00; precision teaching 84.25.
        ("Amy Adams", D("9489.25"), True),
        ("Ben Brown", D("84.25"), False),
        # Talk Boost, a group of six: 16.50 × 3 × 30 ÷ 60 × 12 ÷ 6 + 10 = 59.50.
        ("Teddy Barnes", D("59.50"), False),
    ]
    amy = costs[0]
    assert amy.status == "E" and amy.needs == ("SPLD",)
    assert amy.hours == D("588.00")  # 570 + 18
    assert json.loads(json.dumps(amy.as_json())) == {
        "upn": provision.amy.upn,
        "name": "Amy Adams",
        "status": "E",
        "cost": "9489.25",
        "over_threshold": True,
        "runs": [
            {"intervention": "One-to-one support", "cost": "9405.00"},
            {"intervention": "Precision teaching", "cost": "84.25"},
        ],
    }
    # A pupil with provision who is not on the register carries N ("No SEN").
    assert costs[2].status == "N"


def test_a_pupil_at_exactly_the_threshold_is_not_a_candidate(school: School) -> None:
    # Two runs in the year: 3,800.00 + 2,200.00 = 6,000.00 exactly.
    pupil = PupilFactory(school=school)
    for rate, weeks in ((D(20), 38), (D(20), 22)):
        run = RunFactory(
            intervention=InterventionFactory(school=school, group_size=1), group_size=1,
            sessions_per_week=D(5), minutes_per_session=60, weeks=weeks, hourly_rate=rate,
            resources_per_pupil=D(0),
        )  # fmt: skip
        EnrolmentFactory(run=run, pupil=pupil)
    [cost] = selectors.pupil_costs(school, year=YEAR, today=TODAY)
    assert cost.cost == D("6000.00")
    assert not cost.over_threshold
    assert selectors.topup_candidates(school, year=YEAR, today=TODAY) == []


def test_a_run_across_two_school_years_counts_in_each(school: School) -> None:
    pupil = PupilFactory(school=school)
    # 92 days, 62 of them in 2025/26; 16.50 × 1 × 60 ÷ 60 × 13 = 214.50.
    run = RunFactory(
        intervention=InterventionFactory(school=school), start_date=dt.date(2026, 7, 1),
        end_date=dt.date(2026, 9, 30), group_size=1, sessions_per_week=D(1),
        minutes_per_session=60, weeks=13, resources_per_pupil=D(0),
    )  # fmt: skip
    EnrolmentFactory(run=run, pupil=pupil)
    [first] = selectors.pupil_costs(school, year=2025, today=TODAY)
    [second] = selectors.pupil_costs(school, year=2026, today=TODAY)
    assert first.cost == D("144.55")  # 214.50 × 62 ÷ 92 = 144.554…
    assert second.cost == D("69.95")  # 214.50 × 30 ÷ 92 = 69.945…
    assert selectors.pupil_costs(school, year=2027, today=TODAY) == []
    assert selectors.years_with_provision(school, TODAY) == [2026, 2025]


@pytest.mark.parametrize("threshold", [D("0"), D("60"), D("84.25"), D("6000"), D("10000")])
def test_the_cost_summary_adds_up_as_pupil_costs_do(
    provision: Map, school: School, threshold: Decimal
) -> None:
    """The home panel's brief: the same pupils, total and candidates as ``pupil_costs``."""
    # A run across two school years counts only its part in each, in both reads.
    pupil = PupilFactory(school=school, legal_forename="Cara", legal_surname="Cole")
    run = RunFactory(
        intervention=InterventionFactory(school=school), start_date=dt.date(2026, 7, 1),
        end_date=dt.date(2026, 9, 30), group_size=1, sessions_per_week=D(1),
        minutes_per_session=60, weeks=13, resources_per_pupil=D(0),
    )  # fmt: skip
    EnrolmentFactory(run=run, pupil=pupil)
    costs = selectors.pupil_costs(school, year=YEAR, today=TODAY, threshold=threshold)
    with CaptureQueriesContext(connection) as queries:
        summary = selectors.cost_summary(school, year=YEAR, threshold=threshold)
    assert len(queries) <= 3
    assert summary.pupils == len(costs)
    assert summary.total == sum((c.cost for c in costs), D(0))
    assert [(c.pupil_id, c.name, c.cost, c.url) for c in summary.candidates] == [
        (c.pupil_id, c.name, c.cost, c.url) for c in costs if c.over_threshold
    ]


def test_the_cost_summary_of_a_year_without_provision(school: School) -> None:
    assert selectors.cost_summary(school, year=YEAR, threshold=D("6000")) == (
        selectors.CostSummary(pupils=0, total=D(0), candidates=[])
    )


def test_the_map_by_year_group_and_wave(provision: Map, school: School) -> None:
    found = selectors.provision_map(school, year=YEAR, today=TODAY)
    assert [line.label for line in found.lines] == ["Year 7", "Year 9"]
    year7 = found.lines[0]
    # Amy (wave 2 reading, wave 3 support) and Teddy (wave 2 Talk Boost) are in Year 7.
    assert [c.pupils for c in year7.cells] == [0, 2, 1]
    assert year7.cells[1].cost == D("143.75")  # 84.25 + 59.50
    assert year7.cells[2].cost == D("9405.00")
    assert (year7.total.pupils, year7.total.cost) == (2, D("9548.75"))
    assert (found.totals.total.pupils, found.totals.total.cost) == (3, D("9633.00"))
    assert found.totals.total.hours == D("624.00")  # 18 + 18 + 18 + 570
    assert [(i.name, i.runs, i.cell.pupils) for i in found.interventions] == [
        ("Precision teaching", 1, 2), ("Talk Boost", 1, 1), ("One-to-one support", 1, 1),
    ]  # fmt: skip
    # Another school's provision is never in it.
    assert all(r.pupil_id != provision.other_enrolment.pupil_id for r in found.rows)


def test_the_map_filtered_by_need_or_broad_area(provision: Map, school: School) -> None:
    spld = selectors.provision_map(school, year=YEAR, need="SPLD", today=TODAY)
    assert {r.pupil_id for r in spld.rows} == {provision.amy.pk}
    communication = selectors.provision_map(school, year=YEAR, need="communication", today=TODAY)
    assert {r.pupil_id for r in communication.rows} == {provision.ben.pk}


def test_totals_for_roles_that_see_no_names_hide_small_groups(
    provision: Map, school: School
) -> None:
    found = selectors.provision_map(school, year=YEAR, today=TODAY, suppress=True)
    assert found.rows == [] and found.needs == {}
    assert found.totals.total.suppressed  # three pupils
    assert all(c.suppressed or not c.pupils for line in found.lines for c in line.cells)


def test_needs_against_provision_marks_needs_with_no_provision_running(
    provision: Map, school: School, senco: User
) -> None:
    from tests.conftest import put_on_register

    cara = PupilFactory(school=school, legal_forename="Cara")
    put_on_register(
        cara, by=senco, needs=("HI",), on=dt.date(2025, 9, 4), today=dt.date(2025, 9, 4)
    )
    lines = {
        line.code: line
        for line in selectors.needs_against_provision(school, year=YEAR, today=TODAY)
    }
    assert set(lines) == {"SPLD", "SLCN", "HI"}
    assert [i.name for i in lines["SPLD"].interventions] == [
        "One-to-one support",
        "Precision teaching",
    ]
    assert lines["SPLD"].pupils_with_provision == 1 and not lines["SPLD"].gap
    assert [i.name for i in lines["SLCN"].running] == ["Talk Boost"]
    assert lines["HI"].gap and lines["HI"].interventions == ()


def test_impact_of_each_intervention(provision: Map, school: School) -> None:
    rows = {r.intervention.name: r for r in selectors.impact_rows(school)}
    reading = rows["Precision teaching"]
    assert (reading.runs, reading.impact.pupils, reading.impact.pupils_with_scores) == (1, 2, 1)
    assert reading.impact.mean_gain == D("6.00")
    assert reading.as_json() == {
        "intervention": "Precision teaching",
        "need": "SPLD",
        "pupils": 2,
        "pupils_with_scores": 1,
        "mean_gain": "6.00",
        "sd_gain": None,
        "effect_size": None,
        "met_target": "1.00",
        "cost_per_pupil": "84.25",
    }
    assert rows["One-to-one support"].as_json()["need"] == "Cognition and learning"
    compared = selectors.impact_rows(school, need="MLD")
    assert [r.intervention.name for r in compared] == ["One-to-one support"]


def test_what_a_teacher_may_see_of_runs(
    provision: Map, teacher: User, ta: User, senco: User
) -> None:
    assert set(selectors.runs_visible_to(member(teacher))) == {
        provision.reading_run, provision.talk_run,
    }  # fmt: skip
    assert set(selectors.runs_visible_to(member(ta))) == {provision.talk_run}
    assert selectors.runs_visible_to(member(senco)).count() == 3
    rows = selectors.run_rows_for(member(ta), provision.talk_run)
    assert [r.name for r in rows] == ["Teddy Barnes"]


def test_a_pupils_provision_for_their_plan(provision: Map) -> None:
    found = selectors.pupil_provision(provision.amy, year=YEAR)
    assert [r.intervention for r in found.rows] == ["One-to-one support", "Precision teaching"]
    assert (found.hours, found.cost, found.over_threshold) == (D("588.00"), D("9489.25"), True)
    assert found.year_label == "2025/26"
    assert selectors.pupil_provision(provision.amy, year=2026).rows == ()


def test_a_pupils_history_in_one_query(provision: Map, django_assert_num_queries: object) -> None:
    old = RunFactory(
        intervention=provision.reading,
        start_date=dt.date(2025, 1, 6),
        end_date=dt.date(2025, 3, 28),
    )
    EnrolmentFactory(run=old, pupil=provision.amy)
    with django_assert_num_queries(1):  # type: ignore[operator]
        current, earlier = selectors.pupil_provision_history(
            provision.amy, year=YEAR, with_threshold=True
        )
    assert len(current.rows) == 2
    assert [r.run_start for r in earlier] == [dt.date(2025, 1, 6)]


def test_a_pupils_whole_record_is_json(provision: Map) -> None:
    record = selectors.pupil_record(provision.amy)
    assert json.loads(json.dumps(record)) == record
    reading = next(e for e in record["enrolments"] if e["intervention"] == "Precision teaching")
    assert reading["entry_score"] == "80.00" and reading["gain"] == "6.00"
    assert reading["cost"] == "84.25" and reading["staff"] == ["Teacher"]


def test_training_by_need_area_beside_the_needs_on_the_register(
    provision: Map, school: School, teacher: User
) -> None:
    TrainingRecordFactory(school=school, user=teacher, name="", level="specialist")
    TrainingRecordFactory(school=school, name="Visitor", need_area="cognition")
    summary = {a.need_area: a for a in selectors.training_summary(school, today=TODAY)}
    spld = summary["SPLD"]
    assert (spld.awareness, spld.specialist, spld.people, spld.pupils) == (1, 1, 1, 1)
    assert summary["cognition"].pupils == 1  # Amy's SPLD is in cognition and learning
    assert summary["cognition"].label == "Cognition and learning"


def test_interventions_with_no_measured_impact(provision: Map, school: School) -> None:
    # Every run in the fixture ends on 12 December 2025 or later.
    assert selectors.unmeasured_interventions(school, today=TODAY) == []
    later = dt.date(2025, 12, 13)
    assert [i.name for i in selectors.unmeasured_interventions(school, today=later)] == [
        "Talk Boost"
    ]


@pytest.mark.parametrize("size", [10, 60])
def test_the_map_and_costs_take_the_same_queries_however_many_pupils(
    school: School, size: int
) -> None:
    pupils = register_in_bulk(school, size)
    run = RunFactory(intervention=InterventionFactory(school=school))
    Enrolment.objects.bulk_create(
        Enrolment(run=run, pupil=p, start_date=run.start_date, end_date=run.end_date)
        for p in pupils
    )
    with CaptureQueriesContext(connection) as queries:
        selectors.provision_map(school, year=YEAR, need="SEMH", today=TODAY)
        selectors.pupil_costs(school, year=YEAR, today=TODAY)
    assert len(queries) == 8
