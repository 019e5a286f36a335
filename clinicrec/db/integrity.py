"""Integrity checks on a SQLite file through read-only connections: checking never writes.

- ``quick`` (``PRAGMA quick_check``) at start-up: it reads every page and finds torn or overwritten
  pages, broken b-trees and bad records in seconds even on a large file (it skips the index-content
  cross-check that makes ``integrity_check`` slow).
- ``full`` (``PRAGMA integrity_check`` plus ``PRAGMA foreign_key_check``) before a backup is kept or a
  restore is installed: the file is small or the work runs off the GUI thread, so thoroughness wins.
"""

from __future__ import annotations

import atexit
import json
import os
import sqlite3
import sys
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..domain.errors import StorageError

SQLITE_MAGIC = b"SQLite format 3\x00"
MAX_PROBLEMS = 20
BUSY_TIMEOUT_S = 10.0


class CheckCancelled(Exception):
    """A check stopped before its verdict (``BackgroundCheck.report`` raises it): nothing was found, either
    way, and nothing is remembered."""


class CheckStop:
    """Stops a check from another thread: the check's connection is interrupted (``sqlite3_interrupt``).

    The check's thread never needs Python's lock for it. A progress handler (a Python callback every
    so many SQLite steps) did: the check's thread, at a lower priority (``_yield_to_the_start``), then
    asked for the lock every moment, and the GUI thread, made to hand it over, waited for that thread to
    be scheduled (131 ms at one sign-in, measured). ``interrupt`` is retried by ``BackgroundCheck.cancel``
    until the check ends: an interrupt that comes before the statement has begun is lost."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._conn: Any = None
        self.stopped = False

    def attach(self, conn: Any) -> None:
        """The check's connection (raises CheckCancelled when it was stopped before it began)."""
        with self._lock:
            if self.stopped:
                raise CheckCancelled("stopped before it began")
            self._conn = conn

    def detach(self) -> None:
        """Before the connection closes: nothing is interrupted after."""
        with self._lock:
            self._conn = None

    def interrupt(self) -> None:
        with self._lock:
            self.stopped = True
            if self._conn is not None:
                self._conn.interrupt()


@dataclass(frozen=True)
class IntegrityReport:
    """What a check found. ``exists`` is False for a database file that has not been created yet."""

    path: Path
    ok: bool
    problems: tuple[str, ...] = ()
    exists: bool = True
    #: True when the file was not read again: it is provably unchanged since its last clean check.
    remembered: bool = False

    @property
    def summary(self) -> str:
        if not self.exists:
            return f"{self.path} does not exist yet (a new database will be created)"
        if self.ok:
            return f"{self.path} passed its integrity check"
        more = f" (and {len(self.problems) - 3} more)" if len(self.problems) > 3 else ""
        return f"{self.path} is damaged: " + "; ".join(self.problems[:3]) + more


def connect_read_only(path: Path) -> sqlite3.Connection:
    """A connection that cannot write to ``path`` (nor create it); it still sees committed WAL content."""
    uri = path.resolve().as_uri() + "?mode=ro"
    return sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None)


def has_sqlite_header(path: Path) -> bool:
    """True for a SQLite database file (or an empty file, which SQLite treats as an empty database)."""
    with open(path, "rb") as fh:
        head = fh.read(len(SQLITE_MAGIC))
    return head == SQLITE_MAGIC or head == b""


def check_connection(conn: sqlite3.Connection, *, full: bool) -> list[str]:
    """Problems found by quick_check (or integrity_check and foreign_key_check when ``full``)."""
    pragma = "integrity_check" if full else "quick_check"
    try:
        rows = conn.execute(f"PRAGMA {pragma}({MAX_PROBLEMS})").fetchall()
        problems = [str(r[0]) for r in rows if r[0] != "ok"]
        if full and not problems:
            for table, rowid, parent, _fk in conn.execute("PRAGMA foreign_key_check").fetchmany(MAX_PROBLEMS):
                problems.append(f"row {rowid} of {table} refers to a missing row of {parent}")
    except sqlite3.DatabaseError as e:  # "file is not a database", "database disk image is malformed"
        problems = [str(e)]
    return problems


