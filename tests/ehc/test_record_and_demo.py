"""The pupil's whole record holds the EHC part; the demo has EHC records in every state."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from sendreg.accounts.models import School, User
from sendreg.deadlines.rules import DeadlineStatus
from sendreg.demo import demo_fill
from sendreg.ehc.rules import Stage
from sendreg.ehc.selectors import school_records
from sendreg.ehc.services import ehc_invitee_add
from sendreg.lib.extensions import PUPIL_RECORD_PARTS
from sendreg.pupils.models import Pupil
from tests.documents.readers import pdf_text
from tests.ehc.conftest import record

pytestmark = pytest.mark.django_db


def test_record_part_data_and_files(planned: Pupil, senco: User, on_today: dt.date) -> None:
    part = PUPIL_RECORD_PARTS.get("ehc")
    assert part is not None and part.files is not None
    review = record(planned, senco, "review_scheduled", "2025-09-01", meeting_on="2025-10-01")
    ehc_invitee_add(review=review, name="Ann Young", role="parent", by=senco)
    record(planned, senco, "review_held", "2025-10-01", attendees="Ann", pupil_views="Fine.",
           parent_views="Good.")  # fmt: skip
    data = part.data(planned)
    assert data["stage"] == "plan"
    kinds = [event["kind"] for event in data["events"]]
    assert kinds == ["request", "assessment_agreed", "draft_issued", "draft_response",
                     "plan_issued", "review_scheduled", "review_held"]  # fmt: skip
    assert data["events"][5]["invitees"][0]["name"] == "Ann Young"
    assert data["events"][4]["sections"] == ["A", "B", "E", "F", "I"]
    assert {d["kind"] for d in data["deadlines"]} >= {"ehc_annual_review", "ehc_review_report"}
    files = list(part.files(planned))
    assert [f.name for f in files] == [
        "ehc-record-Young-Maisie.pdf", "ehc-annual-review-Young-Maisie-2025-10-01.pdf",
    ]  # fmt: skip
    summary = pdf_text(files[0].content)
    assert "education, health and care (EHC) plan" in summary
    assert "Final plan issued" in summary and "Bristol City Council" in summary
    assert "Fine." in pdf_text(files[1].content)


def test_a_pupil_with_no_ehc_record_has_no_files(pupil: Pupil, on_today: dt.date) -> None:
    part = PUPIL_RECORD_PARTS.get("ehc")
    assert part is not None and part.files is not None
    assert list(part.files(pupil)) == []
    assert part.data(pupil) == {"stage": "none", "events": [], "due_dates": [], "deadlines": []}


@pytest.mark.one_pass
def test_demo_has_ehc_records_in_every_state_some_overdue(db: None) -> None:
    today = dt.date(2025, 11, 12)
    demo_fill(pupils=300, today=today)
    school = School.objects.get(urn="999001")
    records = school_records(school, today=today)
    stages = Counter(r.stage for r in records)
    assert set(stages) >= {
        Stage.PLAN, Stage.REQUESTED, Stage.ASSESSING, Stage.DRAFT, Stage.NOT_ASSESSED,
        Stage.CEASED,
    }  # fmt: skip
    statuses = Counter((row.duty.kind.value, row.status) for r in records for row in r.rows)
    overdue_kinds = {kind for kind, status in statuses if status == DeadlineStatus.OVERDUE}
    assert overdue_kinds >= {
        "ehc_annual_review", "ehc_review_report", "ehc_la_decision", "ehc_review_invitations",
        "ehc_assessment_decision", "ehc_final_plan",
    }  # fmt: skip
    assert any(status == DeadlineStatus.DUE_SOON for _, status in statuses)
    assert any(r.register_offer for r in records)  # a plan just issued for a pupil on K
    assert not any(r.problem for r in records)
    on_e = [r for r in records if r.sen_status == "E"]
    assert on_e and all(r.plan_in_force for r in on_e)
