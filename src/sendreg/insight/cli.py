"""``sendreg snapshot``, ``sendreg insight`` and ``sendreg national import``.

The ``--json`` shapes are a public interface, documented in the README: percentages are
numbers to one decimal place.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from sendreg.lib.cli import CommandError, add_school_argument, print_json


def _date(value: str | None) -> dt.date:
    from sendreg.lib.dates import today

    if not value:
        return today()
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise CommandError(f"--date {value!r} is not a date like 2026-01-15.") from None


def add_snapshot(sub: argparse._SubParsersAction[Any]) -> None:
    parser = sub.add_parser(
        "snapshot",
        help="keep the register's figures for a day, for trends (one a school a day)",
    )
    parser.add_argument(
        "--school", metavar="URN", help="one school only (default: the only school)"
    )
    parser.add_argument("--date", metavar="YYYY-MM-DD", help="the day (default: today)")
    parser.add_argument(
        "--if-census-day",
        action="store_true",
        help="for a daily cron job: snapshot every school, only when the day is a census day",
    )
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(handler=cmd_snapshot)


def _snapshot_json(snapshot: Any) -> dict[str, Any]:
    return {
        "school": snapshot.school.urn,
        "taken_on": snapshot.taken_on.isoformat(),
        "reason": snapshot.reason,
        "roll": snapshot.roll,
        "e": snapshot.ehc,
        "k": snapshot.sen_support,
        "monitoring": snapshot.monitoring,
        "finding_counts": snapshot.finding_counts,
    }


def cmd_snapshot(args: argparse.Namespace) -> int:
    from sendreg.accounts.selectors import school_from_urn
    from sendreg.insight.models import Snapshot
    from sendreg.insight.services import snapshots_for_census_day, take_snapshot

    day = _date(args.date)
    if args.if_census_day:
        if args.school:
            raise CommandError("--if-census-day snapshots every school: leave out --school.")
        snapshots = snapshots_for_census_day(day)
    else:
        school = school_from_urn(args.school)
        snapshots = [take_snapshot(school, day, Snapshot.Reason.ON_DEMAND)]
    if args.json:
        print_json([_snapshot_json(s) for s in snapshots])
        return 0
    if not snapshots:
        print(f"{day:%-d %B %Y} is not a census day: no snapshot taken.")
    for s in snapshots:
        print(
            f"Snapshot of {s.school.name} on {s.taken_on:%-d %B %Y} ({s.get_reason_display()}): "
            f"{s.roll} on roll, {s.ehc} with an EHC plan, {s.sen_support} on SEN support, "
            f"{s.monitoring} on the monitoring list; "
            f"{sum(s.finding_counts.values())} pupils or needs in findings."
        )
    return 0


def add_insight(sub: argparse._SubParsersAction[Any]) -> None:
    parser = sub.add_parser(
        "insight", help="the register against national figures, with the term's findings"
    )
    add_school_argument(parser)
    parser.add_argument("--date", metavar="YYYY-MM-DD", help="the day (default: today)")
    parser.add_argument("--json", action="store_true")
    parser.set_defaults(handler=cmd_insight)


def cmd_insight(args: argparse.Namespace) -> int:
    from sendreg.accounts.selectors import school_from_urn
    from sendreg.insight.selectors import analysis

    school = school_from_urn(args.school)
    found = analysis(school, _date(args.date))
    if args.json:
        print_json(found.as_json())
        return 0
    source = (
        f"snapshot of {found.snapshot.taken_on:%-d %B %Y}"
        if found.snapshot
        else "the live register"
    )
    print(f"{school.name} on {found.day:%-d %B %Y} (from {source})")
    print(
        f"On roll {found.roll}; EHC plan (E) {found.e} ({found.e_pct}%); SEN support (K) "
        f"{found.k} ({found.k_pct}%); all SEN {found.on_register} ({found.sen_pct}%)."
    )
    if found.national:
        n = found.national.shares
        print(
            f"England, January {n.year} ({n.phase}): E {n.e_pct}%, K {n.k_pct}%, "
            f"all SEN {n.sen_pct}%."
        )
    print("Primary needs:")
    for need in found.primary_needs():
        print(f"  {need.label}: {need.count} ({need.pct}%)")
    print("Attendance:")
    for row in found.attendance():
        average = f"{row.average}%" if row.average is not None else "not recorded"
        print(
            f"  {row.label}: {row.pupils} pupils, average {average}, persistently absent "
            f"{row.persistently_absent} ({row.persistently_absent_pct}%)"
        )
    print(f"Findings ({len(found.findings)}):")
    for finding in found.findings:
        print(f"  [{finding.severity.label}] {finding.title}")
        print(f"      {finding.detail}")
        if finding.upns:
            print(f"      Pupils: {', '.join(finding.upns)}")
    if not found.findings:
        print("  None: every question was answered well.")
    return 0


def add_national(sub: argparse._SubParsersAction[Any]) -> None:
    national = sub.add_parser(
        "national", help="the national, regional or LA figures the register is compared with"
    ).add_subparsers(dest="action", required=True, metavar="ACTION")
    imported = national.add_parser(
        "import",
        help="add or replace figures from a CSV or JSON file (kept under SENDREG_HOME)",
    )
    imported.add_argument("file", metavar="FILE", type=Path)
    imported.add_argument("--json", action="store_true")
    imported.set_defaults(handler=cmd_national_import)
    listed = national.add_parser("list", help="every figure known, by year, area and phase")
    listed.add_argument("--json", action="store_true")
    listed.set_defaults(handler=cmd_national_list)


def cmd_national_import(args: argparse.Namespace) -> int:
    from sendreg.lib import national

    path: Path = args.file
    if not path.is_file():
        raise CommandError(f"There is no file {path}.")
    try:
        text = path.read_text("utf-8-sig")
    except UnicodeDecodeError:
        raise CommandError(f"{path} is not a text file in UTF-8.") from None
    entries, problems = national.parse_figures(text, name=path.name)
    if problems:
        raise CommandError(
            f"Nothing was imported: {path} has {len(problems)} problem"
            f"{'' if len(problems) == 1 else 's'}:\n" + "\n".join(f"  {p}" for p in problems)
        )
    added, replaced = national.import_figures(entries)
    if args.json:
        print_json(
            {"added": added, "replaced": replaced, "file": str(national.local_figures_path())}
        )
        return 0
    print(
        f"Imported {len(entries)} figure{'' if len(entries) == 1 else 's'} "
        f"({added} new, {replaced} replaced) into {national.local_figures_path()}."
    )
    return 0


def cmd_national_list(args: argparse.Namespace) -> int:
    from sendreg.lib import national

    figures = sorted(national.all_figures().values(), key=lambda f: (f.year, f.area, f.phase))
    if args.json:
        print_json([national.figure_json(f) for f in figures])
        return 0
    for f in figures:
        checked = "" if f.verified else " (not yet checked)"
        print(
            f"{f.label}: E {f.ehc_percent}%, K {f.support_percent}%, "
            f"all SEN {f.all_sen_percent}%{checked}"
        )
    return 0
