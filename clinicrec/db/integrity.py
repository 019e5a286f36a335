"""Integrity checks on a SQLite file through read-only connections: checking never writes.

- ``quick`` (``PRAGMA quick_check``) at start-up: it reads every page and finds torn or overwritten
  pages, broken b-trees and bad records in seconds even on a large file (it skips the index-content
  cross-check that makes ``integrity_check`` slow).
- ``full`` (``PRAGMA integrity_check`` plus ``PRAGMA foreign_key_check``) before a backup is kept or a
  restore is installed: the file is small or the work runs off the GUI thread, so thoroughness wins.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

SQLITE_MAGIC = b"SQLite format 3\x00"
MAX_PROBLEMS = 20
BUSY_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class IntegrityReport:
    """What a check found. ``exists`` is False for a database file that has not been created yet."""

    path: Path
    ok: bool
    problems: tuple[str, ...] = ()
    exists: bool = True

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


class BackgroundCheck:
    """``check_file(path)`` on a thread of its own, from the moment it is made; ``report()`` waits for it.

    Start-up makes one before loading the application's modules: SQLite does not hold Python's lock
    while it reads the file, so on two cores the check and the loading take the time of the longer.
    Nothing is written meanwhile: the services open the database only after ``report()`` says it is good.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._report: IntegrityReport | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="clinicrec-integrity-check", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._report = check_file(self.path)
        except BaseException as e:  # noqa: BLE001 - raised again, in the caller's thread, by report()
            self._error = e

    def report(self) -> IntegrityReport:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._report is not None
        return self._report


def schema_revision(conn: sqlite3.Connection) -> str | None:
    """The Alembic revision stamped in the database, or None when it has no ``alembic_version`` table."""
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:
        return None
    return str(row[0]) if row else None


def table_names(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
