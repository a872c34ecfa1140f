"""What every ``sendreg`` subcommand shares, the built-in ones and those apps add."""

from __future__ import annotations

import argparse
import json
from typing import Any


class CommandError(Exception):
    """A mistake the user can fix; printed without a traceback, with exit status 2."""


def add_school_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--school", metavar="URN", help="the school's URN (optional with one school)"
    )


def print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, default=str))
