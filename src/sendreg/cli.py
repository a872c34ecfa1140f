"""The ``sendreg`` command: the product's own subcommands, and ``manage`` for Django's.

Its subcommands and their ``--json`` shapes are a public interface that schools
script against; change one only with a note in the README's changelog.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import secrets
import sys
from collections.abc import Callable, Sequence
from typing import Any

from sendreg.lib.cli import CommandError

Handler = Callable[[argparse.Namespace], int]


def school_from_urn(urn: str | None) -> Any:
    # Imported when called: this module is loaded before Django's apps are.
    from sendreg.accounts.selectors import school_from_urn as find

    return find(urn)


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sendreg.settings")
    import django

    django.setup()


def ensure_database() -> None:
    """Create the database if it is missing and apply any migrations it lacks."""
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from sendreg.lib.database import create_postgres_database_if_missing

    create_postgres_database_if_missing()
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        call_command("migrate", interactive=False, verbosity=0)


# --- sendreg demo / serve -------------------------------------------------------------


def cmd_demo(args: argparse.Namespace) -> int:
    from django.conf import settings

    from sendreg.demo import DEMO_PASSWORD, demo_fill

    result = demo_fill(pupils=args.pupils, schools=args.schools)
    for line in result.report:
        print(line)
    print("\nDemo logins (password for all of them: " + DEMO_PASSWORD + "):")
    for email, role, school in result.logins:
        print(f"  {email:<38} {role:<34} {school}")
    if args.no_serve:
        return 0
    if "SENDREG_TWO_FACTOR" not in os.environ:
        # Invented pupils on this machine: look around without an authenticator app. A real
        # school's server (sendreg serve) asks for one, and so does the demo when told to.
        settings.SENDREG_TWO_FACTOR = False
        print(
            "\nTwo-factor login is off for this demo (its pupils are invented); "
            "`sendreg serve` asks for it. To try it here: SENDREG_TWO_FACTOR=true sendreg demo"
        )
    # The demo's settings were changed in this process: it serves from this process alone.
    return _serve(args.host, args.port, workers=1)


def cmd_serve(args: argparse.Namespace) -> int:
    from sendreg.lib import serving

    can_fork = serving.gunicorn_available()
    workers = args.workers
    if workers is None:
        workers = serving.default_workers(cores=serving.cores(), can_fork=can_fork)
    elif workers < 1:
        raise CommandError("--workers must be 1 or more.")
    elif workers > 1 and not can_fork:
        print(
            "Several processes need gunicorn, which runs on Linux and macOS "
            "(pip install gunicorn); serving from one process with waitress.",
            file=sys.stderr,
        )
        workers = 1
    return _serve(args.host, args.port, workers=workers)


def _serve(host: str, port: int, *, workers: int) -> int:
    import waitress
    from django.conf import settings

    from sendreg.accounts.hashers import return_hash_memory_to_the_system
    from sendreg.lib import serving
    from sendreg.wsgi import application

    _check_port_free(host, port)
    _sweep_stale_uploads()
    return_hash_memory_to_the_system()
    processes = f"{workers} processes" if workers > 1 else "one process"
    print(
        f"\nsendreg is serving at http://{host}:{port}/ with {processes} (press Ctrl+C to stop)",
        flush=True,
    )
    if serving.uses_gunicorn(workers=workers, can_fork=serving.gunicorn_available()):
        app = application
        if settings.SENDREG_TRUSTED_PROXY:
            app = serving.with_trusted_proxy(application, settings.SENDREG_TRUSTED_PROXY)
        options = serving.gunicorn_options(host=host, port=port, workers=workers)
        serving.serve_with_gunicorn(app, options)
        return 0
    # Behind a reverse proxy that ends TLS, believe its X-Forwarded-For and -Proto (and only
    # its): the access log and the login pauses see the client's address, and HTTPS is known.
    proxy: dict[str, Any] = {}
    if settings.SENDREG_TRUSTED_PROXY:
        proxy = {
            "trusted_proxy": settings.SENDREG_TRUSTED_PROXY,
            "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto"},
            "clear_untrusted_proxy_headers": True,
        }
    waitress.serve(
        application,
        host=host,
        port=port,
        threads=serving.WAITRESS_THREADS,
        ident="sendreg",
        **proxy,
    )
    return 0


def _sweep_stale_uploads() -> None:
    """Uploads older than a session lasts can never be confirmed: delete them on start-up
    (a server stopped mid-preview leaves them behind)."""
    import datetime as dt

    from django.conf import settings

    from sendreg.imports.uploads import pending_sweep

    swept = pending_sweep(older_than=dt.timedelta(seconds=settings.SESSION_COOKIE_AGE))
    if swept:
        print(
            f"Deleted {swept} uploaded file{'s' if swept != 1 else ''} left from earlier imports."
        )


def _check_port_free(host: str, port: int) -> None:
    """Say plainly when the port is taken, rather than failing inside the server."""
    import socket

    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as exc:
        raise CommandError(
            f"Cannot serve at {host}:{port}: {exc.strerror or exc}. Is sendreg (or something "
            f"else) already running there? Choose another port with --port, e.g. --port {port + 1}."
        ) from None


# --- sendreg school / user ------------------------------------------------------------


def cmd_school_add(args: argparse.Namespace) -> int:
    from django.core.exceptions import ValidationError

    from sendreg.accounts.models import School

    school = School(urn=args.urn, laestab=args.laestab, name=args.name, phase=args.phase)
    try:
        school.full_clean()
    except ValidationError as exc:
        problems = (f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
        raise CommandError("; ".join(problems)) from None
    school.save()
    print(f"Added {school}.")
    return 0


def cmd_school_list(args: argparse.Namespace) -> int:
    from sendreg.accounts.models import School

    schools = [
        {"urn": s.urn, "laestab": s.laestab, "name": s.name, "phase": s.phase}
        for s in School.objects.all()
    ]
    if args.json:
        print(json.dumps(schools, indent=2))
    else:
        for s in schools:
            print(f"{s['urn']}  {s['laestab']}  {s['name']}")
    return 0


def cmd_user_add(args: argparse.Namespace) -> int:
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from sendreg.accounts.models import Membership, User
    from sendreg.accounts.permissions import OrganisationRole, Role
    from sendreg.organisations.cli import membership_add, organisation_named

    if args.org:
        # A role in a trust or local authority: the figures of all its schools.
        organisation = organisation_named(args.org)
        if args.role not in OrganisationRole.values:
            raise CommandError(
                f"{args.role!r} is not a role in a trust or local authority. "
                f"The roles are: {', '.join(OrganisationRole.values)}."
            )
    else:
        school = school_from_urn(args.school)
        if args.role not in Role.values:
            raise CommandError(
                f"{args.role!r} is not a role. The roles are: {', '.join(Role.values)}."
            )
    email = args.email.strip().lower()
    password = None
    generated = False
    if not User.objects.filter(email=email).exists():
        if sys.stdin.isatty() and not args.generate_password:
            password = getpass.getpass(f"Password for {email}: ")
        else:
            password = secrets.token_urlsafe(12)
            generated = True
        try:
            validate_password(password)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
    with transaction.atomic():
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, password, name=args.name or email)
        if args.org:
            said = membership_add(organisation=organisation, user=user, role=args.role)
        else:
            membership, created = Membership.objects.update_or_create(
                user=user, school=school, defaults={"role": args.role}
            )
            verb = "Added" if created else "Updated"
            said = f"{verb} {email} as {membership.get_role_display()} at {school.name}."
    print(said)
    if generated:
        print(f"Password: {password}")
    return 0


# --- sendreg register -----------------------------------------------------------------


def register_records(school: Any) -> list[dict[str, Any]]:
    """The register as the ``--json`` interface gives it: one object per pupil, by surname."""
    from sendreg.lib.dates import today
    from sendreg.register.selectors import RegisterFilters, register_school_rows

    day = today()
    return [
        {
            "upn": p.upn,
            "surname": p.surname,
            "forename": p.forename,
            "year": p.year_group,
            "reg_group": p.reg_group,
            "status": p.status,
            "since": p.since.isoformat() if p.since else None,
            "needs": p.need_codes,
            "eal": p.eal,
            "fsm": p.fsm,
            "pupil_premium": p.pupil_premium,
            "looked_after": p.looked_after,
        }
        for p in register_school_rows(school, RegisterFilters(), day=day)
    ]


def cmd_register(args: argparse.Namespace) -> int:
    from sendreg import codes
    from sendreg.lib.spreadsheets import csv_text

    records = register_records(school_from_urn(args.school))
    if args.json:
        print(json.dumps(records, indent=2))
    elif args.csv:
        header = ["upn", "surname", "forename", "year", "reg_group", "status", "since", "needs"]
        rows = ([*(r[h] for h in header[:-1]), " ".join(r["needs"])] for r in records)
        sys.stdout.write(csv_text(header, rows))
    else:
        for r in records:
            needs = ", ".join(codes.need_label(c) for c in r["needs"])
            print(f"{r['upn']}  {r['surname']}, {r['forename']}  {r['status']}  {needs}")
        print(f"{len(records)} pupils on the SEN register.")
    return 0


# --- sendreg import -------------------------------------------------------------------


def cmd_import(args: argparse.Namespace) -> int:
    import datetime as dt
    from pathlib import Path

    from sendreg.imports.dispatch import kind_named, recognise
    from sendreg.imports.parsers import ImportRefused, parse_mapping_args
    from sendreg.imports.services import import_apply, import_plan
    from sendreg.lib.dates import today

    school = school_from_urn(args.school)
    path = Path(args.path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None
    try:
        mapping = parse_mapping_args(args.map or [])
        kind = kind_named(args.kind) if args.kind else recognise(path.name, data, _kinds())
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    left_on = None
    if args.left_on:
        try:
            left_on = dt.date.fromisoformat(args.left_on)
        except ValueError:
            raise CommandError(
                f"--left-on {args.left_on!r} is not a date like 2026-07-22."
            ) from None
    actor_label = f"sendreg import on the command line ({getpass.getuser()})"
    try:
        if kind is not None:
            return _import_kind(kind, args, school, data, path.name, mapping)
        whole_roll = True if args.whole_roll else None
        if args.dry_run:
            plan = import_plan(
                school=school, data=data, filename=path.name, mapping=mapping,
                whole_roll=whole_roll, today=today(),
            )  # fmt: skip
            applied = False
        else:
            chosen: list[int] = []
            if args.leaver:
                # Which pupils the UPNs name is only known once the file is planned.
                planned = import_plan(
                    school=school, data=data, filename=path.name, mapping=mapping,
                    whole_roll=whole_roll, today=today(),
                )  # fmt: skip
                chosen = _chosen_leavers(planned, args.leaver)
            plan, _ = import_apply(
                school=school,
                data=data,
                filename=path.name,
                by=None,
                today=today(),
                mapping=mapping,
                whole_roll=whole_roll,
                leavers=chosen,
                all_leavers=args.mark_leavers,
                left_on=left_on,
                other_school_ok=args.other_school_ok,
                actor_label=actor_label,
            )
            applied = True
    except ImportRefused as exc:
        return _refused(args, str(exc))
    summary = {**plan.summary(), "applied": applied}
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        _print_import(
            summary, other_school=plan.other_school_message() if plan.other_school else ""
        )
    return 0


def _kinds() -> list[Any]:
    from sendreg.imports.dispatch import all_kinds

    return all_kinds()


def _refused(args: argparse.Namespace, message: str) -> int:
    if args.json:
        print(json.dumps({"refused": message}))
    print(f"sendreg: {message}", file=sys.stderr)
    return 1


def _chosen_leavers(plan: Any, upns: list[str]) -> list[int]:
    """The possible leavers ``--leaver UPN`` names; a UPN that is not one is a mistake to say."""
    from sendreg.pupils.rules import normalise_upn

    by_upn = {leaver.upn: leaver.pupil_id for leaver in plan.possible_leavers}
    chosen = []
    for upn in upns:
        found = by_upn.get(normalise_upn(upn))
        if found is None:
            raise CommandError(
                f"--leaver {upn}: that pupil is not a possible leaver in this file "
                "(run with --dry-run to see who is)."
            )
        chosen.append(found)
    return chosen


def _import_kind(
    kind: Any, args: argparse.Namespace, school: Any, data: bytes, filename: str,
    mapping: dict[str, str],
) -> int:  # fmt: skip
    """A file of another app's kind: its own plan or apply, printed the same way."""
    from sendreg.imports.kinds import ImportRequest
    from sendreg.lib.dates import today

    request = ImportRequest(
        school=school, data=data, filename=filename, today=today(), mapping=mapping
    )
    if args.dry_run:
        outcome = kind.plan(request)
    else:
        outcome = kind.apply(request, None)
    summary = {**outcome.summary, "applied": not args.dry_run}
    if args.json:
        print(json.dumps(summary, indent=2, default=str))
        return 0
    verb = "Imported" if summary["applied"] else "Dry run, nothing changed:"
    figures = ", ".join(
        f"{value:,} {key.replace('_', ' ')}"
        for key, value in summary.items()
        if isinstance(value, int) and not isinstance(value, bool) and key != "rows"
    )
    rows = summary.get("rows", 0)
    print(
        f"{verb} {summary.get('file', filename)} ({kind.label}, {_count(rows, 'row')})"
        + (f": {figures}." if figures else ".")
    )
    _print_problems(summary)
    return 0


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _print_problems(summary: dict[str, Any]) -> None:
    errors = summary.get("errors", [])
    if errors:
        unusable = len({p.get("row") for p in errors})
        print(f"\n{_count(unusable, 'row')} not imported:")
        for p in errors:
            print(f"  row {p['row']}{', ' + p['field'] if p['field'] else ''}: {p['message']}")
    warnings = summary.get("warnings", [])
    if warnings:
        print(f"\n{_count(len(warnings), 'warning')}:")
        for p in warnings:
            print(f"  row {p['row']}{', ' + p['field'] if p['field'] else ''}: {p['message']}")


