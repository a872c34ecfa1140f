"""How long the one list of deadlines and the EHC pages take, and how many queries each makes.

    python benchmarks/deadlines.py                      # schools of 500 and 2,000 on SQLite
    python benchmarks/deadlines.py --pupils 2000 --runs 50
    python benchmarks/deadlines.py --postgres postgresql://postgres@127.0.0.1:5432/sendreg_bench

Each school is a demo school (sendreg.demo), whose EHC filler gives every pupil on E an
EHC record at some point of its cycle and a few pupils on K an assessment (about 5% of the
roll in all). The SENCO is logged in with Django's test client and each page requested
``--runs`` times after ``--warmup`` requests; the calendar feed is fetched without a login,
as a calendar program does. ``collect`` is the list itself (every source's deadlines for
the school), as ``sendreg deadlines`` and the weekly email read it.

Targets: at most 15 queries on any page and the same count whatever the school's size; for a
school of 2,000, the Deadlines page and the calendar feed under 100 ms, the list itself under
50 ms, the home page (which shows the SENCO's deadlines panel) under 50 ms. The exit status
is 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass

from pages import measure, school_of, set_up_django

MAX_QUERIES = 15
TARGET_SCHOOL_SIZE = 2000
GOALS_MS = {
    "home (SENCO)": 50.0,
    "Deadlines": 100.0,
    "Deadlines, overdue (htmx)": 100.0,
    "calendar feed": 100.0,
    "collect (the list itself)": 50.0,
}


@dataclass
class Result:
    pupils: int
    ehc: int
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
        if goal is not None and self.pupils >= TARGET_SCHOOL_SIZE and self.median_ms > goal:
            found.append(f"median {self.median_ms:.0f} ms > {goal:.0f} ms")
        return found


def _collect(school: object, runs: int, warmup: int) -> tuple[list[float], list[float], int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from sendreg.deadlines.selectors import school_deadlines
    from sendreg.lib.dates import today

    for _ in range(warmup):
        school_deadlines(school, today())  # type: ignore[arg-type]
    times, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        school_deadlines(school, today())  # type: ignore[arg-type]
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    with CaptureQueriesContext(connection) as captured:
        school_deadlines(school, today())  # type: ignore[arg-type]
    return times, cpu, len(captured.captured_queries)


def run(sizes: list[int], *, runs: int, warmup: int) -> list[Result]:
    from django.test import Client
    from django.urls import reverse

    from sendreg.deadlines.services import feed_create
    from sendreg.ehc.models import EhcEvent
    from sendreg.ehc.rules import EventKind

    results = []
    for index, size in enumerate(sizes):
        started = time.perf_counter()
        school, senco, _ = school_of(size, index)
        ehc = EhcEvent.objects.filter(pupil__school=school).values("pupil").distinct().count()
        held = (
            EhcEvent.objects.filter(pupil__school=school, kind=EventKind.REVIEW_HELD)
            .order_by("pupil_id")
            .first()
        )
        assert held is not None, "the demo school has no EHC review"
        print(
            f"  school of {size:,} pupils ({ehc} with an EHC record) ready in "
            f"{time.perf_counter() - started:.1f} s",
            file=sys.stderr,
            flush=True,
        )
        client = Client()
        client.force_login(senco)
        feed, token = feed_create(user=senco, school_id=school.pk)
        pages = [
            ("home (SENCO)", reverse("home"), False, client),
            ("Deadlines", reverse("deadlines"), False, client),
            ("Deadlines, overdue (htmx)", reverse("deadlines") + "?status=overdue", True, client),
            ("EHC plans", reverse("ehc_list"), False, client),
            ("EHC record", reverse("ehc_pupil", args=[held.pupil_id]), False, client),
            ("calendar feed", reverse("deadlines_feed", args=[feed.pk, token]), False, Client()),
        ]
        for name, url, htmx, who in pages:
            times, cpu, queries = measure(who, url, runs=runs, warmup=warmup, htmx=htmx)
            results.append(
                Result(
                    size, ehc, name, statistics.median(times), statistics.median(cpu),
                    _p90(times), queries,
                )
            )  # fmt: skip
        times, cpu, queries = _collect(school, runs, warmup)
        results.append(
            Result(
                size, ehc, "collect (the list itself)", statistics.median(times),
                statistics.median(cpu), _p90(times), queries,
            )
        )  # fmt: skip
    return results


def _p90(times: list[float]) -> float:
    return statistics.quantiles(times, n=10, method="inclusive")[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pupils", type=int, action="append", help="school sizes; repeatable")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--postgres", help="a PostgreSQL URL (a throwaway database) to use")
    args = parser.parse_args()
    sizes = args.pupils or [500, TARGET_SCHOOL_SIZE]
    set_up_django(args.postgres)
    results = run(sizes, runs=args.runs, warmup=args.warmup)
    database = "PostgreSQL" if args.postgres else "SQLite (a fresh file)"
    print(f"\nDeadlines and EHC pages on {database}: {args.runs} runs after {args.warmup}\n")
    load = os.getloadavg()[0]
    print(f"Load average at the end: {load:.1f} on {os.cpu_count()} CPUs.")
    if load > (os.cpu_count() or 1):
        print("The machine is busy: the cpu ms column (this process's CPU time) is fairer then.")
    header = (
        f"{'pupils':>7} {'EHC':>5}  {'page':<27} {'median ms':>10} {'cpu ms':>7} {'p90 ms':>8} "
        f"{'queries':>8}  {'goal':>6}  result"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        goal = GOALS_MS.get(r.page)
        goal_text = f"{goal:.0f} ms" if goal else "—"
        verdict = "; ".join(r.problems) or "meets targets"
        print(
            f"{r.pupils:>7,} {r.ehc:>5}  {r.page:<27} {r.median_ms:>10.1f} {r.cpu_ms:>7.1f} "
            f"{r.p90_ms:>8.1f} "
            f"{r.queries:>8}  {goal_text:>6}  {verdict}"
        )
    print(
        f"\nGoals: at most {MAX_QUERIES} queries, the same whatever the school's size; the "
        f"median times above for a school of {TARGET_SCHOOL_SIZE:,}."
    )
    counts = {(r.page, r.queries) for r in results}
    if len(counts) > len({r.page for r in results}):
        print("A query count changes with the school's size: look for a query inside a loop.")
        return 1
    return 1 if any(r.problems for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
