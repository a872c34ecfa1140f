"""A burst of logins against a real ``sendreg serve``: the server's peak memory and login times.

Password hashing is memory-hard on purpose. Before it was bounded, 50 people logging in
ten at a time took a server from 75 MB to 877 MB (Argon2 at Django's default cost, 100 MiB
and 8 lanes for each login at once). This script starts ``sendreg serve`` in a throwaway
home with ``--users`` accounts, logs them all in, ``--at-once`` at a time, through the real
login form over HTTP on 127.0.0.1, and reports the server's peak resident memory (Linux's
VmHWM) and the login times, each beside its goal.

    python benchmarks/logins.py                      # 50 logins, 10 at a time
    python benchmarks/logins.py --old-hashes         # passwords hashed at Django's default cost
    python benchmarks/logins.py --hash-concurrency 10

``--old-hashes`` stores every password as Django's own Argon2 hasher made it (100 MiB,
8 lanes), as accounts made before the bound still are until they next log in: verifying
them still costs that, so only the limit on concurrent hashing bounds the memory.
``--hash-concurrency`` sets ``SENDREG_HASH_CONCURRENCY`` in the server (default 2).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

PASSWORD = "benchmark passphrase for everyone"  # noqa: S105 - throwaway accounts
#: Goals: a small school server has 1-2 GB; logins must stay quick for people.
PEAK_GOAL_MB = 250
P95_GOAL_S = 2.0


def prepare(home: Path, users: int, old_hashes: bool) -> None:
    """Migrate a new database in ``home`` and add the accounts (in this process)."""
    os.environ["SENDREG_HOME"] = str(home)
    os.environ["DJANGO_SETTINGS_MODULE"] = "sendreg.settings"
    import django

    django.setup()
    from django.contrib.auth.hashers import Argon2PasswordHasher, make_password

    from sendreg.accounts.models import Membership, School, User
    from sendreg.cli import ensure_database

    ensure_database()
    school = School.objects.create(urn="999901", laestab="8019901", name="Benchmark School")
    accounts = []
    for n in range(users):
        if old_hashes:
            hasher = Argon2PasswordHasher()
            password = hasher.encode(PASSWORD, hasher.salt())
        else:
            password = make_password(PASSWORD)
        email = f"teacher{n}@bench.test"
        accounts.append(User(email=email, name=f"Teacher {n}", password=password))
    User.objects.bulk_create(accounts)
    Membership.objects.bulk_create(
        Membership(user=u, school=school, role="teacher") for u in User.objects.all()
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, timeout: float = 30) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            urllib.request.urlopen(url, timeout=2).read()  # noqa: S310 - our own server
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"The server did not answer at {url}.")


def memory_mb(pid: int, field: str) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(rf"^{field}:\s+(\d+) kB", status, re.MULTILINE)
    return int(match.group(1)) / 1024 if match else float("nan")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def log_in(base: str, n: int) -> tuple[float, int]:
    """One person's login through the form: the time of the POST, and its status."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())
    page = opener.open(f"{base}/login/", timeout=60).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None
    data = urllib.parse.urlencode(
        {
            "username": f"teacher{n}@bench.test",
            "password": PASSWORD,
            "csrfmiddlewaretoken": token.group(1),
        }
    ).encode()
    request = urllib.request.Request(f"{base}/login/", data=data, method="POST")  # noqa: S310
    started = time.perf_counter()
    try:
        status = opener.open(request, timeout=120).status
    except urllib.error.HTTPError as exc:
        status = exc.code
    return time.perf_counter() - started, status


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--at-once", type=int, default=10)
    parser.add_argument("--old-hashes", action="store_true")
    parser.add_argument("--hash-concurrency", type=int, default=2)
    args = parser.parse_args()
    if not Path("/proc/self/status").exists():
        raise SystemExit("This benchmark reads memory from /proc: run it on Linux.")

    with tempfile.TemporaryDirectory(prefix="sendreg-bench-logins-") as tmp:
        home = Path(tmp)
        prepare(home, args.users, args.old_hashes)
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("SENDREG_")}
        env.update(
            SENDREG_HOME=str(home),
            DJANGO_SETTINGS_MODULE="sendreg.settings",
            SENDREG_HASH_CONCURRENCY=str(args.hash_concurrency),
            # Every login comes from 127.0.0.1 here, as from a school behind one address.
            SENDREG_LOGIN_ADDRESS_LIMIT="1000",
        )
        server = subprocess.Popen(
            [sys.executable, "-m", "sendreg.cli", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for(f"{base}/login/")
            for _ in range(3):
                urllib.request.urlopen(f"{base}/login/").read()  # noqa: S310
            before = memory_mb(server.pid, "VmRSS")
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=args.at_once) as pool:
                results = list(pool.map(lambda n: log_in(base, n), range(args.users)))
            elapsed = time.perf_counter() - started
            peak = memory_mb(server.pid, "VmHWM")
        finally:
            server.terminate()
            server.wait(timeout=30)

    times = sorted(t for t, _ in results)
    failed = [s for _, s in results if s != 302]
    p95 = times[max(0, round(0.95 * len(times)) - 1)]
    hashes = "Django's default Argon2 (100 MiB, 8 lanes)" if args.old_hashes else "sendreg's"
    print(
        f"{args.users} logins, {args.at_once} at a time, passwords hashed with {hashes}, "
        f"hash concurrency {args.hash_concurrency}"
    )
    print(f"{'figure':<34}{'measured':>12}{'goal':>12}")
    print(f"{'server memory before (MB)':<34}{before:>12.0f}{'':>12}")
    print(f"{'server peak memory (MB)':<34}{peak:>12.0f}{'<= ' + str(PEAK_GOAL_MB):>12}")
    print(f"{'login time, median (s)':<34}{statistics.median(times):>12.3f}{'':>12}")
    print(f"{'login time, 95th percentile (s)':<34}{p95:>12.3f}{'<= ' + str(P95_GOAL_S):>12}")
    print(f"{'whole burst (s)':<34}{elapsed:>12.2f}{'':>12}")
    print(f"{'logins refused':<34}{len(failed):>12}{'0':>12}")
    met = peak <= PEAK_GOAL_MB and p95 <= P95_GOAL_S and not failed
    print("Goals met." if met else "Goals NOT met.")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