def _print_import(summary: dict[str, Any], *, other_school: str = "") -> None:
    verb = "Imported" if summary["applied"] else "Dry run, nothing changed:"
    print(
        f"{verb} {summary['file']} ({summary['kind']}, {_count(summary['rows'], 'row')}): "
        f"{summary['created']:,} created, {summary['updated']:,} updated, "
        f"{summary['unchanged']:,} unchanged."
    )
    if other_school:
        print(f"\n{other_school}")
    if summary["register_seeded"]:
        print(
            f"The empty SEN register was seeded with {_count(summary['register_seeded'], 'pupil')}."
        )
    _print_problems(summary)
    if summary["discrepancies"]:
        print(f"\nMIS and SEN register disagree ({len(summary['discrepancies'])}):")
        for d in summary["discrepancies"]:
            print(f"  {d['upn']} {d['field']}: MIS {d['mis'] or '(blank)'}, "
                  f"register {d['register'] or '(none)'}")  # fmt: skip
    if summary["left"]:
        print(f"\nMarked as left ({len(summary['left'])}): " + ", ".join(summary["left"]))
    elif summary["possible_leavers"]:
        leavers = summary["possible_leavers"]
        print(f"\nPossible leavers, not in this whole-roll file ({len(leavers)}):")
        print("  " + ", ".join(leavers))
        print("Mark the ones who have left with --leaver UPN (or all of them with --mark-leavers).")


