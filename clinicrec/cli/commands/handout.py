"""``clinicrec handout SESSION_ID -o FILE.pdf``: the patient's personalised aftercare handout."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from .. import session_pdf

if TYPE_CHECKING:
    from ..app import CliApp

NAME = "handout"
HELP = "write the patient's aftercare handout for a session (PDF)"

add_arguments = session_pdf.add_arguments


def run(args: argparse.Namespace, app: CliApp) -> int:
    return session_pdf.run(args, app, lambda printing, session_id, out: printing.handout_pdf(session_id, out))
