"""How fast an MIS export imports, against the floor of reading the same CSV with the csv module.

    python benchmarks/import_mis.py                 # 2,000 and 50,000 rows on SQLite
    python benchmarks/import_mis.py --rows 2000     # one size
    python benchmarks/import_mis.py --postgres postgresql://postgres@127.0.0.1:5432/sendreg_bench
    python benchmarks/import_mis.py --rows 50000 --profile   # where a changed re-import spends

Each size runs in a fresh process with a fresh database, so the peak memory
figure (the process's maximum resident set) belongs to that size alone. Each
imports the file into an empty school (the first import, which also seeds the
register), imports it again unchanged, then imports a copy in which every
pupil's attendance has changed (every row is an update with an audit event).

Goals (issue 7), on a 2-core machine: a first import of 2,000 rows in 1 s or less;
a 50,000-row re-import with every row changed at 20,000 rows a second or more on
PostgreSQL; peak memory under 300 MB. The script prints each figure beside its
goal and exits 1 if one is missed.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEADER = [
    "UPN", "Legal Surname", "Legal Forename", "Preferred Forename", "DOB", "Gender", "Year",
    "Reg", "SEN Status", "SEN Need Type 1", "SEN Need Type 2", "EAL", "FSM Eligible",
    "Pupil Premium Indicator", "In LA Care", "Attendance %", "Admission Date",
]  # fmt: skip
SURNAMES = (
    "Smith Jones Taylor Brown Williams Wilson Johnson Davies Patel Khan O'Brien Nowak".split()
)
FORENAMES = "Olivia Amelia Isla Noah Oliver George Muhammad Leo Zoë Aarav Freya Arthur".split()


def make_export(rows: int, *, changed: bool = False) -> bytes:
    """A SIMS-style CSV of ``rows`` pupils: ~5% E and ~14% K, as nationally.

    ``changed`` gives every pupil a different attendance (half a point higher), and
    nothing else different.
    """
    from sendreg.pupils.rules import make_upn

    rng = random.Random(rows)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for i in range(rows):
        year = 7 + i % 5
        roll = rng.random()
        status, need1, need2 = "", "", ""
        if roll < 0.05:
            status, need1, need2 = "E", "ASD", "SLCN"
        elif roll < 0.19:
            status, need1 = "K", rng.choice(["SEMH", "SLCN", "MLD", "SPLD"])
        writer.writerow([
            make_upn(801, 2000 + i // 1000, 19 - year % 5, i % 1000),
            rng.choice(SURNAMES), rng.choice(FORENAMES), "",
            f"{rng.randrange(1, 28):02d}/{rng.randrange(1, 13):02d}/{2019 - year}",
            rng.choice("MF"), f"Year {year}", f"{year}{'ABCDEF'[i % 6]}", status, need1, need2,
            rng.choice(["Y", "N"]), rng.choice(["Y", "N", ""]), rng.choice(["Y", "N"]), "N",
            f"{rng.uniform(80, 99) + (0.5 if changed else 0):.1f}", "01/09/2021",
        ])  # fmt: skip
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def child(rows: int, profile: bool) -> dict[str, float]:
    """Runs in a fresh process: set up Django on an empty database, import three times."""
    home = tempfile.mkdtemp(prefix="sendreg-bench-")
    os.environ["SENDREG_HOME"] = home
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sendreg.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from sendreg.lib.database import create_postgres_database_if_missing

    create_postgres_database_if_missing()
    call_command("migrate", verbosity=0)
    from sendreg.accounts.models import School
    from sendreg.imports.services import import_apply
    from sendreg.lib.dates import today

    school = School.objects.create(urn="999999", laestab="8012000", name="Benchmark School")
    data = make_export(rows)
    changed = make_export(rows, changed=True)

    start = time.perf_counter()
    text = data.decode("utf-8-sig")
    floor_rows = sum(1 for _ in csv.reader(io.StringIO(text)))
    floor = time.perf_counter() - start

    cpu: dict[str, float] = {}

    def run(export: bytes, name: str) -> tuple[float, dict[str, int]]:
        start, start_cpu = time.perf_counter(), time.process_time()
        plan, _ = import_apply(
            school=school, data=export, filename="export.csv", by=None, today=today()
        )
        cpu[name] = time.process_time() - start_cpu
        summary = plan.summary()
        return time.perf_counter() - start, {k: summary[k] for k in ("created", "updated")}

    first, done = run(data, "first")
    assert done["created"] == rows, done
    again, done = run(data, "again")
    assert done == {"created": 0, "updated": 0}, done
    if profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        every, done = run(changed, "changed")
        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(30)
    else:
        every, done = run(changed, "changed")
    assert done == {"created": 0, "updated": rows}, done
    assert floor_rows == rows + 1
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "first": first, "again": again, "changed": every, "floor": floor, "peak_mb": peak_mb,
        **{f"{name}_cpu": seconds for name, seconds in cpu.items()},
    }  # fmt: skip


#: (figure, goal as text, whether the figure meets it)
Goal = tuple[str, str, bool]


def goals(rows: int, r: dict[str, float], postgres: bool) -> list[Goal]:
    found: list[Goal] = []
    if rows == 2000:
        found.append((f"first import {r['first']:.2f} s", "<= 1 s", r["first"] <= 1.0))
    if rows == 50000 and postgres:
        rate = rows / r["changed"]
        found.append(
            (f"re-import, every row changed: {rate:,.0f} rows/s", ">= 20,000 rows/s", rate >= 20000)
        )
    found.append((f"peak memory {r['peak_mb']:.0f} MB", "< 300 MB", r["peak_mb"] < 300))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, action="append", help="sizes (2000 and 50000)")
    parser.add_argument("--postgres", help="a PostgreSQL URL to run against instead of SQLite")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the changed re-import (to stderr)"
    )
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.profile)))
        return
    env = dict(os.environ)
    if args.postgres:
        env["SENDREG_DATABASE_URL"] = args.postgres
    src = str(Path(__file__).resolve().parent.parent / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    print(f"MIS import on {'PostgreSQL' if args.postgres else 'SQLite'}, {os.cpu_count()} cores")
    print(
        f"{'rows':>7} {'first import':>13} {'rows/s':>9} {'unchanged':>10} {'rows/s':>9} "
        f"{'all changed':>12} {'rows/s':>9} {'csv floor':>10} {'peak MB':>8}"
    )
    checked: list[Goal] = []
    results: list[tuple[int, dict[str, float]]] = []
    for rows in args.rows or [2000, 50000]:
        if args.postgres:
            # Each size starts from an empty database.
            from urllib.parse import urlparse

            name = urlparse(args.postgres).path.lstrip("/")
            subprocess.run(["dropdb", "--if-exists", "-h", "127.0.0.1", "-U", "postgres", name],
                           check=True)  # fmt: skip
        command = [sys.executable, __file__, "--child", str(rows)]
        if args.profile:
            command.append("--profile")
        done = subprocess.run(command, env=env, check=True, stdout=subprocess.PIPE, text=True)
        r = json.loads(done.stdout.strip().splitlines()[-1])
        results.append((rows, r))
        print(
            f"{rows:>7,} {r['first']:>12.2f}s {rows / r['first']:>9,.0f} {r['again']:>9.2f}s "
            f"{rows / r['again']:>9,.0f} {r['changed']:>11.2f}s {rows / r['changed']:>9,.0f} "
            f"{r['floor']:>9.3f}s {r['peak_mb']:>8.0f}"
        )
        checked += [(f"{rows:,} rows: {figure}", goal, met) for figure, goal, met in goals(
            rows, r, bool(args.postgres)
        )]  # fmt: skip
    print(
        "\nCPU seconds of this process (the server's own time is not in it): "
        + "; ".join(
            f"{rows:,} rows: first {r['first_cpu']:.2f}, unchanged {r['again_cpu']:.2f}, "
            f"all changed {r['changed_cpu']:.2f}"
            for rows, r in results
        )
    )
    load = os.getloadavg()[0]
    print(
        f"Load average at the end: {load:.1f} on {os.cpu_count()} CPUs (wall time grows with it)."
    )
    print("\nFigure beside goal:")
    for figure, goal, met in checked:
        print(f"  {figure:<58} goal {goal:<18} {'met' if met else 'MISSED'}")
    if not args.postgres:
        print("  (the goal for a changed re-import is set for PostgreSQL: run with --postgres)")
    sys.exit(0 if all(met for _, _, met in checked) else 1)


if __name__ == "__main__":
    main()
