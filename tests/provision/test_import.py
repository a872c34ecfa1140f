"""Importing a school's provision-map spreadsheet: plan first, apply atomically, twice is once."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook

from sendreg.accounts.models import School, User
from sendreg.audit.models import AuditEvent
from sendreg.imports.kinds import IMPORT_KINDS, ImportRequest
from sendreg.imports.models import ImportRun
from sendreg.imports.parsers import ImportRefused
from sendreg.provision import importing, rules
from sendreg.provision.importing import provision_apply, provision_plan
from sendreg.provision.models import Enrolment, Intervention, ProvisionEvent, Run
from sendreg.pupils.models import Pupil
from sendreg.pupils.rules import make_upn
from tests.conftest import TODAY
from tests.factories import PupilFactory
from tests.provision.factories import InterventionFactory

D = Decimal
pytestmark = pytest.mark.django_db
SAMPLE = Path(__file__).resolve().parent.parent / "data" / "provision_map.csv"
HEADER = (
    "UPN,Intervention,Need,Staff role,Group size,Sessions per week,Minutes per session,Weeks,"
    "Hourly rate,Resources,Start date,End date,Entry score,Exit score"
)
UPNS = [make_upn(801, 2000, 19, n) for n in range(1, 7)]


@pytest.fixture
def pupils(school: School) -> list[Pupil]:
    return [PupilFactory(school=school, upn=upn) for upn in UPNS]


def csv(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def test_the_sample_file_plans_interventions_runs_and_pupils(
    school: School, pupils: list[Pupil]
) -> None:
    plan = provision_plan(school=school, data=SAMPLE.read_bytes(), filename="map.csv")
    assert plan.errors == [] and plan.warnings == []
    summary = plan.summary(applied=False)
    assert {k: v for k, v in summary.items() if k not in ("sha256", "errors", "warnings")} == {
        "file": "map.csv", "kind": "provision", "rows": 5, "interventions_created": 3,
        "runs_created": 3, "runs_updated": 0, "enrolments_created": 5, "enrolments_updated": 0,
        "unchanged": 0, "applied": False,
    }  # fmt: skip
    assert sorted(plan.new_interventions) == ["nurture group", "precision teaching", "talk boost"]
    assert plan.new_interventions["talk boost"].needs == ["SLCN"]
    assert plan.new_interventions["nurture group"].needs == ["SEMH"]
    # The plan writes nothing.
    assert not Intervention.objects.exists() and not AuditEvent.objects.exists()


def test_applying_writes_everything_audited_and_the_second_time_changes_nothing(
    school: School, pupils: list[Pupil], senco: User
) -> None:
    data = SAMPLE.read_bytes()
    provision_apply(school=school, data=data, filename="map.csv", by=senco)
    talk = Intervention.objects.get(name="Talk Boost")
    assert (talk.group_size, talk.minutes_per_session, talk.typical_weeks) == (6, 40, 10)
    assert talk.measure == rules.Measure.SCALE and talk.scale_name == importing.IMPORTED_SCALE
    nurture = Intervention.objects.get(name="Nurture group")
    assert nurture.measure == rules.Measure.NONE and nurture.wave == rules.Wave.TARGETED
    run = Run.objects.get(intervention__name="Precision teaching")
    assert (run.start_date, run.end_date, run.hourly_rate) == (
        dt.date(2025, 9, 8), dt.date(2025, 12, 12), D("16.50"),
    )  # fmt: skip
    assert rules.pupil_run_cost(run.costing()) == D("104.00")  # 16.50 × 3 × 10 ÷ 60 × 12 + 5
    first = Enrolment.objects.get(pupil=pupils[0])
    assert (first.entry_score, first.exit_score) == (D(92), D(101))
    assert Enrolment.objects.get(pupil=pupils[1]).exit_score is None
    import_run = ImportRun.objects.get()
    assert (import_run.kind, import_run.by, import_run.filename) == ("provision", senco, "map.csv")
    assert import_run.summary["enrolments_created"] == 5
    added = AuditEvent.objects.filter(type=ProvisionEvent.PUPIL_ADDED)
    assert added.count() == 5
    assert all(e.source.startswith("import of map.csv") for e in added)
    assert AuditEvent.objects.filter(type=AuditEvent.Type.IMPORT_APPLIED).count() == 1

    before = (
        list(Intervention.objects.values()), list(Run.objects.values()),
        list(Enrolment.objects.values()), AuditEvent.objects.exclude(type="import.applied").count(),
    )  # fmt: skip
    again = provision_apply(school=school, data=data, filename="map.csv", by=senco)
    assert again.summary(applied=True)["unchanged"] == 5
    assert again.summary(applied=True)["enrolments_created"] == 0
    after = (
        list(Intervention.objects.values()), list(Run.objects.values()),
        list(Enrolment.objects.values()), AuditEvent.objects.exclude(type="import.applied").count(),
    )  # fmt: skip
    assert after == before


def test_a_later_file_updates_scores_and_a_blank_score_keeps_the_one_recorded(
    school: School, pupils: list[Pupil], senco: User
) -> None:
    provision_apply(school=school, data=SAMPLE.read_bytes(), filename="map.csv", by=senco)
    later = csv(
        f"{UPNS[0]},Precision teaching,SPLD,,,,,,,,08/09/2025,12/12/2025,,104",
        f"{UPNS[1]},precision  TEACHING,,,,,,,,,08/09/2025,12/12/2025,95,99",
    )
    plan = provision_plan(school=school, data=later, filename="later.csv")
    assert plan.errors == []
    assert [e.changes for e in plan.enrolments_updated] == [
        {"exit_score": (D(101), D(104))}, {"exit_score": (None, D(99))},
    ]  # fmt: skip
    provision_apply(school=school, data=later, filename="later.csv", by=senco)
    first = Enrolment.objects.get(pupil=pupils[0])
    assert (first.entry_score, first.exit_score) == (D(92), D(104))
    changed = AuditEvent.objects.filter(type=ProvisionEvent.PUPIL_CHANGED).order_by("id")
    assert [e.new for e in changed] == [{"exit_score": "104"}, {"exit_score": "99"}]


def test_unusable_rows_say_their_row_column_and_what_was_expected(
    school: School, pupils: list[Pupil], senco: User
) -> None:
    stranger = make_upn(801, 2000, 19, 999)
    data = csv(
        f"{UPNS[0]},Precision teaching,SPLD,TA,1,3,10,12,16.50,5,08/09/2025,12/12/2025,92,101",
        f"{stranger},Precision teaching,SPLD,TA,1,3,10,12,16.50,5,08/09/2025,12/12/2025,,",
        f"{UPNS[1]},Talk Boost,SLCN,TA,two,2,40,10,16.50,15,08/09/2025,28/11/2025,,",
        f"{UPNS[2]},Talk Boost,SLCN,TA,6,2,-40,10,16.50,15,08/09/2025,28/11/2025,,",
        f"{UPNS[3]},Talk Boost,SLCN,TA,6,2,40,10,16.50,15,28/11/2025,08/09/2025,,",
        f"{UPNS[4]},Lexia,Dyslexia,TA,6,3,20,24,16.50,35,08/09/2025,12/12/2025,,",
        f"{UPNS[5]},Talk Boost,SLCN,TA,0,2,40,10,16.50,15,08/09/2025,28/11/2025,,",
        f"{UPNS[0]},Precision teaching,SPLD,TA,1,3,10,12,16.50,5,08/09/2025,12/12/2025,,",
        "E801200019000,Lexia,SPLD,TA,6,3,20,24,16.50,35,08/09/2025,31/02/2026,,",
    )
    plan = provision_plan(school=school, data=data, filename="bad.csv")
    problems = [(p.row, p.field, p.message) for p in plan.errors]
    assert problems == [
        (3, "upn", f"No pupil of this school has the UPN {stranger}; expected the UPN of a pupil "
                   "in sendreg (import the pupil data from the MIS first)."),
        (4, "group_size", "The group size 'two' is not a number; expected a whole number, "
                          "1 or more."),
        (5, "minutes_per_session", "The minutes per session '-40' is negative; expected a whole "
                                   "number above 0."),
        (6, "end_date", "The end date (08/09/2025) is before the start date (28/11/2025). "
                        "Expected an end date on or after the start date."),
        (7, "need", "The need 'Dyslexia' is not a need type or a broad area of need (expected a "
                    "code such as SPLD or SEMH, or an area such as Cognition and learning)."),
        (8, "group_size", "The group size '0' is not a whole number, 1 or more."),
        (9, "upn", "This row repeats row 2: the same pupil in the same run of Precision teaching; "
                   "expected each pupil once in each run."),
        (10, "upn", problems[-2][2]),
        (10, "end_date", "The end date '31/02/2026' is not a real date; write it as dd/mm/yyyy "
                         "(for example 25/12/2012) or yyyy-mm-dd."),
    ]  # fmt: skip
    assert "check letter" in problems[-2][2]
    provision_apply(school=school, data=data, filename="bad.csv", by=senco)
    # Only the good row was applied.
    assert list(Enrolment.objects.values_list("pupil__upn", flat=True)) == [UPNS[0]]
    assert ImportRun.objects.get().summary["errors"][0] == {
        "row": 3, "field": "upn", "message": problems[0][2],
    }  # fmt: skip


def test_rows_of_one_run_must_agree_and_a_new_intervention_needs_its_costs(
    school: School, pupils: list[Pupil]
) -> None:
    data = csv(
        f"{UPNS[0]},Talk Boost,SLCN,TA,6,2,40,10,16.50,15,08/09/2025,28/11/2025,,",
        f"{UPNS[1]},Talk Boost,SLCN,TA,4,2,40,10,16.50,15,08/09/2025,28/11/2025,,",
        f"{UPNS[2]},Talk Boost,SLCN,TA,,,,,,,08/09/2025,28/11/2025,,",
        f"{UPNS[3]},Lexia,SPLD,TA,6,3,,24,16.50,35,08/09/2025,12/12/2025,,",
    )
    plan = provision_plan(school=school, data=data, filename="x.csv")
    assert [(p.row, p.field, p.message) for p in plan.errors] == [
        (3, "group_size", "Row 2 gives the group size of this run of Talk Boost (08/09/2025 to "
                          "28/11/2025) as 6; this row says 4. Expected every row of one run to "
                          "agree."),
        (5, "minutes_per_session", "Lexia is not in the catalogue yet, so this row must give its "
                                   "minutes per session (expected a whole number, 1 or more)."),
    ]  # fmt: skip
    # The blank row took the run's values from the first.
    assert len(plan.enrolments) == 2


def test_an_existing_intervention_lends_its_costs_and_checks_scores_against_its_measure(
    school: School, pupils: list[Pupil]
) -> None:
    InterventionFactory(school=school, name="Talk Boost", need_codes=["SLCN"], measure="none",
                        group_size=6, minutes_per_session=40)  # fmt: skip
    InterventionFactory(school=school, name="Reading age group", measure="reading_age")
    data = csv(
        f"{UPNS[0]},talk boost,SEMH,,,,,,,,08/09/2025,28/11/2025,,",
        f"{UPNS[1]},Talk Boost,,,,,,,,,08/09/2025,28/11/2025,3,4",
        f"{UPNS[2]},Reading age group,,,,,,,,,08/09/2025,28/11/2025,96,400",
    )
    plan = provision_plan(school=school, data=data, filename="x.csv")
    assert [(p.row, p.field) for p in plan.errors] == [(3, "entry_score"), (3, "exit_score"),
                                                       (4, "exit_score")]  # fmt: skip
    assert plan.errors[0].message.startswith("Talk Boost is not measured in the catalogue")
    assert plan.errors[2].message == "The exit score 400 is outside the range 12 to 240."
    assert [(p.row, p.field) for p in plan.warnings] == [(2, "need")]
    [run] = plan.runs.values()
    assert run.values["group_size"] == 6 and run.values["minutes_per_session"] == 40
    assert plan.new_interventions == {}


def test_a_file_whose_run_costs_differ_updates_the_run(
    school: School, pupils: list[Pupil], senco: User
) -> None:
    provision_apply(school=school, data=SAMPLE.read_bytes(), filename="map.csv", by=senco)
    data = csv(f"{UPNS[4]},Nurture group,,,8,5,60,36,32.00,40,03/09/2025,17/07/2026,,")
    plan = provision_plan(school=school, data=data, filename="x.csv")
    [run] = plan.runs_updated
    assert run.changes == {"hourly_rate": (D("30.00"), D("32.00"))}
    provision_apply(school=school, data=data, filename="x.csv", by=senco)
    assert Run.objects.get(intervention__name="Nurture group").hourly_rate == D("32.00")
    assert AuditEvent.objects.get(type=ProvisionEvent.RUN_CHANGED).new == {"hourly_rate": "32.00"}


def test_an_xlsx_file_with_other_column_names_and_a_map(
    school: School, pupils: list[Pupil], senco: User
) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Provision map"])
    sheet.append(["Pupil Ref", "Programme", "Group", "Sessions", "Mins", "Weeks", "Rate", "From",
                  "To", "Baseline", "Exit"])  # fmt: skip
    sheet.append([UPNS[0], "Lexia", 6, 3, 20, 24, 16.5, dt.datetime(2025, 9, 8),
                  dt.datetime(2025, 12, 12), 85, 91.5])  # fmt: skip
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(ImportRefused) as refused:
        provision_plan(school=school, data=out.getvalue(), filename="map.xlsx")
    assert "no UPN column" in str(refused.value)
    plan = provision_plan(
        school=school, data=out.getvalue(), filename="map.xlsx", mapping={"UPN": "Pupil Ref"}
    )
    assert plan.errors == []
    assert plan.columns["intervention"] == "Programme"
    provision_apply(school=school, data=out.getvalue(), filename="map.xlsx", by=senco,
                    mapping={"upn": "Pupil Ref"})  # fmt: skip
    enrolment = Enrolment.objects.get()
    assert (enrolment.entry_score, enrolment.exit_score) == (D(85), D("91.5"))
    assert enrolment.run.hourly_rate == D("16.50")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"%PDF-1.4 ...", "The file is a PDF document"),
        (b"UPN,Name\nE801200019001,Amy\n", "Missing: Intervention, Start date, End date"),
        (HEADER.encode() + b"\n", "no rows under them"),
    ],
)
def test_files_that_cannot_be_used_are_refused(school: School, data: bytes, message: str) -> None:
    with pytest.raises(ImportRefused) as refused:
        provision_plan(school=school, data=data, filename="x.csv")
    assert message in str(refused.value)


def test_a_map_naming_a_column_this_import_does_not_read_is_refused(school: School) -> None:
    with pytest.raises(ImportRefused) as refused:
        provision_plan(school=school, data=SAMPLE.read_bytes(), filename="x.csv",
                       mapping={"Date of Birth": "DOB"})  # fmt: skip
    assert "is not a column of a provision map" in str(refused.value)


def test_a_failure_part_way_through_changes_nothing(
    school: School, pupils: list[Pupil], senco: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(importing, "import_run_record", fail)
    with pytest.raises(RuntimeError):
        provision_apply(school=school, data=SAMPLE.read_bytes(), filename="map.csv", by=senco)
    assert not Intervention.objects.exists()
    assert not Enrolment.objects.exists()
    assert not AuditEvent.objects.exists()


def test_the_import_kind_recognises_plans_and_applies(
    school: School, pupils: list[Pupil], senco: User
) -> None:
    kind = IMPORT_KINDS.get("provision")
    assert kind is importing.PROVISION_KIND
    sims = (Path(__file__).resolve().parent.parent / "data" / "sims_students.csv").read_bytes()
    assert kind.recognise("map.csv", SAMPLE.read_bytes())
    assert not kind.recognise("students.csv", sims)
    assert not kind.recognise("x.pdf", b"%PDF-1.4")
    request = ImportRequest(
        school=school, data=SAMPLE.read_bytes(), filename="map.csv", today=TODAY
    )
    planned = kind.plan(request)
    assert planned.summary["applied"] is False and planned.errors == []
    assert not Enrolment.objects.exists()
    done = kind.apply(request, senco)
    assert done.summary["applied"] is True and done.summary["enrolments_created"] == 5
    assert Enrolment.objects.count() == 5


def test_the_preview_page_shows_what_would_change_and_each_refused_row(
    school: School, pupils: list[Pupil]
) -> None:
    from django.template.loader import render_to_string

    data = SAMPLE.read_bytes() + f"{UPNS[5]},Lexia,Dyslexia,TA,6,3,20,24,16.50,35,,,,\n".encode()
    kind = IMPORT_KINDS.get("provision")
    assert kind is not None
    outcome = kind.plan(ImportRequest(school=school, data=data, filename="map.csv", today=TODAY))
    page = render_to_string(kind.preview_template, {"outcome": outcome, "kind": kind, "token": "t"})
    assert "Check the import of map.csv" in page
    assert "New interventions are added as wave 2" in page and "Nurture group" in page
    assert "Rows that will be skipped" in page
    assert "The need &#x27;Dyslexia&#x27; is not a need type" in page
    assert 'name="action" value="confirm"' in page


CELL = st.one_of(
    st.text(max_size=30),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["", "£16.50", "1,000", "1e999", "NaN", "-0", "0.5", "31/02/2026", "SPLD"]),
    st.none(),
    st.booleans(),
)


@given(cells=st.lists(CELL, min_size=0, max_size=16))
def test_any_row_is_read_or_refused_with_problems_never_an_exception(cells: list[object]) -> None:
    header = importing._match(1, HEADER.split(","), {})
    line, problems = importing._read_line(2, cells, header, {UPNS[0]: 1})
    assert (line is None) == bool(problems)
    for problem in problems:
        assert problem.row == 2 and problem.message
