"""A real browser against a live server: Debian's Chromium driven by Playwright's sync API.

The browser is never downloaded. CI installs the ``chromium`` package; without it
these tests fail rather than skip, so a missing browser cannot pass unnoticed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    Response,
    sync_playwright,
)
from pytest_django.live_server_helper import LiveServer

from sendreg.accounts.models import User

# Playwright's sync API keeps an asyncio event loop running in the test thread, so
# Django's async-safety check would refuse every query the test itself makes. The
# live server answers in its own thread, and the test thread never shares a
# connection with a coroutine, so the check has nothing to protect here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: A page that fails to fetch one of these is not the page users see.
SUBRESOURCES = {"stylesheet", "script"}
#: Long enough for a slow CI machine, short enough that a broken page fails fast.
TIMEOUT_MS = 10_000


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"The end-to-end tests need Chromium at {CHROMIUM}. "
            "Install it with `apt-get install chromium`; the tests never download a browser.",
            pytrace=False,
        )
    browser = playwright_driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def new_context(
    browser: Browser, live_server: LiveServer
) -> Iterator[Callable[..., BrowserContext]]:
    """Make browser contexts pointed at the live server; all are closed after the test."""
    made: list[BrowserContext] = []
    broken: list[str] = []

    def note_broken(response: Response) -> None:
        if response.status >= 400 and response.request.resource_type in SUBRESOURCES:
            broken.append(f"{response.status} {response.url}")

    def note_refused(message: ConsoleMessage) -> None:
        # Chromium reports each thing the Content-Security-Policy blocked on the console.
        if "Content Security Policy" in message.text:
            broken.append(f"CSP: {message.text}")

    def make(**options: object) -> BrowserContext:
        context = browser.new_context(base_url=live_server.url, locale="en-GB", **options)
        context.set_default_timeout(TIMEOUT_MS)
        context.on("response", note_broken)
        context.on("console", note_refused)
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()
    # An unstyled page would pass every other check, and axe would judge the wrong colours;
    # a script or style the policy blocked is a page that does not work as written.
    assert not broken, "Stylesheets or scripts failed to load:\n" + "\n".join(broken)


@pytest.fixture
def context(new_context: Callable[..., BrowserContext]) -> BrowserContext:
    return new_context()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture
def log_in(live_server: LiveServer) -> Callable[[BrowserContext, User], None]:
    """Give a browser context the session of ``user`` without going through the form.

    Only the login tests type a password (and a two-factor code); the others start
    logged in, which keeps the module fast. The test settings ask no one for a second
    factor (``SENDREG_TWO_FACTOR = False``); a test that wants it switches it on.
    """

    def _log_in(context: BrowserContext, user: User) -> None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])

    return _log_in
