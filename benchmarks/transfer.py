"""How fast a school takes in and sends out records: CTF import, CTF export, a record pack.

    python benchmarks/transfer.py                   # SQLite in a throwaway SENDREG_HOME
    python benchmarks/transfer.py --pupils 2000     # a larger intake as well
    python benchmarks/transfer.py --postgres postgresql://postgres@127.0.0.1:5432/sendreg_bench

Targets on a 2-core machine: a CTF of a Year 7 intake (300 pupils, all with SEN history)
previewed and applied in under 1 s each (1 s per 300 pupils for larger files), with no query
per pupil (bulk writes only: under 0.1 extra queries per pupil, the batches that the
database's limit on parameters makes); a CTF of 300 pupils written in under 1 s; one pupil's
record pack (PDFs in an AES ZIP) in under 3 s. Prints each figure beside its target and exits
1 if any is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time


def setup(postgres: str | None) -> None:
    os.environ["SENDREG_HOME"] = tempfile.mkdtemp(prefix="sendreg-bench-")
    if postgres:
        os.environ["SENDREG_DATABASE_URL"] = postgres
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sendreg.settings")
    import django

    django.setup()
    from sendreg.cli import ensure_database

    ensure_database()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pupils", type=int, action="append", help="intake sizes (300)")
    parser.add_argument("--postgres", metavar="URL")
    args = parser.parse_args()
    setup(args.postgres)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from sendreg.accounts.models import School
    from sendreg.demo import demo_fill
    from sendreg.imports.kinds import IMPORT_KINDS, ImportRequest
    from sendreg.pupils.models import Pupil
    from sendreg.pupils.rules import make_upn
    from sendreg.register.selectors import on_register
    from sendreg.transfer import services
    from sendreg.transfer.ctf import CtfPupil, CtfSchool, build_ctf
    from sendreg.transfer.rules import SenEntry

    today = dt.date.today()
    demo_fill(pupils=500, today=today)
    school = School.objects.get(urn="999001")
    senco = school.memberships.get(role="senco").user
    kind = IMPORT_KINDS.get("ctf")
    assert kind is not None
    results: list[tuple[str, float, float, str]] = []
    queries: dict[int, int] = {}

    def intake(size: int, serial: int) -> bytes:
        pupils = [
            CtfPupil(
                number=i + 1,
                upn=make_upn(801, 3000 + serial, 14, i % 1000),
                surname=f"Pupil{i}",
                forename="New",
                date_of_birth=dt.date(2014, 1 + i % 12, 1),
                gender="MF"[i % 2],
                year_group=6,
                sen=(SenEntry(dt.date(2021, 9, 6), "K"),),
                needs=("SLCN", "SPLD"),
            )  # fmt: skip
            for i in range(size)
        ]
        return build_ctf(
            source=CtfSchool("801", "2345", "109876", "Greenfield Primary School"),
            dest=CtfSchool("801", school.estab),
            pupils=pupils,
            written_at=dt.datetime.now(),
        )

    sizes = sorted({30, *(args.pupils or [300])})
    for serial, size in enumerate(sizes):
        data = intake(size, serial)
        request = ImportRequest(school=school, data=data, filename=f"{size}.xml", today=today)
        start = time.perf_counter()
        kind.plan(request)
        preview = time.perf_counter() - start
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            kind.apply(request, senco)
            applied = time.perf_counter() - start
        queries[size] = len(captured)
        if size != 30:
            target = max(1.0, size / 300)
            note = f"{len(captured)} queries"
            results.append((f"CTF preview, {size} pupils (s)", preview, target, ""))
            results.append((f"CTF apply, {size} pupils (s)", applied, target, note))

    pupils = list(Pupil.objects.filter(school=school).order_by("pk")[:300])
    start = time.perf_counter()
    services.ctf_export(school=school, pupils=pupils, dest="8012345", by=senco, today=today)
    results.append(("CTF export, 300 pupils (s)", time.perf_counter() - start, 1.0, ""))

    leaver = on_register(Pupil.objects.filter(school=school), day=today).first()
    assert leaver is not None
    start = time.perf_counter()
    made = services.record_pack_make(
        pupil=leaver, recipient="Northgate College", recipient_laestab="", recipient_person="",
        exception="next_setting", reason="", by=senco, today=today,
    )  # fmt: skip
    files = sum(len(p["files"]) for p in made.pack.parts)
    results.append(
        (
            "record pack, one pupil (s)",
            time.perf_counter() - start,
            3.0,
            f"{len(made.content) // 1024} KB, {files} PDFs",
        )
    )

    failed = False
    print(f"{'measure':40} {'figure':>8} {'target':>8}  note")
    for name, figure, target, note in results:
        ok = figure <= target
        failed |= not ok
        print(f"{name:40} {figure:8.3f} {target:8.3f}  {'' if ok else 'MISSED '}{note}")
    # Bulk writes are split into batches by the database's limit on parameters (999 on
    # SQLite), so the count grows by one per batch; a query per pupil would add at least one.
    per_pupil = (queries[sizes[-1]] - queries[30]) / (sizes[-1] - 30)
    failed |= per_pupil > 0.1
    counts = ", ".join(f"{n} pupils: {q}" for n, q in sorted(queries.items()))
    print(f"{'CTF apply, extra queries per pupil':40} {per_pupil:8.3f} {0.1:8.3f}  {counts}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
