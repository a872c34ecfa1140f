"""Logging in: pauses after failed attempts, the failed-login log, passwords and sessions."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from sendreg.accounts import rules
from sendreg.accounts.models import AccountAudit, LoginFailure, User
from sendreg.accounts.rules import LockedBy, Lockout, login_lockout
from sendreg.audit.models import AuditEvent

PASSWORD = "a long and private passphrase"
NOW = dt.datetime(2025, 11, 12, 10, 0, tzinfo=dt.UTC)
WINDOW = dt.timedelta(minutes=15)


@pytest.fixture
def person(senco: User) -> User:
    senco.set_password(PASSWORD)
    senco.save(update_fields=["password"])
    return senco


def log_in(client: Client, email: str, password: str, address: str = "192.0.2.1") -> Any:
    return client.post("/login/", {"username": email, "password": password}, REMOTE_ADDR=address)


# --- The rule --------------------------------------------------------------------------------


def lock(account: list[int], address: list[int] = (), **limits: int) -> Lockout | None:  # type: ignore[assignment]
    """Failures given as minutes before NOW."""
    return login_lockout(
        account_failures=[NOW - dt.timedelta(minutes=m) for m in account],
        address_failures=[NOW - dt.timedelta(minutes=m) for m in address],
        now=NOW,
        account_limit=limits.get("account_limit", 5),
        address_limit=limits.get("address_limit", 30),
        window=WINDOW,
    )


def test_the_fifth_failure_in_the_window_pauses_the_account() -> None:
    assert lock([1, 2, 3, 4]) is None
    assert lock([1, 2, 3, 4, 14]) == Lockout(LockedBy.ACCOUNT, NOW + dt.timedelta(minutes=1))
    # A failure older than the window no longer counts.
    assert lock([1, 2, 3, 4, 15]) is None


def test_the_address_has_its_own_higher_limit() -> None:
    assert lock([], [1] * 29) is None
    assert lock([], [1] * 30) == Lockout(LockedBy.ADDRESS, NOW + dt.timedelta(minutes=14))


def test_the_message_says_how_long_and_until_when() -> None:
    lockout = Lockout(LockedBy.ACCOUNT, NOW + dt.timedelta(minutes=9, seconds=30))
    assert lockout.message(NOW) == rules.LOCKED_OUT_ACCOUNT.format(
        minutes="10 minutes", until="10:09"
    )


minutes = st.lists(st.integers(min_value=0, max_value=40), max_size=12)


@given(minutes)
def test_a_pause_ends_exactly_when_it_says(account: list[int]) -> None:
    lockout = lock(account)
    if lockout is None:
        return
    failures = [NOW - dt.timedelta(minutes=m) for m in account]
    at_end = login_lockout(
        account_failures=failures,
        address_failures=[],
        now=lockout.until,
        account_limit=5,
        address_limit=30,
        window=WINDOW,
    )
    just_before = login_lockout(
        account_failures=failures,
        address_failures=[],
        now=lockout.until - dt.timedelta(seconds=1),
        account_limit=5,
        address_limit=30,
        window=WINDOW,
    )
    assert at_end is None
    assert just_before is not None


@given(minutes)
def test_another_failure_never_unlocks(account: list[int]) -> None:
    if lock(account) is not None:
        assert lock([0, *account]) is not None


# --- Through the login page --------------------------------------------------------------------


def test_a_paused_account_refuses_even_the_right_password(
    client: Client, person: User, time_machine: Any
) -> None:
    time_machine.move_to(NOW, tick=False)
    for _ in range(5):
        response = log_in(client, person.email, "not the password at all")
        assert "do not match an account" in response.content.decode()
    response = log_in(client, person.email, PASSWORD)
    assert response.status_code == 200
    page = response.content.decode()
    assert "too many failed attempts to log in to this account" in page
    assert "paused for 15 minutes (until 10:15)" in page
    assert "_auth_user_id" not in client.session
    reasons = list(LoginFailure.objects.order_by("at", "pk").values_list("reason", flat=True))
    assert reasons == ["password"] * 5 + ["locked"]
    assert set(LoginFailure.objects.values_list("email", "address")) == {
        (person.email, "192.0.2.1")
    }

    time_machine.move_to(NOW + WINDOW, tick=False)
    assert log_in(client, person.email, PASSWORD).status_code == 302
    assert client.session["_auth_user_id"] == str(person.pk)


def test_a_mixed_case_email_counts_against_the_same_account(
    client: Client, person: User, time_machine: Any
) -> None:
    time_machine.move_to(NOW, tick=False)
    for variant in ("SENCO@100001.test", "Senco@100001.test", " senco@100001.test", "x"):
        log_in(client, variant, "wrong")
    log_in(client, person.email, "wrong")
    log_in(client, person.email, "wrong")
    assert "too many failed attempts" in log_in(client, person.email, PASSWORD).content.decode()


def test_many_accounts_from_one_address_pause_the_address(
    client: Client, person: User, settings: Any, time_machine: Any
) -> None:
    time_machine.move_to(NOW, tick=False)
    settings.SENDREG_LOGIN_ADDRESS_LIMIT = 6
    for n in range(6):
        log_in(client, f"guess{n}@example.com", "wrong", address="198.51.100.20")
    page = log_in(client, person.email, PASSWORD, address="198.51.100.20").content.decode()
    assert "too many failed attempts to log in from your network" in page
    # The person from elsewhere is not affected.
    assert log_in(Client(), person.email, PASSWORD, address="192.0.2.1").status_code == 302


def test_a_successful_login_does_not_clear_the_address_count(
    client: Client, person: User, settings: Any, time_machine: Any
) -> None:
    time_machine.move_to(NOW, tick=False)
    settings.SENDREG_LOGIN_ADDRESS_LIMIT = 3
    for n in range(2):
        log_in(client, f"guess{n}@example.com", "wrong")
    assert log_in(Client(), person.email, PASSWORD).status_code == 302
    log_in(client, "guess3@example.com", "wrong")
    assert "from your network" in log_in(Client(), person.email, PASSWORD).content.decode()


def test_two_hundred_wrong_passwords_are_all_logged_and_do_not_lead_in(
    client: Client, person: User, time_machine: Any
) -> None:
    time_machine.move_to(NOW, tick=False)
    for n in range(200):
        log_in(client, person.email, f"guess number {n}")
    assert log_in(client, person.email, PASSWORD).status_code == 200
    assert LoginFailure.objects.count() == 201


# --- Passwords ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short pass", "too short. It must contain at least 12 characters"),
        ("senco@100001.test", "too similar to the email"),
        ("password1234", "too common"),
        ("202511122025", "entirely numeric"),
    ],
)
def test_weak_passwords_are_refused_when_changing(
    password: str, problem: str, client: Client, person: User
) -> None:
    client.force_login(person)
    response = client.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": password, "new_password2": password},
    )
    assert response.status_code == 200
    assert problem in response.content.decode()
    person.refresh_from_db()
    assert person.check_password(PASSWORD)


def test_a_password_like_the_persons_name_is_refused(client: Client, person: User) -> None:
    person.name = "Philippa Wetherington"
    person.save(update_fields=["name"])
    client.force_login(person)
    response = client.post(
        "/account/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "Philippa Wetherington",
            "new_password2": "Philippa Wetherington",
        },
    )
    assert "too similar to the name" in response.content.decode()


def test_changing_the_password_keeps_this_session_ends_others_and_is_audited(
    client: Client, person: User
) -> None:
    other = Client()
    other.force_login(person)
    client.force_login(person)
    new = "seven orange kites over the harbour"
    response = client.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302 and response["Location"] == "/account/"
    assert client.get("/").status_code == 200
    assert other.get("/").status_code == 302
    event = AuditEvent.objects.get(type=AccountAudit.PASSWORD_CHANGED)
    assert event.actor_id == person.pk and event.school_id == person.memberships.get().school_id


def test_a_reset_link_is_emailed_works_once_and_expires(
    client: Client, person: User, time_machine: Any
) -> None:
    time_machine.move_to(NOW, tick=False)
    response = client.post("/account/password/reset/", {"email": person.email})
    assert response.status_code == 302
    [message] = mail.outbox
    link = re.search(r"https?://[^/]+(/account/password/reset/\S+/)", message.body)
    assert link is not None and message.to == [person.email]
    url = link.group(1)

    time_machine.move_to(NOW + dt.timedelta(minutes=61), tick=False)
    page = client.get(url, follow=True).content.decode()
    assert "This link does not work" in page

    time_machine.move_to(NOW + dt.timedelta(minutes=30), tick=False)
    form_url = client.get(url)["Location"]
    new = "seven orange kites over the harbour"
    done = client.post(form_url, {"new_password1": new, "new_password2": new})
    assert done.status_code == 302
    person.refresh_from_db()
    assert person.check_password(new)
    assert AuditEvent.objects.filter(type=AccountAudit.PASSWORD_RESET).count() == 1
    assert "This link does not work" in client.get(url, follow=True).content.decode()


def test_a_reset_for_an_unknown_address_looks_the_same(client: Client, db: None) -> None:
    response = client.post("/account/password/reset/", {"email": "nobody@example.com"})
    assert response.status_code == 302 and response["Location"] == "/account/password/reset/sent/"
    assert not mail.outbox


# --- Sessions ------------------------------------------------------------------------------------


def test_a_session_ends_after_the_idle_time(
    client: Client, person: User, settings: Any, time_machine: Any
) -> None:
    time_machine.move_to(NOW, tick=True)
    client.force_login(person)
    time_machine.move_to(NOW + dt.timedelta(minutes=29), tick=False)
    assert client.get("/").status_code == 200
    time_machine.move_to(NOW + dt.timedelta(minutes=58), tick=False)
    assert client.get("/").status_code == 200
    time_machine.move_to(NOW + dt.timedelta(minutes=88, seconds=1), tick=False)
    response = client.get("/register/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/register/"
    page = client.get(response["Location"]).content.decode()
    assert "not used for 30 minutes" in page
    assert client.get("/").status_code == 302


def test_a_session_ends_after_the_absolute_limit_however_busy(
    client: Client, person: User, settings: Any, time_machine: Any
) -> None:
    time_machine.move_to(NOW, tick=False)
    client.force_login(person)
    for minute in range(20, 600, 20):
        time_machine.move_to(NOW + dt.timedelta(minutes=minute), tick=False)
        assert client.get("/").status_code == 200
    time_machine.move_to(NOW + dt.timedelta(hours=10), tick=False)
    response = client.get("/")
    assert response.status_code == 302
    assert "more than 10 hours ago" in client.get(response["Location"]).content.decode()


def test_an_htmx_request_after_expiry_reloads_the_whole_page(
    client: Client, person: User, time_machine: Any
) -> None:
    time_machine.move_to(NOW, tick=False)
    client.force_login(person)
    time_machine.move_to(NOW + dt.timedelta(hours=1), tick=False)
    response = client.get("/register/", headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == "/login/?next=/register/"


def test_log_out_everywhere_ends_every_session(client: Client, person: User) -> None:
    phone = Client()
    phone.force_login(person)
    client.force_login(person)
    response = client.post("/account/log-out-everywhere/")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert phone.get("/").status_code == 302
    assert client.get("/").status_code == 302
    assert AuditEvent.objects.filter(type=AccountAudit.LOGGED_OUT_EVERYWHERE).exists()
    # Logging in again works as before.
    assert log_in(Client(), person.email, PASSWORD).status_code == 302
