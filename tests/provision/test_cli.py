"""``sendreg provision costs`` and ``sendreg provision impact``: the public JSON shapes."""

from __future__ import annotations

import json

import pytest

from sendreg import cli
from sendreg.accounts.models import School
from tests.provision.conftest import Map

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_today")]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_costs_json_most_expensive_first(
    capsys: pytest.CaptureFixture[str], provision: Map, school: School
) -> None:
    code, out, _ = run(capsys, "provision", "costs", "--school", school.urn, "--json")
    assert code == 0
    assert json.loads(out) == [
        {
            "upn": provision.amy.upn, "name": "Amy Adams", "status": "E", "cost": "9489.25",
            "over_threshold": True,
            "runs": [
                {"intervention": "One-to-one support", "cost": "9405.00"},
                {"intervention": "Precision teaching", "cost": "84.25"},
            ],
        },
        {
            "upn": provision.ben.upn, "name": "Ben Brown", "status": "K", "cost": "84.25",
            "over_threshold": False,
            "runs": [{"intervention": "Precision teaching", "cost": "84.25"}],
        },
        {
            "upn": provision.taught_talk.pupil.upn, "name": "Teddy Barnes", "status": "N",
            "cost": "59.50", "over_threshold": False,
            "runs": [{"intervention": "Talk Boost", "cost": "59.50"}],
        },
    ]  # fmt: skip


def test_costs_for_another_year_and_as_text(
    capsys: pytest.CaptureFixture[str], provision: Map, school: School
) -> None:
    code, out, _ = run(capsys, "provision", "costs", "--school", school.urn, "--year", "2024",
                       "--json")  # fmt: skip
    assert (code, json.loads(out)) == (0, [])
    code, out, _ = run(capsys, "provision", "costs", "--school", school.urn)
    assert code == 0
    assert "school year 2025/26: 3 pupils with costed provision; top-up threshold £6,000.00" in out
    assert "£9,489.25  ABOVE THRESHOLD" in out
    assert out.rstrip().endswith("1 pupil above the threshold.")


def test_impact_json(capsys: pytest.CaptureFixture[str], provision: Map, school: School) -> None:
    code, out, _ = run(capsys, "provision", "impact", "--school", school.urn, "--json")
    assert code == 0
    found = {r["intervention"]: r for r in json.loads(out)}
    assert list(found) == ["One-to-one support", "Precision teaching", "Talk Boost"]
    assert found["Precision teaching"] == {
        "intervention": "Precision teaching", "need": "SPLD", "pupils": 2,
        "pupils_with_scores": 1, "mean_gain": "6.00", "sd_gain": None, "effect_size": None,
        "met_target": "1.00", "cost_per_pupil": "84.25",
    }  # fmt: skip
    assert found["One-to-one support"]["need"] == "Cognition and learning"
    assert found["Talk Boost"]["mean_gain"] is None
    code, out, _ = run(capsys, "provision", "impact", "--school", school.urn)
    assert "Precision teaching: 2 pupils, 1 with both scores; mean gain 6.00; effect size " \
        "not enough scores; cost per pupil £84.25" in out  # fmt: skip


def test_a_school_is_needed_when_there_are_two(
    capsys: pytest.CaptureFixture[str], provision: Map
) -> None:
    code, _, err = run(capsys, "provision", "costs", "--json")
    assert code == 2
    assert "more than one school" in err


def test_a_year_that_is_not_a_school_year(
    capsys: pytest.CaptureFixture[str], provision: Map, school: School
) -> None:
    code, _, err = run(capsys, "provision", "costs", "--school", school.urn, "--year", "25")
    assert code == 2
    assert "--year 25 is not a school year" in err
