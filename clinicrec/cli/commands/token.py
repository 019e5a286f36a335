"""``clinicrec token create|list|revoke``: named access tokens for unattended jobs (administrators).

    clinicrec token create nightly-backup --role manager --expires 2027-01-31   # the secret is shown once
    clinicrec token list
    clinicrec token revoke nightly-backup

A job uses a token through ``$CLINICREC_TOKEN`` or ``--token-file FILE`` (mode 600) and is audited as
``token:NAME``, with the greatest role within both the token's role and its creator's at the time
(services/tokens.py: a token never grants what its creator's role does not).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from ...domain.enums import Role
from ..options import iso_date

if TYPE_CHECKING:
    from ..app import CliApp

NAME = "token"
HELP = "create, list or revoke access tokens for unattended jobs (administrators)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["create", "list", "revoke"])
    parser.add_argument("name", nargs="?", help="the token's name (create, revoke), e.g. nightly-backup")
    parser.add_argument("--role", choices=[r.value for r in Role], help="what the token may do (create)")
    parser.add_argument("--expires", type=iso_date, metavar="YYYY-MM-DD", help="last day it works (create)")


def run(args: argparse.Namespace, app: CliApp) -> int:
    from ...domain.errors import ClinicRecError
    from ...services.permissions import Action

    if args.action in ("create", "revoke") and not args.name:
        raise ClinicRecError(f"token {args.action} needs the token's NAME")
    if args.action == "create" and (not args.role or not args.expires):
        raise ClinicRecError("token create needs --role and --expires YYYY-MM-DD")
    if args.action == "list" and (args.name or args.role or args.expires):
        raise ClinicRecError("token list takes no name, --role or --expires")
    tokens = app.signed_in(Action.MANAGE_USERS).tokens
    if args.action == "create":
        made = tokens.create(args.name, Role(args.role), args.expires)
        print(made.secret)
        print(
            f"Token {made.info.name!r} ({made.info.role.label}) works until the end of {args.expires}. "
            "This is the only time it is shown: store it where only the job can read it.",
            file=sys.stderr,
        )
        return 0
    if args.action == "revoke":
        info = tokens.revoke(args.name)
        print(f"Token {info.name!r} is revoked.")
        return 0
    now = tokens.now()
    listed = tokens.list_tokens()
    for t in listed:
        print(
            f"{t.name}\t{t.role.value}\t{t.state(now)}\t"
            f"expires {t.expires_at:%Y-%m-%d %H:%M} UTC\tby {t.created_by}"
        )
    if not listed:
        print("No access tokens.")
    return 0
