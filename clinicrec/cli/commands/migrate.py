"""``clinicrec migrate``: bring the database schema up to date (an administrator; on PostgreSQL, connect as
the schema owner)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..app import CliApp

NAME = "migrate"
HELP = "bring the database schema up to date (administrators; on PostgreSQL as the schema owner)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--rebuild-reports",
        action="store_true",
        help="also recompute the reports' derived tables (when 'audit verify' finds them drifted)",
    )


def run(args: argparse.Namespace, app: CliApp) -> int:
    from ...services.permissions import Action

    services = app.signed_in_if_accounts(Action.MANAGE_SETTINGS, migrate=False)
    before, after, backup = services.upgrade_schema()
    print(f"Schema {before or 'empty'} -> {after}" + (f" (backup: {backup})" if backup else ""))
    if args.rebuild_reports:
        found = services.maintenance.rebuild_report_tables()
        print(f"Report tables rebuilt ({len(found)} differing rows found before)")
    return 0
