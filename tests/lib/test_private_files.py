"""What sendreg keeps under SENDREG_HOME is readable by its owner only."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"

#: Runs in a fresh process with SENDREG_HOME set: migrate, write through Django with the
#: connection still open (so the write-ahead log exists), save an upload, print the modes.
SCRIPT = textwrap.dedent(
    """
    import json, os, stat, sys
    os.environ["DJANGO_SETTINGS_MODULE"] = "sendreg.settings"
    import django
    django.setup()
    from django.conf import settings
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from sendreg.cli import ensure_database
    from sendreg.accounts.models import School
    ensure_database()
    School.objects.create(urn="100001", laestab="8012000", name="Oakfield")
    default_storage.save("pending-imports/abc", ContentFile(b"UPN"))
    home = settings.HOME
    paths = {
        "home": home,
        "database": home / "sendreg.sqlite3",
        "wal": home / "sendreg.sqlite3-wal",
        "shm": home / "sendreg.sqlite3-shm",
        "secret": home / "secret_key",
        "uploads": home / "files",
        "pending": home / "files" / "pending-imports",
        "upload": home / "files" / "pending-imports" / "abc",
    }
    print(json.dumps({k: stat.S_IMODE(os.stat(p).st_mode) for k, p in paths.items()}))
    """
)


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX permissions")
def test_database_wal_secret_and_uploads_are_owner_only(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "SENDREG_HOME": str(tmp_path / "home"),
        "PYTHONPATH": str(SRC),
    }
    env.pop("SENDREG_DATABASE_URL", None)
    env.pop("SENDREG_SECRET_KEY", None)
    # A generous umask, as on many servers: the modes must not depend on it.
    result = subprocess.run(  # noqa: S603 - runs this interpreter on a fixed script
        [sys.executable, "-c", f"import os; os.umask(0o022); exec({SCRIPT!r})"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )

    modes = json.loads(result.stdout.strip().splitlines()[-1])
    assert modes == {
        "home": 0o700,
        "database": 0o600,
        "wal": 0o600,
        "shm": 0o600,
        "secret": 0o600,
        "uploads": 0o700,
        "pending": 0o700,
        "upload": 0o600,
    }


def test_an_existing_database_readable_by_others_is_narrowed(tmp_path: Path) -> None:
    from sendreg.lib.env import private_file

    database = tmp_path / "sendreg.sqlite3"
    database.write_bytes(b"")
    database.chmod(0o644)
    private_file(database)
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
