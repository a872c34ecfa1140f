"""Two-factor authentication: required for the roles that see the whole register, optional
for the others, and asked of anyone who has set it up."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from sendreg.accounts.forms import CODE_WRONG, SETUP_CODE_WRONG
from sendreg.accounts.models import AccountAudit, LoginFailure, User
from sendreg.accounts.permissions import TWO_FACTOR_ROLES, Role, role_requires_two_factor
from sendreg.accounts.rules import TwoFactorStep, two_factor_step
from sendreg.audit.models import AuditEvent
from sendreg.cli import main
from tests.security.conftest import authenticator, code_now

pytestmark = pytest.mark.usefixtures("two_factor_on")
PASSWORD = "a long and private passphrase"


def with_password(user: User) -> User:
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    return user


def log_in(client: Client, user: User, next_url: str = "") -> Any:
    data = {"username": user.email, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post("/login/", data)


def test_the_roles_that_see_the_whole_register_must_use_it() -> None:
    assert {Role(r) for r in TWO_FACTOR_ROLES} == {
        Role.SENCO,
        Role.DEPUTY_SENCO,
        Role.HEAD,
        Role.OFFICE,
    }
    assert not role_requires_two_factor(Role.TEACHER)
    assert not role_requires_two_factor(Role.GOVERNOR)


@pytest.mark.parametrize(
    ("required", "enrolled", "verified", "step"),
    [
        (True, False, False, TwoFactorStep.ENROL),
        (True, True, False, TwoFactorStep.VERIFY),
        (True, True, True, TwoFactorStep.NONE),
        (False, False, False, TwoFactorStep.NONE),
        (False, True, False, TwoFactorStep.VERIFY),
        (False, True, True, TwoFactorStep.NONE),
    ],
)
def test_the_step_a_session_is_at(
    required: bool, enrolled: bool, verified: bool, step: TwoFactorStep
) -> None:
    assert two_factor_step(required=required, enrolled=enrolled, verified=verified) == step


def test_a_senco_without_an_app_is_sent_to_set_one_up_and_nowhere_else(
    client: Client, senco: User
) -> None:
    with_password(senco)
    response = log_in(client, senco, next_url="/register/")
    assert response["Location"] == "/register/"
    response = client.get("/register/")
    assert response.status_code == 302
    assert response["Location"] == "/account/two-factor/set-up/?next=/register/"
    for url in ("/", "/pupils/", "/audit/", "/account/"):
        assert client.get(url)["Location"].startswith("/account/two-factor/set-up/"), url


def test_setting_up_the_app_shows_a_qr_code_then_the_recovery_codes(
    client: Client, senco: User, time_machine: Any
) -> None:
    with_password(senco)
    log_in(client, senco)
    page = client.get("/account/two-factor/set-up/?next=/register/").content.decode()
    svg = re.search(r"<svg[^>]*>.*?</svg>", page, re.DOTALL)
    assert svg is not None and 'class="qr"' in svg.group(0)
    assert "style=" not in svg.group(0)
    device = TOTPDevice.objects.get(user=senco)
    assert not device.confirmed
    key = re.search(r'<code class="key">([A-Z2-7 ]+)</code>', page)
    assert key is not None and len(key.group(1).replace(" ", "")) == 32

    wrong = client.post("/account/two-factor/set-up/", {"code": "000000", "next": "/register/"})
    assert SETUP_CODE_WRONG in wrong.content.decode().replace("&#x27;", "'")
    time_machine.move_to(timezone.now() + dt.timedelta(seconds=2))

    done = client.post(
        "/account/two-factor/set-up/", {"code": code_now(device), "next": "/register/"}
    )
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", done.content.decode())
    assert len(codes) == 10
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(codes)
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/register/").status_code == 200
    assert AuditEvent.objects.filter(type=AccountAudit.TWO_FACTOR_SET_UP).count() == 1


def test_logging_in_again_asks_for_the_code(client: Client, senco: User, time_machine: Any) -> None:
    with_password(senco)
    device = authenticator(senco)
    response = log_in(client, senco, next_url="/register/")
    response = client.get(response["Location"])
    assert response["Location"] == "/account/two-factor/?next=/register/"
    page = client.get(response["Location"]).content.decode()
    assert "Enter the code from your authenticator app" in page

    wrong = client.post("/account/two-factor/", {"code": "123456", "next": "/register/"})
    assert CODE_WRONG in wrong.content.decode()
    assert LoginFailure.objects.get().reason == LoginFailure.Reason.CODE
    assert client.get("/register/").status_code == 302
    # Straight after a wrong code the app is paused for a second, and the page says so.
    too_soon = client.post("/account/two-factor/", {"code": code_now(device)})
    assert "Too many wrong codes in a row: wait 1 second," in too_soon.content.decode()
    time_machine.move_to(timezone.now() + dt.timedelta(seconds=2))

    right = client.post("/account/two-factor/", {"code": code_now(device), "next": "/register/"})
    assert right["Location"] == "/register/"
    assert client.get("/register/").status_code == 200


def test_a_recovery_code_works_once(client: Client, senco: User) -> None:
    with_password(senco)
    authenticator(senco)
    [code, *_] = Client_codes = _recovery_codes(senco)
    log_in(client, senco)
    response = client.post("/account/two-factor/", {"code": code.upper(), "next": "/"})
    assert response["Location"] == "/"
    assert "9 left" in client.get("/").content.decode()
    again = Client()
    log_in(again, senco)
    response = again.post("/account/two-factor/", {"code": code})
    assert CODE_WRONG in response.content.decode()
    assert len(Client_codes) == 10


def _recovery_codes(user: User) -> list[str]:
    from sendreg.accounts.services import recovery_codes_renew

    return recovery_codes_renew(by=user)


def test_a_link_off_site_is_not_followed_after_the_code(client: Client, senco: User) -> None:
    with_password(senco)
    device = authenticator(senco)
    log_in(client, senco)
    response = client.post(
        "/account/two-factor/", {"code": code_now(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_repeated_wrong_codes_end_the_session_and_pause_the_account(
    client: Client, senco: User
) -> None:
    with_password(senco)
    authenticator(senco)
    log_in(client, senco)
    for _ in range(5):
        client.post("/account/two-factor/", {"code": "000000"})
    response = client.post("/account/two-factor/", {"code": "000000"})
    assert response["Location"] == "/login/"
    assert "_auth_user_id" not in client.session
    page = log_in(client, senco).content.decode()
    assert "too many failed attempts to log in to this account" in page


def test_a_password_alone_cannot_replace_the_app(client: Client, senco: User) -> None:
    with_password(senco)
    authenticator(senco)
    log_in(client, senco)
    response = client.get("/account/two-factor/set-up/")
    assert response["Location"].startswith("/account/two-factor/?next=")
    assert TOTPDevice.objects.filter(user=senco).count() == 1


def test_a_teacher_need_not_use_it(client: Client, teacher: User) -> None:
    with_password(teacher)
    log_in(client, teacher)
    assert client.get("/").status_code == 200
    page = client.get("/account/").content.decode()
    assert "Your role does not need it" in page


def test_a_teacher_who_set_it_up_is_asked_and_may_turn_it_off(
    client: Client, teacher: User
) -> None:
    with_password(teacher)
    device = authenticator(teacher)
    log_in(client, teacher)
    assert client.get("/")["Location"].startswith("/account/two-factor/")
    client.post("/account/two-factor/", {"code": code_now(device)})
    response = client.post("/account/two-factor/turn-off/")
    assert response["Location"] == "/account/"
    assert not TOTPDevice.objects.filter(user=teacher).exists()
    assert AuditEvent.objects.filter(type=AccountAudit.TWO_FACTOR_REMOVED).exists()


def test_a_senco_may_not_turn_it_off(client: Client, senco: User) -> None:
    with_password(senco)
    device = authenticator(senco)
    log_in(client, senco)
    client.post("/account/two-factor/", {"code": code_now(device)})
    response = client.post("/account/two-factor/turn-off/", follow=True)
    assert "must keep two-factor authentication" in response.content.decode()
    assert TOTPDevice.objects.filter(user=senco).exists()


def test_new_recovery_codes_replace_the_old(client: Client, senco: User) -> None:
    with_password(senco)
    device = authenticator(senco)
    old = _recovery_codes(senco)
    log_in(client, senco)
    client.post("/account/two-factor/", {"code": code_now(device)})
    page = client.post("/account/two-factor/recovery-codes/").content.decode()
    new = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", page)
    assert len(new) == 10 and not set(new) & set(old)
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(new)


def test_the_command_line_resets_a_lost_phone(senco: User, capsys: Any) -> None:
    authenticator(senco)
    _recovery_codes(senco)
    assert main(["account", "reset-two-factor", senco.email]) == 0
    assert not TOTPDevice.objects.filter(user=senco).exists()
    assert not StaticToken.objects.filter(device__user=senco).exists()
    event = AuditEvent.objects.get(type=AccountAudit.TWO_FACTOR_REMOVED)
    assert event.actor_label.startswith("sendreg account reset-two-factor on the command line")
    assert "they set up a new app" in capsys.readouterr().out
