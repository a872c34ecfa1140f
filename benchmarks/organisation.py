"""How long a trust's page takes for 50 schools, and whether its queries grow with the pupils.

    SENDREG_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/sendreg_bench_org \\
        python benchmarks/organisation.py
    python benchmarks/organisation.py --postgres postgresql://postgres@127.0.0.1:5432/sendreg_bench
    python benchmarks/organisation.py --schools 50 --pupils 300 --pupils 1200 --history 6

For each size it makes a trust of ``--schools`` schools of ``--pupils`` pupils each, every
school with ``--history`` snapshots a term apart (the register as a termly census would
find it: about 4% with an EHC plan and 13% on SEN support, with primary needs in England's
proportions, and findings' counts), written directly with ``bulk_create`` of snapshots and
snapshot pupils. An adviser with a role in the trust is logged in with Django's test client
and the trust's page (``/org/<id>/``) is requested ``--runs`` times after ``--warmup``; for a
local authority the "levels and types of need" download is timed the same way. Times are
server-side (middleware, view, queries, template), without a network.

Goals: the page in at most 0.5 s (median) for 50 schools of 1,200 pupils on PostgreSQL, and
the same number of queries for every size of school (a count that grows with the pupils is a
query in a loop). Give it a throwaway database: it replaces its own schools (URNs 97xxxx) on
each run. The exit status is 1 if a goal is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pages import set_up_django  # noqa: E402

if TYPE_CHECKING:
    from django.test import Client

    from sendreg.accounts.models import Organisation

GOAL_MS = 500.0
GOAL_SCHOOLS, GOAL_PUPILS = 50, 1200
NEEDS = {
    "E": {"ASD": 31.5, "SLCN": 21.3, "SEMH": 20.7, "MLD": 10.6, "SLD": 4.0, "PD": 3.9,
          "SPLD": 2.3, "HI": 1.4, "PMLD": 1.3, "OTH": 1.2, "VI": 0.8, "MSI": 0.3},
    "K": {"SLCN": 25.7, "SEMH": 20.0, "MLD": 17.0, "SPLD": 14.5, "ASD": 11.0, "OTH": 4.0,
          "PD": 2.0, "HI": 1.7, "NSA": 2.0, "VI": 0.8, "SLD": 0.5, "MSI": 0.2},
}  # fmt: skip
FINDINGS = ["no_plan", "low_attendance_without_plan", "nsa_held_long", "overdue_reviews"]


@dataclass
class Result:
    kind: str
    schools: int
    pupils: int
    page: str
    median_ms: float
    cpu_ms: float
    queries: int


def build(kind: str, schools: int, pupils: int, history: int, index: int) -> Organisation:
    """A trust (or LA) of ``schools`` schools with ``history`` snapshots each, in bulk."""
    from django.db import transaction

    from sendreg.accounts.models import (
        Organisation,
        OrganisationMembership,
        OrganisationSchool,
        School,
        User,
    )
    from sendreg.insight.models import Snapshot, SnapshotPupil

    rng = random.Random(f"{kind}{pupils}")
    la_code = f"{800 + index}"
    name = f"Benchmark {kind} {schools}x{pupils}"
    with transaction.atomic():
        made = School.objects.bulk_create(
            School(
                urn=f"97{index}{i:03d}",
                laestab=f"{la_code}{index}{i:03d}",
                name=f"Benchmark School {index}-{i:03d}",
            )
            for i in range(schools)
        )
        organisation = Organisation.objects.create(
            name=name, kind=kind, la_code=la_code if kind == "la" else ""
        )
        OrganisationSchool.objects.bulk_create(
            OrganisationSchool(organisation=organisation, school=s) for s in made
        )
        adviser = User.objects.create_user(f"adviser{index}@bench.test", None, name="Adviser")
        OrganisationMembership.objects.create(
            user=adviser, organisation=organisation, role="adviser"
        )
        today = dt.date(2026, 1, 15)
        for school in made:
            snapshots = Snapshot.objects.bulk_create(
                Snapshot(
                    school=school,
                    taken_on=today - dt.timedelta(days=120 * t),
                    reason=Snapshot.Reason.CENSUS,
                    roll=pupils,
                )
                for t in range(history)
            )
            rows = []
            for snapshot in snapshots:
                e = k = 0
                for p in range(pupils):
                    draw = rng.random()
                    status = "E" if draw < 0.04 else "K" if draw < 0.17 else "N"
                    need = ""
                    if status != "N":
                        weights = NEEDS[status]
                        need = rng.choices(list(weights), list(weights.values()))[0]
                        e, k = e + (status == "E"), k + (status == "K")
                    rows.append(
                        SnapshotPupil(
                            snapshot=snapshot,
                            upn=f"B{school.urn}{p:06d}",
                            year_group=7 + p % 5,
                            gender="MF"[p % 2],
                            birth_month=1 + p % 12,
                            status=status,
                            primary_need=need,
                            needs=need,
                        )
                    )
                snapshot.ehc, snapshot.sen_support = e, k
                snapshot.finding_counts = {f: rng.randint(0, 20) for f in FINDINGS}
            Snapshot.objects.bulk_update(snapshots, ["ehc", "sen_support", "finding_counts"])
            SnapshotPupil.objects.bulk_create(rows, batch_size=5000)
    return organisation


def measure(client: Client, url: str, *, runs: int, warmup: int) -> tuple[float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        assert client.get(url).status_code == 200, url
    times, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return statistics.median(times), statistics.median(cpu), len(captured.captured_queries)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=GOAL_SCHOOLS)
    parser.add_argument(
        "--pupils", type=int, action="append", help="pupils per school (300 and 1,200)"
    )
    parser.add_argument("--history", type=int, default=6, help="snapshots per school (6)")
    parser.add_argument("--runs", type=int, default=20, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests first")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("SENDREG_DATABASE_URL"),
        help="a PostgreSQL URL (a throwaway database); SENDREG_DATABASE_URL by default",
    )
    args = parser.parse_args()
    sizes = args.pupils or [300, GOAL_PUPILS]
    set_up_django(args.postgres)
    from django.test import Client

    from sendreg.accounts.models import Organisation, School, User

    School.objects.filter(urn__startswith="97").delete()
    Organisation.objects.filter(name__startswith="Benchmark ").delete()
    User.objects.filter(email__endswith="@bench.test").delete()
    results = []
    for index, pupils in enumerate(sizes, start=1):
        for kind in ("trust", "la"):
            start = time.perf_counter()
            organisation = build(
                kind, args.schools, pupils, args.history, index * 2 - (kind == "trust")
            )
            built = time.perf_counter() - start
            print(
                f"Built {organisation.name}: {args.schools * args.history * pupils:,} snapshot "
                f"pupils in {built:.1f} s",
                flush=True,
            )
            client = Client()
            client.force_login(organisation.memberships.get().user)
            pages = {"organisation page": f"/org/{organisation.pk}/"}
            if kind == "la":
                pages["needs download (CSV)"] = f"/org/{organisation.pk}/needs.csv"
            for page, url in pages.items():
                median, cpu, queries = measure(client, url, runs=args.runs, warmup=args.warmup)
                results.append(Result(kind, args.schools, pupils, page, median, cpu, queries))
    database = "PostgreSQL" if args.postgres else "SQLite (a fresh file)"
    load, cpus = os.getloadavg()[0], os.cpu_count() or 1
    print(f"\n{database}; {args.history} snapshots a school; {args.runs} runs after "
          f"{args.warmup}; load average {load:.1f} on {cpus} CPUs")  # fmt: skip
    print(f"{'kind':<6}{'schools':>8}{'pupils':>8}  {'page':<24}{'median ms':>10}{'cpu ms':>8}"
          f"{'queries':>9}  goal")  # fmt: skip
    failed = False
    for r in results:
        goal = ""
        if r.page == "organisation page" and r.schools >= GOAL_SCHOOLS and r.pupils >= GOAL_PUPILS:
            goal = f"≤{GOAL_MS:.0f} ms"
            failed |= r.median_ms > GOAL_MS
        print(f"{r.kind:<6}{r.schools:>8}{r.pupils:>8,}  {r.page:<24}{r.median_ms:>10.1f}"
              f"{r.cpu_ms:>8.1f}{r.queries:>9}  {goal}")  # fmt: skip
    counts = {(r.kind, r.page): set() for r in results}
    for r in results:
        counts[(r.kind, r.page)].add(r.queries)
    if any(len(c) > 1 for c in counts.values()):
        print("The query count changes with the number of pupils: look for a query in a loop.")
        failed = True
    else:
        print("Query counts are the same for every number of pupils.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
