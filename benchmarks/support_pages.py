"""How long the support pages take to build, and how many queries each makes.

    python benchmarks/support_pages.py                      # schools of 500 and 2,000 on SQLite
    python benchmarks/support_pages.py --pupils 2000 --runs 50
    python benchmarks/support_pages.py --postgres postgresql://postgres@127.0.0.1:5432/sendreg_bench

Each school is a demo school (sendreg.demo with the support app's demo data: an open plan
for most pupils on the register with reviewed cycles behind it, meetings, passports). The
SENCO and the demo teacher are logged in with Django's test client and each page is
requested ``--runs`` times after ``--warmup`` requests (see benchmarks/pages.py, whose
helpers this script uses). It also times the deadlines the app gives ``sendreg deadlines``
and the rows of ``sendreg plans --json`` for the whole school.

Targets: the same number of queries for a school of 500 as for 2,000; at most 15 on each
support page; a median under 50 ms for a school of 2,000 on every page and list. The exit
status is 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pages  # noqa: E402

MAX_QUERIES = 15
GOAL_MS = 50.0
#: Pages outside the support app that it adds to: only the count must stay flat.
SHARED_PAGES = {"home (SENCO)"}


def run(sizes: list[int], *, runs: int, warmup: int) -> list[tuple[int, str, float, float, int]]:
    from django.test import Client
    from django.urls import reverse

    from sendreg.accounts.models import Membership
    from sendreg.accounts.permissions import Role
    from sendreg.lib.dates import today
    from sendreg.lib.extensions import DEADLINE_SOURCES
    from sendreg.support.cli import plan_records
    from sendreg.support.models import SupportPlan

    results = []
    for index, size in enumerate(sizes):
        started = time.perf_counter()
        school, senco, _ = pages.school_of(size, index)
        plan = (
            SupportPlan.objects.filter(pupil__school=school, reviewed_on__isnull=True, number__gt=1)
            .order_by("pk")
            .first()
        )
        assert plan is not None, "the demo school has no plan with history"
        teacher = Membership.objects.get(
            school=school, role=Role.TEACHER, user__email__startswith="teacher@"
        ).user
        print(
            f"  school of {size:,} pupils ready in {time.perf_counter() - started:.1f} s",
            file=sys.stderr,
            flush=True,
        )
        for user, name, url, htmx in (
            (senco, "home (SENCO)", reverse("home"), False),
            (teacher, "home (teacher's view)", reverse("home"), False),
            (senco, "support plans", reverse("support_plans"), False),
            (senco, "pupil's support (htmx)", reverse("support_pupil", args=[plan.pupil_id]), True),
            (senco, "plan", plan.get_absolute_url(), False),
        ):
            client = Client()
            client.force_login(user)
            times, cpu, queries = pages.measure(client, url, runs=runs, warmup=warmup, htmx=htmx)
            results.append((size, name, statistics.median(times), statistics.median(cpu), queries))
        source = DEADLINE_SOURCES.get("support")
        assert source is not None

        def deadlines(school: object = school, source: object = source) -> object:
            return list(source.collect(school, today()))  # type: ignore[attr-defined]

        def plans(school: object = school) -> object:
            return plan_records(school)

        for name, work in (
            ("deadlines (whole school)", deadlines),
            ("sendreg plans --json rows", plans),
        ):
            work()
            times, cpu = [], []
            for _ in range(runs):
                start, start_cpu = time.perf_counter(), time.process_time()
                work()
                times.append((time.perf_counter() - start) * 1000)
                cpu.append((time.process_time() - start_cpu) * 1000)
            from django.db import connection
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as captured:
                work()
            results.append(
                (size, name, statistics.median(times), statistics.median(cpu), len(captured))
            )
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--pupils", type=int, action="append", help="school sizes (default 500 and 2,000)"
    )
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--postgres", help="a PostgreSQL URL (a throwaway database) to use")
    args = parser.parse_args()
    sizes = args.pupils or [500, 2000]
    pages.set_up_django(args.postgres)
    results = run(sizes, runs=args.runs, warmup=args.warmup)
    print(
        f"\nsupport pages on {'PostgreSQL' if args.postgres else 'SQLite'}: {args.runs} runs each\n"
    )
    header = f"{'pupils':>7}  {'page':<27} {'median ms':>10} {'cpu ms':>7} {'queries':>8}  result"
    print(header)
    print("-" * len(header))
    failed = False
    load, cpus = os.getloadavg()[0], os.cpu_count() or 1
    busy = load > cpus
    if busy:
        print(
            f"The machine is busy (load {load:.1f} on {cpus} CPUs): wall-clock times include "
            "waiting for a CPU,\nso the times are judged by this process's CPU time instead.\n"
        )
    for size, name, median, cpu, queries in results:
        problems = []
        if name not in SHARED_PAGES and queries > MAX_QUERIES:
            problems.append(f"{queries} queries > {MAX_QUERIES}")
        judged = cpu if busy else median
        if size >= 2000 and judged > GOAL_MS and name not in SHARED_PAGES:
            what = "cpu" if busy else "median"
            problems.append(f"{what} {judged:.0f} ms > {GOAL_MS:.0f} ms")
        failed |= bool(problems)
        verdict = "; ".join(problems) or "meets targets"
        print(f"{size:>7,}  {name:<27} {median:>10.1f} {cpu:>7.1f} {queries:>8}  {verdict}")
    counts = {(name, queries) for _, name, _, _, queries in results}
    if len(counts) > len({name for _, name, _, _, _ in results}):
        print("A query count changes with the school's size: look for a query inside a loop.")
        failed = True
    print(
        f"\nGoals: the same queries whatever the school's size; at most {MAX_QUERIES} on each "
        f"support page; median under {GOAL_MS:.0f} ms for a school of 2,000.\n"
        "The SENCO's home page belongs to benchmarks/pages.py; here only its count is checked."
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
