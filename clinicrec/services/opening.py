"""The one careful way every door (the application, every command) opens the database.

    check = start_check(url)                  # optional: the integrity check begins on its own thread
    services = open_services(url, started=check)            # services.app: checks, then opens

Before anything is opened (opening may migrate, and so write), ``inspect`` refuses with a one-line
``DatabaseRefused`` naming the problem:

- a database URL ClinicRec cannot use (``mysql://``, an unknown option, an in-memory database);
- a missing file, unless the caller creates one on purpose (the first-start setup, ``--new``,
  ``demo``), and even then a folder nobody asked for is not made (the user's data folder excepted);
- an empty (0-byte) file, a folder, or a file that is not a ClinicRec database;
- a file that fails its integrity check (``damaged`` carries the verdict, with the latest good backup);
- a PostgreSQL server that cannot be reached.

This module imports nothing of SQLAlchemy at load time, so start-up can begin the check at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..db.integrity import BackgroundCheck, IntegrityReport, WriteGate, unchanged_since_clean_check
from ..db.location import DatabaseRefused, Location, ensure_default_folder, locate, resolve_url

if TYPE_CHECKING:
    from .maintenance import IntegrityResult

__all__ = [
    "DatabaseRefused",
    "EncryptedDatabase",
    "encrypted_file",
    "setup_key",
    "Inspected",
    "unwrap_key",
    "full_check",
    "inspect",
    "resolve_url",
    "sqlite_file_of",
    "start_check",
]


@dataclass(frozen=True)
class Inspected:
    """What ``inspect`` found: the database may be opened; ``new`` when it is to be created."""

    url: str
    where: Location
    new: bool = False
    #: Writes wait here for the integrity check still running (``inspect(..., defer=True)``); else None.
    gate: WriteGate | None = None


class EncryptedDatabase(DatabaseRefused):
    """The file is encrypted (SQLCipher): a user's password unwraps its key (``services.unlock``)."""

    def __init__(self, file: Path) -> None:
        super().__init__(f"{file} is encrypted: sign in with a user name and password to open it")
        self.file = file


def encrypted_file(url: str) -> Path | None:
    """The SQLite file ``url`` names when it is encrypted and a user's password (or a token) must open
    it, else None (a plain file, or a new database still waiting for its first user: ``setup_key``)."""
    file = _encrypted(url)
    return file if file is not None and setup_key(url) is None else None


def unwrap_key(file: Path, username: str, password: str) -> Callable[[], tuple[bytes, bytes]]:
    """Unwrap ``username``'s copy of the encrypted file's key now (one Argon2id computation; it releases
    Python's lock, so start-up's loader imports the application meanwhile, on the other core).

    Returns what ``services.unlock.sign_in_encrypted(unwrap=...)`` takes: a callable that returns (database
    key, proof), or raises the refusal again (a wrong password, an unknown name). Needs nothing of
    SQLAlchemy, so the sign-in can begin before the application has loaded."""
    from ..db.crypto import KeyFile, WrongSecret, key_file_for

    try:
        pair = KeyFile.load(key_file_for(file)).open_with_proof(username, password)
    except WrongSecret as e:
        refusal = e

        def refused() -> tuple[bytes, bytes]:
            raise refusal

        return refused
    return lambda: pair


def setup_key(url: str) -> bytes | None:
    """The key of a new encrypted database whose first user was never created (db/crypto.py SETUP)."""
    file = _encrypted(url)
    if file is None:
        return None
    from ..db.crypto import KeyFile, KeyFileError, key_file_for

    try:
        return KeyFile.load(key_file_for(file)).setup_key()
    except KeyFileError:
        return None


def _encrypted(url: str) -> Path | None:
    file = sqlite_file_of(url)
    if file is None or not file.is_file():
        return None
    from ..db.crypto import is_encrypted, key_file_for

    return file if is_encrypted(file) and key_file_for(file).exists() else None


def sqlite_file_of(url: str) -> Path | None:
    """The SQLite file a URL names (None for a server, or a URL that will be refused anyway)."""
    try:
        return locate(url).file
    except DatabaseRefused:
        return None


#: The largest file whose integrity check the opening waits for (up to its grace, some milliseconds).
GRACE_MAX_BYTES = 4 * 1024 * 1024


def check_grace(path: Path, grace: float) -> float:
    """How long the opening waits for the check of ``path`` before it opens the file for reading with its
    writes held behind the gate: ``grace`` for a small file, whose check may end within it (a damaged one
    is then refused at once), and for a file unchanged since its last clean check (its check ends at
    once); none for a larger file changed since, whose check cannot end so soon: the wait was the grace
    lost from every sign-in after a crash or another workstation's writes."""
    try:
        size = sum(p.stat().st_size for p in (path, Path(f"{path}-wal")) if p.exists())
    except OSError:
        return grace
    return grace if size <= GRACE_MAX_BYTES or unchanged_since_clean_check(path) else 0.0


