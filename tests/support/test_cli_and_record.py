"""``sendreg plans``, the pupil's whole record as the support app gives it, and the demo."""

from __future__ import annotations

import json

import pytest

from sendreg import cli
from sendreg.accounts.models import School, User
from sendreg.lib.documents import DOCX_TYPE, PDF_TYPE
from sendreg.lib.extensions import PUPIL_RECORD_PARTS
from sendreg.pupils.models import Pupil
from sendreg.support import rules, services
from sendreg.support.models import (
    ParentMeeting,
    Passport,
    PlanReview,
    SpecialistReport,
    SupportPlan,
)
from sendreg.support.selectors import due_lists
from tests.conftest import TODAY
from tests.documents.readers import pdf_text
from tests.support.conftest import DAY, open_plan, review_plan
from tests.support.test_rules import DOCX

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_today")]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_plans_json_lists_each_open_plan(
    capsys: pytest.CaptureFixture[str], plan: SupportPlan, senco: User, school: School
) -> None:
    code, out, _ = run(capsys, "plans", "--json")
    assert code == 0
    assert json.loads(out) == [
        {
            "upn": plan.pupil.upn,
            "name": "Maisie Young",
            "opened": (TODAY - 30 * DAY).isoformat(),
            "review_due": (TODAY + 60 * DAY).isoformat(),
            "outcomes": [
                {
                    "text": "Read a page aloud",
                    "measure": "Words read correctly a minute",
                    "baseline": "48",
                    "target": "70",
                },
                {
                    "text": "Ask for help in class",
                    "measure": "Times asked a lesson",
                    "baseline": "0",
                    "target": "2",
                },
            ],
            "status": "open",
        }
    ]


def test_plans_leaves_out_reviewed_plans_and_leavers(
    capsys: pytest.CaptureFixture[str], plan: SupportPlan, senco: User, school: School
) -> None:
    review_plan(plan, senco)
    code, out, _ = run(capsys, "plans", "--json", "--school", school.urn)
    assert (code, json.loads(out)) == (0, [])
    plan.refresh_from_db()
    following = open_plan(plan.pupil, senco, opened_on=TODAY, previous=plan)
    Pupil.objects.filter(pk=plan.pupil_id).update(leaving_date=TODAY - DAY)
    code, out, _ = run(capsys, "plans", "--json")
    assert json.loads(out) == []
    assert following.is_open


def test_plans_as_text(capsys: pytest.CaptureFixture[str], plan: SupportPlan) -> None:
    code, out, _ = run(capsys, "plans")
    assert code == 0
    assert out == (
        f"{plan.pupil.upn}  Maisie Young  opened {(TODAY - 30 * DAY).isoformat()}  "
        f"review {(TODAY + 60 * DAY).isoformat()}  2 outcomes\n1 open support plan.\n"
    )


def test_plans_names_an_unknown_school(capsys: pytest.CaptureFixture[str], school: School) -> None:
    code, _, err = run(capsys, "plans", "--school", "999999")
    assert code == 2
    assert "No school has URN 999999" in err


# --- The pupil's whole record ---------------------------------------------------------------------


