"""``sendreg ctf export``: write a Common Transfer File for one or more pupils."""

from __future__ import annotations

import argparse
import getpass
from pathlib import Path
from typing import Any

from sendreg.accounts.selectors import school_from_urn
from sendreg.lib.cli import CommandError, add_school_argument, print_json


def add_parser(sub: argparse._SubParsersAction[Any]) -> None:
    ctf = sub.add_parser("ctf", help="Common Transfer Files").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    export = ctf.add_parser(
        "export",
        help="write a CTF of pupils' details and SEN history for their next school",
        description=(
            "Write a Common Transfer File with the header and, per pupil, the basic details, "
            "every SEN episode and the current ranked needs. A protected address is never "
            "written. To import a CTF, use `sendreg import FILE.xml`."
        ),
    )
    export.add_argument(
        "--upn", action="append", required=True, metavar="UPN", help="a pupil's UPN (repeat)"
    )
    export.add_argument(
        "--dest",
        metavar="LAESTAB",
        default="",
        help="the receiving school's LAESTAB (default MMMMMMM: next school not known)",
    )
    export.add_argument(
        "--out",
        required=True,
        metavar="FILE",
        help="the file to write, or a folder to write it in under the CTF file name",
    )
    add_school_argument(export)
    export.add_argument("--json", action="store_true")
    export.set_defaults(handler=cmd_ctf_export)


def cmd_ctf_export(args: argparse.Namespace) -> int:
    from django.core.exceptions import ValidationError

    from sendreg.lib.dates import today
    from sendreg.transfer.rules import UNKNOWN_DESTINATION
    from sendreg.transfer.selectors import ctf_pupils_by_upn
    from sendreg.transfer.services import ctf_export

    school = school_from_urn(args.school)
    pupils, missing = ctf_pupils_by_upn(school, args.upn)
    if missing:
        raise CommandError(f"{school.name} has no pupil with UPN {', '.join(missing)}.")
    out = Path(args.out)
    try:
        written = ctf_export(
            school=school,
            pupils=pupils,
            dest=args.dest or UNKNOWN_DESTINATION,
            by=None,
            today=today(),
            actor_label=f"sendreg ctf export on the command line ({getpass.getuser()})",
        )
    except ValidationError as exc:
        raise CommandError(" ".join(exc.messages)) from None
    path = out / written.file_name if out.is_dir() else out
    try:
        path.write_bytes(written.content)
    except OSError as exc:
        raise CommandError(f"Cannot write {path}: {exc.strerror}.") from None
    export = written.export
    if args.json:
        print_json(
            {
                "file": str(path),
                "name": written.file_name,
                "sha256": export.sha256,
                "dest": export.dest_laestab,
                "sequence": export.sequence,
                "pupils": export.upns,
            }
        )
    else:
        print(
            f"Wrote {path} ({len(pupils)} pupil{'s' if len(pupils) != 1 else ''}, "
            f"for {export.dest_laestab}). Its CTF file name is {written.file_name}."
        )
    return 0
