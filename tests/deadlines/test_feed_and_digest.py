"""The personal calendar feed and the weekly email: what they carry, and what they never do."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from icalendar import Calendar

from sendreg import cli
from sendreg.accounts.models import Membership, School, User
from sendreg.audit.models import AuditEvent
from sendreg.deadlines import selectors, services
from sendreg.deadlines.models import CalendarFeed, DigestSent
from sendreg.settings import email_settings
from tests.conftest import TODAY

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_today")]
Login = Callable[[User], Client]


def _make_feed(client: Client) -> str:
    page = client.post("/deadlines/calendar/new/").content.decode()
    (url,) = re.findall(r'id="feed-url" value="([^"]+)"', page)
    return url.replace("http://testserver", "")


def _events(body: bytes) -> list[Any]:
    return list(Calendar.from_ical(body).walk("VEVENT"))


def test_the_feed_carries_open_deadlines_with_initials_only(
    full_school: dict[str, Any], senco: User, login: Login
) -> None:
    url = _make_feed(login(senco))
    anonymous = Client()
    response = anonymous.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, no-store"
    events = _events(response.content)
    summaries = sorted(str(e["SUMMARY"]) for e in events)
    assert "Monitoring list review: W.W." in summaries
    assert "EHC: decision whether to assess: M.Y." in summaries
    assert "School census day" in summaries
    body = response.content.decode()
    for pupil in full_school.values():
        assert pupil.legal_surname not in body
        assert pupil.upn not in body
    assert "Reading age" not in body  # no detail leaves sendreg
    monitoring = next(e for e in events if str(e["SUMMARY"]).startswith("Monitoring"))
    assert monitoring.decoded("DTSTART") == TODAY - dt.timedelta(days=3)
    assert monitoring.decoded("DTEND") == TODAY - dt.timedelta(days=2)
    assert str(monitoring["URL"]).endswith(f"/pupils/{full_school['watched'].pk}/")
    assert len({str(e["UID"]) for e in events}) == len(events)


def test_the_address_is_shown_once_and_only_its_hash_kept(senco: User, login: Login) -> None:
    client = login(senco)
    url = _make_feed(client)
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert len(token) >= 40
    feed = CalendarFeed.objects.get()
    assert feed.token_hash != token and token not in feed.token_hash
    page = client.get("/deadlines/calendar/").content.decode()
    assert token not in page
    assert "It is not shown again" in page
    assert AuditEvent.objects.filter(type="deadlines.feed_created").count() == 1


def test_a_new_address_ends_the_old_one_and_turning_off_ends_both(
    senco: User, login: Login
) -> None:
    client = login(senco)
    first = _make_feed(client)
    second = _make_feed(client)
    anonymous = Client()
    assert anonymous.get(first).status_code == 404
    assert anonymous.get(second).status_code == 200
    assert client.post("/deadlines/calendar/off/").status_code == 302
    assert anonymous.get(second).status_code == 404
    assert AuditEvent.objects.filter(type="deadlines.feed_revoked").count() == 1
    assert CalendarFeed.objects.filter(revoked_at__isnull=True).count() == 0


def test_a_wrong_token_or_id_finds_nothing(senco: User, login: Login) -> None:
    url = _make_feed(login(senco))
    feed = CalendarFeed.objects.get()
    anonymous = Client()
    assert anonymous.get(url[:-8] + "AAAA.ics").status_code == 404
    assert anonymous.get(url.replace(f"/{feed.pk}/", f"/{feed.pk + 1}/")).status_code == 404
    assert selectors.feed_get(feed.pk, "x") is None


def test_the_feed_follows_the_persons_roles_now(
    full_school: dict[str, Any], senco: User, login: Login
) -> None:
    url = _make_feed(login(senco))
    Membership.objects.filter(user=senco).update(role="teacher")
    assert _events(Client().get(url).content) == []
    senco.is_active = False
    senco.save(update_fields=["is_active"])
    assert Client().get(url).status_code == 404


def test_a_get_of_the_feed_writes_nothing(
    full_school: dict[str, Any], senco: User, login: Login
) -> None:
    url = _make_feed(login(senco))
    before = (AuditEvent.objects.count(), CalendarFeed.objects.get().revoked_at)
    Client().get(url)
    assert (AuditEvent.objects.count(), CalendarFeed.objects.get().revoked_at) == before


# --- The weekly email ----------------------------------------------------------------------------


def test_digest_goes_to_senco_and_deputy_once_a_day(
    full_school: dict[str, Any], senco: User, deputy_senco: User, head: User, teacher: User
) -> None:
    outcomes = services.digest_send(today=TODAY)
    assert sorted((o.email, o.sent, o.deadlines) for o in outcomes) == [
        (deputy_senco.email, True, 4),
        (senco.email, True, 4),
    ]
    assert sorted(m.to[0] for m in mail.outbox) == sorted([senco.email, deputy_senco.email])
    message = mail.outbox[0]
    assert message.subject == (
        "sendreg: 4 deadlines overdue or due by Wednesday 26 November 2025 at Oakfield Academy"
    )
    assert "Overdue\n- Tue 4 Nov 2025: EHC: decision whether to assess: M.Y." in message.body
    assert "Monitoring list review: W.W." in message.body
    assert "http://127.0.0.1:8000/pupils/" in message.body
    for pupil in full_school.values():
        assert pupil.legal_surname not in message.body and pupil.upn not in message.body

    again = services.digest_send(today=TODAY)
    assert {(o.sent, o.reason) for o in again} == {(False, "already sent today")}
    assert len(mail.outbox) == 2
    assert DigestSent.objects.count() == 2
    assert AuditEvent.objects.filter(type="deadlines.digest_sent").count() == 2

    services.digest_send(today=TODAY + dt.timedelta(days=7))
    assert len(mail.outbox) == 4


def test_nothing_due_sends_nothing(school: School, senco: User) -> None:
    outcomes = services.digest_send(today=TODAY)
    assert [(o.sent, o.reason) for o in outcomes] == [(False, services.NOTHING_DUE)]
    assert mail.outbox == []
    assert not DigestSent.objects.exists()


def test_a_failed_send_is_not_recorded_so_the_next_run_tries_again(
    full_school: dict[str, Any], senco: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("mail server down")

    monkeypatch.setattr(services, "send_mail", broken)
    with pytest.raises(OSError):
        services.digest_send(today=TODAY)
    assert not DigestSent.objects.exists()
    monkeypatch.undo()
    assert [o.sent for o in services.digest_send(today=TODAY)] == [True]


def test_digest_command(
    full_school: dict[str, Any], senco: User, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["digest"]) == 0
    assert capsys.readouterr().out == f"Sent to {senco.email} (Oakfield Academy): 4 deadlines.\n"
    assert cli.main(["digest", "--json"]) == 0
    import json

    assert json.loads(capsys.readouterr().out) == [
        {"email": senco.email, "school": "Oakfield Academy", "deadlines": 4, "sent": False,
         "reason": "already sent today"},
    ]  # fmt: skip


# --- SENDREG_EMAIL_URL -------------------------------------------------------------------


def test_email_url_console_by_default() -> None:
    assert email_settings("") == {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    assert email_settings("console://")["EMAIL_BACKEND"].endswith("console.EmailBackend")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.school.test", ("mail.school.test", 25, "", "", False, False)),
        ("smtp+tls://sendreg%40school.test:p%40ss@smtp.office365.com:587",
         ("smtp.office365.com", 587, "sendreg@school.test", "p@ss", True, False)),
        ("smtps://u:p@smtp.gmail.com", ("smtp.gmail.com", 465, "u", "p", False, True)),
    ],
)  # fmt: skip
def test_email_url_for_smtp(url: str, expected: tuple[Any, ...]) -> None:
    found = email_settings(url)
    assert found["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    keys = ("EMAIL_HOST", "EMAIL_PORT", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD",
            "EMAIL_USE_TLS", "EMAIL_USE_SSL")  # fmt: skip
    assert tuple(found[k] for k in keys) == expected


@pytest.mark.parametrize("url", ["http://x", "smtp://", "smtp://host:port"])
def test_a_bad_email_url_stops_sendreg(url: str) -> None:
    with pytest.raises(ImproperlyConfigured) as caught:
        email_settings(url)
    assert "SENDREG_EMAIL_URL" in str(caught.value)
