"""How long the SEN register and a pupil's page take to build, and how many queries each makes.

    python benchmarks/pages.py                      # schools of 500 and 2,000 on SQLite
    python benchmarks/pages.py --pupils 2000 --runs 50
    python benchmarks/pages.py --postgres postgresql://postgres@127.0.0.1:5432/sendreg_bench
    python benchmarks/pages.py --profile            # where the register page's time goes

Each school is a demo school (sendreg.demo): about 19% of pupils on the register,
two years of history, contacts and classes. A SENCO is logged in with Django's test
client, and each page is requested ``--runs`` times after ``--warmup`` requests.
Times are server-side (middleware, view, queries, template), without a network.
Targets: at most 15 queries on any page, whatever the school's size; the register
page's median under 50 ms for a school of 2,000. The exit status is 1 if a target
is missed.
"""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from django.test import Client

    from sendreg.accounts.models import School, User
    from sendreg.pupils.models import Pupil
    from sendreg.register.models import SenEpisode

MAX_QUERIES = 15
#: Pages whose query count depends on the pupil shown, not on the school's size.
BY_THE_PUPIL = {"pupil page"}
#: Median server time each page must meet for a school of TARGET_SCHOOL_SIZE (issue 7).
GOALS_MS = {
    "home (SENCO)": 50.0,
    "SEN register": 50.0,
    "census check": 50.0,
    "MIS differences": 50.0,
}
#: The register target is set for a school of this size; smaller schools must meet it too.
TARGET_SCHOOL_SIZE = 2000


