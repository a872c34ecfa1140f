"""The Import page: upload, preview, confirm or cancel; and the discrepancies page."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sendreg.imports.models import ImportRun
from sendreg.lib.dates import today
from sendreg.pupils.models import Pupil
from sendreg.register.selectors import pupil_sen_summary

DATA = Path(__file__).resolve().parent.parent / "data"


def _upload(client, path: Path = DATA / "sims_students.csv", **fields):
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    return client.post("/imports/", {"file": upload, **fields})


def test_office_uploads_previews_and_confirms(school, office, login):
    client = login(office)
    response = _upload(client)
    assert response.status_code == 302
    preview_url = response["Location"]

    preview = client.get(preview_url)
    assert preview.status_code == 200
    assert b"Pupils to create" in preview.content
    assert not Pupil.objects.exists()  # nothing is written by a preview

    done = client.post(preview_url, {"action": "confirm"})
    assert done.status_code == 302
    run = ImportRun.objects.get()
    assert done["Location"] == f"/imports/{run.pk}/"
    assert Pupil.objects.filter(school=school).count() == 20
    assert run.by == office and run.filename == "sims_students.csv"
    assert len(run.sha256) == 64
    # The uploaded file is not kept once applied.
    assert client.get(preview_url).status_code == 404

    listing = client.get("/imports/")
    assert b"sims_students.csv" in listing.content
    assert client.get(f"/imports/{run.pk}/").status_code == 200


def test_cancelling_changes_nothing(school, office, login):
    client = login(office)
    preview_url = _upload(client)["Location"]

    response = client.post(preview_url, {"action": "cancel"})

    assert response.status_code == 302
    assert not Pupil.objects.exists() and not ImportRun.objects.exists()


def test_preview_shows_row_errors_with_row_column_and_expectation(school, office, login):
    client = login(office)
    preview = client.get(_upload(client, DATA / "bad_rows.csv")["Location"])

    text = preview.content.decode()
    assert "Rows that will be skipped" in text
    assert "<td>4</td><td>upn</td>" in text  # A801200024902: wrong check letter, on row 4
    assert "check letter" in text


def test_an_unusable_file_re_renders_the_form_with_the_reason(school, office, login):
    client = login(office)
    upload = SimpleUploadedFile("report.csv", b"%PDF-1.4 not really a spreadsheet")

    response = client.post("/imports/", {"file": upload})

    assert response.status_code == 200
    assert b"PDF" in response.content
    assert not Pupil.objects.exists()


def test_a_bad_mapping_line_is_reported(school, office, login):
    response = _upload(login(office), mapping="UPN Pupil Ref")
    assert response.status_code == 200
    assert b"Our Column=Your Column" in response.content


@pytest.mark.parametrize("who", ["teacher", "ta", "head", "governor"])
def test_roles_without_imports_cannot_use_the_import_page(school, who, request, login):
    client = login(request.getfixturevalue(who))
    assert client.get("/imports/").status_code == 403


def test_another_schools_pending_upload_and_runs_are_not_found(
    school, office, outsider, login, client
):
    preview_url = _upload(login(office))["Location"]
    client.post(preview_url, {"action": "confirm"})
    run = ImportRun.objects.get()

    client.force_login(outsider)
    assert client.get(f"/imports/{run.pk}/").status_code == 404
    assert client.get(preview_url).status_code == 404


def test_senco_resolves_a_discrepancy_by_accepting_the_mis_value(school, office, senco, login):
    client = login(office)
    client.post(_upload(client)["Location"], {"action": "confirm"})
    text = (DATA / "sims_students.csv").read_bytes().decode("utf-8-sig")
    changed = text.replace(",7,7A,K,SPLD,", ",7,7A,E,SPLD,", 1).encode()
    upload = SimpleUploadedFile("sims_students.csv", changed)
    client.post(client.post("/imports/", {"file": upload})["Location"], {"action": "confirm"})
    ahmed = Pupil.objects.get(upn="E801200019001")

    client = login(senco)
    page = client.get("/register/discrepancies/")
    assert b"E801200019001" in page.content
    assert "E – Education, health and care plan".encode() in page.content

    resolve_url = f"/register/discrepancies/{ahmed.pk}/"
    assert login(office).post(resolve_url, {"action": "accept"}).status_code == 403
    client = login(senco)
    # Accepting asks first: it shows what will change and asks for the date and a reason.
    confirm = client.post(resolve_url, {"action": "accept"}, follow=True)
    html = confirm.content.decode()
    assert "What will change" in html and "the parents must be told" in html
    assert "K – SEN support" in html and "E – Education, health and care plan" in html
    assert pupil_sen_summary(ahmed, day=today()).status == "K"
    # Without a reason nothing changes and the form says so.
    accept_url = f"/register/discrepancies/{ahmed.pk}/accept/"
    version = str(Pupil.objects.get(pk=ahmed.pk).sen_version)
    missing = client.post(accept_url, {"effective": today().isoformat(), "version": version})
    assert missing.status_code == 200 and pupil_sen_summary(ahmed, day=today()).status == "K"
    client.post(
        accept_url,
        {"effective": today().isoformat(), "reason": "Plan issued.", "version": version},
    )

    # The register change takes effect on the day the SENCO chose.
    assert pupil_sen_summary(ahmed, day=today()).status == "E"
    assert ahmed.notifications.get().to_status == "E"
    assert b"agree for every pupil" in client.get("/register/discrepancies/").content
