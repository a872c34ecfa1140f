"""How fast an MIS export imports, against the floor of reading the same CSV with the csv module.

    python benchmarks/import_mis.py                 # 2,000 and 50,000 rows on SQLite
    python benchmarks/import_mis.py --rows 2000     # one size
    python benchmarks/import_mis.py --postgres postgresql://postgres@127.0.0.1:5432/sendreg_bench

Each size runs in a fresh process with a fresh database, so the peak memory
figure (the process's maximum resident set) belongs to that size alone.
Targets on a 2-core machine with SQLite: 2,000 rows first import under 1 s;
re-import of 50,000 rows at 20,000 rows/s or better; peak memory under 300 MB.
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


def make_export(rows: int) -> bytes:
    """A SIMS-style CSV of ``rows`` pupils: ~5% E and ~14% K, as nationally."""
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
            f"{rng.uniform(80, 100):.1f}", "01/09/2021",
        ])  # fmt: skip
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def child(rows: int) -> dict[str, float]:
    """Runs in a fresh process: set up Django on an empty database, import twice."""
    home = tempfile.mkdtemp(prefix="sendreg-bench-")
    os.environ["SENDREG_HOME"] = home
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sendreg.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from sendreg.accounts.models import School
    from sendreg.imports.services import import_apply
    from sendreg.lib.dates import today

    school = School.objects.create(urn="999999", laestab="8012000", name="Benchmark School")
    data = make_export(rows)
    with open(os.path.join(home, "export.csv"), "wb") as handle:
        handle.write(data)

    start = time.perf_counter()
    text = data.decode("utf-8-sig")
    floor_rows = sum(1 for _ in csv.reader(io.StringIO(text)))
    floor = time.perf_counter() - start

    def run() -> float:
        start = time.perf_counter()
        import_apply(school=school, data=data, filename="export.csv", by=None, today=today())
        return time.perf_counter() - start

    first = run()
    again = run()
    assert floor_rows == rows + 1
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"rows": rows, "first": first, "again": again, "floor": floor, "peak_mb": peak_mb}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, action="append", help="sizes (2000 and 50000)")
    parser.add_argument("--postgres", help="a PostgreSQL URL to run against instead of SQLite")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child)))
        return
    env = dict(os.environ)
    if args.postgres:
        env["SENDREG_DATABASE_URL"] = args.postgres
    src = str(Path(__file__).resolve().parent.parent / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    print(f"MIS import on {'PostgreSQL' if args.postgres else 'SQLite'}, {os.cpu_count()} cores")
    print(
        f"{'rows':>7} {'first import':>13} {'rows/s':>9} {'re-import':>10} {'rows/s':>9} "
        f"{'csv floor':>10} {'ratio':>6} {'peak MB':>8}"
    )
    for rows in args.rows or [2000, 50000]:
        if args.postgres:
            # Each size starts from an empty database.
            from urllib.parse import urlparse

            name = urlparse(args.postgres).path.lstrip("/")
            subprocess.run(["dropdb", "--if-exists", "-h", "127.0.0.1", "-U", "postgres", name],
                           check=True)  # fmt: skip
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(rows)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        r = json.loads(out.strip().splitlines()[-1])
        print(
            f"{rows:>7,} {r['first']:>12.2f}s {rows / r['first']:>9,.0f} {r['again']:>9.2f}s "
            f"{rows / r['again']:>9,.0f} {r['floor']:>9.3f}s {r['again'] / r['floor']:>5.0f}x "
            f"{r['peak_mb']:>8.0f}"
        )
    print(
        "\nTargets: 2,000 rows first import < 1 s; 50,000-row re-import >= 20,000 rows/s; "
        "peak < 300 MB.\nratio = re-import time / time to read the same file with csv alone."
    )


if __name__ == "__main__":
    main()
