"""The analysis and findings pages: names for the SENCO, none and no small numbers for
governors, charts with their tables, notes through the services, and no write on GET."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from sendreg.accounts.models import School, User
from sendreg.audit.models import AuditEvent
from sendreg.insight.models import CaseNote, FindingNote, Snapshot
from sendreg.pupils.models import Pupil
from tests.conftest import TODAY, put_on_register
from tests.factories import PupilFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_today")]


@pytest.fixture
def register(school: School, senco: User) -> list[Pupil]:
    """Three pupils on SEN support with no plan, one persistently absent (exactly 90%)."""
    pupils = [
        PupilFactory(
            school=school, legal_forename="Zara", legal_surname="Quinn", attendance=Decimal("90")
        ),
        PupilFactory(school=school, legal_forename="Ollie", legal_surname="Reed"),
        PupilFactory(school=school, legal_forename="Pam", legal_surname="Stone"),
    ]
    for p in pupils:
        put_on_register(p, by=senco, status="K", needs=("SPLD",), on=dt.date(2025, 9, 3))
    PupilFactory.create_batch(7, school=school)
    return pupils


def test_senco_sees_the_pupils_concerned_named(login: Any, senco: User, register: Any) -> None:
    page = login(senco).get("/insight/findings/").content.decode()
    assert "Zara Quinn" in page and "Ollie Reed" in page
    assert "with attendance of 90% or below and no open support plan" in page
    assert 'action="/insight/findings/no_plan/note/"' in page
    assert not Snapshot.objects.exists()


def test_governor_sees_no_name_and_no_small_number(
    login: Any, governor: User, register: Any
) -> None:
    findings = login(governor).get("/insight/findings/").content.decode()
    assert "Zara" not in findings and "Quinn" not in findings
    assert "Pupils or needs concerned: fewer than 5" in findings
    assert "/note/" not in findings and "Take today" not in findings
    analysis = login(governor).get("/insight/").content.decode()
    assert "Zara" not in analysis
    # Three on SEN support: withheld, and the percentage computed from it too.
    assert "<td>fewer than 5</td>" in analysis
    assert "30.0%" not in analysis


def test_analysis_has_charts_with_their_tables(login: Any, senco: User, register: Any) -> None:
    page = login(senco).get("/insight/").content.decode()
    assert page.count('role="img"') >= 5
    assert "<title id=" in page and "<caption>Primary need</caption>" in page
    assert "30.0%" in page  # three of ten on SEN support
    assert "style=" not in page


def test_a_past_day_reads_its_snapshot(login: Any, senco: User, register: Any) -> None:
    client = login(senco)
    assert client.post("/insight/snapshot/").status_code == 302
    snapshot = Snapshot.objects.get()
    assert snapshot.taken_on == TODAY and snapshot.taken_by == senco
    page = client.get(f"/insight/?date={TODAY:%Y-%m-%d}").content.decode()
    assert "from the snapshot taken on" in page


def test_notes_are_saved_through_the_service_and_audited(
    login: Any, senco: User, register: list[Pupil]
) -> None:
    client = login(senco)
    client.post("/insight/findings/no_plan/note/", {"note": "Plans due.", "action": "Open them."})
    note = FindingNote.objects.get()
    assert (note.key, note.note, note.action) == ("no_plan", "Plans due.", "Open them.")
    client.post(
        "/insight/findings/cases/", {"upn": register[0].upn, "text": "Three agencies involved."}
    )
    assert CaseNote.objects.get().text == "Three agencies involved."
    types = set(AuditEvent.objects.values_list("type", flat=True))
    assert {"insight.finding_noted", "insight.case_noted"} <= types
    page = client.get("/insight/findings/").content.decode()
    assert "Three agencies involved." in page and "Open them." in page


def test_case_note_too_long_changes_nothing(login: Any, senco: User, register: list[Pupil]) -> None:
    response = login(senco).post(
        "/insight/findings/cases/", {"upn": register[0].upn, "text": "x" * 301}, follow=True
    )
    assert "Write one sentence (no more than 300 characters)." in response.content.decode()
    assert not CaseNote.objects.exists()


def test_home_panel_counts_the_findings_of_the_latest_snapshot(
    login: Any, senco: User, governor: User, register: Any
) -> None:
    client = login(senco)
    assert "No snapshot of the register has been taken yet." in client.get("/").content.decode()
    client.post("/insight/snapshot/")
    page = client.get("/").content.decode()
    assert "At the snapshot of 12 November 2025" in page
    assert "Which pupils on the register have no open support plan? <strong>3</strong>" in page
    assert "findings" not in login(governor).get("/").content.decode().lower()


def test_a_special_school_is_told_its_phase_figures_are_not_held(
    login: Any, senco: User, school: School, register: Any
) -> None:
    school.phase = "SP"
    school.save()
    page = login(senco).get("/insight/").content.decode()
    assert "sendreg holds no checked figures for special schools" in page
    school.phase = "SS"
    school.save()
    page = login(senco).get("/insight/").content.decode()
    assert "holds no checked figures" not in page
    assert "for all schools only, so those two are for all schools" in page