def test_the_record_part_holds_every_row_and_file(
    plan: SupportPlan, senco: User, teacher: User
) -> None:
    pupil = plan.pupil
    services.assessment_add(
        plan=plan, source="teacher", recorded_on=TODAY, text="Reads slowly.", by=senco, today=TODAY
    )
    review_plan(plan, senco, results=[rules.OutcomeResult.MET, rules.OutcomeResult.NOT_MET])
    plan.refresh_from_db()
    open_plan(pupil, senco, opened_on=TODAY, previous=plan)
    services.meeting_record(pupil=pupil, held_on=TODAY, attendees="Mum", by=senco, today=TODAY)
    involvement = services.specialist_add(
        pupil=pupil,
        data={"service": "ot", "recommendations": "Pencil grip."},
        by=senco,
        today=TODAY,
    )
    services.specialist_visit_add(involvement=involvement, visited_on=TODAY, by=senco, today=TODAY)
    services.specialist_report_add(
        involvement=involvement,
        content=DOCX,
        name="OT.docx",
        received_on=TODAY,
        by=senco,
        today=TODAY,
    )
    services.passport_save(pupil=pupil, data={"about_me": "I like maps."}, by=senco, today=TODAY)

    part = PUPIL_RECORD_PARTS.get("support")
    assert part is not None
    data = part.data(pupil)
    json.dumps(data)
    first, second = data["plans"]
    assert first["number"] == 1
    assert first["assessments"][0]["text"] == "Reads slowly."
    assert [o["result"] for o in first["outcomes"]] == ["met", "not_met"]
    assert first["review"]["decision"] == "continue"
    assert first["review"]["adequate_progress"] is True
    assert second["review"] is None
    assert data["meetings"][0]["attendees"] == "Mum"
    assert data["meetings"][0]["plan"] == 2
    assert data["specialists"][0]["service_label"] == "Occupational therapy"
    assert data["specialists"][0]["visits"] == [{"visited_on": TODAY.isoformat(), "note": ""}]
    assert data["specialists"][0]["reports"][0]["original_name"] == "OT.docx"
    assert data["passport"]["about_me"] == "I like maps."

    assert part.files is not None
    files = {f.name: f for f in part.files(pupil)}
    assert set(files) == {
        "support-plan-1.pdf",
        "support-plan-1-review.pdf",
        "support-plan-2.pdf",
        "passport.pdf",
        f"specialist-ot-{TODAY.isoformat()}-1.docx",
    }
    assert files["support-plan-1-review.pdf"].content_type == PDF_TYPE
    assert "Review of support plan 1" in pdf_text(files["support-plan-1-review.pdf"].content)
    report = files[f"specialist-ot-{TODAY.isoformat()}-1.docx"]
    assert (report.content, report.content_type) == (DOCX, DOCX_TYPE)


def test_the_record_part_of_a_pupil_with_nothing(pupil: Pupil) -> None:
    part = PUPIL_RECORD_PARTS.get("support")
    assert part is not None and part.files is not None
    assert part.data(pupil) == {
        "plans": [],
        "meetings": [],
        "specialists": [],
        "passport": None,
        "passport_suggestions": [],
    }
    assert list(part.files(pupil)) == []


# --- The demo -------------------------------------------------------------------------------------


@pytest.mark.one_pass
def test_the_demo_fills_every_panel(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "demo", "--no-serve", "--pupils", "150")
    assert code == 0
    school = School.objects.get()
    open_plans = SupportPlan.objects.filter(reviewed_on__isnull=True)
    assert open_plans.count() >= 15
    # One or two reviewed cycles behind most open plans.
    with_history = open_plans.filter(previous__isnull=False).count()
    assert with_history >= open_plans.count() // 2
    assert PlanReview.objects.count() >= with_history
    assert SupportPlan.objects.filter(number=3).exists()
    assert ParentMeeting.objects.exists()
    assert Passport.objects.exists()
    reports = list(SpecialistReport.objects.all())
    assert reports and all(r.kind == "pdf" for r in reports)
    with reports[0].file.open("rb") as handle:
        assert "report on" in pdf_text(handle.read())
    due = due_lists(Pupil.objects.filter(school=school), school, day=TODAY, upcoming=False)
    assert due.overdue_reviews
    assert due.no_plan
    assert due.meetings
    # Every plan is for a pupil on the register or the monitoring list, and none overlaps.
    for plan in SupportPlan.objects.select_related("previous"):
        if plan.previous is not None:
            assert plan.previous.reviewed_on is not None
            assert plan.opened_on >= plan.previous.reviewed_on
    code, out, _ = run(capsys, "plans", "--json")
    assert len(json.loads(out)) == open_plans.count()
