"""Signing in to an encrypted database: the password both opens the file and signs the user in.

The one call the start-up's sign-in and the command line's password prompt make for an encrypted
SQLite file (db/encryption.py): one Argon2id computation unwraps the user's copy of the database key
and proves the password; the database is then opened, checked and signed in to. Every refusal (an
unknown name, a wrong password, a deactivated account whose copy was removed) raises the same
``AuthenticationError(SIGN_IN_REFUSED)`` as a plain database's sign-in. A refusal before the file is
open cannot be written to the audit trail (nothing can be written without the key); refusals of a
right password (a locked account) are audited as usual.

An access token (services/tokens.py) opens the file with its own copy of the key
(``sign_in_encrypted_token``): the token's row then decides, as on a plain database, whether it may act
(expired, revoked, its creator deactivated: refused and audited).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ..db import crypto, encryption, integrity
from ..db.engine import pending_write_gate
from ..db.migrate import stamped_revision
from ..db.migrations import HEAD
from ..db.types import utcnow
from ..domain.errors import AuthenticationError, StorageError
from .app import Services, open_services
from .auth import SIGN_IN_REFUSED
from .opening import check_grace

if TYPE_CHECKING:
    from .maintenance import RestoreResult


def load_driver() -> None:
    """Import SQLCipher's driver (a few ms: its library and OpenSSL's) now, where start-up loads the
    application behind its sign-in dialog, rather than at the sign-in's first connection."""
    crypto.sqlcipher()


def quick_check(path: Path, key: bytes, stop: integrity.CheckStop | None = None) -> list[str]:
    """SQLite's quick_check of an encrypted file (the plain files' start-up check, with the key).

    ``stop``: once it interrupts, the check ends within a moment and raises ``integrity.CheckCancelled``.
    Nothing calls back into Python while SQLite reads (see ``integrity.CheckStop``). The file is opened
    read-only, as the plain files' check opens it: the check writes nothing, not even a checkpoint."""
    conn = crypto.connect_read_only(path, key, isolation_level=None)
    try:
        if stop is not None:
            stop.attach(conn)
        try:
            return [str(r[0]) for r in conn.execute("PRAGMA quick_check(10)").fetchall() if r[0] != "ok"]
        except crypto.sqlcipher().DatabaseError as e:  # a page failing its HMAC: "malformed"
            if stop is not None and stop.stopped:
                raise integrity.CheckCancelled(str(path)) from None
            return [str(e)]
    finally:
        if stop is not None:
            stop.detach()
        conn.close()


def encrypted_check(
    key: bytes, stop: integrity.CheckStop | None = None
) -> Callable[[Path], integrity.IntegrityReport]:
    """``quick_check`` with ``key`` as a file check (``integrity.check_remembering``, ``BackgroundCheck``)."""

    def check(path: Path) -> integrity.IntegrityReport:
        if not path.exists():
            return integrity.IntegrityReport(path, ok=True, exists=False)
        problems = quick_check(path, key, stop)
        if stop is not None and stop.stopped:  # (ended just as it was stopped: no verdict either way)
            raise integrity.CheckCancelled(str(path))
        return integrity.IntegrityReport(path, ok=not problems, problems=tuple(problems))

    return check


def sign_in_encrypted(
    path: Path,
    username: str,
    password: str,
    *,
    clock: Callable[[], datetime] = utcnow,
    unwrap: Callable[[], tuple[bytes, bytes]] | None = None,
    opened: Callable[[bytes], Services | None] | None = None,
) -> Services:
    """Open the encrypted database at ``path`` as ``username`` (signed in), or refuse.

    ``unwrap``: the key's unwrapping done already (``opening.unwrap_key``, which start-up runs while the
    application loads); by default it is done here. ``opened``: the file opened with the key already
    (``opening.OpenAhead.take``: as the password was typed), or None; by default it is opened here."""
    try:
        key, proof = (unwrap or (lambda: encryption.unlock_with_proof(path, username, password)))()
    except crypto.WrongSecret:
        raise AuthenticationError(SIGN_IN_REFUSED) from None
    services = (opened(key) if opened is not None else None) or _open_checked(path, key, clock)
    try:
        services.auth.sign_in(username, password, proof=proof)
    except BaseException:
        _close_refused(services)
        raise
    return services


