"""Many people using sendreg at once: throughput, response times and errors under load.

    python benchmarks/load.py                      # SQLite, 50 users for 60 s
    python benchmarks/load.py --postgres postgresql://postgres@127.0.0.1:5432/sendreg_load
    python benchmarks/load.py --users 20 --seconds 30 --think 0.5
    python benchmarks/load.py --workers 1           # one server process (waitress)

It makes a throwaway SENDREG_HOME, fills a demo school of 2,000 pupils
(``sendreg demo --no-serve``), starts ``sendreg serve`` on a free port on
127.0.0.1, logs in every simulated user, and then for ``--seconds`` each user
repeatedly opens a page, waits a moment (``--think``, uniformly up to twice the
given mean) and opens the next:

- SENCO readers: home, SEN register, a pupil's page, Census, MIS differences;
- teacher readers: home, their pupils, a pupil they teach;
- writers (``--writers``, about half office and half SENCO): open a pupil's
  details or SEN record, change it and save it, as a person would.

Every request only goes to the server it started on 127.0.0.1; the run stops by
itself. An error is a server error (5xx, including the "busy, try again" page)
or a failed connection. It prints throughput, the 50th, 95th and 99th
percentile times for each kind of page and overall, and the errors, beside the
goals (95th percentile at most 300 ms, no errors); it exits 1 if one is missed.
On Linux it also prints the server's CPU time per request (all its processes) and the
load average: on a shared machine these say more than response times do.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlparse

import requests

PASSWORD = "demo-password-2026"  # noqa: S105 - the demo's printed password
SLUG = "oakfield"
GOAL_P95_MS = 300.0
PUPIL_LINK = re.compile(r'href="/pupils/(\d+)/"')


# --- Reading forms as a browser would -----------------------------------------------


class FormReader(HTMLParser):
    """The fields of each POST form in a page, with their current values."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, list[tuple[str, str]]]] = []
        self.fields: list[tuple[str, str]] = []
        self._in_form = False
        self._select: str | None = None
        self._select_value: str | None = None
        self._first_option: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post":
            self._in_form, self.fields = True, []
            self.forms.append((a.get("action", ""), self.fields))
        if not self._in_form:
            return
        name = a.get("name", "")
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in {"checkbox", "radio"}:
                if "checked" in a:
                    self.fields.append((name, a.get("value", "on")))
            elif kind not in {"submit", "button", "file"}:
                self.fields.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self._select, self._select_value, self._first_option = name, None, None
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in a:
                self._select_value = value
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if not self._in_form:
            return
        if tag == "select" and self._select is not None:
            value = self._select_value if self._select_value is not None else self._first_option
            self.fields.append((self._select, value or ""))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append((self._textarea, "".join(self._text)))
            self._textarea = None
        elif tag == "form":
            self._in_form = False


def form_fields(html: str) -> list[tuple[str, str]]:
    """The page's own form: the POST form with the most fields (not the header's log-out)."""
    reader = FormReader()
    reader.feed(html)
    forms = [fields for action, fields in reader.forms if "logout" not in action]
    return max(forms, key=len, default=[])


def replaced(fields: list[tuple[str, str]], **values: str) -> list[tuple[str, str]]:
    kept = [(k, v) for k, v in fields if k not in values]
    return kept + list(values.items())


# --- One simulated person --------------------------------------------------------------


@dataclass
class Results:
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    examples: list[str] = field(default_factory=list)
    #: Saves that were made (a redirect) and saves shown again (a form with a message).
    saved: int = 0
    shown_again: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, page: str, seconds: float, error: str = "") -> None:
        with self.lock:
            self.times[page].append(seconds)
            if error:
                self.errors[page] += 1
                if len(self.examples) < 10:
                    self.examples.append(f"{page}: {error}")


