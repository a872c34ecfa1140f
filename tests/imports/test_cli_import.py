"""``sendreg import`` for MIS exports: another school's file, chosen leavers, problem codes."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from sendreg import cli
from sendreg.imports.models import ImportRun
from sendreg.pupils.models import Pupil
from sendreg.pupils.rules import make_upn
from sendreg.register import rules as register_rules

DATA = Path(__file__).resolve().parent.parent / "data"
SIMS = DATA / "sims_students.csv"


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(["import", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _roll(school, count: int) -> list[Pupil]:
    return [
        Pupil.objects.create(
            school=school, upn=make_upn(801, 2099, 21, n), legal_surname=f"Roll{n}",
            legal_forename="Pat", date_of_birth=dt.date(2012, 5, 1),
        )
        for n in range(count)
    ]  # fmt: skip


def test_another_schools_file_is_refused_unless_the_flag_says_it_is_ours(school, capsys) -> None:
    _roll(school, 30)

    code, out, err = _run(capsys, str(SIMS), "--json")
    assert code == 1
    refused = json.loads(out)["refused"]
    assert "only 0 of the 20 pupils in it are on roll at Oakfield Academy" in refused
    assert "--other-school-ok" in refused and "--other-school-ok" in err
    assert not ImportRun.objects.exists() and Pupil.objects.count() == 30

    code, out, _ = _run(capsys, str(SIMS), "--dry-run", "--json")
    assert code == 0 and json.loads(out)["other_school"] is True

    code, out, _ = _run(capsys, str(SIMS), "--other-school-ok", "--json")
    assert code == 0
    assert json.loads(out)["created"] == 20 and Pupil.objects.count() == 50


def test_leavers_are_marked_one_by_one_with_leaver(school, capsys) -> None:
    assert _run(capsys, str(SIMS))[0] == 0
    gone, stays = _roll(school, 2)

    code, out, _ = _run(capsys, str(SIMS), "--whole-roll", "--dry-run")
    assert code == 0
    assert "Mark the ones who have left with --leaver UPN" in out

    code, out, _ = _run(
        capsys, str(SIMS), "--whole-roll", "--leaver", gone.upn.lower(), "--left-on", "2025-10-31"
    )
    assert code == 0
    gone.refresh_from_db()
    stays.refresh_from_db()
    assert gone.leaving_date == dt.date(2025, 10, 31) and stays.leaving_date is None

    assert cli.main(["import", str(SIMS), "--whole-roll", "--leaver", "B801200005001"]) == 2
    assert "not a possible leaver" in capsys.readouterr().err


def test_every_error_and_warning_has_a_stable_code_and_the_rows_upn(school, capsys) -> None:
    code, out, _ = _run(capsys, str(DATA / "bad_rows.csv"), "--dry-run", "--json")
    assert code == 0
    summary = json.loads(out)
    problems = summary["errors"] + summary["warnings"]
    assert all(p["code"] for p in problems)
    by_row = {(p["row"], p["field"]): p for p in problems}
    assert by_row[(3, "upn")]["code"] == register_rules.RULE_UPN_MISSING
    assert by_row[(4, "upn")]["code"] == register_rules.RULE_UPN_CHECK_LETTER
    # A UPN that is no UPN names no pupil; the file's value is kept beside it.
    assert (by_row[(4, "upn")]["upn"], by_row[(4, "upn")]["value"]) == ("", "A801200024902")
    assert by_row[(6, "upn")]["code"] == register_rules.RULE_UPN_DUPLICATE
    assert by_row[(7, "date_of_birth")]["code"] == "not_a_real_date"
    assert by_row[(7, "date_of_birth")]["upn"] == "K801200024904"
    assert by_row[(9, "date_of_birth")]["code"] == "missing"
    assert by_row[(11, "sen_status")]["code"] == register_rules.RULE_S_DISCONTINUED
    assert by_row[(11, "sen_status")]["upn"] == "R801200024908"
    assert by_row[(12, "sen_status")]["code"] == "sen_status_unknown"


@pytest.mark.parametrize(
    ("upn", "rule"),
    [
        ("", register_rules.RULE_UPN_MISSING),
        ("A801200024902", register_rules.RULE_UPN_CHECK_LETTER),
        ("V8012000X9022", register_rules.RULE_UPN_NOT_NUMERIC),
        ("J80120001902I", register_rules.RULE_UPN_CHARACTER_13),
        ("J8012000190", register_rules.RULE_UPN_CHARACTER_13),
        ("I801200019022", register_rules.RULE_UPN_CHECK_LETTER),  # I is never a check letter
    ],
)
def test_a_bad_upn_gets_the_census_rule_it_breaks(upn: str, rule: str) -> None:
    from sendreg.imports.parsers import parse_export

    data = f"UPN,Legal Surname,Legal Forename,DOB\r\n{upn},Smith,Ann,01/09/2012\r\n".encode()
    (problem,) = parse_export(data, "x.csv").errors
    assert (problem.code, problem.upn, problem.value) == (rule, "", upn)


def test_one_row_with_two_problems_is_counted_as_one_row(school, tmp_path, capsys) -> None:
    path = tmp_path / "one.csv"
    path.write_text(
        f"UPN,Legal Surname,Legal Forename,DOB\r\n{make_upn(801, 2000, 20, 1)},,Ann,x\r\n"
    )
    code, out, _ = _run(capsys, str(path), "--dry-run")
    assert code == 0
    assert "1 row not imported:" in out
    assert out.count("row 2,") == 2
