"""How long the single-school analysis takes, and how many queries it makes.

    python benchmarks/insight.py                        # schools of 500 and 2,000 on SQLite
    python benchmarks/insight.py --pupils 2000 --runs 20
    python benchmarks/insight.py --postgres postgresql://postgres@127.0.0.1:5432/sendreg_bench

Each school is a demo school (sendreg.demo: the register, plans, provision, EHC records and
six census-day snapshots). Measured, each ``--runs`` times after ``--warmup`` calls:

- **analysis (live)**: ``insight.selectors.analysis`` of today, with no snapshot that day:
  the live register, plans, provision, deadlines and every finding (``sendreg insight``);
- **analysis (snapshot)**: the same for a census day, read from its snapshot;
- **analysis page** and **findings page**: ``/insight/`` and ``/insight/findings/`` as the
  SENCO, server-side (middleware, view, queries, template, charts), without a network;
- **take snapshot**: ``services.take_snapshot`` of today (fewer runs).

Goals: the analysis of a school of 2,000 in at most 200 ms of server time (live and from a
snapshot), and the same number of queries for 500 pupils as for 2,000. The exit status is 1
if a goal is missed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pages import set_up_django, settle_statistics  # noqa: E402

GOALS_MS = {"analysis (live)": 200.0, "analysis (snapshot)": 200.0}
TARGET_SCHOOL_SIZE = 2000


@dataclass
class Result:
    pupils: int
    what: str
    median_ms: float
    p90_ms: float
    queries: int


def timed(call: Callable[[], object], *, runs: int, warmup: int) -> tuple[list[float], int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        call()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    with CaptureQueriesContext(connection) as captured:
        call()
    return times, len(captured.captured_queries)


def measure(size: int, index: int, *, runs: int, warmup: int) -> list[Result]:
    """Fill the demo school at ``index`` with ``size`` pupils and time each check on it."""
    from django.test import Client

    from sendreg.accounts.models import Membership
    from sendreg.accounts.permissions import Role
    from sendreg.demo import demo_fill
    from sendreg.insight import selectors, services
    from sendreg.insight.models import Snapshot
    from sendreg.lib.dates import today

    started = time.perf_counter()
    demo_fill(pupils=size, schools=index + 1)
    settle_statistics()
    membership = Membership.objects.select_related("school", "user").get(
        school__urn=f"{999001 + index}", role=Role.SENCO
    )
    school, senco = membership.school, membership.user
    census = Snapshot.objects.filter(school=school).order_by("-taken_on").first()
    assert census is not None, "the demo takes census-day snapshots"
    print(
        f"  school of {size:,} pupils ready in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
        flush=True,
    )
    client = Client()
    client.force_login(senco)
    day = today()
    Snapshot.objects.filter(school=school, taken_on=day).delete()

    def page(url: str) -> Callable[[], object]:
        def get() -> None:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        return get

    checks: list[tuple[str, Callable[[], object], int]] = [
        ("analysis (live)", lambda: selectors.analysis(school, day).as_json(), runs),
        (
            "analysis (snapshot)",
            lambda: selectors.analysis(school, census.taken_on).as_json(),
            runs,
        ),
        ("analysis page", page("/insight/"), runs),
        ("findings page", page("/insight/findings/"), runs),
        (
            "take snapshot",
            lambda: services.take_snapshot(school, day, Snapshot.Reason.ON_DEMAND, senco),
            max(3, runs // 5),
        ),
    ]
    results = []
    for name, call, count in checks:
        times, queries = timed(call, runs=count, warmup=min(warmup, count))
        results.append(
            Result(
                pupils=size,
                what=name,
                median_ms=statistics.median(times),
                p90_ms=statistics.quantiles(times, n=10, method="inclusive")[-1],
                queries=queries,
            )
        )
    return results


def run(sizes: list[int], *, runs: int, warmup: int) -> list[Result]:
    results = []
    for index, size in enumerate(sizes):
        results += measure(size, index, runs=runs, warmup=warmup)
    return results


def print_table(results: list[Result], *, database: str, runs: int, warmup: int) -> bool:
    import django

    print(
        f"\nInsight times on {database}: {runs} calls after {warmup} warm-ups (the snapshot "
        f"fewer), Python {sys.version.split()[0]}, Django {django.get_version()}, "
        f"{os.cpu_count()} CPUs\n"
    )
    header = (
        f"{'pupils':>7}  {'what':<22} {'median ms':>10} {'p90 ms':>8} {'queries':>8}  "
        f"{'goal':>10}  result"
    )
    print(header)
    print("-" * len(header))
    first: dict[str, Result] = {}
    ok = True
    for r in results:
        smaller = first.setdefault(r.what, r)
        problems = []
        if smaller is not r and r.queries != smaller.queries and r.what in GOALS_MS:
            problems.append(f"queries grew from {smaller.queries} with {smaller.pupils:,}")
        goal = GOALS_MS.get(r.what)
        if goal is not None and r.pupils >= TARGET_SCHOOL_SIZE and r.median_ms > goal:
            problems.append(f"median {r.median_ms:.0f} ms > {goal:.0f} ms")
        ok = ok and not problems
        goal_text = f"≤{goal:.0f} ms" if goal is not None else ""
        print(
            f"{r.pupils:>7,}  {r.what:<22} {r.median_ms:>10.1f} {r.p90_ms:>8.1f} {r.queries:>8}  "
            f"{goal_text:>10}  {'; '.join(problems) or ('meets the goal' if goal else '')}"
        )
    print(
        f"\nGoal: the analysis of a school of {TARGET_SCHOOL_SIZE:,} in at most "
        f"{GOALS_MS['analysis (live)']:.0f} ms, with as many queries as for a smaller school."
    )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pupils", type=int, action="append", help="school sizes (500 and 2000)")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--postgres", metavar="URL", help="a throwaway PostgreSQL database")
    args = parser.parse_args()
    sizes = sorted(args.pupils or [500, 2000])
    # The pages are timed as the SENCO sees them once logged in, second factor and all.
    os.environ["SENDREG_TWO_FACTOR"] = "false"
    set_up_django(args.postgres)
    results = run(sizes, runs=args.runs, warmup=args.warmup)
    database = "PostgreSQL" if args.postgres else "SQLite"
    return 0 if print_table(results, database=database, runs=args.runs, warmup=args.warmup) else 1


if __name__ == "__main__":
    sys.exit(main())