def _close_refused(services: Services) -> None:
    """A refused sign-in's file closed, and its check stopped (the next attempt begins its own)."""
    gate = pending_write_gate(services.db.engine)
    services.db.dispose()
    if gate is not None:
        gate.check.cancel()


@dataclass
class OpenedAhead:
    """The file opened ahead of "Sign in" (``open_ahead``)."""

    path: Path
    identity: tuple[int, int] | None  # the file's (device, inode) just before it was opened
    services: Services
    check: integrity.BackgroundCheck  # its integrity check (done at once for a file unchanged since)

    def still_current(self) -> bool:
        """Still the file at ``path`` (not replaced since, as a restore at another workstation replaces it:
        the connections opened ahead would read and write the file that was there)."""
        now = _device_and_inode(self.path)
        if now is None or now != self.identity:
            return False
        try:  # (and at this version's schema still: a newer version's upgrade at another workstation)
            return bool(stamped_revision(self.services.db.engine) == HEAD)
        except Exception:  # noqa: BLE001 - the sign-in opens it afresh, and says what is wrong
            return False

    def close(self) -> None:
        """Unused after all: the check stopped and waited for (moments), the connections closed."""
        self.services.db.dispose()
        self.check.cancel(CLOSE_WAIT_S)


#: How long closing what was opened ahead waits for its check to stop (it stops within a millisecond).
CLOSE_WAIT_S = 2.0


def open_ahead(path: Path, key: bytes, username: str) -> OpenedAhead | None:
    """The file opened with ``key`` ahead of "Sign in" (``opening.OpenAhead``), exactly as the sign-in
    opens it (its check begun, its writes gated until the check passes), and what the sign-in reads first
    read once (its statements then compiled on the new engine); or None where the sign-in must do more:
    a schema that "Sign in" would upgrade (a write) is not opened ahead, nor a file that its opening could
    write to even after a clean check (``_settled``). Writes nothing."""
    if not _settled(path, key):
        return None
    identity = _device_and_inode(path)
    check = start_check(path, key)
    try:
        services = _open_with(path, key, utcnow, check, migrate=False)
    except BaseException:
        check.cancel()
        raise
    opened = OpenedAhead(path, identity, services, check)
    try:
        if stamped_revision(services.db.engine) != HEAD:
            opened.close()
            return None
        services.auth.prepare_sign_in(username)
        services.clinic.is_set_up()
    except BaseException:
        opened.close()
        raise
    return opened


