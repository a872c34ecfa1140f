"""The census check, extract and calendar against a sample MIS export, on the page and the CLI.

tests/data/census_check_export.csv is a SIMS-style export with every census problem in
it that an MIS CSV can carry. The ones it cannot (two needs sharing a rank, a single need
ranked 2, more than two needs) come from MIS values stored directly, as an import from a
source with explicit ranks would store them.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from defusedxml import ElementTree as SafeET
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from sendreg import cli
from sendreg.accounts.models import School, User
from sendreg.census import exports, rulebook, selectors, services
from sendreg.imports.models import ImportRun
from sendreg.imports.services import import_apply
from sendreg.pupils.models import Pupil
from sendreg.pupils.rules import make_upn
from sendreg.register import rules
from sendreg.register.models import CensusCheckRun, MisSenRecord, SenEpisode
from sendreg.register.rules import Severity
from tests.conftest import TODAY, put_on_register
from tests.factories import ContactFactory, PupilFactory

D = dt.date
DATA = Path(__file__).resolve().parent.parent / "data"
EXPORT = DATA / "census_check_export.csv"
SPRING = D(2026, 1, 15)
SUMMER = D(2026, 5, 21)
PREVIOUS = D(2025, 10, 2)
PROTECTED = "7 Hidden Lane, Safeton"
Login = Callable[[User], Client]

pytestmark = pytest.mark.usefixtures("on_today")

# UPNs in the sample export, by surname.
UPN = {
    "Abbott": "E801200019001", "Bell": "U801200019002", "Carter": "H801200019003",
    "Dixon": "X801200019004", "Ellis": "L801200019005", "Fisher": "A801200019006",
    "Grant": "P801200019007", "Hall": "D801200019008", "Irwin": "T801200019009",
    "Jones": "D801200019010", "Khan": "T801200019011", "Lowe": "G801200019012",
    "Moss": "W801200019013", "Nash": "K801200019014", "Pike": "Z801200019015",
    "Shah": "N801200019016", "Turner": "C801200019017", "Usman": "R801200019018",
    "Owen": "E100200019015",
}  # fmt: skip
# Made directly, not in the export.
EXTRA = {
    "Rank": make_upn(801, 2000, 20, 901),
    "Shared": make_upn(801, 2000, 20, 902),
    "Three": make_upn(801, 2000, 20, 903),
    "Young": make_upn(801, 2000, 20, 904),
}
OTHER_UPN = make_upn(801, 2001, 20, 905)


def _pupil(school: School, surname: str) -> Pupil:
    return Pupil.objects.get(school=school, legal_surname=surname)


def _mis(pupil: Pupil, status: str, needs: list[Any]) -> MisSenRecord:
    return MisSenRecord.objects.create(
        pupil=pupil, status=status, needs=needs, imported_at=timezone.now()
    )


def clean_school(school: School, senco: User) -> None:
    """One pupil on SEN support, the same in the MIS, and three with no SEN: nothing to find."""
    clean = PupilFactory(school=school)
    put_on_register(clean, by=senco, status="K", needs=("SPLD",))
    _mis(clean, "K", ["SPLD"])
    for _ in range(3):
        _mis(PupilFactory(school=school), "", [])


@pytest.fixture
def sample(school: School, other_school: School, senco: User, office: User) -> dict[str, Pupil]:
    """The sample export imported, then the register and MIS values each case needs.

    The first import into an empty register seeds it from the MIS (today, 12/11/2025);
    the changes after it make the register differ where a test needs it to.
    """
    import_apply(
        school=school, data=EXPORT.read_bytes(), filename=EXPORT.name, by=office, today=TODAY
    )
    p = {name: _pupil(school, name) for name in UPN}
    p["Khan"].top_up_funding = True
    p["Khan"].save(update_fields=["top_up_funding"])
    ContactFactory(pupil=p["Khan"], name="Foster Carer", address=PROTECTED, address_protected=True)
    put_on_register(p["Shah"], by=senco, status="E", needs=("SLCN",))
    put_on_register(p["Turner"], by=senco, status="K", needs=("SEMH",))
    put_on_register(p["Usman"], by=senco, status="K", needs=("SEMH",))
    # Off the register since the previous census (2/10/2025): N in the spring census.
    SenEpisode.objects.create(pupil=p["Lowe"], status="K", start=D(2025, 9, 4), end=D(2025, 10, 20))
    SenEpisode.objects.create(pupil=p["Moss"], status="K", start=D(2025, 9, 4), end=D(2025, 11, 1))
    # Off before the previous census: no longer N.
    SenEpisode.objects.create(pupil=p["Nash"], status="K", start=D(2024, 9, 5), end=D(2025, 6, 1))

    def extra(surname: str, **fields: Any) -> Pupil:
        return PupilFactory(
            school=school, upn=EXTRA[surname], legal_surname=surname, legal_forename="Test",
            admission_date=D(2024, 9, 2), **fields,
        )  # fmt: skip

    p["Rank"] = extra("Rank")
    _mis(p["Rank"], "K", [{"code": "SPLD", "rank": 2}])
    p["Shared"] = extra("Shared")
    _mis(p["Shared"], "K", [{"code": "ASD", "rank": 1}, {"code": "SLCN", "rank": 1}])
    p["Three"] = extra("Three")
    _mis(p["Three"], "E", ["ASD", "SLCN", "MLD"])
    p["Young"] = extra("Young")
    put_on_register(p["Young"], by=senco, status="K", needs=("SEMH",))

    p["Other"] = PupilFactory(
        school=other_school, upn=OTHER_UPN, legal_forename="Otto", legal_surname="Other"
    )
    _mis(p["Other"], "X", [])
    return p


def codes_for(check: selectors.CensusCheck, upn: str) -> list[str]:
    return sorted(f.code for f in check.findings if f.upn == upn)


def finding(check: selectors.CensusCheck, code: str, upn: str = "") -> rulebook.Finding:
    found = [f for f in check.findings if f.code == code and f.upn == upn]
    assert len(found) == 1, (code, upn, [f.as_json() for f in check.findings])
    return found[0]


# --- the check ----------------------------------------------------------------------------------


def test_the_sample_export_breaks_every_rule(school: School, sample: dict[str, Pupil]) -> None:
    check = selectors.census_check(school=school, census_date=SPRING)

    assert {f.code for f in check.findings} >= {
        "1500", "1510", "1520", "1530", "1540", "1550", "1990", "2115", "2120", "2125",
        "2160", "2165", "2166", "2170", "2175", "2190", "N-DUE", "N-OLD", "MIS-REG", "MIS-NONE",
    }  # fmt: skip
    expected = {
        "Dixon": ["2120", "MIS-REG"],  # X is not a code
        "Ellis": ["2120", "MIS-REG"],  # needs with no provision
        "Fisher": ["2125", "MIS-REG", "N-OLD"],  # N with a need, and never on the register
        "Grant": ["2170", "MIS-REG"],  # K without a type
        "Hall": ["2175", "MIS-REG", "MIS-REG"],  # NSA with E
        "Irwin": ["2170", "MIS-REG", "MIS-REG"],  # DYSLX
        "Khan": ["1990"],  # top-up on K
        "Owen": ["1530"],  # LA 100
        "Moss": ["N-DUE"],
        "Nash": ["N-OLD"],
        "Pike": ["N-OLD"],
        "Shah": ["MIS-REG"],
        "Turner": ["MIS-REG"],
        "Usman": ["MIS-REG", "MIS-REG"],
        "Bell": [],
        "Jones": [],
        "Lowe": [],  # removed since the previous census and N in the MIS: right
        "Abbott": ["1520"],  # a second row in the export has the same UPN
    }
    assert {name: codes_for(check, UPN[name]) for name in expected} == expected
    assert codes_for(check, EXTRA["Rank"]) == ["2160", "MIS-REG", "MIS-REG"]
    assert "2165" in codes_for(check, EXTRA["Shared"])
    assert "2166" in codes_for(check, EXTRA["Three"])
    assert codes_for(check, EXTRA["Young"]) == ["MIS-NONE"]


def test_findings_carry_the_pupil_a_plain_message_and_what_to_do(
    school: School, sample: dict[str, Pupil]
) -> None:
    check = selectors.census_check(school=school, census_date=SPRING)

    hall = finding(check, "2175", UPN["Hall"])
    assert (hall.key, hall.severity, hall.name, hall.field) == (
        rules.RULE_NSA_WITHOUT_SUPPORT, Severity.ERROR, "Hana Hall", "sen_needs",
    )  # fmt: skip
    assert hall.message.startswith("The MIS records NSA")
    assert hall.action.startswith("In the MIS")
    assert hall.pupil_id == sample["Hall"].pk
    dixon = finding(check, "2120", UPN["Dixon"])
    assert '"X"' in dixon.message
    top_up = finding(check, "1990", UPN["Khan"])
    assert top_up.severity == Severity.QUERY
    usman = [f for f in check.findings if f.upn == UPN["Usman"]]
    assert {f.message for f in usman} == {
        "SEN provision in the MIS: no SEN status. On the SEN register on the census day: "
        "K – SEN support.",
        "Need types in the MIS: none. On the SEN register: "
        "SEMH – Social, emotional and mental health.",
    }


def test_upn_errors_from_rows_the_import_skipped_name_the_row(
    school: School, sample: dict[str, Pupil]
) -> None:
    check = selectors.census_check(school=school, census_date=SPRING)

    missing = finding(check, "1500")
    assert missing.message.startswith("Row 21 of census_check_export.csv")
    wrong = finding(check, "1510", "A801200019021")
    assert "need the check letter F" in wrong.message
    assert finding(check, "1540", "V8012000X9022").message.startswith("Row 24 ")
    assert '"I"' in finding(check, "1550", "J80120001902I").message
    duplicate = finding(check, "1520", UPN["Abbott"])
    assert duplicate.message.startswith("Row 23 ") and duplicate.name == "Alfie Abbott"
    # The row with S was kept, so rule 2115 names the pupil, not just the row.
    statement = finding(check, "2115", UPN["Carter"])
    assert statement.message.startswith("Row 4 of census_check_export.csv")
    assert (statement.row, statement.who) == (4, "Cal Carter")
    assert (missing.row, missing.who) == (21, "Row 21 of the MIS export")


def test_statement_row_names_the_pupil_when_the_import_kept_the_upn(
    school: School, sample: dict[str, Pupil]
) -> None:
    from sendreg.imports.columns import STATUS_DISCONTINUED

    ImportRun.objects.create(
        school=school, by_label="Office", filename="next.csv", sha256="0" * 64, kind="pupils",
        summary={"errors": [], "warnings": [
            {"row": 4, "field": "sen_status", "message": STATUS_DISCONTINUED, "upn": UPN["Carter"],
             "code": "s_discontinued"}
        ]},
    )  # fmt: skip
    check = selectors.census_check(school=school, census_date=SPRING)

    statement = finding(check, "2115", UPN["Carter"])
    assert (statement.name, statement.pupil_id) == ("Cal Carter", sample["Carter"].pk)
    assert not [f for f in check.findings if f.code == "1500"]  # only the latest import counts


def test_explicit_n_entry_both_ways_as_warnings(school: School, sample: dict[str, Pupil]) -> None:
    check = selectors.census_check(school=school, census_date=SPRING)

    due = finding(check, "N-DUE", UPN["Moss"])
    # The return carries N either way: a warning, which does not fail the check.
    assert due.severity == Severity.WARNING
    assert "01/11/2025" in due.message and "02/10/2025" in due.message
    stale = finding(check, "N-OLD", UPN["Nash"])
    assert (stale.key, stale.severity) == (rules.RULE_N_ENTRY_STALE, Severity.WARNING)
    never = finding(check, "N-OLD", UPN["Pike"])
    assert never.key == rules.RULE_N_ENTRY_NEVER_ON

    # With N in the MIS, Moss is right for the spring census ...
    MisSenRecord.objects.filter(pupil=sample["Moss"]).update(status="N")
    assert codes_for(selectors.census_check(school=school, census_date=SPRING), UPN["Moss"]) == []
    # ... and by the summer census, that N entry should be closed.
    summer = selectors.census_check(school=school, census_date=SUMMER)
    assert codes_for(summer, UPN["Moss"]) == ["N-OLD"]


def test_mis_still_saying_k_after_removal_is_a_difference_not_an_n_entry(
    school: School, sample: dict[str, Pupil]
) -> None:
    MisSenRecord.objects.filter(pupil=sample["Moss"]).update(status="K", needs=["SEMH"])
    check = selectors.census_check(school=school, census_date=SPRING)
    moss = [f for f in check.findings if f.upn == UPN["Moss"]]
    assert [(f.code, f.key) for f in moss] == [
        ("MIS-REG", rules.RULE_MIS_STATUS_DIFFERS),
        ("MIS-REG", rules.RULE_MIS_NEEDS_DIFFER),
    ]
    assert "K – SEN support" in moss[0].message and "not on the SEN register" in moss[0].message


def test_an_mis_that_exports_n_for_everyone_without_sen_is_said_once(
    school: School, senco: User
) -> None:
    on = PupilFactory(school=school)
    put_on_register(on, by=senco, status="K", needs=("SPLD",))
    _mis(on, "K", ["SPLD"])
    never = [PupilFactory(school=school) for _ in range(12)]
    for pupil in never:
        _mis(pupil, "N", [])
    check = selectors.census_check(school=school, census_date=SPRING)
    assert [(f.code, f.upn) for f in check.findings] == [("N-ALL", "")]
    assert check.passed
    # When the MIS records N for only a few, each is named instead.
    MisSenRecord.objects.filter(pupil__in=never[1:]).update(status="")
    check = selectors.census_check(school=school, census_date=SPRING)
    assert [(f.code, f.upn) for f in check.findings] == [("N-OLD", never[0].upn)]


def test_a_special_school_is_not_queried_for_many_ehc_plans(school: School, senco: User) -> None:
    school.phase = School.Phase.SPECIAL
    school.save(update_fields=["phase"])
    for _ in range(4):
        pupil = PupilFactory(school=school)
        put_on_register(pupil, by=senco, status="E", needs=("SLD",))
        _mis(pupil, "E", ["SLD"])
    no_sen = PupilFactory(school=school)
    _mis(no_sen, "", [])
    check = selectors.census_check(school=school, census_date=SPRING)
    # 80% with an EHC plan: no 2190 (mainstream only), no 2210 (above 70%); 2180 for the one
    # pupil with no SEN.
    assert [(f.code, f.upn) for f in check.findings] == [("2180", no_sen.upn)]
    school.phase = School.Phase.SECONDARY
    school.save(update_fields=["phase"])
    check = selectors.census_check(school=school, census_date=SPRING)
    assert [f.code for f in check.findings] == ["2190"]


def test_need_type_problems_are_warnings_at_a_census_that_does_not_collect_them(
    school: School, sample: dict[str, Pupil]
) -> None:
    spring = selectors.census_check(school=school, census_date=SPRING)
    summer = selectors.census_check(school=school, census_date=SUMMER)

    assert spring.collects_need_types and not summer.collects_need_types
    assert finding(spring, "2175", UPN["Hall"]).severity == Severity.ERROR
    assert finding(summer, "2175", UPN["Hall"]).severity == Severity.WARNING
    # Provision is collected at every census.
    assert finding(summer, "2120", UPN["Dixon"]).severity == Severity.ERROR


def test_counts_passed_and_the_order_of_findings(school: School, sample: dict[str, Pupil]) -> None:
    check = selectors.census_check(school=school, census_date=SPRING)

    assert not check.passed
    assert sum(check.counts.values()) == len(check.findings)
    severities = [f.severity.order for f in check.findings]
    assert severities == sorted(severities)
    assert (check.census.term, check.previous, check.is_census_day) == (
        rules.Term.SPRING, PREVIOUS, True,
    )  # fmt: skip
    # Everyone in the export with a usable row, and the four made directly.
    assert check.roll == len(UPN) + len(EXTRA)


def test_a_clean_school_passes(school: School, senco: User) -> None:
    clean_school(school, senco)

    check = selectors.census_check(school=school, census_date=SPRING)
    assert (check.findings, check.passed) == ([], True)


def test_a_need_the_mis_records_twice_is_an_error_of_the_whole_check(
    school: School, senco: User
) -> None:
    """The return cannot hold the same need at ranks 1 and 2 (issue 7, point 6): the check
    names the pupil and the need, as an error at a census that collects need types."""
    clean_school(school, senco)
    twice = PupilFactory(school=school, legal_forename="Dee", legal_surname="Double")
    put_on_register(twice, by=senco, status="K", needs=("SEMH",))
    _mis(twice, "K", ["SEMH", "SEMH"])

    check = selectors.census_check(school=school, census_date=SPRING)

    found = finding(check, "MIS-DUP", twice.upn)
    assert (found.severity, found.name, found.pupil_id) == (
        Severity.ERROR, "Dee Double", twice.pk,
    )  # fmt: skip
    assert "SEMH" in found.message
    # The register holds SEMH once, so the MIS differs from it too.
    assert codes_for(check, twice.upn) == ["MIS-DUP", "MIS-REG"] and not check.passed


def test_a_check_for_a_past_census_reads_the_needs_held_on_that_day(
    school: School, senco: User
) -> None:
    """Need types have history (issue 7, point 2): on 2 October 2025 the register held SEMH,
    which the MIS still says; the change to SLCN on 12 November counts only from then."""
    clean_school(school, senco)
    changed = PupilFactory(school=school, admission_date=D(2024, 9, 2))
    put_on_register(changed, by=senco, status="K", needs=("SEMH",), on=D(2025, 9, 4))
    put_on_register(changed, by=senco, status="K", needs=("SLCN",), on=TODAY)
    _mis(changed, "K", ["SEMH"])

    autumn = selectors.census_check(school=school, census_date=PREVIOUS)
    spring = selectors.census_check(school=school, census_date=SPRING)

    assert codes_for(autumn, changed.upn) == []
    assert codes_for(spring, changed.upn) == ["MIS-REG"]
    assert "SLCN" in finding(spring, "MIS-REG", changed.upn).message


def test_correction_already_requested_is_said_in_what_to_do(
    school: School, sample: dict[str, Pupil], senco: User
) -> None:
    MisSenRecord.objects.filter(pupil=sample["Shah"]).update(
        correction_requested_at=timezone.now(), correction_requested_by=senco
    )
    check = selectors.census_check(school=school, census_date=SPRING)
    assert finding(check, "MIS-REG", UPN["Shah"]).action.endswith(
        "The SENCO has already asked for the MIS to be corrected."
    )


def test_queries_2190_and_2205_from_the_mis_values_of_pupils_on_roll(school: School) -> None:
    pupils = [PupilFactory(school=school) for _ in range(10)]
    for pupil, status in zip(pupils, ["E", "E", "K", "K", "K", "K", "K", "", "", ""], strict=True):
        _mis(pupil, status, ["ASD"] if status else [])
    # A leaver is not on roll and does not count.
    gone = PupilFactory(school=school, leaving_date=D(2025, 12, 19))
    _mis(gone, "E", ["ASD"])

    check = selectors.census_check(school=school, census_date=SPRING)

    ehc, support = finding(check, "2190"), finding(check, "2205")
    assert (ehc.severity, support.severity) == (Severity.QUERY, Severity.QUERY)
    assert ehc.message.startswith("2 of the 10 pupils on roll (20.0%) have an EHC plan")
    assert support.message.startswith("5 of the 10 pupils on roll (50.0%) are on SEN support")
    assert (check.mis_ehc_percent, check.mis_support_percent) == (20, 50)
    assert not [f for f in check.findings if f.code == "2200"]


def test_query_2190_not_raised_at_exactly_ten_percent_and_2200_when_nobody_has_sen(
    school: School,
) -> None:
    pupils = [PupilFactory(school=school) for _ in range(10)]
    for pupil in pupils:
        _mis(pupil, "", [])
    no_sen = selectors.census_check(school=school, census_date=SPRING)
    assert [f.code for f in no_sen.findings] == ["2200"]
    assert "None of the 10 pupils" in no_sen.findings[0].message

    MisSenRecord.objects.filter(pupil=pupils[0]).update(status="E", needs=["ASD"])
    check = selectors.census_check(school=school, census_date=SPRING)
    assert {f.code for f in check.findings} == {"MIS-REG"}


def test_without_mis_values_only_the_upns_and_register_are_checked(
    school: School, senco: User
) -> None:
    pupil = PupilFactory(school=school, upn=make_upn(100, 2000, 20, 1))
    put_on_register(pupil, by=senco)

    check = selectors.census_check(school=school, census_date=SPRING)

    assert sorted(f.code for f in check.findings) == ["1530", "MIS-NONE"]
    assert finding(check, "MIS-NONE").key == rules.RULE_MIS_NOT_IMPORTED


def test_check_is_confined_to_the_school(
    school: School, other_school: School, sample: dict[str, Pupil]
) -> None:
    mine = selectors.census_check(school=school, census_date=SPRING)
    theirs = selectors.census_check(school=other_school, census_date=SPRING)

    assert OTHER_UPN not in {f.upn for f in mine.findings}
    assert {f.upn for f in theirs.findings if f.upn} == {OTHER_UPN}
    assert {f.code for f in theirs.findings if not f.upn} == {"2200"}


def test_check_reads_in_a_fixed_number_of_queries(
    school: School, sample: dict[str, Pupil], django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(8):
        selectors.census_check(school=school, census_date=SPRING)


def test_check_run_is_recorded_and_passed_means_no_errors(
    school: School, sample: dict[str, Pupil], senco: User
) -> None:
    check = selectors.census_check(school=school, census_date=SPRING)
    run = services.census_check_record(check=check, by=senco)

    counts = check.counts
    assert (run.school, run.census_date, run.by, run.passed) == (school, SPRING, senco, False)
    assert (run.errors, run.queries, run.warnings) == (
        counts[Severity.ERROR], counts[Severity.QUERY], counts[Severity.WARNING],
    )  # fmt: skip
    assert run.by_label == "Senco <senco@100001.test>"
    with pytest.raises(IntegrityError), transaction.atomic():
        CensusCheckRun.objects.create(
            school=school, census_date=SPRING, by_label="x", errors=2, passed=True
        )


def test_calendar_shows_the_next_three_census_days_with_the_last_check(
    school: School, senco: User
) -> None:
    first = services.census_check_record(
        check=selectors.census_check(school=school, census_date=SPRING), by=senco
    )
    PupilFactory(school=school, upn=make_upn(100, 2000, 20, 2))
    later = services.census_check_record(
        check=selectors.census_check(school=school, census_date=SPRING), by=senco
    )

    calendar = selectors.census_calendar(school=school, today=TODAY)

    assert [(e.census.date, e.days_left) for e in calendar] == [
        (SPRING, 64), (SUMMER, 190), (D(2026, 10, 1), 323),
    ]  # fmt: skip
    assert first.passed and not later.passed
    assert [e.last_run for e in calendar] == [later, None, None]
    assert selectors.census_calendar(school=school, today=SPRING)[0].days_left_label == "Today"


def test_calendar_follows_an_overridden_census_day(school: School) -> None:
    assert cli.main(["census", "dates", "--year", "2025", "--set", "spring=2026-01-22"]) == 0
    calendar = selectors.census_calendar(school=school, today=TODAY)
    assert calendar[0].census.date == D(2026, 1, 22)


# --- the extract ------------------------------------------------------------------------------


def test_extract_gives_every_pupil_on_roll_with_e_k_or_n_from_the_register(
    school: School, sample: dict[str, Pupil]
) -> None:
    rows = {r.upn: r for r in selectors.census_extract(school=school, census_date=SPRING)}

    assert set(rows) == set(UPN.values()) | set(EXTRA.values())
    assert (rows[UPN["Bell"]].provision, rows[UPN["Bell"]].needs) == ("E", ["ASD", "SLCN"])
    assert (rows[UPN["Shah"]].provision, rows[UPN["Shah"]].needs) == ("E", ["SLCN"])
    assert (rows[UPN["Usman"]].provision, rows[UPN["Usman"]].needs) == ("K", ["SEMH"])
    for name in ("Moss", "Lowe", "Nash", "Jones", "Dixon", "Hall"):
        assert (rows[UPN[name]].provision, rows[UPN[name]].needs) == ("N", []), name
    assert (rows[UPN["Abbott"]].surname, rows[UPN["Abbott"]].date_of_birth) == (
        "Abbott", D(2013, 3, 14),
    )  # fmt: skip
    # By the summer census, pupils who came off in the autumn are simply not on the register.
    summer = {r.upn: r for r in selectors.census_extract(school=school, census_date=SUMMER)}
    assert summer[UPN["Moss"]].provision == "N"


def test_extract_keeps_only_the_top_two_needs(school: School, senco: User) -> None:
    pupil = PupilFactory(school=school)
    put_on_register(pupil, by=senco, status="E", needs=("ASD", "SLCN", "MLD"))
    [row] = selectors.census_extract(school=school, census_date=SPRING)
    assert row.needs == ["ASD", "SLCN"]


def test_extract_leaves_out_pupils_not_on_roll_on_the_day(school: School) -> None:
    PupilFactory(school=school, legal_surname="Left", leaving_date=D(2026, 1, 15))
    PupilFactory(school=school, legal_surname="Later", admission_date=D(2026, 2, 2))
    PupilFactory(school=school, legal_surname="Here", leaving_date=D(2026, 1, 16))
    rows = selectors.census_extract(school=school, census_date=SPRING)
    assert [r.surname for r in rows] == ["Here"]


def test_extract_xml_holds_names_as_text_and_drops_characters_xml_cannot_hold(
    school: School,
) -> None:
    PupilFactory(school=school, legal_surname="O'Neil <b>&amp;\x01", legal_forename="Zoë")
    body = exports.census_extract_xml(
        school=school,
        census=selectors.census_day_for(SPRING),
        rows=selectors.census_extract(school=school, census_date=SPRING),
    )
    root = SafeET.fromstring(body)
    assert root.findtext("Pupils/PupilOnRoll/Surname") == "O'Neil <b>&amp;"
    assert root.findtext("Pupils/PupilOnRoll/Forename") == "Zoë"
    assert root.findtext("Header/CollectionDetails/Term") == "SPR"
    assert root.findtext("Header/CollectionDetails/ReferenceDate") == "2026-01-15"
    assert root.findtext("Header/Source/LEA") == "801"
    assert root.findtext("Header/Source/Estab") == "2000"


def _xml_pupils(body: bytes) -> dict[str, dict[str, Any]]:
    root = SafeET.fromstring(body)
    assert root.tag == "Message"
    pupils = {}
    for element in root.iterfind("Pupils/PupilOnRoll"):
        sen = element.find("SpecialEducationalNeeds")
        assert sen is not None
        pupils[element.findtext("UPN")] = {
            "provision": sen.findtext("SENprovision"),
            "needs": [
                (n.findtext("SENtype"), n.findtext("SENtypeRank"))
                for n in sen.iterfind("SENneeds/SENneed")
            ],
            "dob": element.findtext("DOB"),
        }
    return pupils


# --- the command line -----------------------------------------------------------------------


def test_cli_census_check_json_shape_and_exit_code(
    school: School, sample: dict[str, Pupil], capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(["census", "check", "--school", school.urn, "--date", "2026-01-15", "--json"])
    out = json.loads(capsys.readouterr().out)

    assert code == 1  # errors found
    assert all(
        set(item) == {"rule", "key", "severity", "upn", "name", "field", "message", "action", "row"}
        for item in out
    )
    hall = next(item for item in out if item["rule"] == "2175")
    assert hall == {
        "rule": "2175",
        "key": "nsa_without_support",
        "severity": "error",
        "upn": UPN["Hall"],
        "name": "Hana Hall",
        "field": "sen_needs",
        "message": hall["message"],
        "action": hall["action"],
        "row": None,
    }
    assert {item["severity"] for item in out} == {"error", "query", "warning"}
    run = CensusCheckRun.objects.get()
    assert (run.census_date, run.by, run.passed) == (SPRING, None, False)
    assert run.by_label.startswith("sendreg census check on the command line")
    assert PROTECTED not in json.dumps(out)
    assert OTHER_UPN not in json.dumps(out)


def test_cli_census_check_text_and_a_passing_check(
    school: School, senco: User, capsys: pytest.CaptureFixture[str]
) -> None:
    clean_school(school, senco)

    assert cli.main(["census", "check"]) == 0
    out = capsys.readouterr().out
    assert "Spring census 2025/26" in out and "The check passed." in out
    assert CensusCheckRun.objects.get().passed


def test_cli_census_check_refuses_a_bad_date(
    school: School, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["census", "check", "--date", "15/01/2026"]) == 2
    assert "not a date like 2026-01-15" in capsys.readouterr().err


def test_cli_census_export_csv_and_xml(
    school: School, sample: dict[str, Pupil], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_csv, out_xml = tmp_path / "census.csv", tmp_path / "census.xml"
    args = ["census", "export", "--school", school.urn, "--date", "2026-01-15"]

    assert cli.main([*args, "--out", str(out_csv)]) == 0
    assert cli.main([*args, "--out", str(out_xml)]) == 0
    assert "23 pupils on roll" in capsys.readouterr().out

    rows = list(csv.DictReader(io.StringIO(out_csv.read_text("utf-8-sig"))))
    assert list(rows[0]) == exports.EXTRACT_HEADER
    by_upn = {r["UPN"]: r for r in rows}
    assert len(by_upn) == len(UPN) + len(EXTRA)
    assert by_upn[UPN["Bell"]] == {
        "UPN": UPN["Bell"], "Surname": "Bell", "Forename": "Bella", "Date of birth": "2012-11-02",
        "SEN provision": "E", "SEN need type rank 1": "ASD", "SEN need type rank 2": "SLCN",
    }  # fmt: skip
    assert by_upn[UPN["Moss"]]["SEN provision"] == "N"

    pupils = _xml_pupils(out_xml.read_bytes())
    assert set(pupils) == set(by_upn)
    assert pupils[UPN["Bell"]] == {
        "provision": "E", "needs": [("ASD", "1"), ("SLCN", "2")], "dob": "2012-11-02",
    }  # fmt: skip
    assert pupils[UPN["Usman"]]["needs"] == [("SEMH", "1")]
    assert {p["provision"] for p in pupils.values()} == {"E", "K", "N"}
    for name in ("Moss", "Jones", "Hall"):
        assert pupils[UPN[name]] | {"dob": ""} == {"provision": "N", "needs": [], "dob": ""}
    for data in (out_csv.read_bytes(), out_xml.read_bytes()):
        assert PROTECTED.encode() not in data and b"Hidden" not in data
        assert OTHER_UPN.encode() not in data


def test_cli_census_export_needs_csv_or_xml(
    school: School, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["census", "export", "--out", str(tmp_path / "census.pdf")]) == 2
    assert "should end .csv or .xml" in capsys.readouterr().err


# --- the page ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("senco", 200),
        ("office", 200),
        ("head", 200),
        ("teacher", 403),
        ("ta", 403),
        ("governor", 403),
    ],
)
def test_census_page_permissions(
    role: str, status: int, school: School, request: pytest.FixtureRequest, login: Login
) -> None:
    # ``school`` names the database up front: a test that only reaches it through
    # getfixturevalue() is run after the live-server tests, and on PostgreSQL that leaves
    # the live server's session open when the test database is dropped.
    client = login(request.getfixturevalue(role))
    assert client.get("/census/").status_code == status
    assert client.get("/census/?extract=csv").status_code == status
    assert client.get("/census/?export=xlsx").status_code == status


def test_census_page_asks_an_anonymous_visitor_to_log_in(client: Client) -> None:
    response = client.get("/census/")
    assert response.status_code == 302 and response["Location"].startswith("/login/?next=")


def test_outsider_sees_only_their_own_school(
    sample: dict[str, Pupil], outsider: User, login: Login
) -> None:
    client = login(outsider)
    page = client.get("/census/").content.decode()
    extract = client.get("/census/?extract=xml").content.decode()
    findings = client.get("/census/?export=csv").content.decode()

    for body in (page, extract, findings):
        assert OTHER_UPN in body
        assert not [upn for upn in UPN.values() if upn in body]


def test_census_page_runs_the_next_census_check_and_records_it_only_when_asked(
    sample: dict[str, Pupil], senco: User, login: Login
) -> None:
    client = login(senco)
    # A GET never writes: looking at the check records nothing.
    client.get("/census/")
    assert not CensusCheckRun.objects.exists()

    response = client.post("/census/record/", {"date": "2026-01-15"}, follow=True)
    html = response.content.decode()

    assert response.status_code == 200
    assert "Spring census 2025/26: Thursday 15 January 2026" in html
    assert "The check has not passed" in html
    assert "NSA (no specialist assessment) may only be used with SEN support (K)" in html
    assert "The MIS records NSA" in html and UPN["Hall"] in html
    assert "Need types are collected only in the spring (January) census" in html
    assert "<caption>What the census check found for the spring census 2025/26</caption>" in html
    run = CensusCheckRun.objects.get()
    assert (run.census_date, run.by, run.passed) == (SPRING, senco, False)
    assert "Not passed" in html and "64 days" in html
    assert "<dt>Queries</dt>" in html and "Row 21 of the MIS export" in html
    assert PROTECTED not in html and OTHER_UPN not in html


def test_census_page_shows_a_passed_check_in_the_calendar(
    school: School, senco: User, login: Login
) -> None:
    clean_school(school, senco)

    client = login(senco)
    client.post("/census/record/", {"date": "2026-01-15"})
    html = client.get("/census/?date=2026-01-15").content.decode()

    assert "The check passed" in html
    assert "<strong>Passed</strong>, " in html
    assert CensusCheckRun.objects.get().passed


def test_census_page_for_a_chosen_date(sample: dict[str, Pupil], senco: User, login: Login) -> None:
    html = login(senco).get("/census/?date=2026-05-21").content.decode()
    assert "Summer census 2025/26: Thursday 21 May 2026" in html
    assert "This census does not collect need types" in html
    assert not CensusCheckRun.objects.exists()

    html = login(senco).get("/census/?date=2026-02-03").content.decode()
    assert "is not a census day in sendreg's calendar" in html


def test_census_page_with_a_date_it_cannot_read_checks_the_next_census(
    sample: dict[str, Pupil], senco: User, login: Login
) -> None:
    html = login(senco).get("/census/?date=next+week").content.decode()
    assert "is not a date like 2026-01-15" in html
    assert "Spring census 2025/26" in html


def test_census_page_filters_by_rule_and_severity_without_recording_a_run(
    sample: dict[str, Pupil], senco: User, login: Login
) -> None:
    client = login(senco)
    html = client.get("/census/?date=2026-01-15&rule=2175").content.decode()
    assert "1 finding matching the filters" in html
    assert UPN["Hall"] in html and UPN["Dixon"] not in html

    html = client.get("/census/?severity=warning").content.decode()
    assert UPN["Nash"] in html and UPN["Hall"] not in html

    html = client.get("/census/?rule=2175", HTTP_HX_REQUEST="true").content.decode()
    assert html.lstrip().startswith('<section id="findings"')
    assert not CensusCheckRun.objects.exists()


def test_census_page_exports_the_filtered_findings(
    sample: dict[str, Pupil], senco: User, login: Login
) -> None:
    client = login(senco)
    response = client.get("/census/?date=2026-01-15&severity=query&export=csv")
    assert response["Content-Disposition"] == (
        'attachment; filename="census-check-100001-2026-01-15.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == rulebook.FINDINGS_HEADER
    assert sorted(r[0] for r in rows[1:]) == ["1990", "2190"]
    assert all(r[1] == "Query" for r in rows[1:])

    response = client.get("/census/?date=2026-01-15&export=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == rulebook.FINDINGS_HEADER
    check = selectors.census_check(school=sample["Bell"].school, census_date=SPRING)
    assert len(values) - 1 == len(check.findings)
    for body in (response.content, rows.__repr__().encode()):
        assert PROTECTED.encode() not in body
    assert not CensusCheckRun.objects.exists()


def test_census_page_downloads_the_extract(
    sample: dict[str, Pupil], office: User, login: Login
) -> None:
    client = login(office)
    response = client.get("/census/?date=2026-01-15&extract=xml")
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="census-extract-100001-2026-01-15.xml"'
    )
    pupils = _xml_pupils(response.content)
    assert set(pupils) == set(UPN.values()) | set(EXTRA.values())
    assert pupils[UPN["Shah"]]["needs"] == [("SLCN", "1")]

    response = client.get("/census/?date=2026-01-15&extract=csv")
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0] == ",".join(exports.EXTRACT_HEADER)
    assert f"{UPN['Usman']},Usman,Umar,2011-09-22,K,SEMH," in text
    for body in (response.content, text.encode()):
        assert PROTECTED.encode() not in body and OTHER_UPN.encode() not in body
    assert not CensusCheckRun.objects.exists()


def test_every_code_is_shown_with_its_meaning(senco: User, login: Login) -> None:
    html = login(senco).get("/census/").content.decode()
    for rule in rulebook.census_rule_book().legend():
        assert f'<th scope="row">{rule.code}</th>' in html
    assert "check them against this year's validation rules" in html
