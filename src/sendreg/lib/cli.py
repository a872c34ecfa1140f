"""What every ``sendreg`` subcommand shares, the built-in ones and those apps add."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sendreg.accounts.models import School


class CommandError(Exception):
    """A mistake the user can fix; printed without a traceback, with exit status 2."""


def school_from_urn(urn: str | None) -> School:
    """The school a command is about: the one named by URN, or the only one there is."""
    from sendreg.accounts.models import School

    if urn:
        school = School.objects.filter(urn=urn).first()
        if school is None:
            raise CommandError(f"No school has URN {urn}. `sendreg school list` shows them.")
        return school
    schools = list(School.objects.all()[:2])
    if len(schools) == 1:
        return schools[0]
    if not schools:
        raise CommandError("There is no school yet: add one with `sendreg school add`.")
    raise CommandError("There is more than one school: say which with --school URN.")


def add_school_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--school", metavar="URN", help="the school's URN (optional with one school)"
    )


def print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, default=str))