def _settled(path: Path, key: bytes) -> bool:
    """True for a file in write-ahead-log mode with an empty log, which nothing but a write changes. A log
    left with pages (by a crash, or another workstation's open session) is copied into the file when the
    last connection closes, and a file in another journal mode is switched to a log at its first
    connection: both writes that only "Sign in" may cause."""
    try:
        if os.stat(f"{path}-wal").st_size:
            return False
    except FileNotFoundError:
        pass
    except OSError:
        return False
    try:
        conn = crypto.connect_read_only(path, key, isolation_level=None)
    except Exception:  # noqa: BLE001 - the sign-in opens it as before, and says what is wrong
        return False
    try:
        return bool(conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal")
    except Exception:  # noqa: BLE001 - as above
        return False
    finally:
        conn.close()


def _device_and_inode(path: Path) -> tuple[int, int] | None:
    """None when there is no file at ``path`` (deleted, or moved away: never the file opened)."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def sign_in_encrypted_token(path: Path, secret: str, *, clock: Callable[[], datetime] = utcnow) -> Services:
    """Open the encrypted database at ``path`` with an access token's copy of the key, acting as it."""
    from .tokens import TokenService

    try:
        key = crypto.KeyFile.load(crypto.key_file_for(path)).open_with_token(secret)
    except crypto.WrongSecret:
        raise AuthenticationError(
            "This access token does not open the encrypted database (unknown or revoked, or made "
            "before the database was encrypted: an administrator makes a new one)"
        ) from None
    services = _open_checked(path, key, clock)
    try:
        TokenService(services.ctx).sign_in(secret)
    except BaseException:
        _close_refused(services)
        raise
    return services


#: How long the opening waits for a check about to end (a small file's) rather than gate the writes.
CHECK_GRACE_S = 0.02


def _open_checked(path: Path, key: bytes, clock: Callable[[], datetime]) -> Services:
    """Open the file once its quick_check has passed, or at once for reading while it runs.

    A file provably unchanged since its last clean check (the sidecar of ``integrity.check_remembering``,
    written at the application's exit) is not read again. Otherwise the check reads the file on a thread
    of its own; a large file is opened for reading meanwhile and every write (the sign-in's entry too)
    waits behind a gate for the verdict: a damaged file is never written."""
    return _open_with(path, key, clock, start_check(path, key))


def start_check(path: Path, key: bytes) -> integrity.BackgroundCheck:
    """The encrypted file's check begun on its thread; it can be stopped (``BackgroundCheck.cancel``),
    and is at the interpreter's exit."""
    stop = integrity.CheckStop()
    return integrity.BackgroundCheck(path, encrypted_check(key, stop), stop=stop)


def _open_with(
    path: Path,
    key: bytes,
    clock: Callable[[], datetime],
    check: integrity.BackgroundCheck,
    *,
    migrate: bool = True,
) -> Services:
    if check.done(check_grace(path, CHECK_GRACE_S)):
        report = check.report()
        if not report.ok:
            raise StorageError(
                f"The database is damaged ({report.problems[0]}); restore the latest good backup."
            )
        return open_services(f"sqlite:///{path}", clock=clock, key=key, migrate=migrate)
    return open_services(
        f"sqlite:///{path}", clock=clock, key=key, started=check, defer_check=True, migrate=migrate
    )


def encrypt_new(plain: Path, target: Path) -> tuple[bytes, str]:
    """A database just built plain (the demo) encrypted as ``target``: (database key, recovery key)."""
    return encryption.encrypt_new(plain, target)


def encrypt_if_plain(services: Services) -> Path | None:
    """Encrypt a plain SQLite database at its first start with this version (db/encryption.py
    ``encrypt_existing``: an encrypted backup first, then the plain file and its plain backups replaced).

    ``services`` is closed when it is converted; returns the encrypted file, or None (a server, an
    encrypted or read-only file: nothing done)."""
    from ..db.location import locate

    path = services.database_file
    if path is None or services.encrypted or locate(services.db.url).read_only:
        return None
    services.db.dispose()
    converted = encryption.encrypt_existing(path.absolute())
    # Its photo files too, beside it and beside its backups: written plain by the earlier version.
    from .photos.backups import seal_photo_folders  # here: the photo package is not on the start path

    seal_photo_folders(path.absolute(), encryption.backup_folder(path.absolute()), converted.key)
    return path


def restore_damaged_encrypted(path: Path, backup: Path, username: str, password: str) -> RestoreResult:
    """Restore ``backup`` over the damaged encrypted database at ``path``: the administrator's password
    unwraps the key from the key file (which the damage did not touch), then proves who they are
    against the backup's accounts (``maintenance.restore_damaged``). Returns its ``RestoreResult``."""
    from .maintenance import restore_damaged

    try:
        key = encryption.unlock(path, username, password)
    except crypto.WrongSecret:
        raise AuthenticationError(SIGN_IN_REFUSED) from None
    return restore_damaged(f"sqlite:///{path}", backup, username=username, password=password, key=key)
