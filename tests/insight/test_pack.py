"""The termly pack: leaders see the pupils named; the governors' PDF and workbook name no pupil
and withhold small counts; every short form is explained; text cells never run as formulas."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from sendreg.accounts.models import School, User
from sendreg.insight import pack
from sendreg.insight.services import case_note_save, finding_note_save, take_snapshot
from sendreg.lib.plain_english import acronyms_in, load_glossary
from sendreg.pupils.models import Pupil
from tests.conftest import TODAY, put_on_register, register_in_bulk
from tests.factories import PupilFactory
from tests.insight.test_report import pdf_text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_today")]

NAMED = [("Zebedee", "Quixley"), ("Ottoline", "Brackwater")]


@pytest.fixture
def register(school: School, senco: User) -> list[Pupil]:
    """Two named pupils with EHC plans and no support plan (one persistently absent), twelve
    on SEN support, and thirty with no SEN."""
    named = [
        PupilFactory(school=school, legal_forename=f, legal_surname=s, attendance=Decimal("88.5"))
        for f, s in NAMED
    ]
    for p in named:
        put_on_register(p, by=senco, status="E", needs=("ASD",), on=dt.date(2025, 9, 3))
    register_in_bulk(school, 12, status="K", needs=("SEMH",))
    PupilFactory.create_batch(30, school=school)
    return list(Pupil.objects.filter(school=school))


def _names(pupils: list[Pupil]) -> list[str]:
    found = []
    for p in pupils:
        found += [f"{p.legal_forename} {p.legal_surname}", p.upn]
    return found + [part for name in NAMED for part in name]


def _download(client: Client, version: str, format: str) -> bytes:
    response = client.get(f"/insight/pack/download/?version={version}&format={format}")
    assert response.status_code == 200, response.content[:200]
    assert response["Cache-Control"].startswith("no-store")
    return response.content


def _cells(content: bytes) -> list[Any]:
    book = load_workbook(io.BytesIO(content))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]


def test_the_governors_pack_names_no_pupil(
    client: Client, governor: User, register: list[Pupil], senco: User, school: School
) -> None:
    case_note_save(
        school=school, upn=register[0].upn, text="Ottoline Brackwater's move went well.", by=senco
    )
    client.force_login(governor)
    text = pdf_text(_download(client, "governors", "pdf"))
    assert "Findings" in text
    for name in _names(register):
        assert name not in text
    cells = " ".join(str(c.value) for c in _cells(_download(client, "governors", "xlsx")))
    for name in _names(register):
        assert name not in cells


def test_the_governors_pack_shows_small_counts_as_fewer_than_five(
    client: Client, governor: User, register: list[Pupil]
) -> None:
    client.force_login(governor)
    text = pdf_text(_download(client, "governors", "pdf"))
    glance = text[text.find("at a glance") :][:600]
    assert "Fewer than 5 had an education, health and care (EHC) plan." in glance
    # The other count of the pair is withheld too, so the small one cannot be worked out.
    assert "The number on SEN support is not shown" in glance
    found = pack.termly_pack(register[0].school, TODAY, pack.Version.GOVERNORS)
    headline = found.tables[0]
    ehc = next(r for r in headline.rows if r[0].startswith("EHC"))
    # The count and the percentage computed from it are both withheld.
    assert ehc[1] == "fewer than 5" and ehc[2] == ""


def test_the_leaders_pack_names_the_pupils_concerned_with_notes(
    client: Client, senco: User, register: list[Pupil], school: School
) -> None:
    named = next(p for p in register if p.legal_surname == "Quixley")
    case_note_save(school=school, upn=named.upn, text="Settling well after the move.", by=senco)
    finding_note_save(school=school, key="no_plan", note="", action="=HYPERLINK(1)", by=senco)
    client.force_login(senco)
    text = pdf_text(_download(client, "leaders", "pdf"))
    assert "Zebedee Quixley" in text
    assert "Settling well after the move." in text
    assert "Action: =HYPERLINK(1)" in text
    cells = _cells(_download(client, "leaders", "xlsx"))
    formula = [c for c in cells if isinstance(c.value, str) and c.value.startswith("=")]
    assert formula and all(c.data_type == "s" for c in formula)


def test_only_leaders_get_the_leaders_pack(
    client: Client, governor: User, head: User, register: list[Pupil]
) -> None:
    client.force_login(governor)
    assert client.get("/insight/pack/download/?version=leaders&format=pdf").status_code == 403
    client.force_login(head)
    assert client.get("/insight/pack/download/?version=leaders&format=xlsx").status_code == 200


def test_bad_requests_say_what_to_ask_for(client: Client, senco: User, register: Any) -> None:
    client.force_login(senco)
    bad_format = client.get("/insight/pack/download/?format=docx")
    assert bad_format.status_code == 400 and b"format=pdf" in bad_format.content
    bad_version = client.get("/insight/pack/download/?version=everyone")
    assert bad_version.status_code == 400 and b"version=leaders" in bad_version.content
    bad_day = client.get("/insight/pack/download/?date=yesterday")
    assert bad_day.status_code == 400 and b"date=" in bad_day.content


def test_every_short_form_in_the_pack_is_explained(
    client: Client, governor: User, register: list[Pupil]
) -> None:
    client.force_login(governor)
    text = pdf_text(_download(client, "governors", "pdf"))
    glossary = load_glossary()
    tokens = {m.group() for m in acronyms_in(text)}
    assert "EHC" in tokens
    unknown = {t for t in tokens if glossary.meaning(t) is None}
    assert not unknown, unknown
    glossary_part = text.split("Glossary: the short forms used in this pack", 1)[1]
    assert "education, health and care" in glossary_part
    assert "special educational needs co-ordinator" in glossary_part


def test_the_pack_reads_a_snapshot_for_its_day_and_shows_the_trend(
    client: Client, senco: User, register: list[Pupil], school: School
) -> None:
    take_snapshot(school, TODAY, "on_demand", senco)
    found = pack.termly_pack(school, TODAY, pack.Version.GOVERNORS)
    assert found.found.snapshot is not None
    trend = next(t for t in found.tables if t.key == "trends")
    assert len(trend.rows) == 1
    document = pack.pack_document(found)
    assert any(b.kind == "chart" for b in document.blocks)


def test_the_pack_page_offers_each_member_their_versions(
    client: Client, senco: User, governor: User, register: Any
) -> None:
    client.force_login(senco)
    page = client.get("/insight/pack/").content.decode()
    assert "version=leaders" in page and "version=governors" in page
    client.force_login(governor)
    page = client.get("/insight/pack/").content.decode()
    assert "version=leaders" not in page and "version=governors" in page
