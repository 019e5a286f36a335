"""Online backups with SQLite's backup API, checked restores, and the backup folder's rotation.

A backup is copied in one step of the backup API: one read transaction, so the copy is a consistent
snapshot of committed data, while WAL mode lets the application keep writing meanwhile. The copy is
written beside its final name, checked (integrity and foreign keys), synced to disk and only then
renamed into place, so a backup file is always whole and good, and a failed backup never replaces an
older good one.

A restore stages a copy of the chosen file next to the live database and validates the copy (a SQLite
file, integrity and foreign keys, a ClinicRec schema revision this version knows) before anything is
replaced. The live database is kept aside first. A healthy live database is then overwritten through
the backup API in a single write transaction, so a crash mid-restore leaves the old database, and other
connections see the restored content on their next transaction; a damaged one (which must not be
written to) is moved aside whole, with its WAL, and the staged copy renamed into its place.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from sqlalchemy import Engine

from ..domain.errors import ClinicRecError, StorageError
from . import integrity

SUFFIX = ".sqlite3"
#: ClinicRec tables a restorable file must have, besides ``alembic_version``.
REQUIRED_TABLES = frozenset(
    {"users", "patients", "treatment_sessions", "injection_points", "audit_log", "audit_head"}
)
_SIDE_FILES = ("-wal", "-shm")


class BackupError(StorageError):
    """A backup could not be made (the previous backups are untouched)."""


class RestoreRefused(ClinicRecError):
    """The chosen file may not replace the database; nothing was changed."""


class BackupKind(StrEnum):
    AUTO = "auto"  # made by the application: daily and on exit, rotated
    MANUAL = "manual"  # asked for (menu, ``clinicrec backup``); kept until someone deletes it
    REPLACED = "replaced"  # the database a restore replaced, kept aside as it was
    PRE_MIGRATION = "pre-migration"  # made before a schema migration (see migrate.upgrade)


@dataclass(frozen=True)
class BackupFile:
    path: Path
    kind: BackupKind
    taken_at: datetime
    size_bytes: int


_NAME = re.compile(
    r"^(?P<stem>.+?)-(?P<kind>auto|manual|replaced|pre-migration-[^-]+)-"
    r"(?P<stamp>\d{8}T\d{6})(?:\.(?P<ms>\d{3}))?Z" + re.escape(SUFFIX) + "$"
)


def backup_name(stem: str, kind: BackupKind, at: datetime) -> str:
    """``clinicrec-auto-20250314T170203.123Z.sqlite3``: sorts by time; says what made it."""
    at = at.astimezone(UTC)
    return f"{stem}-{kind.value}-{at:%Y%m%dT%H%M%S}.{at.microsecond // 1000:03d}Z{SUFFIX}"


def parse_backup_name(path: Path, stem: str | None = None) -> BackupFile | None:
    m = _NAME.match(path.name)
    if m is None or (stem is not None and m["stem"] != stem):
        return None
    kind = BackupKind.PRE_MIGRATION if m["kind"].startswith("pre-migration") else BackupKind(m["kind"])
    at = datetime.strptime(m["stamp"], "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
    at = at.replace(microsecond=int(m["ms"] or 0) * 1000)
    try:
        size = path.stat().st_size
    except OSError:
        return None
    return BackupFile(path, kind, at, size)


def list_backups(folder: Path, stem: str) -> list[BackupFile]:
    """Backups of the database named ``stem`` in ``folder``, newest first."""
    if not folder.is_dir():
        return []
    found = (parse_backup_name(p, stem) for p in folder.iterdir() if p.is_file())
    return sorted((b for b in found if b is not None), key=lambda b: b.taken_at, reverse=True)


def rotate(
    folder: Path, stem: str, keep: int, kinds: Iterable[BackupKind] = (BackupKind.AUTO,)
) -> list[Path]:
    """Delete all but the newest ``keep`` backups of the given kinds; returns what was deleted."""
    wanted = set(kinds)
    doomed = [b.path for b in list_backups(folder, stem) if b.kind in wanted][max(keep, 0) :]
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed


# -- making backups -----------------------------------------------------------------------------------
def backup_sqlite(engine: Engine, target: Path, *, verify: bool = True) -> Path:
    """Copy the live database behind ``engine`` to ``target`` (consistent even while others write)."""
    from .engine import database_key

    key = database_key(engine)
    raw = engine.raw_connection()
    try:
        src = raw.driver_connection
        if key is None:
            assert isinstance(src, sqlite3.Connection)
            return copy_online(src, target, verify=verify)
        copied = copy_online(src, target, verify=verify, key=key)  # type: ignore[arg-type]
    finally:
        raw.close()
    _copy_key_file(engine, copied.parent)
    return copied


def _copy_key_file(engine: Engine, folder: Path) -> None:
    """An encrypted backup is opened by the live database's key file: keep a copy beside the backups."""
    from . import crypto
    from .engine import sqlite_path

    live = sqlite_path(engine.url.render_as_string(hide_password=False))
    if live is None or not crypto.key_file_for(live).exists():
        return
    keys = crypto.KeyFile.load(crypto.key_file_for(live))
    keys.save(folder / crypto.key_file_for(live).name)


