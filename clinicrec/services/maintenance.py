"""Backups, restores and integrity checks, so nothing the clinic charted is lost.

At start-up, before the services open the database (opening migrates, which writes):

    result = check_database(url)                    # PRAGMA quick_check, read-only
    if not result.ok:                                # never write to it: tell the user result.message
        restore_damaged(url, result.latest_backup.path, username=..., password=...)

Signed in, ``MaintenanceService(ctx)`` backs up on demand (``backup_now``), daily and on exit
(``auto_backup_if_due``, ``backup_on_exit``), lists backups, restores one, and re-checks the database.
PostgreSQL servers are backed up with the server's own tools (docs/postgresql.md).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from ..db import backup as bk
from ..db import integrity
from ..db.engine import Database, database_key, make_engine, sqlite_path
from ..db.migrate import head_revision, known_revisions, upgrade
from ..db.models import AuditRow, ClinicRow, PatientRow, SessionRow, UserRow
from ..db.types import utcnow
from ..domain.enums import AuditAction
from ..domain.errors import AccountLocked, AuthenticationError, PermissionDenied, StorageError
from ..paths import backup_dir_for
from . import audit, audit_anchor
from .audit_upgrade import proven_before, rehash_after_upgrade
from .base import ChangeListener, Context, ServiceBase
from .files import check_destination, staged_output
from .permissions import Action, Actor
from .photos.backups import backup_photo_folder, copy_to_backup, restore_from_backup

BackupKind = bk.BackupKind
BackupError = bk.BackupError
RestoreRefused = bk.RestoreRefused
AUTOMATIC = "system"  # the audit trail's user name for backups nobody asked for
_KIND_LABELS = {
    BackupKind.AUTO: "automatic",
    BackupKind.MANUAL: "on request",
    BackupKind.REPLACED: "replaced by a restore",
    BackupKind.PRE_MIGRATION: "before an upgrade",
}


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    kind: BackupKind
    taken_at: datetime  # UTC
    size_bytes: int

    @property
    def label(self) -> str:
        """``14 Mar 2025 17:02 (automatic), 12.3 MB`` in the computer's local time."""
        return (
            f"{self.taken_at.astimezone():%d %b %Y %H:%M} ({_KIND_LABELS[self.kind]}), "
            f"{self.size_bytes / 1_000_000:.1f} MB"
        )

    @classmethod
    def of(cls, f: bk.BackupFile) -> BackupInfo:
        return cls(f.path, f.kind, f.taken_at, f.size_bytes)


@dataclass(frozen=True)
class IntegrityResult:
    """The start-up check: ``ok``, a message to show as is, and the newest backup that passes a check."""

    ok: bool
    message: str
    problems: tuple[str, ...] = ()
    latest_backup: BackupInfo | None = None


@dataclass(frozen=True)
class RestoreResult:
    restored_from: Path
    replaced_kept_at: Path | None  # the database that was in use, kept aside as it was
    replaced_was_damaged: bool
    schema_revision: str  # of the restored file, before any migration
    migrated: bool
    patients: int
    sessions: int
    audit_entries: int
    newest_entry_at: datetime | None  # the last thing the restored database recorded before the backup

    @property
    def message(self) -> str:
        when, kept = "", ""
        if self.newest_entry_at:
            when = f" It holds records up to {self.newest_entry_at.astimezone():%d %b %Y %H:%M}."
        if self.replaced_kept_at:
            kept = f" The database it replaced was kept at {self.replaced_kept_at}."
        return (
            f"Restored {self.restored_from.name}: {self.patients} patients, {self.sessions} sessions."
            f"{when}{kept} Work recorded after the backup was made is not in the restored database."
        )


# -- without signing in (start-up) ---------------------------------------------------------------------
def default_backup_dir(db_file: Path) -> Path:
    return backup_dir_for(db_file)


def check_database(
    url: str, *, backup_dir: Path | None = None, started: integrity.BackgroundCheck | None = None
) -> IntegrityResult:
    """Quick integrity check of the database at ``url``, through a read-only connection (the result of
    ``started``, a check already running on that file, if given)."""
    path = sqlite_path(url)
    if path is None:
        return _check_server(url)
    running = started if started is not None and started.path == path else None
    report = running.report() if running is not None else integrity.check_file(path)
    if not report.exists:
        return IntegrityResult(True, "A new database will be created.")
    if report.ok:
        return IntegrityResult(True, "The database passed its integrity check.")
    folder = backup_dir or default_backup_dir(path)
    latest = latest_good_backup(folder, path)
    if latest is not None:
        offer = (
            f"The latest good backup is from {latest.label}. Restore it to carry on: the damaged file "
            "is kept aside for your IT support, and work recorded after that backup will have to be "
            "entered again."
        )
    else:
        offer = (
            f"No good backup was found in {folder}. Do not use ClinicRec on this computer until IT "
            "support has repaired or replaced the database."
        )
    return IntegrityResult(
        False,
        f"The record database ({path.name}) is damaged: it failed its integrity check. ClinicRec has not "
        f"written to it and will not. {offer}",
        report.problems,
        latest,
    )