def set_up_django(postgres: str | None) -> None:
    """A throwaway SENDREG_HOME (and SQLite database unless ``postgres``), migrated."""
    home = Path(tempfile.mkdtemp(prefix="sendreg-bench-"))
    atexit.register(shutil.rmtree, home, ignore_errors=True)
    # WhiteNoise warns on every start when STATIC_ROOT is missing; nothing is served from it here.
    (home / "static").mkdir()
    os.environ["SENDREG_HOME"] = str(home)
    os.environ["DJANGO_SETTINGS_MODULE"] = "sendreg.settings"
    os.environ["SENDREG_ALLOWED_HOSTS"] = "testserver,localhost"
    # The SENCO is logged in with force_login, which has no second factor to give.
    os.environ["SENDREG_TWO_FACTOR"] = "false"
    os.environ.setdefault("SENDREG_SECRET_KEY", "benchmark-only-not-secret")
    if postgres:
        create_database_if_missing(postgres)
        os.environ["SENDREG_DATABASE_URL"] = postgres
    else:
        os.environ.pop("SENDREG_DATABASE_URL", None)
    src = Path(__file__).resolve().parent.parent / "src"
    sys.path.insert(0, str(src))

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def create_database_if_missing(url: str) -> None:
    """Create the PostgreSQL database named in ``url`` if the server does not have it yet."""
    from urllib.parse import urlparse, urlunparse

    import psycopg
    from psycopg import sql

    name = urlparse(url).path.lstrip("/")
    maintenance = urlunparse(urlparse(url)._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


@dataclass
class Result:
    pupils: int
    on_register: int
    page: str
    median_ms: float
    cpu_ms: float
    p90_ms: float
    queries: int

    @property
    def problems(self) -> list[str]:
        found = []
        if self.queries > MAX_QUERIES:
            found.append(f"{self.queries} queries > {MAX_QUERIES}")
        goal = GOALS_MS.get(self.page)
        if goal is not None and self.median_ms > goal:
            found.append(f"median {self.median_ms:.0f} ms > {goal:.0f} ms")
        return found


def measure(
    client: Client, url: str, *, runs: int, warmup: int, htmx: bool
) -> tuple[list[float], list[float], int]:
    """Times of ``runs`` requests after ``warmup``, and the queries one request makes.

    Queries are counted on a separate request so that recording them (Django keeps
    each statement's SQL and timing) does not inflate the times.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    headers = {"HX-Request": "true"} if htmx else {}
    for _ in range(warmup):
        response = client.get(url, headers=headers)
        assert response.status_code == 200, (url, response.status_code)
    times, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(url, headers=headers)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as captured:
        client.get(url, headers=headers)
    return times, cpu, len(captured.captured_queries)


def school_of(size: int, index: int) -> tuple[School, User, Pupil]:
    """The demo school at ``index`` with ``size`` pupils, its SENCO, and a pupil on the register
    who has contacts and history (the fullest kind of pupil page)."""
    from sendreg.accounts.models import Membership
    from sendreg.accounts.permissions import Role
    from sendreg.demo import demo_fill
    from sendreg.pupils.models import Pupil

    # demo_fill makes schools 0..n-1 and leaves existing ones alone, so asking for index + 1
    # schools adds exactly one of this size.
    demo_fill(pupils=size, schools=index + 1)
    membership = Membership.objects.select_related("school", "user").get(
        school__urn=f"{999001 + index}", role=Role.SENCO
    )
    first = register_pupils_with_contacts(membership.school).first()
    assert first is not None, "the demo school has nobody on the register"
    add_mis_values(membership.school)
    settle_statistics()
    return membership.school, membership.user, Pupil.objects.get(pk=first)


def register_pupils_with_contacts(school: School) -> QuerySet[SenEpisode, int]:
    """The ids of the school's pupils on the register who have contacts, in id order."""
    from sendreg.register.models import SenEpisode

    return (
        SenEpisode.objects.filter(pupil__school=school, end__isnull=True)
        .filter(pupil__contacts__isnull=False)
        .order_by("pupil_id")
        .values_list("pupil_id", flat=True)
        .distinct()
    )


def fullest_pupil_page(client: Client, school: School, *, sample: int = 200) -> Pupil:
    """Of the first ``sample`` pupils on the register with contacts, the one whose page makes
    the most queries (the lowest id of those that tie).

    A pupil's page does not read a list the pupil has nothing in, so its query count
    depends on the pupil, not on the size of the school: the fullest page of each school
    is the one compared across sizes."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from sendreg.pupils.models import Pupil

    counts = {}
    for pk in register_pupils_with_contacts(school)[:sample]:
        client.get(f"/pupils/{pk}/")  # the first read of a page warms what later ones share
        with CaptureQueriesContext(connection) as captured:
            client.get(f"/pupils/{pk}/")
        counts[pk] = len(captured)
    fullest = max(counts, key=lambda pk: (counts[pk], -pk))
    return Pupil.objects.get(pk=fullest)


def settle_statistics() -> None:
    """Bring the database's statistics up to date after the MIS values are added, as
    ``sendreg`` does after the demo and a first import (``lib.database.refresh_statistics``):
    otherwise the figures depend on whether PostgreSQL's autovacuum has run yet."""
    from sendreg.lib.database import refresh_statistics

    refresh_statistics()


def add_mis_values(school: School) -> None:
    """The MIS's SEN values for every pupil, as after an import: the register's own, with one
    pupil in 40 different (as real schools' MIS and registers drift), so that the census
    check and the MIS differences page have work to do."""
    from django.utils import timezone

    from sendreg.lib.dates import today
    from sendreg.pupils.models import Pupil
    from sendreg.register.models import MisSenRecord
    from sendreg.register.selectors import needs_on, with_sen_status

    if MisSenRecord.objects.filter(pupil__school=school).exists():
        return
    day = today()
    pupils = list(with_sen_status(Pupil.objects.filter(school=school), day).order_by("pk"))
    needs = needs_on([p.pk for p in pupils], day=day)
    now = timezone.now()
    records = []
    for index, pupil in enumerate(pupils):
        status, codes = pupil.sen_status or "", needs.get(pupil.pk, [])[:2]
        if index % 40 == 7:
            status, codes = ("K", ["MLD"]) if not status else ("", [])
        records.append(MisSenRecord(pupil=pupil, status=status, needs=codes, imported_at=now))
    MisSenRecord.objects.bulk_create(records)


def run(sizes: list[int], *, runs: int, warmup: int) -> list[Result]:
    from django.test import Client
    from django.urls import reverse

    from sendreg.lib.dates import today
    from sendreg.register.selectors import register_counts

    results = []
    for index, size in enumerate(sizes):
        started = time.perf_counter()
        school, senco, _ = school_of(size, index)
        counts = register_counts(school, day=today())
        print(
            f"  school of {counts.roll:,} pupils ({counts.on_register} on the register) "
            f"ready in {time.perf_counter() - started:.1f} s",
            file=sys.stderr,
            flush=True,
        )
        client = Client()
        client.force_login(senco)
        pupil = fullest_pupil_page(client, school)
        pages = [
            ("home (SENCO)", reverse("home"), False),
            ("census check", reverse("census"), False),
            ("MIS differences", reverse("discrepancies"), False),
            ("SEN register", reverse("register"), False),
            ("SEN register, SEMH (htmx)", reverse("register") + "?need=SEMH", True),
            ("pupil page", reverse("pupil_detail", args=[pupil.pk]), False),
        ]
        for name, url, htmx in pages:
            times, cpu, queries = measure(client, url, runs=runs, warmup=warmup, htmx=htmx)
            results.append(
                Result(
                    pupils=counts.roll,
                    on_register=counts.on_register,
                    page=name,
                    median_ms=statistics.median(times),
                    cpu_ms=statistics.median(cpu),
                    p90_ms=statistics.quantiles(times, n=10, method="inclusive")[-1],
                    queries=queries,
                )
            )
    return results


#: How much work the machine reference does (``machine_reference_ms``).
REFERENCE_ROUNDS = 200_000


def machine_reference_ms() -> float:
    """A fixed piece of pure Python (no database, no Django), timed: the machine's own speed at
    the moment, to read the page times against. A shared machine's speed drifts by a fifth or
    more within an hour; two runs are comparable when their references are."""

    def work() -> int:
        total = 0
        for number in range(REFERENCE_ROUNDS):
            total += hash((number, str(number))) & 7
        return total

    times = []
    for _ in range(7):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def print_table(results: list[Result], *, database: str, runs: int, warmup: int) -> None:
    import django

    print(
        f"\nsendreg page times on {database}: {runs} requests after {warmup} warm-ups, "
        f"Python {sys.version.split()[0]}, Django {django.get_version()}, "
        f"{os.cpu_count()} CPUs\n"
    )
    load = os.getloadavg()[0]
    print(f"Load average at the end: {load:.1f} on {os.cpu_count()} CPUs.")
    print(
        f"Machine reference (fixed pure-Python work, lower is faster): "
        f"{machine_reference_ms():.1f} ms; compare page times only between runs whose "
        "references are close."
    )
    if load > (os.cpu_count() or 1):
        print(
            "The machine is busy: wall-clock times include waiting for a CPU. The cpu ms\n"
            "column (this process's CPU time, SQLite included) is the fairer figure then."
        )
    header = (
        f"{'pupils':>7} {'on register':>12}  {'page':<27} {'median ms':>10} {'cpu ms':>7} "
        f"{'p90 ms':>8} {'queries':>8}  result"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        verdict = "; ".join(r.problems) or "meets targets"
        print(
            f"{r.pupils:>7,} {r.on_register:>12,}  {r.page:<27} {r.median_ms:>10.1f} "
            f"{r.cpu_ms:>7.1f} {r.p90_ms:>8.1f} {r.queries:>8}  {verdict}"
        )
    goals = ", ".join(f"{page} {ms:.0f} ms" for page, ms in GOALS_MS.items())
    print(
        f"\nGoals: at most {MAX_QUERIES} queries on every page, the same count whatever the "
        f"school's size;\nmedian server time for a school of {TARGET_SCHOOL_SIZE:,}: {goals}."
    )


def profile_page(size: int, *, runs: int, url: str) -> None:
    """cProfile over ``runs`` requests for one page, top functions by cumulative and own time."""
    import cProfile
    import pstats

    from django.test import Client

    _, senco, _ = school_of(size, 0)
    client = Client()
    client.force_login(senco)
    client.get(url)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(runs):
        client.get(url)
    profiler.disable()
    stats = pstats.Stats(profiler).strip_dirs()
    print(f"\n{url} for a school of {size:,}, {runs} requests, by cumulative time:")
    stats.sort_stats("cumulative").print_stats(30)
    print("By own time:")
    stats.sort_stats("tottime").print_stats(20)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--pupils",
        type=int,
        action="append",
        help=f"school sizes (default 500 and {TARGET_SCHOOL_SIZE:,}); repeat for several",
    )
    parser.add_argument("--runs", type=int, default=30, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests first")
    parser.add_argument("--postgres", help="a PostgreSQL URL (a throwaway database) to use")
    parser.add_argument(
        "--profile", metavar="URL", help="profile one page (e.g. /census/) instead of timing"
    )
    args = parser.parse_args()
    sizes = args.pupils or [500, TARGET_SCHOOL_SIZE]
    set_up_django(args.postgres)
    if args.profile:
        profile_page(max(sizes), runs=args.runs, url=args.profile)
        return 0
    results = run(sizes, runs=args.runs, warmup=args.warmup)
    database = "PostgreSQL" if args.postgres else "SQLite (a fresh file)"
    print_table(results, database=database, runs=args.runs, warmup=args.warmup)
    # A pupil's page leaves out the lists the pupil has nothing in, so its count follows the
    # pupil's records, not the school's size (tests/test_page_queries.py holds it flat for
    # the same pupil as the school grows).
    query_counts = {(r.page, r.queries) for r in results if r.page not in BY_THE_PUPIL}
    if len(query_counts) > len({r.page for r in results if r.page not in BY_THE_PUPIL}):
        print("The query count changes with the school's size: look for a query inside a loop.")
        return 1
    return 1 if any(r.problems for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