class User:
    def __init__(self, base: str, email: str, results: Results, rng: random.Random) -> None:
        self.base, self.email, self.results, self.rng = base, email, results, rng
        self.http = requests.Session()
        self.pupils: list[str] = []

    def log_in(self) -> None:
        page = self.http.get(f"{self.base}/login/", timeout=30)
        token = dict(form_fields(page.text))["csrfmiddlewaretoken"]
        done = self.http.post(
            f"{self.base}/login/",
            data={"csrfmiddlewaretoken": token, "username": self.email, "password": PASSWORD},
            headers={"Referer": f"{self.base}/login/"},
            timeout=30,
            allow_redirects=False,
        )
        if done.status_code != 302:
            raise RuntimeError(f"{self.email} could not log in ({done.status_code})")

    def find_pupils(self, path: str) -> None:
        found = PUPIL_LINK.findall(self.http.get(f"{self.base}{path}", timeout=60).text)
        self.pupils = sorted(set(found)) or self.pupils

    def timed(
        self, page: str, method: str, path: str, **kwargs: object
    ) -> requests.Response | None:
        start = time.perf_counter()
        try:
            response = self.http.request(
                method, f"{self.base}{path}", timeout=60, allow_redirects=False, **kwargs
            )
        except requests.RequestException as exc:
            self.results.record(page, time.perf_counter() - start, f"{type(exc).__name__}")
            return None
        elapsed = time.perf_counter() - start
        error = f"{response.status_code} on {method} {path}" if response.status_code >= 500 else ""
        self.results.record(page, elapsed, error)
        return response

    def pupil(self) -> str:
        return self.rng.choice(self.pupils)

    def post_form(self, page: str, path: str, change: Callable[[list[tuple[str, str]]], list]):
        form = self.timed(f"{page} (open)", "GET", path)
        if form is None or form.status_code != 200:
            return
        data = change(form_fields(form.text))
        headers = {"Referer": self.base + path}
        done = self.timed(f"{page} (save)", "POST", path, data=data, headers=headers)
        if done is not None and done.status_code < 500:
            with self.results.lock:
                if done.status_code in (302, 303):
                    self.results.saved += 1
                else:
                    self.results.shown_again += 1


def senco_reader(user: User) -> None:
    page, path = user.rng.choice(
        [
            ("home", "/"),
            ("SEN register", "/register/"),
            ("pupil page", f"/pupils/{user.pupil()}/"),
            ("pupil page", f"/pupils/{user.pupil()}/"),
            ("census", "/census/"),
            ("MIS differences", "/register/discrepancies/"),
        ]
    )
    user.timed(page, "GET", path)


def teacher_reader(user: User) -> None:
    page, path = user.rng.choice(
        [
            ("home", "/"),
            ("my pupils", "/pupils/"),
            ("pupil page", f"/pupils/{user.pupil()}/"),
            ("pupil page", f"/pupils/{user.pupil()}/"),
        ]
    )
    user.timed(page, "GET", path)


def office_writer(user: User) -> None:
    attendance = f"{user.rng.uniform(80, 99):.1f}"
    user.post_form(
        "pupil details",
        f"/pupils/{user.pupil()}/edit/",
        lambda fields: replaced(fields, attendance=attendance),
    )


def senco_writer(user: User) -> None:
    def change(fields: list[tuple[str, str]]) -> list[tuple[str, str]]:
        current = dict(fields)
        secondary = "SLCN" if current.get("secondary_need") != "SLCN" else "SEMH"
        if current.get("primary_need") == secondary:
            secondary = "MLD"
        return replaced(fields, secondary_need=secondary, reason="Reviewed with the class teacher.")

    user.post_form("SEN change", f"/pupils/{user.pupil()}/sen/", change)


def run_user(user: User, act: Callable[[User], None], until: float, think: float) -> None:
    while time.monotonic() < until:
        act(user)
        time.sleep(user.rng.uniform(0, 2 * think))


# --- The server ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def sendreg(env: dict[str, str], *args: str, **kwargs: object) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "sendreg.cli", *args]
    return subprocess.Popen(command, env=env, **kwargs)  # type: ignore[call-overload]