def _check_server(url: str) -> IntegrityResult:
    engine = create_engine(url, pool_pre_ping=True)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except Exception as e:  # noqa: BLE001 - any failure to reach the server is reported plainly
        raise StorageError(f"The database server at {make_url(url).host} cannot be reached: {e}") from e
    finally:
        engine.dispose()
    return IntegrityResult(True, "The PostgreSQL server is reachable; it checks its own storage.")


def latest_good_backup(folder: Path, db_file: Path) -> BackupInfo | None:
    """The newest backup of ``db_file`` that passes a quick check and has a schema this version knows."""
    known = known_revisions()
    for b in bk.list_backups(folder, db_file.stem):
        if b.kind == BackupKind.REPLACED:
            continue
        if integrity.check_file(b.path).ok and _revision(b.path) in known:
            return BackupInfo.of(b)
    return None


def _revision(path: Path) -> str | None:
    try:
        conn = integrity.connect_read_only(path)
    except Exception:  # noqa: BLE001
        return None
    try:
        return integrity.schema_revision(conn)
    finally:
        conn.close()


def restore_damaged(
    url: str,
    file: Path,
    *,
    username: str,
    password: str,
    clock: Callable[[], datetime] = utcnow,
    backup_dir: Path | None = None,
    key: bytes | None = None,
) -> RestoreResult:
    """Restore ``file`` over a damaged database, nobody signed in (signing in would write to it).

    The user proves who they are against the backup's own accounts: an administrator's user name and
    password as they were when the backup was made. Call this before the services open the database.
    ``key``: the database is encrypted (its key unwrapped from the key file beside it with the same
    password, ``services.unlock.restore_damaged_encrypted``); the restored file is encrypted too.
    """
    live = _require_sqlite_file(url)
    staged = _prepare(file, live, key=key)
    try:
        actor = _authenticate_in(staged.path, username, password, clock(), key=key)
    except BaseException:
        bk.discard_staged(staged.path)
        raise
    db = Database(make_engine(url, create=False, key=key))  # no file is made: the staged copy is moved in
    try:
        return _install_and_record(db, clock, actor, staged, live, backup_dir or default_backup_dir(live))
    finally:
        db.dispose()