# --- the parser -----------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sendreg", description="SEN register and provision management for schools."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = sub.add_parser("demo", help="fill a demo school and serve it")
    demo.add_argument("--pupils", type=int, default=1000, help="pupils per school (1000)")
    demo.add_argument("--schools", type=int, default=1, help="how many demo schools (1)")
    demo.add_argument("--no-serve", action="store_true", help="fill the data, then stop")
    demo.add_argument(
        "--host", default="127.0.0.1", help="the address to serve on (127.0.0.1: this machine)"
    )
    demo.add_argument("--port", type=int, default=8000, help="the port to serve on (8000)")
    demo.set_defaults(handler=cmd_demo)

    serve = sub.add_parser("serve", help="serve sendreg with a production WSGI server")
    serve.add_argument(
        "--host", default="127.0.0.1", help="the address to serve on (127.0.0.1: this machine)"
    )
    serve.add_argument("--port", type=int, default=8000, help="the port to serve on (8000)")
    serve.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="server processes (default: two per core, at most 8, with gunicorn on Linux and "
        "macOS; 1 serves with waitress, as on Windows)",
    )
    serve.set_defaults(handler=cmd_serve)

    school = sub.add_parser("school", help="add or list schools").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    school_add = school.add_parser("add", help="add a school")
    school_add.add_argument("--urn", required=True)
    school_add.add_argument("--laestab", required=True)
    school_add.add_argument("--name", required=True)
    school_add.add_argument("--phase", default="SS", help="PS, SS, AT, SP, ... (SS)")
    school_add.set_defaults(handler=cmd_school_add)
    school_list = school.add_parser("list", help="list schools")
    school_list.add_argument("--json", action="store_true")
    school_list.set_defaults(handler=cmd_school_list)

    user = sub.add_parser("user", help="add users").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    user_add = user.add_parser(
        "add", help="add a user to a school, or to a trust or local authority, with a role"
    )
    user_add.add_argument("email")
    where = user_add.add_mutually_exclusive_group()
    where.add_argument("--school", help="the school's URN (optional with one school)")
    where.add_argument(
        "--org",
        metavar="ORG",
        help="a trust or local authority (name or LA code): a role there, with the role "
        "adviser or send_lead, to see the figures of all its schools",
    )
    user_add.add_argument("--role", required=True)
    user_add.add_argument("--name", default="")
    user_add.add_argument(
        "--generate-password", action="store_true", help="print a new password, do not prompt"
    )
    user_add.set_defaults(handler=cmd_user_add)

    register = sub.add_parser("register", help="print the current SEN register")
    register.add_argument("--school", help="the school's URN (optional with one school)")
    formats = register.add_mutually_exclusive_group()
    formats.add_argument("--json", action="store_true")
    formats.add_argument("--csv", action="store_true")
    register.set_defaults(handler=cmd_register)

    imp = sub.add_parser(
        "import", help="import an MIS export (SIMS, Arbor, Bromcom; CSV or XLSX) or another file"
    )
    imp.add_argument("path")
    imp.add_argument("--school", help="the school's URN (optional with one school)")
    imp.add_argument(
        "--kind",
        metavar="KEY",
        help="what the file is: mis (an MIS export) or another kind's key; "
        "worked out from the file when left out",
    )
    imp.add_argument(
        "--dry-run", action="store_true", help="show what would change; change nothing"
    )
    imp.add_argument(
        "--whole-roll", action="store_true", help="the file is the whole roll: list leavers"
    )
    imp.add_argument(
        "--mark-leavers", action="store_true", help="mark pupils missing from a whole roll as left"
    )
    imp.add_argument(
        "--leaver",
        action="append",
        metavar="UPN",
        help="mark this possible leaver as left (repeat for each)",
    )
    imp.add_argument(
        "--other-school-ok",
        action="store_true",
        help="import a file that shares almost no pupils with the roll (normally refused)",
    )
    imp.add_argument("--left-on", metavar="DATE", help="their leaving date (default today)")
    imp.add_argument(
        "--map", action="append", metavar="FIELD=COLUMN", help='e.g. --map "UPN=Pupil Ref"'
    )
    imp.add_argument("--json", action="store_true")
    imp.set_defaults(handler=cmd_import)

    from sendreg.lib.extensions import COMMANDS

    for command in COMMANDS:
        command.add(sub)

    sub.add_parser("manage", help="run any Django management command", add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    _setup()
    if argv[:1] == ["manage"]:
        from django.core.management import execute_from_command_line

        execute_from_command_line(["sendreg manage", *argv[1:]])
        return 0
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        ensure_database()
        return args.handler(args)
    except CommandError as exc:
        print(f"sendreg: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
