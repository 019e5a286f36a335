"""``clinicrec backup [-o FILE] [--list]``: an online backup (safe while others are writing), or the list.

Needs the backup right (a manager or an administrator, or a token with that role). The copy appears
under its name only once the backup is recorded in the audit trail; ``-o`` must name an existing folder.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..app import CliApp

NAME = "backup"
HELP = "back up the database now (safe while ClinicRec is in use), or --list the backups"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-o", "--output", help="file to write (default: a new file in the backup folder)")
    parser.add_argument("--list", action="store_true", help="list the backups in the backup folder instead")


def run(args: argparse.Namespace, app: CliApp) -> int:
    from ...services.files import check_destination
    from ...services.permissions import Action

    if args.output and not args.list:
        check_destination(Path(args.output))  # refused before anything is opened
    maintenance = app.signed_in(Action.BACKUP).maintenance
    if args.list:
        backups = maintenance.list_backups()
        for b in backups:
            print(f"{b.path}\t{b.label}")
        if not backups:
            print(f"No backups in {maintenance.backup_dir}.")
        return 0
    info = maintenance.backup_now(Path(args.output) if args.output else None)
    print(
        f"Backed up to {info.path} ({info.size_bytes / 1_000_000:.1f} MB); "
        "the copy passed its integrity check."
    )
    return 0