# -- signed in -------------------------------------------------------------------------------------------
class MaintenanceService(ServiceBase):
    """Backups and restores of the embedded SQLite database; checks for any database."""

    def __init__(self, ctx: Context, *, backup_dir: Path | None = None) -> None:
        super().__init__(ctx)
        self._backup_dir = backup_dir

    @property
    def database_file(self) -> Path | None:
        return sqlite_path(self.db.url)

    @property
    def backup_dir(self) -> Path | None:
        live = self.database_file
        return None if live is None else (self._backup_dir or default_backup_dir(live))

    # -- backups ----------------------------------------------------------------------------------
    def backup_now(self, target: Path | None = None, *, overwrite: bool = False) -> BackupInfo:
        """A backup on request, to ``target`` or the backup folder. Safe while anyone is writing."""
        actor = self.actor(Action.BACKUP)
        live, folder = self._sqlite_only()
        now = self.now()
        if target is not None:
            target = check_destination(target)  # a folder nobody asked for is never made
            if target.exists() and not overwrite:
                raise BackupError(f"{target} already exists; choose another file name.")
            if target.resolve() == live.resolve():
                raise BackupError("A backup cannot be written over the database itself.")
        else:
            folder.mkdir(exist_ok=True, mode=0o700)  # the clinic's own backup folder, beside the database
        while target is None and (folder / bk.backup_name(live.stem, BackupKind.MANUAL, now)).exists():
            now += timedelta(milliseconds=1)  # two within a millisecond: never overwrite one
        path = target or folder / bk.backup_name(live.stem, BackupKind.MANUAL, now)
        # The copy appears under its name only once its audit entry is committed.
        with staged_output(path) as tmp:
            bk.backup_sqlite(self.db.engine, tmp)
            copy_to_backup(live, path)  # the photos the backup folder lacks (services/photos/backups.py)
            taken_at = now.replace(microsecond=now.microsecond // 1000 * 1000)
            info = BackupInfo(path, BackupKind.MANUAL, taken_at, tmp.stat().st_size)
            self._record(actor, info)
        self._anchor(path, now)
        return info

    def _anchor(self, path: Path, now: datetime) -> None:
        """The head the backup holds, beside it and in this workstation's anchors (audit_anchor.py)."""
        seen = audit_anchor.write_sidecar(path, now, key=database_key(self.db.engine))
        audit_anchor.AnchorBook().remember(audit_anchor.database_key(self.db), seen.entry_id, seen.hash, now)

    def auto_backup_if_due(self) -> BackupInfo | None:
        """The daily automatic backup: made if none was made today (local date). Needs no permission."""
        if self.database_file is None:
            return None
        today = self.now().astimezone().date()
        if any(
            b.kind == BackupKind.AUTO and b.taken_at.astimezone().date() == today for b in self.list_backups()
        ):
            return None
        return self._auto()

    def backup_on_exit(self) -> BackupInfo | None:
        """On exit: refresh today's automatic backup to hold the day's last state. Needs no permission."""
        if self.database_file is None:
            return None
        return self._auto()

    def _auto(self) -> BackupInfo:
        live, folder = self._sqlite_only()
        now = self.now()
        info = self._make(folder / bk.backup_name(live.stem, BackupKind.AUTO, now), BackupKind.AUTO, now)
        today = now.astimezone().date()
        for b in self.list_backups():  # at most one automatic backup a day: the newest
            if b.kind == BackupKind.AUTO and b.path != info.path and b.taken_at.astimezone().date() == today:
                b.path.unlink(missing_ok=True)
        bk.rotate(folder, live.stem, self._backups_kept())
        self._record(self._ctx.actor, info)
        return info

    def _make(self, path: Path, kind: BackupKind, now: datetime) -> BackupInfo:
        bk.backup_sqlite(self.db.engine, path)
        copy_to_backup(self.database_file or path, path)
        self._anchor(path, now)
        taken_at = now.replace(microsecond=now.microsecond // 1000 * 1000)  # as the file name records it
        return BackupInfo(path, kind, taken_at, path.stat().st_size)

    def _backups_kept(self) -> int:
        with self.reading() as s:
            kept = s.execute(select(ClinicRow.backups_kept).where(ClinicRow.id == 1)).scalar_one_or_none()
        return kept or 14

    def _record(self, actor: Actor | None, info: BackupInfo) -> None:
        with self.writing() as s:
            audit.record(
                s,
                actor,
                AuditAction.BACKUP,
                "database",
                "",
                changes={
                    "file": [None, str(info.path)],
                    "kind": [None, info.kind.value],
                    "bytes": [None, info.size_bytes],
                },
                username=None if actor else AUTOMATIC,
            )

    def list_backups(self) -> list[BackupInfo]:
        """Backups in the backup folder, newest first (empty on PostgreSQL)."""
        live, folder = self.database_file, self.backup_dir
        if live is None or folder is None:
            return []
        return [BackupInfo.of(b) for b in bk.list_backups(folder, live.stem)]

    def latest_good_backup(self) -> BackupInfo | None:
        live, folder = self.database_file, self.backup_dir
        return None if live is None or folder is None else latest_good_backup(folder, live)

    # -- checks and restores ----------------------------------------------------------------------
    def integrity_check(self) -> IntegrityResult:
        """Re-check the open database (quick_check through a separate read-only connection)."""
        return check_database(self.db.url, backup_dir=self.backup_dir)

    def full_check_encrypted(self) -> list[str]:
        """The slow checks (every index, foreign keys) of an encrypted file, through its open engine
        (nothing outside the engine holds the key)."""
        with self.db.engine.connect() as conn:
            driver: Any = conn.connection.driver_connection  # a sqlcipher3 connection, sqlite3-like
            return list(integrity.check_connection(driver, full=True))

    def rebuild_report_tables(self) -> list[str]:
        """Recompute the reports' derived tables from the clinical rows (after ``audit verify`` found them
        drifted); an administrator's, recorded in the trail with what was found. Returns the differences
        found before the rebuild."""
        from . import report_rollup

        actor = self.actor(Action.MANAGE_SETTINGS)
        with self.reading() as s:
            found = report_rollup.differences(s)
        with self.writing() as s:
            report_rollup.rebuild(s)
            audit.record(
                s,
                actor,
                AuditAction.UPDATE,
                "report_tables",
                "",
                changes={"rebuilt": [None, True], "differences": [None, found[:5]]},
            )
        return found

    def restore(self, file: Path) -> RestoreResult:
        """Replace the database with the backup ``file``, after checking it; the replaced one is kept aside.

        Everyone should close ClinicRec on other workstations first. The signed-in user may no longer
        exist in the restored database: the caller signs them out afterwards.
        """
        actor = self.actor(Action.RESTORE)
        live, folder = self._sqlite_only()
        staged = _prepare(Path(file), live, key=database_key(self.db.engine))
        return _install_and_record(
            self.db, self._ctx.clock, actor, staged, live, folder, listeners=self._ctx.listeners
        )

    def _sqlite_only(self) -> tuple[Path, Path]:
        live, folder = self.database_file, self.backup_dir
        if live is None or folder is None:
            raise BackupError(
                "This clinic's records are on a PostgreSQL server: back it up and restore it "
                "with the server's tools (pg_dump and pg_restore; see docs/postgresql.md)."
            )
        return live, folder


# -- restore internals -------------------------------------------------------------------------------
def _require_sqlite_file(url: str) -> Path:
    live = sqlite_path(url)
    if live is None:
        raise RestoreRefused(
            "Restores here are for the embedded database; on PostgreSQL use pg_restore "
            "(see docs/postgresql.md)."
        )
    return live


@dataclass(frozen=True)
class _Prepared:
    staged: bk.StagedRestore
    migrated: bool

    @property
    def path(self) -> Path:
        return self.staged.path


def _prepare(file: Path, live: Path, *, key: bytes | None = None) -> _Prepared:
    """Stage and validate a copy; bring it to the current schema; its audit trail must verify.
    ``key``: the live database is encrypted with it, and so is the staged copy (db/backup.py)."""
    staged = bk.stage_restore(Path(file), live, known_revisions(), key=key)
    try:
        engine = _staged_engine(staged.path, key)  # no WAL files beside the staged copy
        db = Database(engine)
        try:
            migrated = staged.revision != head_revision()
            if migrated:
                # As an upgrade in place does: the records the backup's trail proves, read in its own
                # schema's form, get the upgrade's entry where their stored form changed (and the shipped
                # catalogue its corrections); one changed behind the application does not, and is refused.
                proven = proven_before(db, staged.revision)
                with tempfile.TemporaryDirectory() as tmp:  # the original file is the pre-migration copy
                    upgrade(engine, backup_dir=Path(tmp))
                rehash_after_upgrade(db, staged.revision, head_revision(), proven)
            with db.read() as s:
                anchors = _anchors_up_to(live, audit_anchor.head_of(s)[0])
                problem = audit_chain_problem(s, anchors, backup_photo_folder(live, Path(file)))
        finally:
            engine.dispose()
        if problem:
            raise RestoreRefused(
                f"{Path(file).name}'s audit trail does not verify ({problem}): it may have "
                "been altered, so it was not restored."
            )
        restore_from_backup(live, Path(file), key)  # its photos first: restored records never lack theirs
    except BaseException:
        bk.discard_staged(staged.path)
        raise
    return _Prepared(staged, migrated)


def _rewrap_for_restored(db: Database, live: Path, key: bytes) -> None:
    """The key file follows the restored accounts: each active user's copy wrapped from their password
    as it was in the backup (so that password opens the file again), copies of users and tokens the
    backup does not have (or has inactive) removed; the recovery copy kept."""
    from ..db import crypto
    from ..db.models import AccessTokenRow

    with db.read() as s:
        users = s.execute(select(UserRow.username, UserRow.password_hash).where(UserRow.active)).all()
        tokens = set(
            s.execute(select(AccessTokenRow.name).where(AccessTokenRow.revoked_at.is_(None))).scalars()
        )
    keys = crypto.KeyFile.load(crypto.key_file_for(live))
    for gone in set(keys.users()) - {u for u, _ in users}:
        keys.remove_user(gone)
    for username, password_hash in users:
        keys.set_user(username, password_hash, key)
    for gone in set(keys.tokens()) - tokens:
        keys.remove_token(gone)
    keys.save()


def _staged_engine(path: Path, key: bytes | None) -> Engine:
    if key is None:
        return create_engine(f"sqlite:///{path}")
    from ..db import crypto

    engine = create_engine(
        "sqlite://",
        module=crypto.sqlcipher(),
        creator=lambda: crypto.connect(path, key, check_same_thread=False),
    )
    engine.clinicrec_key = key  # type: ignore[attr-defined]
    return engine


def audit_chain_problem(
    s: Session, anchors: list[audit.Anchor] | None = None, photos: Path | None = None
) -> str | None:
    """The first thing ``audit verify`` finds wrong in a database about to be restored, or None.

    The full verification, not only the chain: a backup whose signed dose (or any audited record) was
    altered is refused before anything is replaced. It reads each table once (seconds on a large clinic).
    ``anchors`` (heads seen earlier, up to the backup's own head) catch a backup whose history was rewritten.
    """
    first = audit.verify(s, anchors or [], photos=photos).first_problem
    return None if first is None else first.message


def _anchors_up_to(live: Path, head_id: int) -> list[audit.Anchor]:
    """This workstation's and the backups' anchors that a backup ending at ``head_id`` must still match."""
    key = str(live.resolve())
    known = [*audit_anchor.AnchorBook().anchors(key), *audit_anchor.backup_anchors(default_backup_dir(live))]
    return [a for a in known if a.entry_id <= head_id]


def _authenticate_in(
    staged: Path, username: str, password: str, now: datetime, *, key: bytes | None = None
) -> Actor:
    """Check an administrator's password against the staged copy's accounts (read-only)."""
    from .auth import AuthService, actor_of

    engine = _staged_engine(staged, key)
    try:
        with Database(engine).read() as s:
            row = s.execute(select(UserRow).where(UserRow.username == username)).scalar_one_or_none()
            actor = actor_of(row) if row is not None else None
            locked = row is not None and row.locked_until is not None and row.locked_until > now
            try:
                good = (
                    row is not None and row.active and AuthService.hasher.verify(row.password_hash, password)
                )
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                good = False
    finally:
        engine.dispose()
    if locked:
        raise AccountLocked("This account was locked in that backup; another administrator must restore it.")
    if not good or actor is None:
        raise AuthenticationError(
            "Unknown user name or wrong password (as of that backup); nothing was restored."
        )
    if not actor.can(Action.RESTORE):
        raise PermissionDenied(f"{actor.full_name} ({actor.role.label}) may not restore the database")
    return actor


def _install_and_record(
    db: Database,
    clock: Callable[[], datetime],
    actor: Actor,
    prepared: _Prepared,
    live: Path,
    folder: Path,
    listeners: list[ChangeListener] | None = None,
) -> RestoreResult:
    aside = folder / bk.backup_name(live.stem, BackupKind.REPLACED, clock())
    replaced_head = audit_anchor.file_head(live) if live.exists() else None
    key = database_key(db.engine)
    installed = bk.install_restore(prepared.staged, live, aside, release=db.dispose, key=key)
    ctx = Context(db, clock, actor)
    ctx.listeners = listeners if listeners is not None else []  # the restore's audit entry is published
    svc = ServiceBase(ctx)
    with svc.reading() as s:
        patients = s.execute(select(func.count(PatientRow.id))).scalar_one()
        sessions = s.execute(select(func.count(SessionRow.id))).scalar_one()
        newest = s.execute(select(AuditRow.at).order_by(AuditRow.id.desc()).limit(1)).scalar_one_or_none()
    with svc.writing() as s:  # recorded in the restored database, after the swap
        audit.record(
            s,
            actor,
            AuditAction.RESTORE,
            "database",
            "",
            changes={
                "from": [None, str(prepared.staged.source)],
                "replaced_kept_at": [None, str(installed.kept_aside) if installed.kept_aside else None],
                "replaced_was_damaged": [None, installed.replaced_damaged],
                "schema_revision": [None, prepared.staged.revision],
                # Anchors of the replaced history are superseded by this restore (audit_verify.py).
                "replaced_head": [None, list(replaced_head) if replaced_head else None],
            },
        )
        entries = s.execute(select(func.count(AuditRow.id))).scalar_one()
        head = audit_anchor.head_of(s)
    if key is not None:
        _rewrap_for_restored(db, live, key)
    audit_anchor.AnchorBook().reset(audit_anchor.database_key(db), *head, clock())
    return RestoreResult(
        prepared.staged.source,
        installed.kept_aside,
        installed.replaced_damaged,
        prepared.staged.revision,
        prepared.migrated,
        patients,
        sessions,
        entries,
        newest,
    )
