"""``clinicrec audit verify``: check the audit trail's hash chain and every signed chart."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from ..app import EXIT_FAILED

if TYPE_CHECKING:
    from ...services.app import Services
    from ..app import CliApp

NAME = "audit"
HELP = "audit trail tools: verify the hash chain and every signed chart"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["verify"])


def run(args: argparse.Namespace, app: CliApp) -> int:
    from ...services.permissions import Action

    return verify(app.signed_in(Action.VIEW_AUDIT))


def verify(services: Services) -> int:
    result = services.audit_log.verify_chain()
    if result.ok:
        print(
            f"Audit trail intact: {result.entries_checked} entries, "
            f"{result.signed_sessions_checked} signed sessions checked."
        )
        return 0
    for problem in result.problems:
        print(f"PROBLEM: {problem.message}", file=sys.stderr)
    return EXIT_FAILED
