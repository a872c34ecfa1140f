"""The session engine and the login backend read by compiled queries, as Django's do."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from sendreg.accounts.backends import UserBackend
from sendreg.accounts.models import User
from sendreg.accounts.sessions import SessionStore

pytestmark = pytest.mark.django_db


def _saved(data: dict[str, object]) -> str:
    store = SessionStore()
    store.update(data)
    store.save()
    assert store.session_key is not None
    return store.session_key


def test_a_live_session_is_read_with_its_data() -> None:
    key = _saved({"school_id": 7})
    store = SessionStore(key)
    assert store["school_id"] == 7
    assert store.session_key == key


def test_an_expired_session_is_read_as_none_and_forgotten() -> None:
    key = _saved({"school_id": 7})
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )
    store = SessionStore(key)
    assert store.load() == {}
    assert store.session_key is None


def test_an_unknown_session_is_read_as_none() -> None:
    store = SessionStore("x" * 32)
    assert store.load() == {}
    assert store.session_key is None


def test_the_backend_gives_an_active_user_by_id(senco: User) -> None:
    backend = UserBackend()
    assert backend.get_user(senco.pk) == senco
    assert backend.get_user(str(senco.pk)) == senco
    assert backend.get_user(senco.pk + 1_000) is None
    assert backend.get_user("not a number") is None
    assert backend.get_user(None) is None


def test_the_backend_gives_no_inactive_user(senco: User) -> None:
    senco.is_active = False
    senco.save(update_fields=["is_active"])
    assert UserBackend().get_user(senco.pk) is None


def test_a_logged_in_person_whose_session_expired_is_sent_to_log_in(
    client: Client, senco: User
) -> None:
    client.force_login(senco)
    assert client.get("/").status_code == 200
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
