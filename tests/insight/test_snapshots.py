"""Snapshots: a copy of every pupil on roll, idempotent per school and day, and the analysis."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest

from sendreg import cli
from sendreg.accounts.models import School, User
from sendreg.audit.models import AuditEvent
from sendreg.insight import selectors, services
from sendreg.insight.models import Snapshot, SnapshotPupil
from sendreg.register.services import monitoring_start
from tests.conftest import TODAY, put_on_register
from tests.factories import PupilFactory

pytestmark = [pytest.mark.django_db]


@pytest.fixture
def roll(school: School, senco: User) -> dict[str, Any]:
    """Four pupils on roll (E, K with NSA, monitoring, none) and one who has left."""
    e = PupilFactory(school=school, gender="M", attendance=Decimal("95.5"))
    k = PupilFactory(school=school, attendance=Decimal("90.00"), pupil_premium=True)
    watched = PupilFactory(school=school, attendance=Decimal("88"))
    none = PupilFactory(school=school, attendance=Decimal("97"))
    left = PupilFactory(school=school, leaving_date=dt.date(2025, 9, 1))
    put_on_register(e, by=senco, status="E", needs=("ASD", "SLCN"), on=dt.date(2025, 9, 3))
    put_on_register(k, by=senco, status="K", needs=("NSA",), on=dt.date(2025, 4, 1),
                    today=dt.date(2025, 4, 1))  # fmt: skip
    monitoring_start(
        pupil=watched, reason="Slow reading", on=dt.date(2025, 10, 1),
        review_date=dt.date(2025, 12, 1), by=senco,
    )  # fmt: skip
    return {"e": e, "k": k, "watched": watched, "none": none, "left": left}


def test_snapshot_copies_every_pupil_on_roll(school: School, senco: User, roll: Any) -> None:
    snapshot = services.take_snapshot(school, TODAY, Snapshot.Reason.ON_DEMAND, senco)
    assert (snapshot.roll, snapshot.ehc, snapshot.sen_support, snapshot.monitoring) == (4, 1, 1, 1)
    rows = {r.upn: r for r in SnapshotPupil.objects.filter(snapshot=snapshot)}
    assert set(rows) == {roll[k].upn for k in ("e", "k", "watched", "none")}
    e = rows[roll["e"].upn]
    assert (e.status, e.primary_need, e.needs, e.gender) == ("E", "ASD", "ASD SLCN", "M")
    k = rows[roll["k"].upn]
    assert (k.status, k.nsa_since, k.open_plan) == ("K", dt.date(2025, 4, 1), False)
    assert rows[roll["watched"].upn].monitoring and rows[roll["watched"].upn].status == "N"
    assert snapshot.finding_counts["no_plan"] == 2
    assert snapshot.finding_counts["low_attendance_without_plan"] == 2
    assert snapshot.finding_counts["nsa_held_long"] == 1
    event = AuditEvent.objects.get(type="insight.snapshot_taken")
    assert event.new["roll"] == 4


def test_snapshot_is_idempotent_per_day(school: School, senco: User, roll: Any) -> None:
    first = services.take_snapshot(school, TODAY, Snapshot.Reason.CENSUS, senco)
    roll["none"].leaving_date = TODAY
    roll["none"].save()
    second = services.take_snapshot(school, TODAY, Snapshot.Reason.ON_DEMAND, senco)
    assert Snapshot.objects.filter(school=school).count() == 1
    assert not Snapshot.objects.filter(pk=first.pk).exists()
    # A census snapshot taken again stays a census snapshot.
    assert (second.roll, second.reason) == (3, Snapshot.Reason.CENSUS)
    assert SnapshotPupil.objects.filter(snapshot__school=school).count() == 3


def test_analysis_reads_the_snapshot_of_the_day(school: School, senco: User, roll: Any) -> None:
    services.take_snapshot(school, TODAY, Snapshot.Reason.ON_DEMAND, senco)
    PupilFactory(school=school)  # joins after the snapshot: not in the day's figures
    found = selectors.analysis(school, TODAY)
    assert found.snapshot is not None and found.roll == 4
    assert selectors.analysis(school, TODAY + dt.timedelta(days=1)).roll == 5


def test_analysis_without_a_snapshot_writes_nothing(school: School, roll: Any) -> None:
    found = selectors.analysis(school, TODAY)
    assert found.snapshot is None and found.roll == 4
    assert not Snapshot.objects.exists()


def test_insight_json_shape(
    school: School, roll: Any, capsys: pytest.CaptureFixture[str], time_machine: Any
) -> None:
    code = cli.main(["insight", "--school", school.urn, "--date", TODAY.isoformat(), "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert set(data) == {
        "roll", "e", "k", "e_pct", "k_pct", "sen_pct", "national", "primary_needs",
        "attendance", "findings",
    }  # fmt: skip
    assert (data["roll"], data["e"], data["k"]) == (4, 1, 1)
    assert (data["e_pct"], data["k_pct"], data["sen_pct"]) == (25.0, 25.0, 50.0)
    assert set(data["national"]) == {"year", "phase", "e_pct", "k_pct", "sen_pct"}
    assert data["primary_needs"] == [
        {"code": "ASD", "count": 1, "pct": 50.0, "national_pct": None},
        {"code": "NSA", "count": 1, "pct": 50.0, "national_pct": None},
    ]
    assert data["attendance"]["k"] == {
        "pupils": 1, "measured": 1, "average": 90.0, "persistently_absent": 1,
        "persistently_absent_pct": 100.0,
    }  # fmt: skip
    assert data["attendance"]["no_sen"]["persistently_absent"] == 0
    keys = {f["key"] for f in data["findings"]}
    assert {"no_plan", "low_attendance_without_plan", "nsa_held_long"} <= keys
    assert set(data["findings"][0]) == {"key", "severity", "title", "detail", "upns", "codes"}


def test_snapshot_command_and_census_day(
    school: School, roll: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["snapshot", "--date", "2025-11-12", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["roll"] == 4
    assert cli.main(["snapshot", "--if-census-day", "--date", "2025-11-13"]) == 0
    assert "not a census day" in capsys.readouterr().out
    # The spring census 2026 is the third Thursday of January.
    assert cli.main(["snapshot", "--if-census-day", "--date", "2026-01-15", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["reason"] == "census"
    assert Snapshot.objects.count() == 2


def _grow(school: School, senco: User, count: int) -> None:
    for n, pupil in enumerate(PupilFactory.create_batch(count, school=school)):
        if n % 3 == 0:
            put_on_register(pupil, by=senco, status="K", needs=("SPLD",), on=dt.date(2025, 9, 3))


def test_analysis_queries_do_not_grow_with_the_pupils(
    school: School, senco: User, roll: Any, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(40) as small:
        selectors.analysis(school, TODAY)
    _grow(school, senco, 30)
    with django_assert_max_num_queries(len(small.captured_queries)):
        selectors.analysis(school, TODAY)
    services.take_snapshot(school, TODAY, Snapshot.Reason.ON_DEMAND, senco)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert selectors.analysis(school, TODAY).snapshot is not None


def test_insight_as_text(school: School, roll: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["insight", "--date", TODAY.isoformat()]) == 0
    out = capsys.readouterr().out
    assert "from the live register" in out
    assert "On roll 4; EHC plan (E) 1 (25.0%); SEN support (K) 1 (25.0%)" in out
    assert "[Act now]" in out and roll["k"].upn in out
    assert cli.main(["insight", "--date", "15/01/2026"]) == 2
    assert "is not a date like 2026-01-15" in capsys.readouterr().err


def test_national_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["national", "list", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert {"year": 2025, "area": "England", "phase": "all"}.items() <= figures[1].items()
