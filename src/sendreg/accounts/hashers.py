"""Password hashing that cannot be turned into a memory attack on the server.

Argon2 is memory-hard on purpose: Django's default costs 100 MiB and 8 lanes for every
hash. Fifty people logging in ten at a time (or anyone posting wrong passwords in
parallel) took a server from 75 MB to 877 MB. Two bounds, recorded in docs/decisions.md:

- the parameters are OWASP's recommended minimum for Argon2id (19 MiB, 2 passes, 1 lane),
  still far beyond what a guessing rig can afford per guess at scale;
- at most ``SENDREG_HASH_CONCURRENCY`` hashes are computed at once in a process; the
  other logins wait their turn (a few tens of milliseconds each).

Hashes made with other parameters still verify (under the same limit) and are
re-hashed with these at the next successful login.
"""

from __future__ import annotations

import ctypes
import sys
import threading

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher

_limit_lock = threading.Lock()
_limit: threading.BoundedSemaphore | None = None
_limit_size = 0


def hashing_slots() -> threading.BoundedSemaphore:
    """The process's limit on concurrent hashing, sized from the setting when first used."""
    global _limit, _limit_size
    size = max(1, int(settings.SENDREG_HASH_CONCURRENCY))
    with _limit_lock:
        if _limit is None or _limit_size != size:
            _limit, _limit_size = threading.BoundedSemaphore(size), size
        return _limit


class BoundedArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id at 19 MiB, 2 passes, 1 lane, with a limit on concurrent hashing."""

    # The algorithm stays "argon2", so hashes made by Django's own hasher still verify.
    time_cost = 2
    memory_cost = 19 * 1024
    parallelism = 1

    def encode(self, password: str, salt: str) -> str:
        with hashing_slots():
            return str(super().encode(password, salt))

    def verify(self, password: str, encoded: str) -> bool:
        with hashing_slots():
            return bool(super().verify(password, encoded))


#: glibc's mallopt parameter for the size above which blocks are mmapped.
_M_MMAP_THRESHOLD = -3


def return_hash_memory_to_the_system() -> bool:
    """Make the C library give each hash's memory back to the system when it is done.

    glibc raises its threshold for mmapped blocks each time one is freed (up to 32 MiB),
    after which each server thread keeps an Argon2-sized block in its own heap: with
    ``sendreg serve``'s 8 threads that kept about 120 MB after a burst of logins
    (benchmarks/logins.py). A fixed threshold keeps large blocks mmapped, so they are
    returned as soon as they are freed. Called once by ``sendreg serve``; does nothing
    (and returns False) where the C library is not glibc.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        return bool(libc.mallopt(_M_MMAP_THRESHOLD, 128 * 1024))
    except (OSError, AttributeError):
        return False
