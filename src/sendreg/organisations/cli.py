"""``sendreg org add``, ``sendreg org add-school`` and ``sendreg org list``.

``sendreg user add EMAIL --org ORG --role ROLE`` (in ``sendreg.cli``) gives someone a
role in an organisation. The ``--json`` shapes are a public interface (README).
"""

from __future__ import annotations

import argparse
import getpass
from typing import Any

from sendreg.lib.cli import CommandError, print_json


def add_parser(sub: argparse._SubParsersAction[Any]) -> None:
    org = sub.add_parser(
        "org", help="trusts and local authorities: groups of schools seen together"
    ).add_subparsers(dest="action", required=True, metavar="ACTION")

    add = org.add_parser("add", help="add a multi-academy trust or a local authority")
    add.add_argument("name")
    add.add_argument("--kind", required=True, choices=["trust", "la"])
    add.add_argument("--la-code", default="", metavar="NNN", help="a local authority's number")
    add.add_argument("--json", action="store_true")
    add.set_defaults(handler=cmd_add)

    add_school = org.add_parser("add-school", help="put a school in a trust or local authority")
    add_school.add_argument("org", help="the organisation's name (or an LA's code)")
    add_school.add_argument("--school", required=True, metavar="URN", help="the school's URN")
    add_school.set_defaults(handler=cmd_add_school)

    listing = org.add_parser("list", help="list trusts and local authorities and their schools")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=cmd_list)


def _actor() -> str:
    return f"sendreg org on the command line ({getpass.getuser()})"


def organisation_named(name: str) -> Any:
    from sendreg.organisations.selectors import organisation_by_name

    organisation = organisation_by_name(name)
    if organisation is None:
        raise CommandError(
            f"No trust or local authority is called {name!r}. `sendreg org list` shows them; "
            "`sendreg org add` adds one."
        )
    return organisation


def organisation_json(organisation: Any) -> dict[str, Any]:
    return {
        "id": organisation.pk,
        "name": organisation.name,
        "kind": organisation.kind,
        "la_code": organisation.la_code or None,
        "schools": sorted(s.urn for s in organisation.schools.all()),
    }


def cmd_add(args: argparse.Namespace) -> int:
    from django.core.exceptions import ValidationError

    from sendreg.organisations.services import organisation_add

    try:
        organisation = organisation_add(
            name=args.name, kind=args.kind, la_code=args.la_code, by=None
        )
    except ValidationError as exc:
        raise CommandError(" ".join(exc.messages)) from None
    if args.json:
        print_json(organisation_json(organisation))
    else:
        print(f"Added {organisation} ({organisation.get_kind_display().lower()}).")
    return 0


def cmd_add_school(args: argparse.Namespace) -> int:
    from django.core.exceptions import ValidationError

    from sendreg.accounts.selectors import school_by_urn
    from sendreg.organisations.services import organisation_school_add

    organisation = organisation_named(args.org)
    school = school_by_urn(args.school)
    if school is None:
        raise CommandError(f"No school has URN {args.school}. `sendreg school list` shows them.")
    try:
        _, created = organisation_school_add(
            organisation=organisation, school=school, by=None, actor_label=_actor()
        )
    except ValidationError as exc:
        raise CommandError(" ".join(exc.messages)) from None
    if created:
        print(f"Added {school.name} to {organisation.name}.")
    else:
        print(f"{school.name} is already in {organisation.name}; nothing changed.")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from sendreg.accounts.models import Organisation

    organisations = Organisation.objects.prefetch_related("schools")
    if args.json:
        print_json([organisation_json(o) for o in organisations])
        return 0
    for o in organisations:
        schools = ", ".join(s.name for s in o.schools.all()) or "no schools yet"
        print(f"{o}  ({o.get_kind_display().lower()}): {schools}")
    return 0


def membership_add(*, organisation: Any, user: Any, role: str) -> str:
    """For ``sendreg user add --org``: give ``user`` ``role`` in ``organisation``."""
    from django.core.exceptions import ValidationError

    from sendreg.organisations.services import organisation_membership_set

    try:
        membership, created = organisation_membership_set(
            organisation=organisation,
            user=user,
            role=role,
            by=None,
            actor_label=f"sendreg user add on the command line ({getpass.getuser()})",
        )
    except ValidationError as exc:
        raise CommandError(" ".join(exc.messages)) from None
    verb = "Added" if created else "Updated"
    return f"{verb} {user.email} as {membership.get_role_display()} of {organisation.name}."
