"""Opening, creating and converting encrypted SQLite databases (the key handling is in crypto.py).

- ``create_encrypted``: a new, empty database encrypted from its first page (every new clinic database
  is: the first-start setup, ``--new``), with a key file holding the recovery copy and, until the
  first administrator is created, the key itself (crypto.SETUP: nothing is in the file to protect yet).
- ``encrypt_new``: an encrypted copy of a plain database just built (the demo), the plain one removed.
- ``encrypt_existing``: a plain database of an earlier version, encrypted in place at the first start
  after the upgrade: an encrypted copy is made and checked, kept in ``backups/`` as the backup taken
  before the change, and put in place of the plain file, which is removed (with its WAL). Plain
  backups in ``backups/`` are encrypted too, since they hold the same names. Every active user gets
  a copy of the key wrapped from their password hash, so everyone signs in as before.
- ``unlock``: the database key from a user's password, or from the recovery key.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..paths import backup_dir_for
from . import crypto
from .backup import SUFFIX, parse_backup_name


@dataclass(frozen=True)
class Converted:
    key: bytes
    backup: Path
    users: tuple[str, ...]
    backups_encrypted: int


def backup_folder(database: Path) -> Path:
    return backup_dir_for(database)


def create_encrypted(database: Path) -> tuple[bytes, str]:
    """A new encrypted database file and its key file; returns (database key, recovery key)."""
    if database.exists() and database.stat().st_size:
        raise FileExistsError(f"{database} exists already")
    database.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not database.exists():
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    key = crypto.new_database_key()
    conn = crypto.connect(database, key, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA user_version = 0")
        conn.execute("CREATE TABLE IF NOT EXISTS _clinicrec_created (at TEXT)")  # write page 1 now
        conn.execute("DROP TABLE _clinicrec_created")
    finally:
        conn.close()
    keys = crypto.KeyFile(crypto.key_file_for(database))
    recovery = keys.set_recovery(key)
    keys.set_setup_key(key)
    keys.save()
    return key, recovery


def encrypt_new(plain: Path, target: Path) -> tuple[bytes, str]:
    """Encrypt the plain database ``plain``, just built (nobody's records yet: the demo), as ``target``
    with its key file; ``plain`` is removed. Returns (database key, recovery key)."""
    con = sqlite3.connect(plain, isolation_level=None)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        users = _active_users(con)
    finally:
        con.close()
    key = crypto.new_database_key()
    staged = target.with_name(target.name + ".encrypting")
    crypto.export_encrypted(plain, staged, key)
    keys = crypto.KeyFile(crypto.key_file_for(target))
    recovery = keys.set_recovery(key)
    _wrap_for(keys, users, key)
    keys.save()
    crypto.remove_database_files(target)
    staged.replace(target)
    crypto.remove_database_files(staged)
    crypto.remove_database_files(plain)
    return key, recovery


def _wrap_for(keys: crypto.KeyFile, users: list[tuple[str, str]], key: bytes) -> None:
    """A copy for every active user; with none (a setup never finished), the key kept for the setup."""
    for username, password_hash in users:
        keys.set_user(username, password_hash, key)
    if not users:
        keys.set_setup_key(key)


def unlock(database: Path, username: str, password: str) -> bytes:
    """The database key, unwrapped with ``username``'s password (raises crypto.WrongSecret)."""
    return crypto.KeyFile.load(crypto.key_file_for(database)).open_as(username, password)


def unlock_with_proof(database: Path, username: str, password: str) -> tuple[bytes, bytes]:
    """(database key, proof for ``AuthService.sign_in``): one Argon2id computation for both."""
    return crypto.KeyFile.load(crypto.key_file_for(database)).open_with_proof(username, password)


def unlock_with_recovery(database: Path, recovery_key: str, key_file: Path | None = None) -> bytes:
    keys = crypto.KeyFile.load(key_file or crypto.key_file_for(database))
    key = keys.open_with_recovery(recovery_key)
    crypto.check_key(database, key)
    return key


def _active_users(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    rows = conn.execute("SELECT username, password_hash FROM users WHERE active").fetchall()
    return [(str(u), str(h)) for u, h in rows]


def _count(conn: sqlite3.Connection, table: str) -> int:
    return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def encrypt_existing(database: Path, *, now: datetime | None = None) -> Converted:
    """Encrypt the plain database at ``database`` in place (see the module's docstring)."""
    if crypto.is_encrypted(database):
        raise ValueError(f"{database} is encrypted already")
    now = now or datetime.now(UTC)
    plain = sqlite3.connect(database, isolation_level=None)
    try:
        plain.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # everything committed is in the main file
        users = _active_users(plain)
        counts = {t: _count(plain, t) for t in ("patients", "treatment_sessions", "audit_log")}
    finally:
        plain.close()
    key = crypto.new_database_key()
    staged = database.with_name(database.name + ".encrypting")
    crypto.export_encrypted(database, staged, key)
    check = crypto.connect(staged, key, isolation_level=None)
    try:
        problems = [r[0] for r in check.execute("PRAGMA integrity_check(5)").fetchall() if r[0] != "ok"]
        copied = {t: _count(check, t) for t in counts}
        check.execute("PRAGMA journal_mode=WAL")
    finally:
        check.close()
    if problems or copied != counts:
        staged.unlink(missing_ok=True)
        raise crypto.KeyFileError(
            f"The encrypted copy did not match the database ({problems or copied}); nothing was changed."
        )
    keys = crypto.KeyFile(crypto.key_file_for(database))
    _wrap_for(keys, users, key)
    folder = backup_folder(database)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = f"{now.astimezone(UTC):%Y%m%dT%H%M%S}.{now.microsecond // 1000:03d}Z"
    backup = folder / f"{database.stem}-pre-migration-encryption-{stamp}{SUFFIX}"
    crypto.export_encrypted(database, backup, key)
    keys.save()
    keys.save(folder / crypto.key_file_for(database).name)
    crypto.remove_database_files(database)
    staged.replace(database)
    crypto.remove_database_files(staged)  # its (empty) WAL and shared memory, if any were left
    done = 0
    for old in sorted(folder.iterdir()):
        if old == backup or parse_backup_name(old, database.stem) is None or crypto.is_encrypted(old):
            continue
        tmp = old.with_name(old.name + ".encrypting")
        crypto.export_encrypted(old, tmp, key)
        crypto.remove_database_files(old)
        tmp.replace(old)
        done += 1
    return Converted(key, backup, tuple(u for u, _ in users), done)
