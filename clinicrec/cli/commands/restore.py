"""``clinicrec restore FILE``: replace the database with a checked backup; the replaced one is kept aside.

Needs an administrator. On a healthy database they sign in as usual. On a damaged or missing one nobody
can be looked up in it, so they prove who they are against the backup's own accounts: ``--user NAME``
and that account's password as it was when the backup was made (an access token cannot do this).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from ...domain.errors import AuthenticationError, StorageError

if TYPE_CHECKING:
    from ..app import CliApp

NAME = "restore"
HELP = "replace the database with a backup, after checking the backup (administrators)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="the backup file to restore")


def run(args: argparse.Namespace, app: CliApp) -> int:
    from ...services.maintenance import restore_damaged
    from ...services.opening import DatabaseRefused, encrypted_file, sqlite_file_of
    from ...services.permissions import Action
    from ...services.unlock import restore_damaged_encrypted

    file = Path(args.file)
    if not file.is_file():
        raise DatabaseRefused(f"{file} is not a file; nothing was restored")
    url = app.url
    try:
        services = app.services()
    except (DatabaseRefused, StorageError) as e:
        if sqlite_file_of(url) is None or (
            not isinstance(e, DatabaseRefused) and encrypted_file(url) is None
        ):
            raise
        credentials = app.credentials(allow_token=False)
        if not credentials.username or credentials.password is None:
            raise AuthenticationError(
                "the database cannot be opened, so sign in with --user NAME as an administrator "
                "as you were when the backup was made"
            ) from None
        encrypted = encrypted_file(url)
        if encrypted is not None:  # damaged and encrypted: the password also unwraps its key
            result = restore_damaged_encrypted(encrypted, file, credentials.username, credentials.password)
        else:
            result = restore_damaged(url, file, username=credentials.username, password=credentials.password)
    else:
        services = app.signed_in(Action.RESTORE)
        result = services.maintenance.restore(file)
    print(result.message)
    return 0