def check_file(path: Path, *, full: bool = False) -> IntegrityReport:
    """Check the database file at ``path`` without writing to it."""
    path = Path(path)
    if not path.exists():
        return IntegrityReport(path, ok=True, exists=False)
    try:
        if not has_sqlite_header(path):
            return IntegrityReport(path, ok=False, problems=("the file is not a SQLite database",))
        conn = connect_read_only(path)
    except (OSError, sqlite3.Error) as e:
        return IntegrityReport(path, ok=False, problems=(f"the file cannot be opened: {e}",))
    try:
        problems = check_connection(conn, full=full)
    finally:
        conn.close()
    return IntegrityReport(path, ok=not problems, problems=tuple(problems))


#: The sidecar beside a database file that remembers its last clean start-up check (no patient data).
CHECKED_SUFFIX = "-checked"


def file_identity(path: Path) -> list[list[int] | None]:
    """What proves a file unchanged: inode, size, modification and status-change times (nanoseconds) of
    the database and of its write-ahead log. Any write, replacement, copy over it or ``touch`` changes the
    status-change time, which no program can set back. An empty log counts as none (a reader makes one;
    a checkpoint empties it, and what it held is then in the database file, whose times have changed)."""
    out: list[list[int] | None] = []
    for f in (path, Path(str(path) + "-wal")):
        try:
            st = os.stat(f)
        except FileNotFoundError:
            out.append(None)
            continue
        out.append(
            [st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns] if st.st_size or f == path else None
        )
    return out


def _sidecar(path: Path) -> Path:
    return Path(str(path) + CHECKED_SUFFIX)


