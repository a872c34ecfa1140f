"""An uploaded export is deleted once its preview is over: on confirm, cancel, logout,
when its session expires and is cleared, and at start-up if it was left behind."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from sendreg import cli
from sendreg.imports.uploads import FOLDER, SESSION_KEY, pending_sweep

SIMS = Path(__file__).resolve().parent.parent / "data" / "sims_students.csv"


def _upload(client) -> str:
    upload = SimpleUploadedFile("sims_students.csv", SIMS.read_bytes())
    response = client.post("/imports/", {"file": upload})
    assert response.status_code == 302
    return response["Location"]


def _token(preview_url: str) -> str:
    return preview_url.rstrip("/").rsplit("/", 1)[-1]


def _kept(token: str) -> bool:
    return default_storage.exists(f"{FOLDER}/{token}")


@pytest.fixture
def client_with_upload(school, office, login):
    client = login(office)
    url = _upload(client)
    assert _kept(_token(url))
    return client, url


def test_confirming_deletes_the_upload(client_with_upload) -> None:
    client, url = client_with_upload
    client.post(url, {"action": "confirm"})
    assert not _kept(_token(url))
    assert client.session[SESSION_KEY] == {}


def test_cancelling_deletes_the_upload(client_with_upload) -> None:
    client, url = client_with_upload
    client.post(url, {"action": "cancel"})
    assert not _kept(_token(url))


def test_logging_out_deletes_the_upload(client_with_upload) -> None:
    client, url = client_with_upload
    client.post("/logout/")
    assert not _kept(_token(url))


def test_clearsessions_deletes_the_uploads_of_expired_sessions_only(
    school, office, senco, login, client_with_upload, client
) -> None:
    expired_client, expired_url = client_with_upload
    Session.objects.filter(session_key=expired_client.session.session_key).update(
        expire_date=timezone.now() - dt.timedelta(minutes=1)
    )
    from django.test import Client

    live = Client()
    live.force_login(senco)
    live_url = _upload(live)

    call_command("clearsessions")

    assert not _kept(_token(expired_url))
    assert _kept(_token(live_url))


def test_a_new_session_key_keeps_the_upload(client_with_upload) -> None:
    client, url = client_with_upload
    session = client.session
    session.cycle_key()
    session.save()
    assert _kept(_token(url))


def test_uploads_older_than_a_session_are_swept(school, office, login, capsys) -> None:
    client = login(office)
    old, new = _token(_upload(client)), _token(_upload(client))
    age = dt.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    stale = (timezone.now() - age - dt.timedelta(hours=1)).timestamp()
    os.utime(default_storage.path(f"{FOLDER}/{old}"), (stale, stale))

    cli._sweep_stale_uploads()

    assert not _kept(old) and _kept(new)
    assert "Deleted 1 uploaded file left from earlier imports." in capsys.readouterr().out
    assert pending_sweep(older_than=age) == 0


def test_a_tampered_token_cannot_delete_outside_the_folder() -> None:
    from sendreg.imports.uploads import pending_delete

    keep = Path(settings.MEDIA_ROOT) / "keep.txt"
    keep.write_text("not an upload")
    try:
        assert pending_delete(["../keep.txt", "..", ""]) == 0
        assert keep.exists()
    finally:
        keep.unlink()
