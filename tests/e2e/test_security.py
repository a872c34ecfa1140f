"""Logging in with a password and an authenticator code, setting the app up, and the
password pages, in a real browser with the Content-Security-Policy on; each page axe-clean."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import BrowserContext, Page, expect

from sendreg.accounts.models import User
from sendreg.audit.models import AccessEvent
from sendreg.pupils.models import Pupil
from tests.security.conftest import authenticator, code_now

pytestmark = pytest.mark.e2e
PASSWORD = "a long and private passphrase"
LogIn = Callable[[BrowserContext, User], None]


def assert_accessible(page: Page) -> None:
    violations = Axe().run(page).response["violations"]
    blocking = [v["id"] for v in violations if v["impact"] in {"serious", "critical"}]
    assert not blocking, blocking


@pytest.fixture
def senco_with_password(senco: User, settings: Any) -> User:
    settings.SENDREG_TWO_FACTOR = True
    senco.set_password(PASSWORD)
    senco.save(update_fields=["password"])
    return senco


def type_password(page: Page, user: User) -> None:
    page.goto("/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in to sendreg")
    assert_accessible(page)
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_the_senco_logs_in_with_a_code_and_sees_who_opened_the_record(
    page: Page, senco_with_password: User, pupil: Pupil
) -> None:
    device = authenticator(senco_with_password)
    type_password(page, senco_with_password)

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Enter the code from your authenticator app"
    )
    assert_accessible(page)
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("That code is not right")
    page.wait_for_timeout(1100)  # django-otp waits a second after a wrong code.
    page.get_by_label("Code").fill(code_now(device))
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_url(re.compile(r"/$"))
    page.goto(f"/pupils/{pupil.pk}/")
    section = page.get_by_role("region", name="Who has looked at this record")
    expect(section.get_by_role("table")).to_contain_text("Senco (senco@100001.test)")
    expect(section.get_by_role("table")).to_contain_text("127.0.0.1")
    assert_accessible(page)
    assert AccessEvent.objects.filter(pupil_id=pupil.pk, client_address="127.0.0.1").exists()

    # htmx works under the policy: the audit trail filters in place.
    page.goto("/audit/")
    page.get_by_label("Pupil name").fill("Young")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name=re.compile(r"\d+ events?"))).to_be_visible()


def test_the_senco_sets_up_the_app_at_the_first_login(
    page: Page, senco_with_password: User
) -> None:
    type_password(page, senco_with_password)

    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor authentication")
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    assert_accessible(page)
    device = TOTPDevice.objects.get(user=senco_with_password)
    page.get_by_label("Code from the app").fill(code_now(device))
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Two-factor authentication is set up")
    codes = page.get_by_role("list", name="Recovery codes").get_by_role("listitem")
    expect(codes).to_have_count(10)
    assert_accessible(page)
    page.get_by_role("link", name="I have kept my codes: continue").click()
    expect(page).to_have_url(re.compile(r"/$"))


def test_the_password_pages_are_accessible(
    context: BrowserContext, log_in: LogIn, senco: User, page: Page
) -> None:
    page.goto("/account/password/reset/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Reset your password")
    assert_accessible(page)
    page.get_by_label("Email").fill(senco.email)
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    assert_accessible(page)

    log_in(context, senco)
    page.goto("/account/")
    assert_accessible(page)
    page.get_by_role("link", name="Change your password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change your password")
    page.get_by_label("Old password").fill("not it")
    page.get_by_label("New password:", exact=True).fill("short")
    page.get_by_label("New password confirmation").fill("short")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("alert")).to_contain_text("too short")
    assert_accessible(page)
