"""Files of other apps' kinds go through the Import page and ``sendreg import``: recognised
or chosen, previewed with the kind's template, applied with the choices made, refused
plainly, and deleted when the preview is over."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from sendreg import cli
from sendreg.accounts.models import User
from sendreg.accounts.permissions import Permission
from sendreg.imports.kinds import IMPORT_KINDS, ImportKind, ImportOutcome, ImportRequest
from sendreg.imports.models import ImportRun
from sendreg.imports.parsers import ImportRefused
from sendreg.imports.services import file_sha256, import_run_record
from sendreg.imports.uploads import FOLDER
from sendreg.pupils.models import Pupil

SIMS = Path(__file__).resolve().parent.parent / "data" / "sims_students.csv"
TRACKER = b"TRACKER v1\nalpha\nbeta\n!bad line\n"


def _plan(request: ImportRequest) -> ImportOutcome:
    if not request.data.startswith(b"TRACKER"):
        raise ImportRefused("This is not a tracker file: it should start with TRACKER.")
    lines = request.data.decode().splitlines()[1:]
    errors = [
        {"row": n, "field": "", "code": "bad_line", "upn": "", "message": "A bad line."}
        for n, line in enumerate(lines, start=2)
        if line.startswith("!")
    ]
    summary = {
        "file": request.filename, "sha256": file_sha256(request.data), "kind": "tracker",
        "rows": len(lines), "entries": len(lines) - len(errors), "errors": errors,
        "warnings": [], "applied": False,
    }  # fmt: skip
    return ImportOutcome(summary=summary, context={"lines": lines})


def _apply(request: ImportRequest, by: User | None) -> ImportOutcome:
    outcome = _plan(request)
    if request.choices.get("note") == "refuse":
        raise ImportRefused("The note said to refuse.")
    summary = {**outcome.summary, "applied": True, "note": request.choices.get("note", "")}
    import_run_record(
        school=request.school, kind="tracker", filename=request.filename,
        sha256=summary["sha256"], summary=summary, by=by,
    )  # fmt: skip
    return ImportOutcome(summary=summary)


def _recognise(filename: str, data: bytes) -> bool:
    return data.startswith(b"TRACKER")


@pytest.fixture
def tracker(monkeypatch: pytest.MonkeyPatch) -> ImportKind:
    """A kind of file registered for the test only (the registry is put back after it)."""
    kind = ImportKind(
        key="tracker",
        label="Intervention tracker",
        recognise=_recognise,
        plan=_plan,
        apply=_apply,
        preview_template="imports/kind_preview.html",
        permission=Permission.IMPORTS_RUN,
    )
    monkeypatch.setitem(IMPORT_KINDS._items, kind.key, kind)
    return kind


@pytest.fixture
def senco_only(monkeypatch: pytest.MonkeyPatch) -> ImportKind:
    """A kind only those who change SEN status may import; it claims files starting SECRET."""
    kind = ImportKind(
        key="secret",
        label="SENCO's file",
        recognise=lambda name, data: data.startswith(b"SECRET"),
        plan=_plan,
        apply=_apply,
        preview_template="imports/kind_preview.html",
        permission=Permission.SEN_EDIT,
    )
    monkeypatch.setitem(IMPORT_KINDS._items, kind.key, kind)
    return kind


def _upload(client, data: bytes, name: str = "tracker.txt", **fields: Any):
    return client.post("/imports/", {"file": SimpleUploadedFile(name, data), **fields})


# The Import page ----------------------------------------------------------------------


def test_the_page_offers_work_it_out_the_mis_and_each_kind_the_member_may_import(
    tracker, senco_only, school, office, senco, login
) -> None:
    office_page = login(office).get("/imports/").content.decode()
    assert "Work it out from the file" in office_page and "Intervention tracker" in office_page
    assert "SENCO&#x27;s file" not in office_page
    assert "SENCO&#x27;s file" in login(senco).get("/imports/").content.decode()


def test_a_recognised_file_is_previewed_with_its_kinds_template_and_applied_with_choices(
    tracker, school, office, login
) -> None:
    client = login(office)
    response = _upload(client, TRACKER)
    assert response.status_code == 302
    preview_url = response["Location"]

    page = client.get(preview_url).content.decode()
    assert "Check the import of tracker.txt" in page
    assert "This is intervention tracker." in page
    assert "<dt>Entries</dt><dd>2</dd>" in page
    assert "A bad line." in page
    assert not ImportRun.objects.exists()

    done = client.post(preview_url, {"action": "confirm", "note": "checked by JB"})
    run = ImportRun.objects.get()
    assert done["Location"] == f"/imports/{run.pk}/"
    assert (run.kind, run.by, run.summary["note"]) == ("tracker", office, "checked by JB")
    assert not default_storage.exists(f"{FOLDER}/{preview_url.rstrip('/').rsplit('/', 1)[-1]}")
    detail = client.get(done["Location"]).content.decode()
    assert "Intervention tracker" in detail and "<dt>Entries</dt><dd>2</dd>" in detail


def test_a_refused_apply_shows_the_preview_again_with_the_reason(
    tracker, school, office, login
) -> None:
    client = login(office)
    preview_url = _upload(client, TRACKER)["Location"]
    response = client.post(preview_url, {"action": "confirm", "note": "refuse"})
    assert response.status_code == 200
    assert "The note said to refuse." in response.content.decode()
    assert not ImportRun.objects.exists()


def test_cancelling_a_kinds_import_deletes_the_upload(tracker, school, office, login) -> None:
    client = login(office)
    preview_url = _upload(client, TRACKER)["Location"]
    client.post(preview_url, {"action": "cancel"})
    assert client.get(preview_url).status_code == 404
    assert not ImportRun.objects.exists()


def test_choosing_the_kind_reads_the_file_as_that_kind(tracker, school, office, login) -> None:
    response = _upload(login(office), SIMS.read_bytes(), "students.csv", kind="tracker")
    assert response.status_code == 200
    assert "This is not a tracker file" in response.content.decode()


def test_choosing_the_mis_export_reads_even_a_recognised_file_as_one(
    tracker, school, office, login
) -> None:
    response = _upload(login(office), TRACKER, kind="mis")
    assert response.status_code == 200
    assert "does not have the columns sendreg needs" in response.content.decode()


def test_an_mis_export_is_still_an_mis_export_when_kinds_are_registered(
    tracker, school, office, login
) -> None:
    client = login(office)
    preview_url = _upload(client, SIMS.read_bytes(), "students.csv")["Location"]
    assert "Pupils to create" in client.get(preview_url).content.decode()
    client.post(preview_url, {"action": "confirm"})
    assert Pupil.objects.count() == 20


def test_a_file_only_a_kind_the_member_may_not_import_claims_is_refused_by_name(
    senco_only, school, office, senco, login
) -> None:
    response = _upload(login(office), b"SECRET file\nalpha\n")
    assert response.status_code == 200
    assert "looks like senco&#x27;s file, which your role cannot import" in (
        response.content.decode()
    )
    # A kind not offered to the member cannot be chosen by posting its key either.
    response = _upload(login(office), b"TRACKER\n", kind="secret")
    assert response.status_code == 200 and not ImportRun.objects.exists()


# sendreg import ---------------------------------------------------------------------


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = cli.main(["import", *argv])
    return code, capsys.readouterr().out


def test_the_command_recognises_the_kind_and_prints_its_summary(
    tracker, school, tmp_path, capsys
) -> None:
    path = tmp_path / "tracker.txt"
    path.write_bytes(TRACKER)

    code, out = _run(capsys, str(path), "--dry-run", "--json")
    assert code == 0
    summary = json.loads(out)
    assert (summary["kind"], summary["entries"], summary["applied"]) == ("tracker", 2, False)
    assert not ImportRun.objects.exists()

    code, out = _run(capsys, str(path))
    assert code == 0
    assert "Imported tracker.txt (Intervention tracker, 3 rows): 2 entries." in out
    assert "1 row not imported:" in out
    assert ImportRun.objects.get().by is None


def test_the_command_refuses_with_json_and_exit_status_1(tracker, school, tmp_path, capsys) -> None:
    path = tmp_path / "students.csv"
    path.write_bytes(SIMS.read_bytes())
    code, out = _run(capsys, str(path), "--kind", "tracker", "--json")
    assert code == 1
    assert json.loads(out) == {
        "refused": "This is not a tracker file: it should start with TRACKER."
    }


def test_an_unknown_kind_is_a_usage_error_listing_the_kinds(tracker, school, tmp_path, capsys):
    path = tmp_path / "students.csv"
    path.write_bytes(SIMS.read_bytes())
    assert cli.main(["import", str(path), "--kind", "nonsense"]) == 2
    err = capsys.readouterr().err
    assert "--kind nonsense is not a kind of file sendreg imports." in err
    listed = err.split("The kinds are: ", 1)[1].rstrip(".\n").split(", ")
    assert listed[0] == "mis" and "tracker" in listed


def test_kind_mis_reads_the_file_as_an_mis_export(tracker, school, tmp_path, capsys) -> None:
    path = tmp_path / "students.csv"
    path.write_bytes(SIMS.read_bytes())
    code, out = _run(capsys, str(path), "--kind", "mis", "--json")
    assert code == 0 and json.loads(out)["created"] == 20
