"""``clinicrec handout SESSION_ID -o FILE.pdf``: the patient's personalised aftercare handout."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from ..options import record_id

if TYPE_CHECKING:
    from ..app import CliApp

NAME = "handout"
HELP = "write the patient's aftercare handout for a session (PDF)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("session_id", type=record_id, help="the session's id")
    parser.add_argument("-o", "--output", required=True, help="PDF file to write")


def run(args: argparse.Namespace, app: CliApp) -> int:
    from ...services.permissions import Action
    from ...services.printing import check_destination

    out = check_destination(Path(args.output))  # refused before anyone signs in or anything is read
    services = app.signed_in(Action.PRINT)
    print(services.printing.handout_pdf(args.session_id, out))
    return 0