def backup_file(source: Path, target: Path, *, verify: bool = True, key: bytes | None = None) -> Path:
    """Copy the database file ``source`` to ``target`` through its own read-only connection
    (``key``: both are encrypted with it)."""
    src = integrity.connect_read_only(source) if key is None else _encrypted(source, key)
    try:
        return copy_online(src, target, verify=verify, key=key)
    finally:
        src.close()


def _encrypted(path: Path, key: bytes) -> sqlite3.Connection:
    from . import crypto

    return crypto.connect(path, key, timeout=integrity.BUSY_TIMEOUT_S, isolation_level=None)


def _opens_with(path: Path, key: bytes) -> bool:
    from . import crypto

    try:
        crypto.check_key(path, key)
    except crypto.WrongSecret:
        return False
    return True


def copy_online(
    src: sqlite3.Connection, target: Path, *, verify: bool = True, key: bytes | None = None
) -> Path:
    """Backup-API copy of ``src`` to ``target``: checked, synced, then renamed into place (never partial).

    ``key``: ``src`` is a SQLCipher database; the copy is encrypted under the same key."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = target.with_name(target.name + ".part")
    tmp.unlink(missing_ok=True)
    try:
        if key is None:
            dst = sqlite3.connect(tmp, isolation_level=None)
            errors: tuple[type[Exception], ...] = (sqlite3.DatabaseError,)
        else:
            from . import crypto

            dst = crypto.connect(tmp, key, isolation_level=None)
            errors = (sqlite3.DatabaseError, crypto.sqlcipher().DatabaseError)
        try:
            _restrict(tmp)
            try:
                # pages=-1: one step, one read transaction: a snapshot that never restarts under writes.
                src.backup(dst, pages=-1)
            except errors as e:
                raise BackupError(_backup_failed(e)) from e  # type: ignore[arg-type]
            # A backup is one self-contained file: no WAL beside it.
            dst.execute("PRAGMA journal_mode=DELETE")
            problems = integrity.check_connection(dst, full=True) if verify else []
        finally:
            dst.close()
        if problems:
            raise BackupError(
                "The backup was not kept: the copy failed its integrity check, so the database "
                f"itself is damaged ({problems[0]}). The earlier backups are untouched."
            )
        _fsync(tmp)
        tmp.replace(target)
        _fsync_dir(target.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def _backup_failed(e: sqlite3.DatabaseError) -> str:
    text = str(e).lower()
    if "full" in text or "no space" in text:
        return "The backup could not be written: the disk is full. The earlier backups are untouched."
    if "malformed" in text or "not a database" in text:
        return (
            f"The backup could not be made: the database is damaged ({e}). The earlier backups are untouched."
        )
    return f"The backup could not be made: {e}. The earlier backups are untouched."


def _restrict(path: Path) -> None:
    """Backups hold health information: readable by the clinic's account only (where the OS allows)."""
    with contextlib.suppress(OSError):
        os.chmod(path, 0o600)


def _fsync(path: Path) -> None:
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


def _fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# -- restoring ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StagedRestore:
    """A validated copy of the file to restore, beside the live database (same filesystem)."""

    path: Path
    source: Path
    revision: str


def staging_path(live: Path) -> Path:
    return live.with_name(f".{live.name}.restore-{os.getpid()}.part")


def stage_restore(
    source: Path, live: Path, known_revisions: set[str], *, key: bytes | None = None
) -> StagedRestore:
    """Copy ``source`` beside ``live`` and validate the copy; raises RestoreRefused, changing nothing.

    ``key``: the live database is encrypted with it, and so is the staged copy: an encrypted backup
    (made with the same key) is copied as it is, a plain one (from before the database was encrypted)
    is encrypted as it is staged, so no plain copy is left once restored."""
    source = Path(source)
    if not source.is_file():
        raise RestoreRefused(f"{source} is not a file; nothing was restored.")
    if source.resolve() == live.resolve():
        raise RestoreRefused("That is the database in use; choose a backup file.")
    try:
        plain = integrity.has_sqlite_header(source)
        if source.stat().st_size == 0 or (not plain and (key is None or not _opens_with(source, key))):
            raise RestoreRefused(
                f"{source.name} is not a ClinicRec database (not a SQLite file"
                + (", nor encrypted with this database's key" if key is not None else "")
                + "); nothing was restored."
            )
    except OSError as e:
        raise RestoreRefused(f"{source} cannot be read ({e}); nothing was restored.") from e
    staged = staging_path(live)
    discard_staged(staged)
    try:
        try:
            if key is not None and plain:
                from . import crypto

                crypto.export_encrypted(source, staged, key)
            else:
                backup_file(source, staged, verify=False, key=key)
        except (sqlite3.Error, BackupError) as e:
            raise RestoreRefused(
                f"{source.name} cannot be read as a database ({e}); nothing was restored."
            ) from e
        revision = validate_candidate(staged, known_revisions, name=source.name, key=key)
    except BaseException:
        discard_staged(staged)
        raise
    return StagedRestore(staged, source, revision)


