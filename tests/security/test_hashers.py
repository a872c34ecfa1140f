"""Password hashing is bounded: Argon2 at 19 MiB and 1 lane, and only a few hashes at once."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.contrib.auth.hashers import Argon2PasswordHasher

from sendreg.accounts.hashers import BoundedArgon2PasswordHasher, return_hash_memory_to_the_system

PASSWORD = "a long and private passphrase"


def test_the_parameters_bound_the_memory_of_one_hash() -> None:
    hasher = BoundedArgon2PasswordHasher()
    encoded = hasher.encode(PASSWORD, hasher.salt())
    assert hasher.decode(encoded)["memory_cost"] == 19 * 1024
    assert hasher.decode(encoded)["parallelism"] == 1
    assert hasher.verify(PASSWORD, encoded)
    assert not hasher.verify("another passphrase", encoded)
    assert not hasher.must_update(encoded)


def test_hashes_made_at_djangos_cost_still_verify_and_are_renewed() -> None:
    old = Argon2PasswordHasher()
    encoded = old.encode(PASSWORD, old.salt())
    hasher = BoundedArgon2PasswordHasher()
    assert hasher.verify(PASSWORD, encoded)
    assert hasher.must_update(encoded)


def test_no_more_than_the_setting_hash_at_once(settings: Any, monkeypatch: Any) -> None:
    settings.SENDREG_HASH_CONCURRENCY = 2
    running, most = 0, 0
    lock = threading.Lock()

    def slow_verify(self: Any, password: str, encoded: str) -> bool:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.05)
        with lock:
            running -= 1
        return True

    monkeypatch.setattr(Argon2PasswordHasher, "verify", slow_verify)
    hasher = BoundedArgon2PasswordHasher()
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert all(pool.map(lambda _: hasher.verify(PASSWORD, "argon2$x"), range(16)))
    assert most == 2


def test_the_c_library_is_told_to_return_hash_memory() -> None:
    assert return_hash_memory_to_the_system() is True
