"""``sendreg retention apply``, ``sendreg backup`` and ``sendreg restore``."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import Any

from sendreg.accounts.selectors import school_from_urn
from sendreg.lib.cli import CommandError, add_school_argument, print_json


def cmd_retention_apply(args: argparse.Namespace) -> int:
    """List what is past its retention date, ask, then anonymise it. Exit 1 when declined."""
    from sendreg.lib.dates import today
    from sendreg.privacy.selectors import login_failures_past, retention_report
    from sendreg.privacy.services import retention_apply

    school = school_from_urn(args.school)
    day = today()
    report = retention_report(school, today=day)
    failures = login_failures_past(today=day)
    if args.json:
        listing: dict[str, Any] = {
            "rule": report.rule.key,
            "years": report.rule.years,
            "verified": report.rule.verified,
            "due": [item.as_json() for item in report.due],
            "on_roll": [item.as_json() for item in report.on_roll],
            "login_failures": failures,
        }
    else:
        _print_retention(report, failures)
    if not report.due and not failures:
        if args.json:
            print_json({**listing, "applied": False})
        else:
            print("Nothing is past its retention date.")
        return 0
    if not args.yes:
        if not sys.stdin.isatty():
            raise CommandError("Nothing was changed: add --yes to anonymise without being asked.")
        answer = input("Anonymise these records now? This cannot be undone. Type yes: ")
        if answer.strip().lower() != "yes":
            print("Nothing was changed.")
            return 1
    result = retention_apply(
        school=school,
        today=day,
        by=None,
        actor_label=f"sendreg retention apply on the command line ({getpass.getuser()})",
    )
    if args.json:
        print_json(
            {
                **listing,
                "applied": True,
                "erased": result.erased,
                "login_failures_deleted": result.login_failures_deleted,
            }
        )
    else:
        print(
            f"Anonymised {len(result.erased)} pupils' records and deleted "
            f"{result.login_failures_deleted} old failed logins. "
            "Each erasure is in the audit trail."
        )
    return 0


def _print_retention(report: Any, failures: int) -> None:
    rule = report.rule
    print(f"{rule.label}: kept until date of birth + {rule.years} years ({rule.source}).")
    if not rule.verified:
        print("  This period is not verified: check it against your records management policy.")
    if report.due:
        print(f"\nPast their retention date, and left ({len(report.due)}):")
        for item in report.due:
            p = item.pupil
            print(f"  {p.upn}  {p}  born {p.date_of_birth:%d/%m/%Y}  ended {item.due:%d/%m/%Y}")
    if report.on_roll:
        print(f"\nPast their date but still on roll, so left alone ({len(report.on_roll)}):")
        for item in report.on_roll:
            print(f"  {item.pupil.upn}  {item.pupil}  born {item.pupil.date_of_birth:%d/%m/%Y}")
    if failures:
        print(f"\nFailed logins past their retention date: {failures}.")


def add_retention_command(sub: argparse._SubParsersAction[Any]) -> None:
    retention = sub.add_parser(
        "retention", help="records past their retention date"
    ).add_subparsers(dest="action", required=True, metavar="ACTION")
    apply = retention.add_parser(
        "apply", help="list what is past its retention date, ask, then anonymise it"
    )
    add_school_argument(apply)
    apply.add_argument("--yes", action="store_true", help="do not ask before anonymising")
    apply.add_argument("--json", action="store_true")
    apply.set_defaults(handler=cmd_retention_apply)


def cmd_backup(args: argparse.Namespace) -> int:
    from sendreg.privacy.backups import BackupError, backup_make, passphrase_from_settings

    try:
        summary = backup_make(Path(args.out), passphrase=passphrase_from_settings(making=True))
    except BackupError as exc:
        raise CommandError(str(exc)) from None
    except OSError as exc:
        raise CommandError(f"Cannot write {args.out}: {exc.strerror}.") from None
    if args.json:
        print_json(summary.as_json())
    else:
        print(
            f"Backed up {summary.rows} rows in {summary.tables} tables ({summary.database}) and "
            f"{summary.files} files to {summary.file} ({summary.bytes:,} bytes, encrypted)."
        )
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from sendreg.privacy.backups import BackupError, backup_restore, passphrase_from_settings

    path = Path(args.file)
    if not path.is_file():
        raise CommandError(f"There is no file {path}.")
    try:
        summary = backup_restore(
            path, passphrase=passphrase_from_settings(making=False), force=args.force
        )
    except BackupError as exc:
        if args.json:
            print_json({"refused": str(exc)})
        print(f"sendreg: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print_json({**summary.as_json(), "mismatched_tables": summary.mismatched_tables})
    else:
        print(
            f"Restored the backup made at {summary.made_at}: {summary.rows} rows in "
            f"{summary.tables} tables and {summary.files} files."
        )
        if summary.mismatched_tables:
            print("These tables do not have the rows the backup recorded: "
                  + ", ".join(summary.mismatched_tables))  # fmt: skip
    return 1 if summary.mismatched_tables else 0


def add_backup_commands(sub: argparse._SubParsersAction[Any]) -> None:
    backup = sub.add_parser(
        "backup", help="write an encrypted backup of the database and the uploaded files"
    )
    backup.add_argument("--out", required=True, metavar="FILE")
    backup.add_argument("--json", action="store_true")
    backup.set_defaults(handler=cmd_backup)
    restore = sub.add_parser("restore", help="restore an encrypted backup into an empty home")
    restore.add_argument("file")
    restore.add_argument(
        "--force", action="store_true", help="replace a database that is not empty"
    )
    restore.add_argument("--json", action="store_true")
    restore.set_defaults(handler=cmd_restore)
