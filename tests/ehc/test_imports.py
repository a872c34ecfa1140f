"""The EHC tracker import: preview, errors by row and column, atomic apply, idempotent."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from sendreg.accounts.models import School, User
from sendreg.audit.models import AuditEvent
from sendreg.ehc import imports
from sendreg.ehc.models import EhcEvent
from sendreg.imports.kinds import IMPORT_KINDS, ImportRequest
from sendreg.imports.models import ImportRun
from sendreg.imports.parsers import ImportRefused
from sendreg.pupils.models import Pupil
from tests.conftest import TODAY, put_on_register
from tests.factories import PupilFactory

pytestmark = pytest.mark.django_db


def _request(school: School, text: str, filename: str = "tracker.csv") -> ImportRequest:
    return ImportRequest(school=school, data=text.encode(), filename=filename, today=TODAY)


@pytest.fixture
def two(school: School) -> tuple[Pupil, Pupil]:
    return (
        PupilFactory(school=school, legal_forename="Amy", legal_surname="Ash"),
        PupilFactory(school=school, legal_forename="Ben", legal_surname="Birch"),
    )


def test_the_kind_is_registered_for_the_import_page() -> None:
    kind = IMPORT_KINDS.get("ehc")
    assert kind is imports.EHC_TRACKER
    assert kind.label == "EHC tracker"


def test_recognised_by_its_columns(school: School) -> None:
    assert imports.recognise("t.csv", b"UPN,Request date,Plan issued\n")
    assert imports.recognise("t.csv", b"Title\n\nupn;plan issued;NEXT REVIEW\n")
    assert not imports.recognise("t.csv", b"UPN,Legal Surname,DOB\n")
    assert not imports.recognise("t.pdf", b"%PDF-1.4")


def test_preview_then_apply(school: School, two: tuple[Pupil, Pupil], senco: User) -> None:
    amy, ben = two
    put_on_register(ben, by=senco, status="E", needs=("ASD",))
    text = (
        "UPN,Request date,Plan issued,Last review,Next review\n"
        f"{amy.upn},03/02/2025,,,\n"
        f"{ben.upn},2023-09-01,12/01/2024,15/12/2024,10/12/2025\n"
    )
    outcome = imports.plan(_request(school, text))
    assert outcome.summary == {
        "file": "tracker.csv", "sha256": outcome.summary["sha256"], "kind": "ehc", "rows": 2,
        "pupils": 2, "created": 5, "unchanged": 0, "errors": [], "warnings": [], "applied": False,
    }  # fmt: skip
    assert not EhcEvent.objects.exists()

    applied = imports.apply(_request(school, text), senco)
    assert applied.summary["applied"] is True
    assert set(EhcEvent.objects.filter(pupil=ben).values_list("kind", "on", "meeting_on")) == {
        ("request", dt.date(2023, 9, 1), None),
        ("plan_issued", dt.date(2024, 1, 12), None),
        ("review_held", dt.date(2024, 12, 15), None),
        ("review_scheduled", TODAY, dt.date(2025, 12, 10)),
    }
    run = ImportRun.objects.get()
    assert (run.kind, run.filename) == ("ehc", "tracker.csv")
    sources = set(EhcEvent.objects.values_list("source", flat=True))
    assert sources == {f"import of tracker.csv (sha256 {run.sha256[:12]})"}
    assert AuditEvent.objects.filter(type="ehc.event_recorded").count() == 5

    again = imports.plan(_request(school, text))
    assert (again.summary["created"], again.summary["unchanged"]) == (0, 5)
    imports.apply(_request(school, text), senco)
    assert EhcEvent.objects.count() == 5


def test_row_errors_name_the_row_the_column_and_what_was_expected(
    school: School, two: tuple[Pupil, Pupil]
) -> None:
    amy, ben = two
    text = (
        "Pupil tracker 2025\n"
        "UPN,Request date,Plan issued,Last review,Next review\n"
        f"{amy.upn},31/02/2025,,,\n"
        "A123456789012,01/01/2025,,,\n"
        f"{ben.upn},,,01/03/2025,\n"
        f"{amy.upn},01/01/2025,,,\n"
        "NOT-A-UPN,,,,\n"
    )
    errors = imports.plan(_request(school, text)).summary["errors"]
    assert [(e["row"], e["field"]) for e in errors] == [
        (3, "Request date"), (7, "UPN"), (4, "UPN"), (5, "Last review"),
    ]  # fmt: skip
    assert errors[0]["message"].startswith(
        "The date of the request '31/02/2025' is not a real date"
    )
    assert errors[0]["expected"] == imports.EXPECTED["Request date"]
    assert "import the pupils from the MIS first" in errors[2]["message"]
    assert "is a review of a final EHC plan" in errors[3]["message"]
    assert errors[3]["expected"] == imports.EXPECTED["Last review"]


def test_a_duplicate_upn_is_an_error(school: School, two: tuple[Pupil, Pupil]) -> None:
    amy, _ = two
    text = f"UPN,Request date\n{amy.upn},01/01/2025\n{amy.upn},02/01/2025\n"
    (error,) = imports.plan(_request(school, text)).summary["errors"]
    assert (error["row"], error["field"]) == (3, "UPN")
    assert "also on row 2" in error["message"]


def test_warnings_for_an_empty_row_and_a_plan_not_on_e(
    school: School, two: tuple[Pupil, Pupil]
) -> None:
    amy, ben = two
    text = f"UPN,Plan issued\n{amy.upn},\n{ben.upn},01/03/2024\n"
    summary = imports.plan(_request(school, text)).summary
    assert [(w["row"], w["field"]) for w in summary["warnings"]] == [(2, "UPN"), (3, "Plan issued")]
    assert "not E on the SEN register" in summary["warnings"][1]["message"]


def test_apply_is_all_or_nothing(school: School, two: tuple[Pupil, Pupil], senco: User) -> None:
    amy, ben = two
    text = f"UPN,Request date,Plan issued\n{amy.upn},01/01/2025,\n{ben.upn},,01/02/2025\n"
    # Between the preview and the confirmation, someone records a ceased plan for Ben.
    from tests.ehc.conftest import record

    original = imports.tracker_plan

    def racing(request: ImportRequest) -> imports.TrackerPlan:
        planned = original(request)
        record(ben, senco, "plan_issued", "2024-01-01")
        record(ben, senco, "plan_ceased", "2024-06-01")
        return planned

    imports.tracker_plan = racing  # type: ignore[assignment]
    try:
        with pytest.raises(ImportRefused) as caught:
            imports.apply(_request(school, text), senco)
    finally:
        imports.tracker_plan = original  # type: ignore[assignment]
    assert "nothing was imported" in str(caught.value)
    assert not EhcEvent.objects.filter(pupil=amy).exists()
    assert not ImportRun.objects.exists()


def test_xlsx_with_real_dates(school: School, two: tuple[Pupil, Pupil], senco: User) -> None:
    amy, _ = two
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["UPN", "Request date", "Plan issued"])
    sheet.append([amy.upn, dt.datetime(2025, 1, 6), dt.datetime(2025, 5, 19)])
    out = io.BytesIO()
    book.save(out)
    request = ImportRequest(school=school, data=out.getvalue(), filename="t.xlsx", today=TODAY)
    assert imports.recognise("t.xlsx", out.getvalue())
    assert imports.plan(request).summary["created"] == 2


def test_not_a_tracker_is_refused(school: School) -> None:
    with pytest.raises(ImportRefused) as caught:
        imports.plan(_request(school, "UPN,Legal Surname\nX,Y\n"))
    assert "is not an EHC tracker" in str(caught.value)
    assert '"UPN", "Legal Surname"' in str(caught.value)
