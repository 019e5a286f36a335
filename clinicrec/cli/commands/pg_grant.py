"""``clinicrec pg-grant ROLE``: PostgreSQL: grant the workstations' role what ClinicRec needs."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..app import CliApp

NAME = "pg-grant"
HELP = "PostgreSQL: grant an application role what ClinicRec needs (audit entries: read and add only)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("role", help="the role workstations connect as")


def run(args: argparse.Namespace, app: CliApp) -> int:
    from ...services.permissions import Action

    for statement in app.signed_in_if_accounts(Action.MANAGE_USERS, migrate=False).grant_pg_role(args.role):
        print(statement + ";")
    return 0