def start_check(url: str) -> BackgroundCheck | None:
    """Begin the integrity check of an existing SQLite file on a thread of its own (None otherwise)."""
    file = sqlite_file_of(url)
    if file is None or not file.is_file() or file.stat().st_size == 0:
        return None
    return BackgroundCheck(file)


def inspect(
    url: str,
    *,
    create: bool = False,
    started: BackgroundCheck | None = None,
    key: bytes | None = None,
    defer: bool = False,
) -> Inspected:
    """Everything that must hold before ``url`` is opened; ``DatabaseRefused`` otherwise. Writes nothing.

    ``defer`` (start-up, with the check ``started`` on its own thread): the verdict is not waited for;
    the file may be read at once and ``Inspected.gate`` holds every write until the check has passed
    (a damaged file is refused at the first write, and never written).

    An encrypted file is refused (``EncryptedDatabase``) unless its ``key`` is given; with the key, its
    check is the one ``services.unlock`` started when the password unwrapped the key (still running
    with ``defer``: the same gate)."""
    where = locate(url)
    if where.backend == "postgresql":
        _reach_server(url)
        return Inspected(url, where)
    if where.in_memory or where.file is None:
        raise DatabaseRefused("An in-memory database keeps nothing: name a database file")
    file = where.file
    if not file.exists():
        if not create:
            raise DatabaseRefused(f"There is no ClinicRec database at {file}")
        if where.read_only:
            raise DatabaseRefused(f"There is no ClinicRec database at {file} (and mode=ro creates none)")
        ensure_default_folder(file.absolute())
        if not file.absolute().parent.is_dir():
            raise DatabaseRefused(f"The folder {file.absolute().parent} does not exist")
        return Inspected(url, where, new=True)
    if file.is_dir():
        raise DatabaseRefused(f"{file} is a folder, not a database file")
    try:
        size = file.stat().st_size
    except OSError as e:
        raise DatabaseRefused(f"{file} cannot be read: {e.strerror or e}") from e
    if size == 0:
        raise DatabaseRefused(f"{file} is an empty file, not a ClinicRec database")
    if _encrypted(url) is not None:
        if key is None:
            raise EncryptedDatabase(file)
        if defer and started is not None and started.path == file and not started.done():
            return Inspected(url, where, gate=WriteGate(started, _refusal(url, started)))
        return Inspected(url, where)
    if defer and started is not None and started.path == file and not started.done():
        _require_clinicrec(file)
        return Inspected(url, where, gate=WriteGate(started, _refusal(url, started)))
    verdict = _integrity(url, started)
    if not verdict.ok:
        raise DatabaseRefused(verdict.message, damaged=verdict)
    _require_clinicrec(file)
    return Inspected(url, where)


def full_check(url: str) -> tuple[str, ...]:
    """The slow checks of a SQLite file (every index, foreign keys), read-only; () on a server."""
    from ..db import integrity

    file = sqlite_file_of(url)
    if file is None:
        return ()
    return integrity.check_file(file, full=True).problems


def _integrity(url: str, started: BackgroundCheck | None) -> IntegrityResult:
    from .maintenance import check_database

    return check_database(url, started=started)


def _refusal(url: str, started: BackgroundCheck) -> Callable[[IntegrityReport], DatabaseRefused]:
    def refuse(_report: IntegrityReport) -> DatabaseRefused:
        verdict = _integrity(url, started)  # the report is in: this only words it (and finds a backup)
        return DatabaseRefused(verdict.message, damaged=verdict)

    return refuse


def _require_clinicrec(file: Path) -> None:
    """A SQLite file of some other program is not taken over (the migrations would add tables to it)."""
    import sqlite3

    from ..db import integrity

    try:
        conn = integrity.connect_read_only(file)
        try:
            tables = integrity.table_names(conn)
        finally:
            conn.close()
    except sqlite3.Error as e:
        raise DatabaseRefused(f"{file} cannot be read as a database: {e}") from e
    if tables and not ({"alembic_version", "users"} & tables):
        raise DatabaseRefused(f"{file} is a SQLite database of another program, not a ClinicRec database")


def _reach_server(url: str) -> None:
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    try:
        u = make_url(url)
        engine = create_engine(u, pool_pre_ping=True, connect_args={"connect_timeout": 10})
    except Exception as e:  # noqa: BLE001 - a bad URL or a missing driver, said in one line
        raise DatabaseRefused(f"The database URL cannot be used: {_first_line(e)}") from e
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except Exception as e:  # noqa: BLE001 - any failure to reach the server is reported plainly
        raise DatabaseRefused(
            f"The database server at {u.host or 'localhost'} cannot be reached: {_first_line(e)}"
        ) from e
    finally:
        engine.dispose()


def _first_line(e: BaseException) -> str:
    text = str(getattr(e, "orig", None) or e).strip()
    return text.splitlines()[0] if text else type(e).__name__
