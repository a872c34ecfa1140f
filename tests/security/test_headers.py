"""Security headers on every response, no caching of what a logged-in person sees,
no inline script or style in any page, and a clean ``check --deploy`` in production."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from sendreg.accounts.models import User
from sendreg.pupils.models import Pupil

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def test_anonymous_pages_carry_the_security_headers(client: Client, db: None) -> None:
    response = client.get("/login/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_every_page_and_download_for_a_logged_in_person_is_not_stored(
    client: Client, senco: User, pupil: Pupil
) -> None:
    client.force_login(senco)
    for url in ("/", f"/pupils/{pupil.pk}/", "/register/?export=csv", "/documents/register-pack/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == "no-store, private", url
        assert "Content-Security-Policy" in response, url


def test_an_error_page_for_a_logged_in_person_is_not_stored(
    client: Client, teacher: User, pupil: Pupil
) -> None:
    client.force_login(teacher)
    response = client.get("/register/")
    assert response.status_code == 403
    assert response["Cache-Control"] == "no-store, private"


def test_static_files_get_the_policy_too(client: Client, db: None) -> None:
    response = client.get("/static/sendreg/site.css")
    response.close()
    assert response.status_code == 200
    assert "Content-Security-Policy" in response
    assert response["X-Frame-Options"] == "DENY"


def test_htmx_is_told_not_to_add_styles_or_evaluate_code(client: Client, senco: User) -> None:
    client.force_login(senco)
    page = client.get("/").content.decode()
    assert '"includeIndicatorStyles": false' in page
    assert '"allowEval": false' in page
    assert re.search(r'<script src="/static/django_htmx/htmx-2\.min\.js" defer></script>', page)


def _page_templates() -> list[Path]:
    # Documents are rendered to PDF offline by WeasyPrint, never served as pages.
    return [p for p in TEMPLATES.rglob("*.html") if p.parent.name != "documents"]


@pytest.mark.parametrize(
    ("pattern", "what"),
    [
        (r"<script(?![^>]*\bsrc=)", "an inline script"),
        (r"<style\b", "a <style> block"),
        (r"\sstyle\s*=", "a style= attribute"),
        (r"\son[a-z]+\s*=", "an inline event handler"),
        (r"\shx-on", "an hx-on handler"),
        (r"javascript:", "a javascript: URL"),
    ],
)
def test_no_page_template_has_inline_code_or_style(pattern: str, what: str) -> None:
    found = [
        f"{path.relative_to(TEMPLATES)}: {match.group(0)!r}"
        for path in _page_templates()
        for match in re.finditer(pattern, path.read_text(encoding="utf-8"), re.IGNORECASE)
    ]
    assert not found, f"{what} in: {found}"


def test_page_templates_are_found() -> None:
    assert len(_page_templates()) > 30


PRODUCTION = {
    "SENDREG_DEBUG": "false",
    "SENDREG_HTTPS": "true",
    "SENDREG_ALLOWED_HOSTS": "sendreg.oakfield.sch.uk",
    "SENDREG_BACKUP_PASSPHRASE": "correct horse battery staple",
}


def test_check_deploy_reports_nothing_with_the_readme_production_settings(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SENDREG_", "DJANGO_"))}
    env.update(PRODUCTION, SENDREG_HOME=str(tmp_path), DJANGO_SETTINGS_MODULE="sendreg.settings")
    done = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues (0 silenced)." in done.stdout


def test_check_deploy_warns_when_two_factor_is_off(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SENDREG_", "DJANGO_"))}
    env.update(PRODUCTION, SENDREG_HOME=str(tmp_path), DJANGO_SETTINGS_MODULE="sendreg.settings")
    env["SENDREG_TWO_FACTOR"] = "false"
    done = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "sendreg.W001" in done.stdout + done.stderr


def test_https_settings_follow_sendreg_https(settings: Any) -> None:
    # In the test settings HTTPS is off: nothing would work on http://127.0.0.1 otherwise.
    assert settings.SECURE_SSL_REDIRECT is False
    assert settings.SECURE_HSTS_SECONDS == 0
