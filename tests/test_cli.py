"""The ``sendreg`` command, run in-process against the test database."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest

from sendreg import cli
from sendreg.accounts.models import Membership, School, User
from sendreg.accounts.permissions import Role
from sendreg.audit.models import AuditEvent
from sendreg.pupils.models import Contact, Pupil, TeachingGroup
from sendreg.register.models import (
    CensusDateOverride,
    MonitoringEntry,
    ParentNotification,
    PupilNeed,
    SenEpisode,
)
from sendreg.register.selectors import register_counts
from tests.conftest import TODAY, put_on_register
from tests.factories import PupilFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_today")]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# --- schools and users -------------------------------------------------------------------


def test_school_add_then_list_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "school", "add", "--urn", "123456", "--laestab", "8013000",
        "--name", "Hillcrest Community College",
    )  # fmt: skip
    assert code == 0
    assert out == "Added Hillcrest Community College (123456).\n"

    code, out, _ = run(capsys, "school", "list", "--json")
    assert code == 0
    assert json.loads(out) == [
        {"urn": "123456", "laestab": "8013000", "name": "Hillcrest Community College",
         "phase": "SS"},
    ]  # fmt: skip


def test_school_add_refuses_a_duplicate_urn(
    capsys: pytest.CaptureFixture[str], school: School
) -> None:
    code, out, err = run(
        capsys, "school", "add", "--urn", school.urn, "--laestab", "8013000", "--name", "Copy"
    )
    assert code == 2
    assert out == ""
    assert err == "sendreg: urn: School with this URN already exists.\n"
    assert School.objects.count() == 1


def test_school_add_refuses_a_bad_phase(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys, "school", "add", "--urn", "1", "--laestab", "8013000", "--name", "X",
        "--phase", "ZZ",
    )  # fmt: skip
    assert code == 2
    assert "phase: Value 'ZZ' is not a valid choice." in err
    assert not School.objects.exists()


def test_user_add_with_generated_password(
    capsys: pytest.CaptureFixture[str], school: School
) -> None:
    code, out, _ = run(
        capsys, "user", "add", "New.Teacher@Example.test", "--role", "teacher",
        "--name", "New Teacher", "--generate-password",
    )  # fmt: skip
    assert code == 0
    added, password_line = out.splitlines()
    assert added == "Added new.teacher@example.test as Teacher at Oakfield Academy."
    assert password_line.startswith("Password: ")
    password = password_line.removeprefix("Password: ")
    assert len(password) >= 12
    user = User.objects.get(email="new.teacher@example.test")
    assert user.check_password(password)
    assert user.name == "New Teacher"
    assert Membership.objects.get(user=user).role == Role.TEACHER


def test_user_add_again_changes_the_role_and_keeps_the_password(
    capsys: pytest.CaptureFixture[str], school: School, teacher: User
) -> None:
    password = teacher.password
    code, out, _ = run(capsys, "user", "add", teacher.email, "--role", "head")
    assert code == 0
    assert out == f"Updated {teacher.email} as Headteacher or senior leader at Oakfield Academy.\n"
    teacher.refresh_from_db()
    assert teacher.password == password
    assert Membership.objects.get(user=teacher).role == Role.HEAD


def test_user_add_with_a_bad_role_lists_the_roles(
    capsys: pytest.CaptureFixture[str], school: School
) -> None:
    code, out, err = run(capsys, "user", "add", "x@example.test", "--role", "wizard")
    assert code == 2
    assert out == ""
    assert err == (
        "sendreg: 'wizard' is not a role. The roles are: senco, deputy_senco, teacher, ta, "
        "office, head, governor, adviser.\n"
    )
    assert not User.objects.filter(email="x@example.test").exists()


def test_user_add_without_a_school_says_how_to_add_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run(capsys, "user", "add", "x@example.test", "--role", "senco")
    assert code == 2
    assert "There is no school yet: add one with `sendreg school add`." in err


# --- the register ------------------------------------------------------------------------


@pytest.fixture
def on_register(school: School, senco: User) -> list[Pupil]:
    amy = PupilFactory(school=school, legal_surname="Adams", legal_forename="Amy", year_group=8,
                       reg_group="8B")  # fmt: skip
    ben = PupilFactory(school=school, legal_surname="Brown", legal_forename="Ben",
                       preferred_forename="Benji", year_group=10, reg_group="10A")  # fmt: skip
    PupilFactory(school=school, legal_surname="Clarke", legal_forename="Cara")
    put_on_register(amy, by=senco, needs=("SLCN", "SEMH", "ASD"), on=dt.date(2025, 9, 10))
    put_on_register(ben, by=senco, status="E", needs=("ASD",))
    return [amy, ben]


def test_register_json_lists_pupils_with_needs_in_rank_order(
    capsys: pytest.CaptureFixture[str], on_register: list[Pupil]
) -> None:
    code, out, _ = run(capsys, "register", "--json")
    assert code == 0
    records = json.loads(out)
    assert isinstance(records, list)
    assert [
        {k: r[k] for k in ("upn", "surname", "forename", "year", "status", "needs", "since")}
        for r in records
    ] == [
        {"upn": on_register[0].upn, "surname": "Adams", "forename": "Amy", "year": 8,
         "status": "K", "needs": ["SLCN", "SEMH", "ASD"], "since": "2025-09-10"},
        {"upn": on_register[1].upn, "surname": "Brown", "forename": "Benji", "year": 10,
         "status": "E", "needs": ["ASD"], "since": TODAY.isoformat()},
    ]  # fmt: skip
    assert records[0]["reg_group"] == "8B"
    assert {type(r["eal"]) for r in records} == {bool}


def test_register_csv(capsys: pytest.CaptureFixture[str], on_register: list[Pupil]) -> None:
    code, out, _ = run(capsys, "register", "--csv")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == [
        "upn",
        "surname",
        "forename",
        "year",
        "reg_group",
        "status",
        "since",
        "needs",
    ]
    assert rows[1:] == [
        [on_register[0].upn, "Adams", "Amy", "8", "8B", "K", "2025-09-10", "SLCN SEMH ASD"],
        [on_register[1].upn, "Brown", "Benji", "10", "10A", "E", TODAY.isoformat(), "ASD"],
    ]


def test_register_text_shows_code_meanings(
    capsys: pytest.CaptureFixture[str], on_register: list[Pupil]
) -> None:
    code, out, _ = run(capsys, "register")
    assert code == 0
    assert "Adams, Amy  K  SLCN – Speech, language and communication needs, SEMH –" in out
    assert out.endswith("2 pupils on the SEN register.\n")


def test_register_csv_neutralises_formulas(
    capsys: pytest.CaptureFixture[str], school: School, senco: User
) -> None:
    pupil = PupilFactory(school=school, legal_surname="=cmd|' /C calc'!A0", legal_forename="Eve")
    put_on_register(pupil, by=senco)
    _, out, _ = run(capsys, "register", "--csv")
    assert list(csv.reader(io.StringIO(out)))[1][1] == "'=cmd|' /C calc'!A0"


def test_register_needs_school_when_there_are_two(
    capsys: pytest.CaptureFixture[str], on_register: list[Pupil], other_school: School
) -> None:
    code, out, err = run(capsys, "register", "--json")
    assert code == 2
    assert out == ""
    assert err == "sendreg: There is more than one school: say which with --school URN.\n"

    code, out, _ = run(capsys, "register", "--json", "--school", "100001")
    assert code == 0
    assert len(json.loads(out)) == 2
    code, out, _ = run(capsys, "register", "--json", "--school", other_school.urn)
    assert (code, json.loads(out)) == (0, [])


def test_register_with_unknown_school(capsys: pytest.CaptureFixture[str], school: School) -> None:
    code, _, err = run(capsys, "register", "--school", "999999")
    assert code == 2
    assert err == "sendreg: No school has URN 999999. `sendreg school list` shows them.\n"


def test_register_json_and_csv_are_exclusive(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["register", "--json", "--csv"])
    assert exc.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


# --- census dates -------------------------------------------------------------------------


def test_census_dates_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "census", "dates", "--year", "2025", "--json")
    assert code == 0
    assert json.loads(out) == [
        {"term": "autumn", "date": "2025-10-02"},
        {"term": "spring", "date": "2026-01-15"},
        {"term": "summer", "date": "2026-05-21"},
    ]


def test_census_dates_default_to_this_academic_year(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "census", "dates")
    assert code == 0
    assert out.splitlines() == [
        "Autumn census 2025/26: Thursday 02 October 2025",
        "Spring census 2025/26: Thursday 15 January 2026",
        "Summer census 2025/26: Thursday 21 May 2026",
    ]


def test_census_date_override_replaces_one_term(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "census", "dates", "--year", "2025", "--set", "autumn=2025-10-09", "--json"
    )
    assert code == 0
    assert [d["date"] for d in json.loads(out)] == ["2025-10-09", "2026-01-15", "2026-05-21"]
    override = CensusDateOverride.objects.get()
    assert (override.academic_year, override.term, override.date) == (
        2025,
        "autumn",
        dt.date(2025, 10, 9),
    )

    # Setting it again changes the same override rather than adding another.
    run(capsys, "census", "dates", "--year", "2025", "--set", "autumn=2025-10-16")
    assert CensusDateOverride.objects.get().date == dt.date(2025, 10, 16)
    _, out, _ = run(capsys, "census", "dates", "--year", "2026", "--json")
    assert json.loads(out)[0]["date"] == "2026-10-01"


def test_a_census_date_override_is_in_every_school_s_audit_trail(
    capsys: pytest.CaptureFixture[str], school: School, other_school: School
) -> None:
    """Every school's census check turns on it, so every school's trail records it, with
    the date it replaced: the statutory one first, then the earlier override."""
    run(capsys, "census", "dates", "--year", "2025", "--set", "autumn=2025-10-09")
    run(capsys, "census", "dates", "--year", "2025", "--set", "autumn=2025-10-16")

    for each in (school, other_school):
        events = AuditEvent.objects.filter(
            school_id=each.pk, type=AuditEvent.Type.CENSUS_DATE_SET
        ).order_by("pk")
        assert [(e.old["date"], e.new["date"]) for e in events] == [
            ("2025-10-02", "2025-10-09"),
            ("2025-10-09", "2025-10-16"),
        ]
        assert {e.new["term"] for e in events} == {"autumn"}
        assert all(e.actor_label for e in events)


@pytest.mark.parametrize("value", ["winter=2025-10-09", "autumn=9 Oct", "autumn"])
def test_census_date_override_refuses_bad_values(
    capsys: pytest.CaptureFixture[str], value: str
) -> None:
    code, _, err = run(capsys, "census", "dates", "--year", "2025", "--set", value)
    assert code == 2
    assert err == (
        f"sendreg: {value!r} should look like autumn=2026-10-08 (autumn, spring or summer).\n"
    )
    assert not CensusDateOverride.objects.exists()


# --- the demo school ------------------------------------------------------------------------


def demo_counts() -> dict[str, int]:
    return {
        "schools": School.objects.count(),
        "users": User.objects.count(),
        "pupils": Pupil.objects.count(),
        "groups": TeachingGroup.objects.count(),
        "contacts": Contact.objects.count(),
        "episodes": SenEpisode.objects.count(),
        "needs": PupilNeed.objects.count(),
        "monitoring": MonitoringEntry.objects.count(),
        "events": AuditEvent.objects.count(),
    }


def test_serving_on_a_busy_port_says_so_without_a_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, out, err = run(capsys, "serve", "--port", str(port))
    assert code == 2
    assert f"Cannot serve at 127.0.0.1:{port}" in err and "--port" in err
    assert "Traceback" not in err + out


@pytest.mark.one_pass
def test_demo_fills_a_school_like_the_national_picture_once(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "demo", "--no-serve", "--pupils", "60")
    assert code == 0
    assert out.startswith("Created Oakfield Academy with 60 pupils.\n")
    assert "senco@oakfield.sendreg.test" in out

    school = School.objects.get()
    counts = register_counts(school, day=TODAY)
    assert counts.roll == 60
    # About 5% with an EHC plan and 14% on SEN support nationally.
    assert 2 <= counts.ehc <= 5
    assert 6 <= counts.support <= 11
    # Every pupil on the register has a primary need.
    on_register = SenEpisode.objects.filter(end__isnull=True).values("pupil")
    assert not Pupil.objects.filter(pk__in=on_register, need_history__isnull=True).exists()
    assert PupilNeed.objects.filter(code="NSA", pupil__sen_episodes__status="E").count() == 0
    # The demo logins work with the printed password.
    senco = User.objects.get(email="senco@oakfield.sendreg.test")
    assert senco.check_password("demo-password-2026")
    assert Membership.objects.get(user=senco).role == Role.SENCO
    for role in (Role.DEPUTY_SENCO, Role.ADVISER):
        login = f"{role.value}@oakfield.sendreg.test"
        assert login in out
        assert Membership.objects.get(user__email=login).role == role
    # Every change of status has its parents-to-be-told task, most of them done.
    status_changes = AuditEvent.objects.filter(type=AuditEvent.Type.SEN_STATUS_CHANGED).count()
    notifications = ParentNotification.objects.all()
    assert notifications.count() == status_changes > 0
    assert notifications.filter(sent_on__isnull=False).exists()
    # Nobody is on the register and the monitoring list at once.
    watched = MonitoringEntry.objects.filter(ended_on__isnull=True).values("pupil")
    assert not SenEpisode.objects.filter(pupil__in=watched, end__isnull=True).exists()
    before = demo_counts()

    code, out, _ = run(capsys, "demo", "--no-serve", "--pupils", "60")
    assert code == 0
    assert out.startswith("Oakfield Academy is already there; left as it was.\n")
    assert demo_counts() == before


@pytest.mark.one_pass
def test_the_default_demo_fills_a_thousand_pupils(capsys: pytest.CaptureFixture[str]) -> None:
    # A thousand pupils meet cases sixty do not (a monitoring review soon after a removal).
    code, out, err = run(capsys, "demo", "--no-serve")
    assert (code, err) == (0, "")
    assert Pupil.objects.count() == 1000


@pytest.mark.parametrize("command", ["demo", "serve"])
def test_host_and_port_say_what_they_are(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.build_parser().parse_args([command, "--help"])
    assert exited.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "--host HOST the address to serve on (127.0.0.1: this machine)" in text
    assert "--port PORT the port to serve on (8000)" in text
