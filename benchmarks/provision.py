"""How long the provision map's pages and the costs take, and how many queries each makes.

    python benchmarks/provision.py                       # schools of 500 and 2,000 on SQLite
    python benchmarks/provision.py --pupils 2000 --runs 50
    python benchmarks/provision.py --postgres postgresql://postgres@127.0.0.1:5432/sendreg_bench

Each school is a demo school (sendreg.demo: the register, classes and the demo's provision
map) topped up to 60 interventions, each run in groups over the last three terms for pupils
on the register whose needs it targets. A SENCO is logged in with Django's test client and
each page is requested ``--runs`` times after ``--warmup`` requests; the costs are the
selector behind ``sendreg provision costs --json`` and the top-up list. Times are server-side
(middleware, view, queries, template), without a network.

Goals: every page and the costs in at most 12 queries (the pupil's page, the register's own,
in one more than its 15), the same number for a school of 500 as for 2,000 (a count that grows
with the school is a query in a loop); for a school of
2,000, a median under 100 ms for each page and the costs, and under 1.5 s for the Excel
download. The exit status is 1 if a goal is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pages import create_database_if_missing, set_up_django  # noqa: E402

if TYPE_CHECKING:
    from django.test import Client

    from sendreg.accounts.models import School, User

INTERVENTIONS = 60
MAX_QUERIES = 12
#: The pupil's page is the register's page with this app's section on it: the page's own 15
#: queries (tests/register/test_views.py) and one for the section.
PAGE_QUERIES = {"pupil page": 16}
GOALS_MS = {
    "provision map": 100.0,
    "provision map, SEMH (htmx)": 100.0,
    "top-up candidates": 100.0,
    "impact": 100.0,
    "needs and provision": 100.0,
    "pupil page": 100.0,
    "costs (command line)": 100.0,
    "provision map (.xlsx)": 1500.0,
}
TARGET_SCHOOL_SIZE = 2000

__all__ = ["create_database_if_missing"]


@dataclass
class Result:
    pupils: int
    places: int
    page: str
    median_ms: float
    p90_ms: float
    queries: int

    def problems(self, smaller: Result | None) -> list[str]:
        found = []
        most = PAGE_QUERIES.get(self.page, MAX_QUERIES)
        if self.queries > most:
            found.append(f"{self.queries} queries > {most}")
        if smaller is not None and self.queries != smaller.queries:
            found.append(f"queries grew from {smaller.queries} with {smaller.pupils:,} pupils")
        goal = GOALS_MS.get(self.page)
        if goal is not None and self.pupils >= TARGET_SCHOOL_SIZE and self.median_ms > goal:
            found.append(f"median {self.median_ms:.0f} ms > {goal:.0f} ms")
        return found


def top_up_provision(school: School, senco: User) -> int:
    """Add interventions to the demo's until there are ``INTERVENTIONS``, each run in groups of
    pupils with a need it targets over the demo's three terms. Returns the places in all."""
    import random
    from decimal import Decimal

    from sendreg import codes
    from sendreg.lib.dates import today
    from sendreg.provision.demo import recent_terms
    from sendreg.provision.models import Enrolment, Intervention, Run
    from sendreg.pupils.models import Pupil
    from sendreg.register.selectors import needs_on_query, on_register

    rng = random.Random(school.urn)  # noqa: S311
    day = today()
    existing = Intervention.objects.filter(school=school).count()
    needs = needs_on_query(on_register(Pupil.objects.filter(school=school), day=day), day=day)
    all_codes = [n.code for n in codes.need_types() if n.code != codes.NSA]
    runs, members = [], []
    for n in range(existing, INTERVENTIONS):
        targets = rng.sample(all_codes, 2)
        group = rng.choice([1, 3, 4, 6, 8])
        intervention = Intervention.objects.create(
            school=school, name=f"Benchmark intervention {n + 1}", need_codes=targets,
            wave=2 if group > 1 else 3, staff_role="Teaching assistant", group_size=group,
            sessions_per_week=Decimal(rng.choice([1, 2, 3, 5])), minutes_per_session=30,
            typical_weeks=10, hourly_rate=Decimal("16.50"), resources_per_pupil=Decimal(5),
            measure="standardised",
        )  # fmt: skip
        eligible = [pk for pk, held in needs.items() if set(targets) & set(held)]
        for start, end in recent_terms(day):
            pool = rng.sample(eligible, len(eligible))
            for _ in range(max(1, len(eligible) // (group * 4))):
                chosen, pool = pool[:group], pool[group:]
                if not chosen:
                    break
                run = Run(
                    school=school, intervention=intervention, start_date=start, end_date=end,
                    weeks=10, group_size=group, sessions_per_week=intervention.sessions_per_week,
                    minutes_per_session=30, hourly_rate=intervention.hourly_rate,
                    resources_per_pupil=intervention.resources_per_pupil,
                )  # fmt: skip
                runs.append(run)
                members.append(chosen)
    made = Run.objects.bulk_create(runs)
    Enrolment.objects.bulk_create(
        (
            Enrolment(
                run=run, pupil_id=pk, start_date=run.start_date, end_date=run.end_date,
                entry_score=Decimal(rng.randint(70, 100)),
                exit_score=Decimal(rng.randint(70, 110)) if run.end_date < day else None,
            )
            for run, chosen in zip(made, members, strict=True)
            for pk in chosen
        ),
        batch_size=1000,
    )  # fmt: skip
    return Enrolment.objects.filter(run__school=school).count()


def school_of(size: int, index: int) -> tuple[School, User, int, int]:
    """The demo school at ``index`` with ``size`` pupils, its SENCO, the places in runs, and a
    pupil with provision (for the pupil page)."""
    from sendreg.accounts.models import Membership
    from sendreg.accounts.permissions import Role
    from sendreg.demo import demo_fill
    from sendreg.provision.models import Enrolment

    demo_fill(pupils=size, schools=index + 1)
    membership = Membership.objects.select_related("school", "user").get(
        school__urn=f"{999001 + index}", role=Role.SENCO
    )
    places = top_up_provision(membership.school, membership.user)
    pupil_id = (
        Enrolment.objects.filter(run__school=membership.school)
        .order_by("pupil_id")
        .values_list("pupil_id", flat=True)
        .first()
    )
    assert pupil_id is not None
    return membership.school, membership.user, places, pupil_id


def timed(call: object, *, runs: int, warmup: int) -> tuple[list[float], int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        call()  # type: ignore[operator]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()  # type: ignore[operator]
        times.append((time.perf_counter() - start) * 1000)
    with CaptureQueriesContext(connection) as captured:
        call()  # type: ignore[operator]
    return times, len(captured.captured_queries)


def page(client: Client, url: str, *, htmx: bool = False) -> object:
    headers = {"HX-Request": "true"} if htmx else {}

    def get() -> None:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, (url, response.status_code)

    return get


def run(sizes: list[int], *, runs: int, warmup: int) -> list[Result]:
    from django.test import Client

    from sendreg.lib.dates import today
    from sendreg.provision import rules
    from sendreg.provision.selectors import pupil_costs

    results = []
    for index, size in enumerate(sizes):
        started = time.perf_counter()
        school, senco, places, pupil_id = school_of(size, index)
        print(
            f"  school of {size:,} pupils with {INTERVENTIONS} interventions and {places:,} "
            f"places ready in {time.perf_counter() - started:.1f} s",
            file=sys.stderr,
            flush=True,
        )
        client = Client()
        client.force_login(senco)
        day = today()
        year = rules.school_year_of(day)

        def costs(school: School = school, year: int = year, day: dt.date = day) -> None:
            [c.as_json() for c in pupil_costs(school, year=year, today=day)]

        checks = [
            ("provision map", page(client, "/provision/")),
            ("provision map, SEMH (htmx)", page(client, "/provision/?need=SEMH", htmx=True)),
            ("top-up candidates", page(client, "/provision/top-up/")),
            ("impact", page(client, "/provision/impact/")),
            ("needs and provision", page(client, "/provision/needs/")),
            ("pupil page", page(client, f"/pupils/{pupil_id}/")),
            ("costs (command line)", costs),
            ("provision map (.xlsx)", page(client, "/provision/?export=xlsx")),
        ]
        for name, call in checks:
            slow = name.endswith("(.xlsx)")
            times, queries = timed(
                call, runs=max(3, runs // 5) if slow else runs, warmup=1 if slow else warmup
            )
            results.append(
                Result(
                    pupils=size,
                    places=places,
                    page=name,
                    median_ms=statistics.median(times),
                    p90_ms=statistics.quantiles(times, n=10, method="inclusive")[-1],
                    queries=queries,
                )
            )
    return results


def print_table(results: list[Result], *, database: str, runs: int, warmup: int) -> bool:
    import os

    import django

    print(
        f"\nProvision map times on {database}: {runs} requests after {warmup} warm-ups "
        f"(the .xlsx download fewer), Python {sys.version.split()[0]}, "
        f"Django {django.get_version()}, {os.cpu_count()} CPUs\n"
    )
    header = (
        f"{'pupils':>7} {'places':>7}  {'page':<28} {'median ms':>10} {'p90 ms':>8} "
        f"{'queries':>8}  {'goal':>14}  result"
    )
    print(header)
    print("-" * len(header))
    first: dict[str, Result] = {}
    ok = True
    for r in results:
        smaller = first.get(r.page)
        first.setdefault(r.page, r)
        problems = r.problems(smaller if smaller is not r else None)
        ok = ok and not problems
        goal = f"≤{GOALS_MS[r.page]:.0f} ms, ≤{PAGE_QUERIES.get(r.page, MAX_QUERIES)} q"
        print(
            f"{r.pupils:>7,} {r.places:>7,}  {r.page:<28} {r.median_ms:>10.1f} {r.p90_ms:>8.1f} "
            f"{r.queries:>8}  {goal:>14}  {'; '.join(problems) or 'meets the goal'}"
        )
    print(
        f"\nGoals: at most {MAX_QUERIES} queries, the same for every school size; medians for a "
        f"school of {TARGET_SCHOOL_SIZE:,} as in the goal column."
    )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pupils", type=int, action="append", help="school sizes (500 and 2000)")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--postgres", metavar="URL", help="a throwaway PostgreSQL database")
    args = parser.parse_args()
    sizes = sorted(args.pupils or [500, 2000])
    set_up_django(args.postgres)
    results = run(sizes, runs=args.runs, warmup=args.warmup)
    database = "PostgreSQL" if args.postgres else "SQLite"
    return 0 if print_table(results, database=database, runs=args.runs, warmup=args.warmup) else 1


if __name__ == "__main__":
    sys.exit(main())
