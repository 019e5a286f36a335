"""Signing in while the database file is still being checked: reading at once, the entry written after.

A large file changed since its last clean check (a crash, another workstation's writes) is checked on a
thread of its own when it is opened; reads go ahead at once and every write waits behind a gate until
the check has passed (``db.integrity.WriteGate``). A sign-in is a write (its audit entry, the failed-
attempt counter reset), so it would wait for the whole check. Instead a right password signs in at
once, reading only, and its writes are made on a thread of their own once the check has passed: on a
damaged file they are never made (the file is never written), and the user's first write is refused
with the damage named. Anything other than a right password (an unknown name, an inactive or locked
account, a wrong password) takes the usual path, which waits for the check and records the refusal;
the password is verified only once either way, so the time taken still tells the cases apart no better.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import TYPE_CHECKING

from ..db.models import UserRow
from ..domain.enums import AuditAction
from ..domain.errors import ClinicRecError
from . import audit
from .permissions import Actor

if TYPE_CHECKING:
    from .auth import AuthService


def sign_in_before_check(
    auth: AuthService, username: str, password: str, proof: bytes | None
) -> tuple[Actor | None, bool | None]:
    """(actor, True) when the password is right and the account may sign in: signed in, its entry to
    follow; (None, False) for a wrong password (already verified: the usual path records the refusal
    without verifying again); (None, None) for everything else (the usual path decides)."""
    from .auth import actor_of, user_named

    now = auth.now()
    with auth.reading() as s:
        row = s.execute(user_named(username)).scalar_one_or_none()
        if row is None or not row.active or (row.locked_until is not None and row.locked_until > now):
            return None, None
        if not (auth._proven(row.password_hash, proof) or auth._verify(row.password_hash, password)):  # noqa: SLF001
            return None, False
        rehashed = auth.hasher.hash(password) if auth.hasher.check_needs_rehash(row.password_hash) else None
        actor = actor_of(row)
    auth._ctx.actor = actor  # noqa: SLF001 - what AuthService.sign_in does
    entry = threading.Thread(
        target=_record_sign_in,
        args=(auth, actor, rehashed, now),
        name="clinicrec-sign-in-entry",
        daemon=True,
    )
    auth.pending_entry = entry
    entry.start()
    # The entry holds the connection just read on while it waits at the gate: the reads that follow the
    # sign-in (the main window's) would open another when they begin (an encrypted file's connection
    # takes some 7 ms to open). Opened now, on a thread (SQLite's work releases Python's lock), it waits
    # for them in the pool.
    threading.Thread(target=_one_more_connection, args=(auth,), name="clinicrec-connect", daemon=True).start()
    return actor, True


def _one_more_connection(auth: AuthService) -> None:
    try:
        with auth.reading() as s:
            s.connection()
    except Exception:  # noqa: BLE001 - only a head start: the reads that follow open one themselves
        return


def _record_sign_in(auth: AuthService, actor: Actor, rehashed: str | None, signed_in_at: datetime) -> None:
    """The sign-in's writes, once the check has passed (``writing`` waits at the gate)."""
    try:
        with auth.writing() as s:
            row = s.get(UserRow, actor.user_id)
            if row is None:
                return
            row.failed_attempts = 0
            row.locked_until = None
            if rehashed is not None:
                from .auth import record_rehash

                record_rehash(s, actor, row, rehashed)
            audit.record(
                s,
                actor,
                AuditAction.SIGN_IN,
                "user",
                row.id,
                changes={"signed_in_at": [None, signed_in_at]},
            )
    except ClinicRecError:
        return  # a damaged file: nothing is written to it; the user's first write is refused and says why