def validate_candidate(path: Path, known_revisions: set[str], *, name: str, key: bytes | None = None) -> str:
    """Integrity, foreign keys, ClinicRec tables and a known schema revision; returns the revision."""
    conn = integrity.connect_read_only(path) if key is None else _encrypted(path, key)
    try:
        problems = integrity.check_connection(conn, full=True)
        if problems:
            raise RestoreRefused(f"{name} failed its integrity check ({problems[0]}); nothing was restored.")
        tables = integrity.table_names(conn)
        revision = integrity.schema_revision(conn)
    finally:
        conn.close()
    if revision is None or not tables >= REQUIRED_TABLES:
        raise RestoreRefused(f"{name} is not a ClinicRec database; nothing was restored.")
    if revision not in known_revisions:
        raise RestoreRefused(
            f"{name} has schema version {revision}, which this version of ClinicRec does "
            "not know (it may come from a newer version); nothing was restored."
        )
    return revision


def discard_staged(staged: Path) -> None:
    for suffix in ("", *_SIDE_FILES, "-journal"):
        Path(str(staged) + suffix).unlink(missing_ok=True)
    staged.with_name(staged.name + ".part").unlink(missing_ok=True)


@dataclass(frozen=True)
class Installed:
    kept_aside: Path | None  # the replaced database, or None when there was none
    replaced_damaged: bool  # True: the live file was damaged and moved aside whole


def install_restore(
    staged: StagedRestore, live: Path, aside: Path, *, release: Callable[[], None], key: bytes | None = None
) -> Installed:
    """Put the staged copy in place of ``live``, keeping the current database at ``aside``.

    ``release`` closes this process's own connections to ``live`` (the engine's pool) before files move.
    """
    try:
        if not live.exists():
            release()
            _move_into_place(staged.path, live)
            return Installed(None, False)
        if _healthy(live, key):
            try:
                backup_file(live, aside, verify=False, key=key)
            except (BackupError, sqlite3.Error):
                pass  # unreadable after all: move it aside whole below
            else:
                _overwrite_live(staged.path, live, key)
                release()
                return Installed(aside, False)
        release()
        _move_aside(live, aside)
        _move_into_place(staged.path, live)
        return Installed(aside, True)
    finally:
        discard_staged(staged.path)


def _healthy(live: Path, key: bytes | None) -> bool:
    if key is None:
        return integrity.check_file(live).ok
    from . import crypto

    try:
        conn = _encrypted(live, key)
        try:
            return not integrity.check_connection(conn, full=False)
        finally:
            conn.close()
    except (sqlite3.Error, crypto.sqlcipher().Error):
        return False


def _overwrite_live(staged: Path, live: Path, key: bytes | None = None) -> None:
    """Write the staged database over the live one in one write transaction (the backup API, reversed)."""
    if key is None:
        src = sqlite3.connect(staged, isolation_level=None)
        dst = sqlite3.connect(live, timeout=integrity.BUSY_TIMEOUT_S, isolation_level=None)
    else:
        src, dst = _encrypted(staged, key), _encrypted(live, key)
    try:
        dst.execute(f"PRAGMA busy_timeout={int(integrity.BUSY_TIMEOUT_S * 1000)}")
        live_page = dst.execute("PRAGMA page_size").fetchone()[0]
        if src.execute("PRAGMA page_size").fetchone()[0] != live_page:
            # A WAL-mode destination cannot change page size: convert the staged copy instead.
            src.execute(f"PRAGMA page_size={live_page}")
            src.execute("VACUUM")
        try:
            src.backup(dst, pages=-1)
        except sqlite3.DatabaseError as e:
            raise StorageError(
                f"The database could not be restored: {e}. The current database is unchanged "
                "and was also kept aside."
            ) from e
    finally:
        src.close()
        dst.close()


def _move_aside(live: Path, aside: Path) -> None:
    aside.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    for suffix in ("", *_SIDE_FILES):
        side = Path(str(live) + suffix)
        if side.exists():
            shutil.move(side, Path(str(aside) + suffix))  # renames; copies if on another disk
    _fsync_dir(aside.parent)


def _move_into_place(staged: Path, live: Path) -> None:
    for suffix in _SIDE_FILES:
        Path(str(live) + suffix).unlink(missing_ok=True)
    _fsync(staged)
    os.replace(staged, live)
    _fsync_dir(live.parent)
