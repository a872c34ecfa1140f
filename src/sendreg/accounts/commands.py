"""``sendreg account reset-two-factor EMAIL``: for someone who lost their phone and codes."""

from __future__ import annotations

import argparse
import getpass
from typing import Any

from sendreg.lib.cli import CommandError


def cmd_reset_two_factor(args: argparse.Namespace) -> int:
    from sendreg.accounts.models import User
    from sendreg.accounts.services import two_factor_remove

    user = User.objects.filter(email=args.email.strip().lower()).first()
    if user is None:
        raise CommandError(f"No account has the email address {args.email}.")
    two_factor_remove(
        user=user,
        by=None,
        actor_label=f"sendreg account reset-two-factor on the command line ({getpass.getuser()})",
    )
    print(
        f"Removed {user.email}'s authenticator app and recovery codes. If their role needs "
        "two-factor authentication, they set up a new app when they next log in."
    )
    return 0


def add_account_command(sub: argparse._SubParsersAction[Any]) -> None:
    account = sub.add_parser("account", help="look after people's accounts").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    reset = account.add_parser(
        "reset-two-factor",
        help="remove someone's authenticator app and recovery codes (a lost phone)",
    )
    reset.add_argument("email")
    reset.set_defaults(handler=cmd_reset_two_factor)
