"""A write that cannot get the database's lock is asked to try again, never a server error."""

from __future__ import annotations

import pytest
from django.db import OperationalError

from sendreg.lib.middleware import RETRY_AFTER, is_database_busy
from sendreg.pupils import views as pupil_views
from sendreg.pupils.models import Contact


def _locked(**kwargs: object) -> None:
    raise OperationalError("database is locked")


def test_a_save_that_cannot_get_the_lock_gets_a_try_again_page(
    pupil, office, login, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pupil_views, "contact_save", _locked)
    response = login(office).post(
        f"/pupils/{pupil.pk}/contacts/new/", {"name": "Sam Young", "relationship": "Mother"}
    )
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER)
    assert "sendreg is busy: please try again" in response.content.decode()
    assert not Contact.objects.exists()


def test_other_database_errors_are_still_errors(
    pupil, office, login, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**kwargs: object) -> None:
        raise OperationalError("no such table: pupils_contact")

    monkeypatch.setattr(pupil_views, "contact_save", broken)
    client = login(office)
    client.raise_request_exception = False
    response = client.post(
        f"/pupils/{pupil.pk}/contacts/new/", {"name": "Sam Young", "relationship": "Mother"}
    )
    assert response.status_code == 500


@pytest.mark.parametrize(
    ("error", "busy"),
    [
        (OperationalError("database is locked"), True),
        (OperationalError("database table is locked: pupils_pupil"), True),
        (OperationalError("disk I/O error"), False),
        (ValueError("database is locked"), False),
    ],
)
def test_which_errors_mean_busy(error: Exception, busy: bool) -> None:
    assert is_database_busy(error) is busy
