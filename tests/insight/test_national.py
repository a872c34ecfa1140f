"""``sendreg national import``: regional or LA figures added beside England's, validated."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import override_settings

from sendreg import cli
from sendreg.accounts.models import School
from sendreg.insight.selectors import national_for
from sendreg.lib import national

pytestmark = pytest.mark.django_db


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    with override_settings(HOME=str(tmp_path)):
        national.all_figures.cache_clear()
        yield tmp_path
    national.all_figures.cache_clear()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_csv_adds_la_figures_and_replaces_on_reimport(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "leeds.csv"
    path.write_text(
        "year,area,phase,ehc_percent,support_percent,all_sen_percent,source\n"
        "2025,Leeds,primary,4.1,15.0%,19.1,Leeds LA\n"
        "2025,Leeds,all,4.5,,,Leeds LA\n"
    )
    code, out, _ = run(capsys, "national", "import", str(path))
    assert code == 0 and "2 new, 0 replaced" in out
    figure = national.latest_national("primary", area="Leeds")
    assert figure is not None and figure.support_percent == Decimal("15.0")
    # England's figures are still there.
    assert national.latest_national() is not None
    code, out, _ = run(capsys, "national", "import", str(path), "--json")
    assert json.loads(out)["replaced"] == 2
    stored = json.loads((home / "national_figures.json").read_text())
    assert len(stored["figures"]) == 2


def test_problems_name_the_row_and_field_and_nothing_is_saved(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "year,area,phase,ehc_percent\n"
        "25,Leeds,primary,4.1\n"
        "2025,,primary,4.1\n"
        "2025,Leeds,infant,4.1\n"
        "2025,Leeds,all,abc\n"
        "2025,Leeds,all,\n"
    )
    code, _, err = run(capsys, "national", "import", str(path))
    assert code == 2
    assert "Nothing was imported" in err
    assert "Row 2, year: '25' is not a year such as 2025." in err
    assert "Row 3, area: give the area" in err
    assert "Row 4, phase: 'infant' is not one of" in err
    assert "Row 5, ehc_percent: 'abc' is not a percentage from 0 to 100" in err
    assert "Row 6, ehc_percent: give at least one of" in err
    assert not (home / "national_figures.json").exists()


def test_json_file_and_missing_columns(home: Path, tmp_path: Path) -> None:
    entries, problems = national.parse_figures(
        json.dumps({"figures": [{"year": 2025, "area": "Kent", "all_sen_percent": 21}]})
    )
    assert problems == [] and entries[0]["phase"] == "all"
    assert national.parse_figures("area,phase\nKent,all\n", name="x.csv")[1] == [
        "x.csv: the first row must name the columns; missing year (the columns are year, area, "
        "phase, ehc_percent, support_percent, all_sen_percent, source)."
    ]
    assert "not valid JSON" in national.parse_figures("{nope")[1][0]
    dup = "year,area,ehc_percent\n2025,Kent,4\n2025,Kent,5\n"
    assert national.parse_figures(dup)[1] == ["Row 3: the same year, area and phase as Row 2."]


def test_the_school_is_compared_with_verified_figures_for_its_phase(school: School) -> None:
    school.phase = "PS"
    compared = national_for(school)
    assert compared is not None
    # The January 2026 figures are not yet checked: the 2025 ones are used, and the newer
    # release is named so that the page can say so.
    assert (compared.shares.year, compared.shares.phase) == (2025, "primary")
    assert compared.shares.sen_pct == Decimal("18.2")
    assert (compared.shares.e_pct, compared.ek_phase) == (Decimal("5.3"), "all")
    assert compared.newer_unverified is not None and compared.newer_unverified.year == 2026
    assert compared.shares.needs[("E", "ASD")] == Decimal("33.6")


def test_a_special_school_is_compared_with_special_schools_once_their_figures_are_added(
    home: Path, tmp_path: Path, school: School, capsys: pytest.CaptureFixture[str]
) -> None:
    school.phase = "SP"
    # The data file holds no figures for special schools: all schools, and said so.
    compared = national_for(school)
    assert compared is not None
    assert (compared.shares.phase, compared.ek_phase) == ("all", "all")
    assert compared.phase_not_held == "special schools"
    path = tmp_path / "special.csv"
    path.write_text(
        "year,area,phase,ehc_percent,support_percent,all_sen_percent,source,verified\n"
        "2025,England,special,98.0,1.5,99.5,DfE table checked by the LA,yes\n"
    )
    assert run(capsys, "national", "import", str(path))[0] == 0
    compared = national_for(school)
    assert compared is not None
    assert (compared.shares.phase, compared.ek_phase) == ("special", "special")
    assert (compared.shares.e_pct, compared.shares.k_pct) == (Decimal("98.0"), Decimal("1.5"))
    assert compared.phase_not_held == ""
    # A figure nobody has checked is listed but never compared with.
    path.write_text("year,area,phase,ehc_percent,source\n2025,England,special,50,a newspaper\n")
    assert run(capsys, "national", "import", str(path))[0] == 0
    compared = national_for(school)
    assert compared is not None and compared.shares.phase == "all"
