"""The import service on real sample exports: plan, apply, re-import, discrepancies, leavers."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from sendreg import cli
from sendreg.accounts.models import School, User
from sendreg.audit.models import AuditEvent
from sendreg.imports import services
from sendreg.imports.models import ColumnMapping, ImportRun
from sendreg.imports.parsers import ImportRefused
from sendreg.imports.services import import_apply, import_plan
from sendreg.pupils.models import Pupil, TeachingGroup
from sendreg.pupils.rules import make_upn
from sendreg.pupils.services import pupil_update
from sendreg.register.models import MisSenRecord, SenEpisode
from sendreg.register.selectors import accept_mis_plan, discrepancies_for, pupil_sen_summary
from sendreg.register.services import discrepancy_accept_mis, discrepancy_request_correction
from tests.conftest import TODAY, current_needs, put_on_register

DATA = Path(__file__).resolve().parent.parent / "data"
SIMS = DATA / "sims_students.csv"


def _import(school: School, path: Path = SIMS, *, data: bytes | None = None, **options):
    return import_apply(
        school=school,
        data=data if data is not None else path.read_bytes(),
        filename=path.name,
        by=options.pop("by", None),
        today=options.pop("today", TODAY),
        **options,
    )


def _rewrite(path: Path, old: str, new: str) -> bytes:
    text = path.read_bytes().decode("utf-8-sig")
    assert old in text
    return text.replace(old, new, 1).encode("utf-8")


def test_first_import_creates_pupils_and_seeds_the_empty_register(school, office):
    plan, run = _import(school, by=office)

    assert plan.summary()["created"] == 20
    assert Pupil.objects.filter(school=school).count() == 20
    campbell = Pupil.objects.get(upn="H801200019003")
    assert campbell.legal_surname == "Campbell"
    assert campbell.date_of_birth == dt.date(2013, 6, 21)
    assert campbell.fsm is True and campbell.pupil_premium is True
    summary = pupil_sen_summary(campbell, day=TODAY)
    assert summary.status == "E"
    assert current_needs(campbell) == ["ASD", "SLCN"]
    assert SenEpisode.objects.filter(pupil__school=school).count() == len(plan.seeds) == 9
    assert run.summary["register_seeded"] == 9
    seeded = AuditEvent.objects.filter(
        type=AuditEvent.Type.SEN_STATUS_CHANGED, pupil_id=campbell.pk
    )
    assert seeded.get().source.startswith("import of sims_students.csv")
    assert plan.discrepancies == []


def test_reimporting_the_same_file_changes_nothing(school, office):
    _import(school, by=office)
    events_before = AuditEvent.objects.count()

    plan, _ = _import(school, by=office)

    assert (plan.summary()["created"], plan.summary()["updated"]) == (0, 0)
    assert plan.unchanged == 20
    assert plan.seeds == []
    # Only the import itself is recorded.
    assert AuditEvent.objects.count() == events_before + 1
    assert AuditEvent.objects.latest("id").type == AuditEvent.Type.IMPORT_APPLIED


def test_changed_details_are_updated_and_audited_with_the_file(school, office):
    _import(school, by=office)
    data = _rewrite(SIMS, "Campbell,Noah,,21/06/2013,M,7,7B", "Campbell,Noah,,21/06/2013,M,7,7C")

    plan, _ = _import(school, data=data, by=office)

    assert plan.summary()["updated"] == 1 and plan.unchanged == 19
    campbell = Pupil.objects.get(upn="H801200019003")
    assert campbell.reg_group == "7C"
    event = AuditEvent.objects.get(type=AuditEvent.Type.PUPIL_UPDATED, pupil_id=campbell.pk)
    assert (event.old, event.new) == ({"reg_group": "7B"}, {"reg_group": "7C"})
    assert event.actor_id == office.pk
    assert "sims_students.csv" in event.source


def test_an_edit_in_sendreg_is_compared_in_full_by_the_next_import(school, office):
    _import(school, by=office)
    baker = Pupil.objects.get(upn="U801200019002")
    pupil_update(pupil=baker, data={"reg_group": "7Z"}, by=office)

    plan, _ = _import(school, by=office)

    # The MIS is the source of pupil details: its value comes back.
    assert [c.changes for c in plan.updates] == [{"reg_group": ("7Z", "7A")}]
    baker.refresh_from_db()
    assert baker.reg_group == "7A"


def test_after_seeding_the_mis_never_changes_the_register(school, office, senco):
    _import(school, by=office)
    # The MIS now says Ahmed has an EHC plan; the register still says K.
    data = _rewrite(SIMS, ",7,7A,K,SPLD,", ",7,7A,E,SPLD,")

    plan, _ = _import(school, data=data, by=office)

    ahmed = Pupil.objects.get(upn="E801200019001")
    assert pupil_sen_summary(ahmed, day=TODAY).status == "K"
    assert [d.as_json() for d in plan.discrepancies] == [
        {"upn": "E801200019001", "field": "status", "mis": "E", "register": "K"}
    ]
    membership = senco.memberships.get()
    assert [(d.upn, d.field) for d in discrepancies_for(membership, day=TODAY)] == [
        ("E801200019001", "status")
    ]


def test_accepting_the_mis_value_is_an_audited_register_change(school, office, senco):
    _import(school, by=office)
    _import(school, data=_rewrite(SIMS, ",7,7A,K,SPLD,", ",7,7A,E,SPLD,"), by=office)
    ahmed = Pupil.objects.get(upn="E801200019001")

    discrepancy_accept_mis(
        record=ahmed.mis_sen,
        by=senco,
        today=TODAY,
        effective=TODAY,
        reason="The LA issued the plan.",
        expected_version=ahmed.sen_version,
    )

    assert pupil_sen_summary(ahmed, day=TODAY).status == "E"
    event = AuditEvent.objects.filter(pupil_id=ahmed.pk).latest("id")
    assert event.type == AuditEvent.Type.SEN_STATUS_CHANGED
    assert event.actor_id == senco.pk and event.old["status"] == "K"
    assert event.reason == "The LA issued the plan."
    # Like any change of status, the parents are to be told.
    assert ahmed.notifications.get().to_status == "E"
    assert discrepancies_for(senco.memberships.get(), day=TODAY) == []


def test_an_mis_status_that_is_no_census_code_is_never_accepted(school, office, senco):
    _import(school, by=office)
    ahmed = Pupil.objects.get(upn="E801200019001")
    MisSenRecord.objects.filter(pupil=ahmed).update(status="SEN Stage 3")
    ahmed.refresh_from_db()

    plan = accept_mis_plan(ahmed.mis_sen)
    assert plan.refused.startswith("The MIS holds 'SEN Stage 3', which is not an SEN provision")
    with pytest.raises(ValidationError):
        discrepancy_accept_mis(
            record=ahmed.mis_sen, by=senco, today=TODAY, effective=TODAY, reason="x",
            expected_version=ahmed.sen_version,
        )  # fmt: skip
    # Still on the register: an unknown value never reads as "no SEN".
    assert pupil_sen_summary(ahmed, day=TODAY).status == "K"


def test_mis_marked_for_correction_stays_visible_until_the_mis_changes(school, office, senco):
    _import(school, by=office)
    changed = _rewrite(SIMS, ",7,7A,K,SPLD,", ",7,7A,E,SPLD,")
    _import(school, data=changed, by=office)
    ahmed = Pupil.objects.get(upn="E801200019001")

    discrepancy_request_correction(record=ahmed.mis_sen, by=senco)
    _import(school, data=changed, by=office)

    (still,) = discrepancies_for(senco.memberships.get(), day=TODAY)
    assert still.correction_requested
    # The office corrects the MIS: the next import agrees with the register.
    _import(school, by=office)
    assert discrepancies_for(senco.memberships.get(), day=TODAY) == []
    assert MisSenRecord.objects.get(pupil=ahmed).correction_requested_at is None


def test_rule_breaking_mis_values_are_not_seeded_but_listed(school, office):
    data = _rewrite(SIMS, ",7,7A,K,SPLD,", ",7,7A,E,NSA,")

    plan, _ = _import(school, data=data, by=office)

    ahmed = Pupil.objects.get(upn="E801200019001")
    assert pupil_sen_summary(ahmed, day=TODAY).status is None
    (problem,) = plan.seed_problems
    assert problem.row == 2 and problem.upn == "E801200019001"
    assert "NSA" in problem.message and "Not copied" in problem.message
    assert {d.field for d in plan.discrepancies if d.upn == ahmed.upn} == {"status", "needs"}


def test_statement_code_s_is_seeded_as_ehc_plan(school, office):
    data = (DATA / "bad_rows.csv").read_bytes()

    plan, _ = _import(school, data=data, by=office)

    stan = Pupil.objects.get(upn="R801200024908")
    assert pupil_sen_summary(stan, day=TODAY).status == "E"
    assert any("S" in w.message and w.row == 11 for w in plan.warnings)


def test_bad_rows_are_skipped_and_the_rest_imported(school, office):
    plan, _ = _import(school, DATA / "bad_rows.csv", by=office)

    error_rows = sorted({p.row for p in plan.errors})
    assert error_rows == [3, 4, 6, 7, 8, 9]
    imported = set(Pupil.objects.filter(school=school).values_list("upn", flat=True))
    assert "T801200024901" in imported and "W801200024903" in imported
    assert "K801200024904" not in imported  # 31/02/2012 is not a date


def test_whole_roll_lists_possible_leavers_and_marks_only_those_chosen(school, office):
    _import(school, by=office)
    extra = Pupil.objects.create(
        school=school,
        upn="D801200024999",
        legal_surname="Gone",
        legal_forename="Gabe",
        date_of_birth=dt.date(2012, 1, 1),
    )
    plan = import_plan(
        school=school, data=SIMS.read_bytes(), filename="s.csv", whole_roll=True, today=TODAY
    )
    assert [leaver.upn for leaver in plan.possible_leavers] == ["D801200024999"]

    plan, run = _import(
        school, by=office, whole_roll=True, leavers=[extra.pk], left_on=dt.date(2025, 10, 31)
    )

    extra.refresh_from_db()
    assert extra.leaving_date == dt.date(2025, 10, 31)
    assert run.summary["left"] == ["D801200024999"]
    assert Pupil.objects.filter(pk=extra.pk).exists()  # nothing is ever deleted
    assert AuditEvent.objects.filter(type=AuditEvent.Type.PUPIL_LEFT, pupil_id=extra.pk).exists()


def test_whole_roll_is_detected_from_the_size_of_the_file(school, office):
    _import(school, by=office)
    Pupil.objects.create(
        school=school,
        upn="D801200024999",
        legal_surname="Gone",
        legal_forename="Gabe",
        date_of_birth=dt.date(2012, 1, 1),
    )
    plan = import_plan(school=school, data=SIMS.read_bytes(), filename="s.csv", today=TODAY)
    assert plan.whole_roll
    assert [leaver.upn for leaver in plan.possible_leavers] == ["D801200024999"]

    small = b"UPN,Surname,Forename,DOB\r\nE801200019001,Ahmed,Yusuf,14/03/2013\r\n"
    plan = import_plan(school=school, data=small, filename="one.csv", today=TODAY)
    assert not plan.whole_roll and plan.possible_leavers == []


def test_class_list_sets_who_teaches_whom(school, office, teacher, login):
    _import(school, by=office)
    teacher.name = "Jane Patel"
    teacher.save(update_fields=["name"])

    plan, _ = _import(school, DATA / "class_list.csv", by=office)

    group = TeachingGroup.objects.get(school=school, name="7A/Ma1")
    assert set(group.pupils.values_list("upn", flat=True)) == {"E801200019001", "U801200019002"}
    assert list(group.teachers.all()) == [teacher]
    audited = AuditEvent.objects.filter(type=AuditEvent.Type.CLASSES_CHANGED)
    assert audited.count() == len(plan.new_groups) and audited.count() >= 1
    assert {e.target_id for e in audited} == set(
        TeachingGroup.objects.filter(school=school).values_list("pk", flat=True)
    )
    assert all(e.actor_id == office.pk and "class_list.csv" in e.source for e in audited)
    assert any("Mr D Okafor" in w.message for w in plan.warnings)
    pupil = Pupil.objects.get(upn="E801200019001")
    assert login(teacher).get(f"/pupils/{pupil.pk}/").status_code == 200
    assert (
        login(teacher).get(f"/pupils/{Pupil.objects.get(upn='Y801200020005').pk}/").status_code
        == 404
    )


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "empty"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "password"),
        (b"Name,Age\r\nFred,12\r\n", "UPN"),
    ],
)
def test_unusable_files_are_refused_and_change_nothing(school, office, data, expected):
    with pytest.raises(ImportRefused, match=expected):
        _import(school, data=data, by=office)
    assert not Pupil.objects.exists() and not ImportRun.objects.exists()


def test_file_over_the_size_limit_is_refused(school, office, settings):
    settings.SENDREG_IMPORT_MAX_MB = 0
    with pytest.raises(ImportRefused, match="MB"):
        _import(school, by=office)


def test_a_failure_while_applying_leaves_the_database_as_it_was(school, office, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_apply_mis_records", explode)
    with pytest.raises(RuntimeError):
        _import(school, by=office)
    assert not Pupil.objects.exists()
    assert not AuditEvent.objects.exists() and not ImportRun.objects.exists()


def test_a_mapping_is_saved_and_reused(school, office):
    text = SIMS.read_bytes().decode("utf-8-sig").replace("UPN,", "Pupil Ref,", 1)
    data = text.encode()
    with pytest.raises(ImportRefused, match="UPN"):
        _import(school, data=data, by=office)

    _import(school, data=data, by=office, mapping={"upn": "Pupil Ref"})
    assert ColumnMapping.objects.get(school=school).mapping == {"upn": "Pupil Ref"}
    plan, _ = _import(school, data=data, by=office)
    assert plan.unchanged == 20


def test_register_changes_by_the_senco_stand_against_the_mis(school, office, senco):
    _import(school, by=office)
    baker = Pupil.objects.get(upn="U801200019002")
    put_on_register(baker, by=senco, needs=("SLCN",))

    plan, _ = _import(school, by=office)

    assert {(d.upn, d.field, d.mis, d.register) for d in plan.discrepancies} == {
        ("U801200019002", "status", "", "K"),
        ("U801200019002", "needs", "", "SLCN"),
    }


# --- the command line ---------------------------------------------------------------------


def test_cli_import_json_shape_and_dry_run(school, capsys):
    assert cli.main(["import", str(SIMS), "--school", school.urn, "--dry-run", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {
        "created",
        "updated",
        "unchanged",
        "errors",
        "warnings",
        "discrepancies",
        "possible_leavers",
    } <= set(out)
    assert (out["created"], out["applied"]) == (20, False)
    assert not Pupil.objects.exists()

    assert cli.main(["import", str(DATA / "bad_rows.csv"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"row": 4, "field": "upn"} == {k: out["errors"][1][k] for k in ("row", "field")}
    assert "expected" in out["errors"][1]["message"] or "need" in out["errors"][1]["message"]


def test_cli_refuses_an_unrecognised_layout_with_the_columns_found(school, tmp_path, capsys):
    path = tmp_path / "odd.csv"
    path.write_text("Pupil Ref,Family Name,Given Name,Born\r\nX,Y,Z,01/01/2012\r\n")

    assert cli.main(["import", str(path)]) == 1
    err = capsys.readouterr().err
    assert "UPN" in err and "Pupil Ref" in err

    maps = ["UPN=Pupil Ref", "Surname=Family Name", "Forename=Given Name", "DOB=Born"]
    args = [arg for m in maps for arg in ("--map", m)]
    assert cli.main(["import", str(path), *args, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["errors"][0]["field"] == "upn"  # "X" is not a UPN, but the layout is understood


def test_cli_import_by_is_named_in_the_audit_trail(school):
    assert cli.main(["import", str(SIMS)]) == 0
    event = AuditEvent.objects.get(type=AuditEvent.Type.IMPORT_APPLIED)
    assert event.actor_id is None and "command line" in event.actor_label


def test_users_are_unaffected_by_imports(school, office):
    _import(school, by=office)
    assert User.objects.count() == 1


def test_a_change_made_while_the_file_is_planned_is_planned_again_not_overwritten_blind(
    school, office, monkeypatch
):
    """The import plans outside its transaction; if anything changed meanwhile, it plans
    again under the lock, so its audit trail says what it really changed."""
    _import(school, by=office)
    ahmed = Pupil.objects.get(upn="E801200019001")
    changed = _rewrite(SIMS, ",96.4,", ",90.0,")
    planned = []
    real_plan = services.import_plan

    def plan_then_someone_edits(**options):
        planned.append(1)
        plan = real_plan(**options)
        if len(planned) == 1:
            pupil_update(pupil=ahmed, data={"attendance": Decimal("50.0")}, by=office)
        return plan

    monkeypatch.setattr(services, "import_plan", plan_then_someone_edits)
    _import(school, data=changed, by=office)

    assert len(planned) == 2
    ahmed.refresh_from_db()
    assert ahmed.attendance == Decimal("90.0")
    event = AuditEvent.objects.filter(
        type=AuditEvent.Type.PUPIL_UPDATED, pupil_id=ahmed.pk, source__startswith="import"
    ).latest("id")
    assert event.old == {"attendance": "50.00"} and event.new == {"attendance": "90"}


def test_the_import_writes_in_a_number_of_queries_that_does_not_grow_with_the_file(
    school, office, django_assert_max_num_queries
):
    rows = "".join(
        f"{make_upn(801, 2000, 20, n)},Smith,Ann,01/09/2012,{80 + n % 20}\r\n" for n in range(300)
    )
    data = ("UPN,Legal Surname,Legal Forename,DOB,Attendance %\r\n" + rows).encode()
    with django_assert_max_num_queries(30):
        _import(school, data=data, by=office)
    with django_assert_max_num_queries(30):
        _import(school, data=data.replace(b",Ann,", b",Anne,"), by=office)
    assert Pupil.objects.filter(legal_forename="Anne").count() == 300
    assert AuditEvent.objects.filter(type=AuditEvent.Type.PUPIL_UPDATED).count() == 300
