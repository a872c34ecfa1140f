"""A CTF through the import: preview, apply, histories and transfer-in offers."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from sendreg.accounts.models import School, User
from sendreg.audit.models import AuditEvent
from sendreg.cli import main
from sendreg.imports.kinds import IMPORT_KINDS, ImportRequest
from sendreg.imports.models import ImportRun
from sendreg.imports.parsers import ImportRefused
from sendreg.pupils.models import Pupil
from sendreg.register.models import ParentNotification, SenEpisode
from sendreg.transfer.ctf import REFUSED_DTD
from sendreg.transfer.importing import ADDRESSED_ELSEWHERE, ctf_plan
from sendreg.transfer.models import CtfHistory, TransferAudit, TransferInDecision
from sendreg.transfer.rules import SenEntry
from tests.conftest import TODAY, put_on_register
from tests.factories import PupilFactory
from tests.transfer.conftest import AMY, BEN, CARA, ctf_bytes, ctf_pupil
from tests.transfer.test_ctf import BILLION_LAUGHS, DOCTYPE_ALONE, EXTERNAL_DTD, external_entity

D = dt.date
Make = Callable[..., ImportRequest]


def test_the_ctf_kind_is_registered_and_recognises_ctf_files() -> None:
    kind = IMPORT_KINDS.get("ctf")
    assert kind is not None
    assert kind.recognise("x.xml", ctf_bytes([AMY]))
    assert not kind.recognise("x.csv", b"UPN,Surname\n")


def test_preview_lists_pupils_to_create_histories_and_transfer_in_offers(
    school: School, request_for: Make
) -> None:
    outcome = IMPORT_KINDS.get("ctf").plan(request_for(ctf_bytes([AMY, BEN, CARA])))  # type: ignore[union-attr]
    summary = outcome.summary
    assert summary["kind"] == "ctf"
    assert (summary["rows"], summary["created"], summary["histories"]) == (3, 3, 2)
    assert summary["applied"] is False
    assert summary["transfer_in"] == [
        {
            "upn": AMY.upn,
            "status": "K",
            "needs": ["SPLD", "SLCN"],
            "since": "2021-09-06",
            "source": "Greenfield Primary School",
        }
    ]
    assert summary["source"] == {
        "name": "Greenfield Primary School",
        "laestab": "8012345",
        "urn": "109876",
    }
    assert not Pupil.objects.exists()
    assert not CtfHistory.objects.exists()


def test_apply_creates_pupils_keeps_histories_and_offers_a_decision_without_touching_the_register(
    school: School, senco: User, request_for: Make
) -> None:
    outcome = IMPORT_KINDS.get("ctf").apply(request_for(ctf_bytes([AMY, BEN, CARA])), senco)  # type: ignore[union-attr]
    assert outcome.summary["applied"] is True
    amy = Pupil.objects.get(upn=AMY.upn)
    assert (amy.legal_forename, amy.legal_surname, amy.school) == ("Amy", "Adams", school)
    history = CtfHistory.objects.get(pupil=amy)
    assert history.source_name == "Greenfield Primary School"
    assert history.sen_entries == [SenEntry(D(2021, 9, 6), "K")]
    assert history.needs == ["SPLD", "SLCN"]
    ben = CtfHistory.objects.get(pupil__upn=BEN.upn)
    assert ben.entries == [
        {"start": "2020-09-07", "provision": "K"},
        {"start": "2023-07-01", "provision": "N"},
    ]
    decision = TransferInDecision.objects.get()
    assert (decision.pupil, decision.outcome) == (amy, "pending")
    # Nothing changed the register or asked for a parent letter.
    assert not SenEpisode.objects.exists()
    assert not ParentNotification.objects.exists()
    run = ImportRun.objects.get()
    assert (run.kind, run.summary["created"]) == ("ctf", 3)
    assert AuditEvent.objects.filter(type=TransferAudit.HISTORY_RECEIVED).count() == 2
    assert AuditEvent.objects.filter(type=AuditEvent.Type.PUPIL_CREATED).count() == 3


def test_importing_the_same_file_twice_changes_nothing(
    school: School, senco: User, request_for: Make
) -> None:
    kind = IMPORT_KINDS.get("ctf")
    assert kind is not None
    kind.apply(request_for(ctf_bytes([AMY, BEN])), senco)
    again = kind.plan(request_for(ctf_bytes([AMY, BEN]))).summary
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)
    assert again["histories"] == 0 and again["transfer_in"] == []


def test_pupils_here_are_updated_by_upn_and_not_offered_when_on_the_register(
    school: School, senco: User, request_for: Make
) -> None:
    here = PupilFactory(school=school, upn=AMY.upn, legal_forename="Amelia", legal_surname="Adams")
    put_on_register(here, by=senco, status="K", needs=("SEMH",))
    plan = ctf_plan(request_for(ctf_bytes([AMY])))
    assert [u.changes for u in plan.updates] == [
        {
            "legal_forename": ("Amelia", "Amy"),
            "date_of_birth": (here.date_of_birth, AMY.date_of_birth),
        }
    ]
    assert plan.offers == [] and len(plan.histories) == 1


def test_a_later_file_replaces_an_offer_still_waiting(
    school: School, senco: User, request_for: Make
) -> None:
    kind = IMPORT_KINDS.get("ctf")
    assert kind is not None
    kind.apply(request_for(ctf_bytes([AMY])), senco)
    later = ctf_pupil(
        1, forename="Amy", surname="Adams", sen=(SenEntry(D(2022, 1, 4), "E"),), needs=("ASD",)
    )
    kind.apply(request_for(ctf_bytes([later]), filename="second.xml"), senco)
    outcomes = dict(TransferInDecision.objects.values_list("history__filename", "outcome"))
    assert outcomes == {"8012345_CTF_8012000_001.xml": "superseded", "second.xml": "pending"}


def test_a_file_addressed_to_another_school_is_warned_about(
    school: School, request_for: Make
) -> None:
    from sendreg.transfer.ctf import CtfSchool

    plan = ctf_plan(request_for(ctf_bytes([AMY], dest=CtfSchool(lea="801", estab="9999"))))
    assert plan.warnings[0].message == ADDRESSED_ELSEWHERE.format(dest="8019999", here="8012000")


def test_errors_are_listed_by_pupil_and_those_pupils_are_not_imported(
    school: School, senco: User, request_for: Make
) -> None:
    bad = ctf_pupil(5, upn="A801200014009")
    data = ctf_bytes([AMY, bad])
    outcome = IMPORT_KINDS.get("ctf").apply(request_for(data), senco)  # type: ignore[union-attr]
    (error,) = outcome.summary["errors"]
    assert (error["row"], error["field"], error["upn"]) == (2, "upn", "A801200014009")
    assert list(Pupil.objects.values_list("upn", flat=True)) == [AMY.upn]


@pytest.mark.parametrize("name", ["billion", "entity", "dtd", "doctype"])
def test_hostile_files_are_refused_and_nothing_is_written(
    name: str, school: School, senco: User, request_for: Make, tmp_path: Path
) -> None:
    data = {
        "billion": BILLION_LAUGHS,
        "entity": external_entity(tmp_path / "x"),
        "dtd": EXTERNAL_DTD,
        "doctype": DOCTYPE_ALONE,
    }[name]
    kind = IMPORT_KINDS.get("ctf")
    assert kind is not None
    with pytest.raises(ImportRefused, match="declares a document type"):
        kind.apply(request_for(data), senco)
    assert not Pupil.objects.exists() and not ImportRun.objects.exists()
    assert not AuditEvent.objects.exists()


def test_applying_many_pupils_takes_a_flat_number_of_queries(
    school: School, senco: User, request_for: Make
) -> None:
    def count(n: int) -> int:
        pupils = [
            ctf_pupil(10 + i, sen=(SenEntry(D(2022, 9, 5), "K"),), needs=("MLD",)) for i in range(n)
        ]
        Pupil.objects.all().delete()
        with CaptureQueriesContext(connection) as queries:
            IMPORT_KINDS.get("ctf").apply(request_for(ctf_bytes(pupils)), senco)  # type: ignore[union-attr]
        return len(queries)

    # SQLite splits a bulk insert into batches of a few hundred values: one more per batch.
    assert count(40) <= count(5) + 2


# --- The command line: the import command's JSON through this kind --------------------------


def test_sendreg_import_refuses_a_hostile_ctf_with_exit_1(
    school: School, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Until the import command dispatches on kinds, its own parser meets the file; either way
    # it is refused and nothing is written. With the dispatch, the message is REFUSED_DTD.
    path = tmp_path / "8012345_CTF_8012000_001.xml"
    path.write_bytes(DOCTYPE_ALONE)
    status = main(["import", str(path), "--school", school.urn, "--json"])
    out = capsys.readouterr().out
    assert status == 1
    assert "refused" in json.loads(out)
    assert not Pupil.objects.exists()
    assert REFUSED_DTD  # the message the CTF kind gives


def test_the_summary_is_json(school: School, request_for: Make) -> None:
    summary = ctf_plan(request_for(ctf_bytes([AMY, BEN]))).summary(applied=False)
    assert json.loads(json.dumps(summary)) == summary
    assert TODAY  # the plan needs no clock beyond the request's day


def test_the_preview_page_shows_offers_and_problems_by_pupil(
    school: School, senco: User, request_for: Make, rf: RequestFactory
) -> None:
    kind = IMPORT_KINDS.get("ctf")
    assert kind is not None
    bad = ctf_pupil(5, upn="A801200014009", forename="Cara", surname="<b>Clarke</b>")
    outcome = kind.plan(request_for(ctf_bytes([AMY, BEN, bad])))
    request = rf.get("/imports/pending/abc/")
    request.user = senco
    html = render_to_string(
        kind.preview_template, {"outcome": outcome, "kind": kind, "token": "abc"}, request=request
    )
    assert "Check the Common Transfer File 8012345_CTF_8012000_001.xml" in html
    assert "Greenfield Primary School (8012345)" in html
    assert "Amy Adams (U801234514001)" in html
    assert "K – SEN support, since 6 September 2021" in html
    assert "SPLD – Specific learning difficulty" in html
    assert "Pupils that will be skipped" in html
    assert "&lt;b&gt;Clarke&lt;/b&gt;" in html and "<b>Clarke</b>" not in html
    assert 'name="action" value="confirm"' in html


def test_the_preview_counts_pupils_that_cannot_be_used_not_their_problems(
    school: School, senco: User, request_for: Make, rf: RequestFactory
) -> None:
    kind = IMPORT_KINDS.get("ctf")
    assert kind is not None
    bad = ctf_pupil(5, upn="A801200014009", gender="X", surname="")
    outcome = kind.plan(request_for(ctf_bytes([AMY, BEN, bad])))
    assert len(outcome.context["plan"].errors) >= 2  # one pupil, several problems
    request = rf.get("/imports/pending/abc/")
    request.user = senco
    html = render_to_string(
        kind.preview_template, {"outcome": outcome, "kind": kind, "token": "abc"}, request=request
    )
    assert "<dt>Pupils in the file</dt><dd>3</dd>" in html
    assert "<dt>Pupils that cannot be used</dt><dd>1</dd>" in html
