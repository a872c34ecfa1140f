"""``sendreg ehc record``: a tracker's history scripted in, checked like the pages."""

from __future__ import annotations

import json

import pytest

from sendreg import cli
from sendreg.accounts.models import User
from sendreg.audit.models import AuditEvent
from sendreg.ehc import rules
from sendreg.ehc.models import EhcClock, EhcEvent
from sendreg.pupils.models import Pupil
from tests.conftest import put_on_register

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_today")]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_record_a_history_and_read_the_json(
    capsys: pytest.CaptureFixture[str], pupil: Pupil
) -> None:
    assert (
        run(capsys, "ehc", "record", pupil.upn, "--event", "request", "--date", "2025-01-06")[0]
        == 0
    )
    code, out, _ = run(
        capsys, "ehc", "record", pupil.upn.lower(), "--event", "plan_issued",
        "--date", "2025-05-19", "--json",
    )  # fmt: skip
    assert code == 0
    shown = json.loads(out)
    assert {k: v for k, v in shown.items() if k != "deadlines"} == {
        "upn": pupil.upn,
        "name": "Maisie Young",
        "event": "plan_issued",
        "date": "2025-05-19",
        "stage": "plan",
        "register_status": "",
        "register_change_offered": True,
    }
    by_kind = {d["kind"]: d for d in shown["deadlines"]}
    assert by_kind["ehc_final_plan"] == {
        "upn": pupil.upn, "name": "Maisie Young", "kind": "ehc_final_plan", "due": "2025-05-26",
        "status": "done",
        "detail": "The final EHC plan is due within 20 weeks of the request made on 6 January "
                  "2025. Done on 19 May 2025.",
    }  # fmt: skip
    assert by_kind["ehc_annual_review"]["due"] == "2026-05-19"
    assert by_kind["ehc_annual_review"]["status"] == "upcoming"
    audit = AuditEvent.objects.filter(type="ehc.event_recorded")
    assert audit.count() == 2
    assert {a.actor_label for a in audit} == {"sendreg command line"}
    assert set(EhcEvent.objects.values_list("source", flat=True)) == {"command line"}


def test_a_review_before_a_plan_is_refused_clearly(
    capsys: pytest.CaptureFixture[str], pupil: Pupil
) -> None:
    code, out, err = run(
        capsys, "ehc", "record", pupil.upn, "--event", "review_held", "--date", "2025-06-01"
    )
    assert code == 1
    assert out == ""
    message = rules.REVIEW_NEEDS_PLAN.format(event="annual review meeting held", date="1 June 2025")
    assert err == f"sendreg: {message}\n"
    code, out, _ = run(
        capsys,
        "ehc",
        "record",
        pupil.upn,
        "--event",
        "review_held",
        "--date",
        "2025-06-01",
        "--json",
    )
    assert code == 1
    assert json.loads(out) == {"refused": message}
    assert not EhcEvent.objects.exists()


def test_next_review_date_is_the_meeting(capsys: pytest.CaptureFixture[str], pupil: Pupil) -> None:
    run(capsys, "ehc", "record", pupil.upn, "--event", "plan_issued", "--date", "2025-01-10")
    code, out, _ = run(
        capsys, "ehc", "record", pupil.upn, "--event", "review_scheduled", "--date", "2026-01-08"
    )
    assert code == 0
    event = EhcEvent.objects.get(kind="review_scheduled")
    assert event.meeting_on.isoformat() == "2026-01-08"
    assert event.on.isoformat() == "2025-11-12"  # arranged by today at the latest
    assert "EHC: review invitations and advice" in out


def test_text_output_offers_the_register_change(
    capsys: pytest.CaptureFixture[str], pupil: Pupil, senco: User
) -> None:
    put_on_register(pupil, by=senco, status="K")
    code, out, _ = run(
        capsys, "ehc", "record", pupil.upn, "--event", "plan_issued", "--date", "2025-09-01"
    )
    assert code == 0
    assert out.startswith("Recorded for Maisie Young")
    assert "is not E on the SEN register" in out
    assert "sendreg never changes it from here" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["ehc", "record", "A123456789012", "--event", "request", "--date", "2025-01-01"],
         "sendreg: No pupil with UPN A123456789012 at Oakfield Academy.\n"),
        (["ehc", "record", "{upn}", "--event", "request", "--date", "01/02/2025"],
         "sendreg: --date must be a date written YYYY-MM-DD, such as 2026-03-02, "
         "not '01/02/2025'.\n"),
    ],
)  # fmt: skip
def test_mistakes_the_user_can_fix(
    capsys: pytest.CaptureFixture[str], pupil: Pupil, argv: list[str], message: str
) -> None:
    code, _, err = run(capsys, *[a.format(upn=pupil.upn) for a in argv])
    assert code == 2
    assert err == message


def test_an_unknown_event_is_refused_by_the_parser(
    capsys: pytest.CaptureFixture[str], pupil: Pupil
) -> None:
    with pytest.raises(SystemExit):
        cli.main(["ehc", "record", pupil.upn, "--event", "tea_party", "--date", "2025-01-01"])
    assert "invalid choice: 'tea_party'" in capsys.readouterr().err


def test_keep_clocks_works_out_every_record_again(
    capsys: pytest.CaptureFixture[str], planned: Pupil
) -> None:
    EhcClock.objects.update(open_duties=None)
    code, out, _ = run(capsys, "ehc", "keep-clocks", "--json")
    assert code == 0
    assert json.loads(out) == {"kept": 1}
    assert EhcClock.objects.get(pupil=planned).open_duties is not None
    code, out, _ = run(capsys, "ehc", "keep-clocks", "--school", planned.school.urn)
    assert code == 0
    assert out == f"EHC records whose deadlines were worked out again: 1 ({planned.school.name}).\n"
