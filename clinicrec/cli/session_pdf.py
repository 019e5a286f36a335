"""What ``handout`` and ``chart-pdf`` share: a session's id, ``-o FILE.pdf``, the place checked before
anyone signs in, then the document written by whoever may print."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from .options import record_id

if TYPE_CHECKING:
    from ..services.printing import PrintService
    from .app import CliApp

#: Writes one session's document: (the print service, session id, output path) -> the path written.
Write = Callable[["PrintService", int, Path], Path]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("session_id", type=record_id, help="the session's id")
    parser.add_argument("-o", "--output", required=True, help="PDF file to write")


def run(args: argparse.Namespace, app: CliApp, write: Write) -> int:
    from ..services.permissions import Action
    from ..services.printing import check_destination

    out = check_destination(Path(args.output))  # refused before anyone signs in or anything is read
    services = app.signed_in(Action.PRINT)
    print(write(services.printing, args.session_id, out))
    return 0
