"""Settings for the test run: the product's own, with a throwaway home and a fast hasher."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

_home = tempfile.mkdtemp(prefix="sendreg-test-")
atexit.register(shutil.rmtree, _home, ignore_errors=True)
os.environ["SENDREG_HOME"] = _home
os.environ.setdefault("SENDREG_SECRET_KEY", "tests-only-not-secret")

from sendreg.settings import *  # noqa: E402,F403

# Argon2 is slow on purpose; tests log in hundreds of times.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# No one in the tests owes a second factor unless a test switches it on with the settings
# fixture (tests/security/conftest.py has one): the existing tests log in with force_login.
SENDREG_TWO_FACTOR = False
