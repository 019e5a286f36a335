"""Signing in to an encrypted database: the password both opens the file and signs the user in.

The one call the start-up's sign-in and the command line's password prompt make for an encrypted
SQLite file (db/encryption.py): one Argon2id computation unwraps the user's copy of the database key
and proves the password; the database is then opened, checked and signed in to. Every refusal (an
unknown name, a wrong password, a deactivated account whose copy was removed) raises the same
``AuthenticationError(SIGN_IN_REFUSED)`` as a plain database's sign-in. A refusal before the file is
open cannot be written to the audit trail (nothing can be written without the key); refusals of a
right password (a locked account) are audited as usual.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from ..db import crypto, encryption
from ..db.types import utcnow
from ..domain.errors import AuthenticationError, StorageError
from .app import Services, open_services
from .auth import SIGN_IN_REFUSED


def quick_check(path: Path, key: bytes) -> list[str]:
    """SQLite's quick_check of an encrypted file (the plain files' start-up check, with the key)."""
    conn = crypto.connect(path, key, isolation_level=None)
    try:
        return [str(r[0]) for r in conn.execute("PRAGMA quick_check(10)").fetchall() if r[0] != "ok"]
    finally:
        conn.close()


def sign_in_encrypted(
    path: Path, username: str, password: str, *, clock: Callable[[], datetime] = utcnow
) -> Services:
    """Open the encrypted database at ``path`` as ``username`` (signed in), or refuse."""
    try:
        key, proof = encryption.unlock_with_proof(path, username, password)
    except crypto.WrongSecret:
        raise AuthenticationError(SIGN_IN_REFUSED) from None
    problems = quick_check(path, key)
    if problems:
        raise StorageError(f"The database is damaged ({problems[0]}); restore the latest good backup.")
    services = open_services(f"sqlite:///{path}", clock=clock, key=key)
    try:
        services.auth.sign_in(username, password, proof=proof)
    except BaseException:
        services.db.dispose()
        raise
    return services