def wait_for(base: str, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("sendreg serve stopped before it answered")
        try:
            if requests.get(f"{base}/login/", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            time.sleep(0.5)
    raise RuntimeError(f"sendreg serve did not answer at {base} within {seconds:.0f} s")


def percentile(values: list[float], share: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(share * 100) - 1]


def server_cpu_seconds(pid: int) -> float | None:
    """CPU time used so far by the server and its worker processes (Linux only; else None).

    Less noisy than response times on a shared machine: it counts the server's own work,
    not the time it waited for a core.
    """

    def cpu(one: int) -> float:
        fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return cpu(pid) + sum(cpu(int(child)) for child in children)
    except (OSError, ValueError, IndexError):
        return None


def machine_cpu_seconds() -> tuple[float, float] | None:
    """The whole machine's busy and idle CPU seconds so far, over all its cores (Linux only;
    else None): the server, the database and these simulated people all share them."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle and waiting on I/O
    # Guest time is already counted in user time.
    busy = sum(fields[:8]) - idle
    tick = os.sysconf("SC_CLK_TCK")
    return busy / tick, idle / tick


def report(results: Results, seconds: float, database: str) -> bool:
    every = [t for times in results.times.values() for t in times]
    errors = sum(results.errors.values())
    print(f"\n{'page':<28} {'requests':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for page in sorted(results.times):
        times = results.times[page]
        print(
            f"{page:<28} {len(times):>9,} {percentile(times, 0.5) * 1000:>8.0f} "
            f"{percentile(times, 0.95) * 1000:>8.0f} {percentile(times, 0.99) * 1000:>8.0f} "
            f"{results.errors.get(page, 0):>7}"
        )
    p95 = percentile(every, 0.95) * 1000
    print(
        f"{'all':<28} {len(every):>9,} {percentile(every, 0.5) * 1000:>8.0f} {p95:>8.0f} "
        f"{percentile(every, 0.99) * 1000:>8.0f} {errors:>7}"
    )
    print(f"\nThroughput on {database}: {len(every) / seconds:,.1f} requests a second")
    print(f"Saves made: {results.saved:,}; shown again with a message: {results.shown_again:,}")
    print("Figure beside goal:")
    print(f"  95th percentile {p95:,.0f} ms{'':<18} goal <= {GOAL_P95_MS:.0f} ms  "
          f"{'met' if p95 <= GOAL_P95_MS else 'MISSED'}")  # fmt: skip
    print(f"  errors {errors:,}{'':<29} goal 0          {'met' if not errors else 'MISSED'}")
    for example in results.examples:
        print(f"    e.g. {example}")
    return p95 <= GOAL_P95_MS and not errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50, help="simulated people (50)")
    parser.add_argument("--writers", type=int, default=5, help="of whom save changes (5)")
    parser.add_argument("--seconds", type=float, default=60, help="how long to run (60)")
    parser.add_argument("--think", type=float, default=0.5, help="mean pause between pages (0.5)")
    parser.add_argument("--pupils", type=int, default=2000, help="pupils in the demo school")
    parser.add_argument("--workers", type=int, help="sendreg serve's --workers (its default)")
    parser.add_argument("--postgres", help="a PostgreSQL URL (a throwaway database) for SQLite")
    args = parser.parse_args()

    home = tempfile.mkdtemp(prefix="sendreg-load-")
    env = {
        **os.environ,
        "SENDREG_HOME": home,
        "SENDREG_SECRET_KEY": "load-benchmark-only",
        # The users log in with a password only: a second factor is not what is measured.
        "SENDREG_TWO_FACTOR": "false",
    }
    env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent / "src")
    env.pop("SENDREG_DATABASE_URL", None)
    if args.postgres:
        env["SENDREG_DATABASE_URL"] = args.postgres
        name = urlparse(args.postgres).path.lstrip("/")
        subprocess.run(["dropdb", "--if-exists", "-h", "127.0.0.1", "-U", "postgres", name],
                       check=True)  # fmt: skip
    database = "PostgreSQL" if args.postgres else "SQLite"
    server = None
    try:
        print(f"Filling a demo school of {args.pupils:,} pupils on {database}...", flush=True)
        filled = sendreg(env, "demo", "--pupils", str(args.pupils), "--no-serve",
                         stdout=subprocess.DEVNULL)  # fmt: skip
        if filled.wait() != 0:
            raise RuntimeError("sendreg demo failed")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = open(Path(home) / "server.log", "wb")  # noqa: SIM115 - closed with the server
        workers = ["--workers", str(args.workers)] if args.workers else []
        server = sendreg(env, "serve", "--host", "127.0.0.1", "--port", str(port), *workers,
                         stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
        wait_for(base, server)

        results = Results()
        rng = random.Random(2026)
        teachers = ["teacher", *(f"teacher{n}" for n in range(1, 9))]
        plan: list[tuple[str, Callable[[User], None], str]] = []
        for n in range(args.users):
            if n < args.writers:
                if n % 2:
                    plan.append(("senco", senco_writer, "/register/"))
                else:
                    plan.append(("office", office_writer, "/pupils/"))
            elif n % 2:
                plan.append(("senco", senco_reader, "/register/"))
            else:
                plan.append((teachers[n % len(teachers)], teacher_reader, "/pupils/"))
        users = []
        print(f"Logging in {args.users} users...", flush=True)
        for login, act, pupils_page in plan:
            user = User(base, f"{login}@{SLUG}.sendreg.test", results, random.Random(rng.random()))
            user.log_in()
            user.find_pupils(pupils_page)
            if user.pupils:
                users.append((user, act))
        print(f"Running {len(users)} users for {args.seconds:.0f} s...", flush=True)
        until = time.monotonic() + args.seconds
        threads = [
            threading.Thread(target=run_user, args=(user, act, until, args.think), daemon=True)
            for user, act in users
        ]
        started = time.monotonic()
        cpu_before = server_cpu_seconds(server.pid)
        own_before = time.process_time()
        machine_before = machine_cpu_seconds()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=args.seconds + 120)
        cpu_after = server_cpu_seconds(server.pid)
        own = time.process_time() - own_before
        machine_after = machine_cpu_seconds()
        met = report(results, time.monotonic() - started, database)
        served = sum(len(times) for times in results.times.values())
        if cpu_before is not None and cpu_after is not None and served:
            print(f"Server CPU: {(cpu_after - cpu_before) * 1000 / served:,.1f} ms a request")
        if served:
            # The simulated people run on the same cores as the server and the database.
            print(f"Load generator CPU (this process): {own * 1000 / served:,.1f} ms a request")
        if machine_before is not None and machine_after is not None:
            busy = machine_after[0] - machine_before[0]
            idle = machine_after[1] - machine_before[1]
            if busy + idle > 0:
                print(
                    f"Machine CPU busy: {100 * busy / (busy + idle):.0f}% of "
                    f"{os.cpu_count()} CPUs (server, database and load generator together)"
                )
        if hasattr(os, "getloadavg"):
            print("Load average (1, 5, 15 min): " + ", ".join(f"{v:.2f}" for v in os.getloadavg()))
        log_text = (Path(home) / "server.log").read_text(errors="replace")
        tracebacks = log_text.count("Traceback")
        print(f"Server tracebacks logged: {tracebacks}")
        kinds = re.findall(r"^(\w+(?:\.\w+)*(?:Error|Exception)\b.*)$", log_text, re.MULTILINE)
        for line, seen in sorted(Counter(kinds).items(), key=lambda item: -item[1])[:5]:
            print(f"    {seen} x {line[:160]}")
        met = met and not tracebacks
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(home, ignore_errors=True)
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