def unchanged_since_clean_check(path: Path) -> bool:
    """True when the sidecar records a clean check of exactly the file as it is now."""
    try:
        recorded = json.loads(_sidecar(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(recorded, dict) and recorded.get("identity") == file_identity(path)


def remember_clean_check(path: Path, identity: list[list[int] | None]) -> None:
    """Record that the file with ``identity`` passed its check (silently nothing where it cannot be written:
    the next start then checks again)."""
    side = _sidecar(path)
    tmp = side.with_name(side.name + ".tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"identity": identity, "check": "quick_check"}, fh)
        os.replace(tmp, side)
    except OSError:
        tmp.unlink(missing_ok=True)


def forget_clean_check(path: Path) -> None:
    _sidecar(path).unlink(missing_ok=True)


#: A check of one file (``check_file``; an encrypted file's, with its key: ``services.unlock``).
FileCheck = Callable[[Path], IntegrityReport]


def check_remembering(path: Path, check: FileCheck | None = None) -> IntegrityReport:
    """The start-up check: ``check(path)`` (``check_file`` unless given), skipped when the file is provably
    unchanged since its last clean check; a clean result is remembered when nothing changed the file while
    it was read."""
    path = Path(path)
    if path.exists() and unchanged_since_clean_check(path):
        return IntegrityReport(path, ok=True, remembered=True)
    before = file_identity(path)
    report = (check or check_file)(path)
    if report.exists and report.ok and file_identity(path) == before:
        remember_clean_check(path, before)
    elif not report.ok:
        forget_clean_check(path)
    return report


#: How much lower than the application's the check's thread runs (a ``nice`` increment, Linux).
CHECK_NICENESS = 10


def _yield_to_the_start() -> None:
    """Lower this thread's scheduling priority (Linux schedules threads one by one; elsewhere nothing).

    The check reads and (encrypted) decrypts the whole file, seconds of processor time on a large one,
    while the start builds the main window and reads the first page: on a busy two-core machine the check
    took its share of the processors from them. At a lower priority it takes what the start leaves (all
    of a free core); writes still wait for its verdict."""
    if sys.platform.startswith("linux"):
        thread = threading.get_native_id()
        try:
            niceness = os.getpriority(os.PRIO_PROCESS, thread)
            os.setpriority(os.PRIO_PROCESS, thread, min(19, niceness + CHECK_NICENESS))
        except OSError:
            pass  # not allowed here: the check runs as before


#: How long the interpreter's exit waits for each check still running to stop (it stops within a moment).
STOP_AT_EXIT_S = 2.0
_STOPPABLE: weakref.WeakSet[BackgroundCheck] = weakref.WeakSet()
_STOPPABLE_LOCK = threading.Lock()  # (checks are made on any thread: the set is never read mid-change)
_exiting = False  # the exit's hook has run: a check made after it is stopped before it begins


@atexit.register
def _stop_checks_at_exit() -> None:
    """A process ending while a check reads an encrypted file: the check is stopped first. Left running,
    SQLCipher went on decrypting pages on its thread while the interpreter tore OpenSSL down ("error
    decrypting page" on the terminal, at best). The application's own exit waits for its check's verdict
    (ui/closing.py); this is for every other way out (a quit at the sign-in, a command, a script).
    A check begun on another thread after this hook (a sign-in's, say) is stopped before it reads."""
    global _exiting
    with _STOPPABLE_LOCK:
        _exiting = True
        running = list(_STOPPABLE)
    for check in running:
        check.cancel(STOP_AT_EXIT_S)


class BackgroundCheck:
    """``check_remembering(path)`` on a thread of its own, from the moment it is made; ``report()`` waits.

    Start-up makes one before loading the application's modules: SQLite does not hold Python's lock
    while it reads the file, so on two cores the check and the loading take the time of the longer.
    Nothing is written meanwhile: writes pass a ``WriteGate`` that waits for the verdict.
    """

    def __init__(self, path: Path, check: FileCheck | None = None, *, stop: CheckStop | None = None) -> None:
        self.path = Path(path)
        self._check = check
        #: What stops ``check`` (it was given the same one): ``cancel``.
        self.stop = stop
        if stop is not None:
            with _STOPPABLE_LOCK:
                _STOPPABLE.add(self)
                if _exiting:
                    stop.interrupt()  # (the check then ends at once, CheckCancelled: no verdict)
        self._report: IntegrityReport | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="clinicrec-integrity-check", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        _yield_to_the_start()
        try:
            self._report = check_remembering(self.path, self._check)
        except BaseException as e:  # noqa: BLE001 - raised again, in the caller's thread, by report()
            self._error = e

    def cancel(self, wait: float = 0.0) -> None:
        """Stop the check (a stoppable one: ``stop``) and wait up to ``wait`` seconds for it to end."""
        if self.stop is None:
            return
        deadline = time.monotonic() + wait
        while True:
            self.stop.interrupt()
            if not self._thread.is_alive() or time.monotonic() >= deadline:
                return
            self._thread.join(min(0.005, max(0.0, deadline - time.monotonic())))

    def done(self, wait: float = 0.0) -> bool:
        """True once the verdict is in (waiting up to ``wait`` seconds for it)."""
        self._thread.join(wait)
        return not self._thread.is_alive()

    def report(self) -> IntegrityReport:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._report is not None
        return self._report


class WriteGate:
    """Writes wait here until the integrity check running in ``check`` has passed; reads never do.

    A failed check refuses every write for good with ``refuse(report)`` (the damaged file is never
    written). ``db.engine.gate_writes`` installs one on an engine: until it opens every connection is
    also ``PRAGMA query_only``, so SQLite itself refuses a write that did not come through the gate."""

    def __init__(self, check: BackgroundCheck, refuse: Callable[[IntegrityReport], BaseException]) -> None:
        self.check = check
        self._refuse = refuse
        self._passed = False

    def is_open(self) -> bool:
        """True once the check has passed (never waits; a check stopped before its verdict never has)."""
        if not self._passed and self.check.done():
            try:
                self._passed = self.check.report().ok
            except Exception:  # noqa: BLE001 - stopped, or broken (wait() says which): never passed
                return False
        return self._passed

    def wait(self) -> None:
        """Return once the check has passed; raise ``refuse(report)`` when it failed, and a StorageError
        when it was stopped before its verdict (the process is ending: nothing is written unchecked)."""
        if self._passed:
            return
        try:
            report = self.check.report()
        except CheckCancelled as e:
            raise StorageError(STOPPED_BEFORE_VERDICT) from e
        except Exception as e:  # the check itself broke (unreadable file, no file handles left...)
            raise StorageError(f"{CHECK_BROKE}: {e}") from e
        if not report.ok:
            raise self._refuse(report)
        self._passed = True


#: Why a write is refused when the check of the file could not be made (nothing is written unchecked).
CHECK_BROKE = "The database could not be checked, so nothing is written to it"
#: Why a write waiting for a check that was stopped (at the process's end) is refused.
STOPPED_BEFORE_VERDICT = (
    "The database's check was stopped before it finished (ClinicRec is closing): nothing more is written"
)


def schema_revision(conn: sqlite3.Connection) -> str | None:
    """The Alembic revision stamped in the database, or None when it has no ``alembic_version`` table."""
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:
        return None
    return str(row[0]) if row else None


def table_names(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
