"""``clinicrec audit verify [--anchor DIGEST]... | audit digest -o FILE``: prove the audit trail (its hash
chain, every audited record, every signed chart, the heads kept outside the database), or write the
day's digest for a manager to keep off the machine."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..app import EXIT_FAILED

if TYPE_CHECKING:
    from ...services.app import Services
    from ..app import CliApp

NAME = "audit"
HELP = "audit trail tools: verify the chain, every record and the anchors, or write today's digest"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "action", choices=["verify", "digest"], help="verify the trail, or write today's digest"
    )
    parser.add_argument(
        "--anchor", action="append", type=Path, default=[], help="a digest file to check against"
    )
    parser.add_argument("-o", "--output", type=Path, help="digest: the file to write")


def run(args: argparse.Namespace, app: CliApp) -> int:
    from ...services.audit_log import run_audit_command
    from ...services.permissions import Action

    services = app.signed_in(Action.VIEW_AUDIT)
    return run_audit_command(services.audit_log, args.action, args.anchor, args.output)


def verify(services: Services) -> int:
    """Verify with this workstation's and the backups' anchors; print the report; the exit status."""
    from ...services.audit_log import verify_report

    result = services.audit_log.verify_chain()
    out, err = verify_report(result)
    print("\n".join(out))
    if err:
        print("\n".join(err), file=sys.stderr)
    return 0 if result.ok else EXIT_FAILED
