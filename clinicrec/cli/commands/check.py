"""``clinicrec check [--full]``: the integrity check, read-only; exit status 1 when the database is damaged.

The quick check reads no patient data and needs no sign-in (it is what one runs on a file nobody can sign
in to). ``--full`` also checks every index and foreign key and verifies the audit trail, which needs
someone allowed to see the audit trail.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from ..app import EXIT_FAILED

if TYPE_CHECKING:
    from ..app import CliApp

NAME = "check"
HELP = "check the database's integrity without changing it (--full: also every index and the audit trail)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--full",
        action="store_true",
        help="also the slower checks: every index, foreign keys and the audit trail",
    )


def run(args: argparse.Namespace, app: CliApp) -> int:
    from ...services.opening import DatabaseRefused, encrypted_file, full_check, inspect, sqlite_file_of
    from ...services.permissions import Action

    url = app.url
    if encrypted_file(url) is not None:
        return _check_encrypted(args, app)
    try:
        inspect(url)
    except DatabaseRefused as e:
        if sqlite_file_of(url) is None:  # a URL that cannot be used, a server that cannot be reached
            raise
        print(str(e))
        for problem in getattr(e.damaged, "problems", ()):
            print(f"PROBLEM: {problem}", file=sys.stderr)
        return EXIT_FAILED
    print("The database passed its integrity check.")
    if not args.full:
        return 0
    problems = full_check(url)
    for problem in problems:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    if problems:
        return EXIT_FAILED
    print("Every index and foreign key checked: no problems.")
    from . import audit

    return audit.verify(app.signed_in(Action.VIEW_AUDIT))


def _check_encrypted(args: argparse.Namespace, app: CliApp) -> int:
    """An encrypted file is checked once a user's password has unwrapped its key (opening it runs the
    quick check and refuses a damaged file); ``--full`` adds every index, the foreign keys, the trail."""
    from ...services.permissions import Action

    services = app.services()
    print("The database passed its integrity check.")
    if not args.full:
        return 0
    problems = services.maintenance.full_check_encrypted()
    for problem in problems:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    if problems:
        return EXIT_FAILED
    print("Every index and foreign key checked: no problems.")
    from . import audit

    return audit.verify(app.signed_in(Action.VIEW_AUDIT))
