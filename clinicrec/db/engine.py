"""Engine construction: the embedded SQLite default, or any SQLAlchemy URL (PostgreSQL for shared use).

SQLite settings, chosen for clinical data:
- ``foreign_keys=ON``: a point can never name a vial or session that does not exist.
- ``journal_mode=WAL``: readers (the patient list, reports) never block the writer and vice versa.
- ``synchronous=FULL``: in WAL mode NORMAL may lose the last committed transactions on power loss;
  FULL syncs the WAL on every commit, so a session the nurse saw saved is on disk. Saves are
  small and infrequent, so the fsync cost is invisible.
- ``busy_timeout=10000``: a second workstation or the backup waits up to 10 s instead of failing.
- Write transactions start with ``BEGIN IMMEDIATE`` so two writers queue instead of deadlocking
  on a read-to-write upgrade.

PostgreSQL settings (over a network every round trip counts: a keystroke's search is two statements,
and on a busy machine each round trip waits for the server process to be scheduled, a few ms):
- Reads run without BEGIN and COMMIT (autocommit): under READ COMMITTED, PostgreSQL's default, each
  statement reads its own snapshot anyway, so the two extra round trips bought nothing. Writes keep
  their transaction.
- A connection is pinged at checkout only when it has been idle in the pool for a while
  (``PING_AFTER_IDLE_S``), not before every use: a server restart or a dropped connection shows after
  idle time, and the ping then replaces a dead connection before the caller sees it.
- ``jit=off``: the reports' statements cost enough for PostgreSQL to compile them to machine code, which
  takes longer than running them (hundreds of ms at 100,000 patients).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.orm import Session, sessionmaker

from .location import ENV_URL, Location, locate, resolve_url, sqlite_file

__all__ = ["ENV_URL", "Database", "database_key", "is_sqlite", "make_engine", "resolve_url", "sqlite_path"]

BUSY_TIMEOUT_MS = 10_000
#: PostgreSQL: a pooled connection idle longer than this is pinged before it is handed out.
PING_AFTER_IDLE_S = 5.0
#: Databases hold health information: readable by the clinic's account only (the WAL and shared-memory
#: files SQLite makes beside one take the database file's permissions).
FILE_MODE = 0o600


def sqlite_path(url: str) -> Path | None:
    """The SQLite file behind ``url`` (``location.locate`` reads every form the same way)."""
    return sqlite_file(url)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str, *, echo: bool = False, create: bool = True, key: bytes | None = None) -> Engine:
    """An engine for ``url``. A SQLite file is opened by its real path, read-only when the URL says
    ``mode=ro``; it is created (0600) only when ``create`` is True, never by a connection otherwise.
    ``key``: the file is encrypted with SQLCipher under this database key (db/crypto.py)."""
    where = locate(url)
    if where.backend == "sqlite":
        if key is not None:
            return _encrypted_engine(url, where.file, key, echo)
        if where.file is None:
            engine = create_engine(url, echo=echo, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
            _configure_sqlite(engine)
            return engine
        if create and not where.read_only:
            _create_private(where.file)
        opening = _Opening(
            _connector(where, create=create), None if where.read_only else _read_only(where.file)
        )
        engine = create_engine(url, echo=echo, creator=opening)
        _configure_sqlite(engine, opening)
        return engine
    return _postgresql_engine(url, echo)


#: Server settings of every PostgreSQL connection (see the module's docstring).
PG_SETTINGS = "-c jit=off"


def _postgresql_engine(url: str, echo: bool) -> Engine:
    own = make_url(url).query.get("options")  # a URL's own ?options=... keep theirs, after ours
    options = " ".join([PG_SETTINGS, *([own] if isinstance(own, str) else list(own or ()))])
    engine = create_engine(url, echo=echo, connect_args={"options": options})

    @event.listens_for(engine, "checkin")
    def _idle_since(_dbapi_conn: Any, record: Any) -> None:
        record.info["clinicrec_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("clinicrec_idle_since")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as e:
            # the pool drops this connection and hands out a new one (SQLAlchemy's documented way)
            raise exc.DisconnectionError() from e

    return engine


def _create_private(file: Path) -> None:
    """The folder (0700) and an empty file (0600) for a new database, whatever the umask."""
    if file.exists():
        return
    file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return
    os.fchmod(fd, FILE_MODE)
    os.close(fd)


def _connector(where: Location, *, create: bool) -> Callable[[], sqlite3.Connection]:
    """Connect through a SQLite URI built from the real path, so no option ends up in the file name and
    a missing file is never created behind the caller's back (``mode=rw``)."""
    assert where.file is not None
    mode = "ro" if where.read_only else ("rwc" if create else "rw")
    target = f"file:{quote(str(where.file.absolute()))}?mode={mode}"

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(
            target, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False, isolation_level=None
        )

    return connect


def _read_only(file: Path, key: bytes | None = None) -> Callable[[], Any]:
    """A connection to ``file`` that SQLite itself keeps from writing (``mode=ro``), having read the file
    once: what cannot be read without a write (a crash's rollback journal to undo) fails here."""

    def connect() -> Any:
        if key is None:
            uri = f"file:{quote(str(file.absolute()))}?mode=ro"
            conn: Any = sqlite3.connect(
                uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False, isolation_level=None
            )
        else:
            from . import crypto

            conn = crypto.connect_read_only(
                file, key, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False
            )
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except BaseException:
            conn.close()
            raise
        return conn

    return connect


class _Opening:
    """An engine's connection maker: read-only at SQLite's level while the engine's write gate is closed.

    ``query_only`` stops the application's writes, not SQLite's own: the last connection to a file to
    close copies the write-ahead log into it (a crash's log, say), and a connection may switch the file's
    journal mode. A connection that cannot write at all writes neither into a file whose check has not
    passed. Once the gate is open, each read-only connection is replaced at its next checkout; a write
    waits for the gate before it takes a connection (``Database.write``). Where a file cannot be opened
    read-only (a rollback journal left by a crash, which only a write undoes) the connection waits for
    the check's verdict instead, and a damaged file is refused as ever."""

    def __init__(self, read_write: Callable[[], Any], read_only: Callable[[], Any] | None) -> None:
        self._read_write = read_write
        self._read_only = read_only
        #: ``gate_writes`` puts the engine's gate here (the engine's ``clinicrec_gate``).
        self.gates: dict[str, Any] = {}
        self._made = threading.local()  # (the connect event follows, on the same thread)

    def __call__(self) -> Any:
        gate = self.gates.get("gate")
        self._made.read_only = False
        if gate is not None and self._read_only is not None and not gate.is_open():
            try:
                conn = self._read_only()
            except Exception:  # noqa: BLE001 - it cannot be read without a write: wait for the verdict
                gate.wait()
            else:
                self._made.read_only = True
                return conn
        return self._read_write()

    def made_read_only(self) -> bool:
        """Whether this thread's last connection was made read-only (read by the connect event)."""
        return bool(getattr(self._made, "read_only", False))


def _clinic_month(stored: str | None, zone_name: str) -> str | None:
    from datetime import UTC, datetime

    from ..domain.clinic_time import month_key

    if stored is None:
        return None
    return month_key(datetime.fromisoformat(stored).replace(tzinfo=UTC), zone_name)


def register_functions(dbapi_conn: Any) -> None:
    """The SQL functions ClinicRec's SQLite statements call (PostgreSQL: AT TIME ZONE)."""
    # The clinic's month of a stored UTC time (reports' month buckets).
    dbapi_conn.create_function("clinic_month", 2, _clinic_month, deterministic=True)
    # Its calendar day ('2026-03-09'): the key of the reports' day tables (db/report_days.py).
    dbapi_conn.create_function("clinic_day", 2, _clinic_day, deterministic=True)


def _clinic_day(stored: str | None, zone_name: str) -> str | None:
    from datetime import UTC, datetime

    from ..domain.clinic_time import local_date

    if stored is None:
        return None
    return local_date(datetime.fromisoformat(stored).replace(tzinfo=UTC), zone_name).isoformat()


def _encrypted_engine(url: str, path: Path | None, key: bytes, echo: bool) -> Engine:
    """SQLCipher through SQLAlchemy's SQLite dialect: each connection applies the key first."""
    from . import crypto

    if path is None:
        raise ValueError("an encrypted database needs a file")
    module = crypto.sqlcipher()

    def connect() -> Any:
        return crypto.connect(path, key, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)

    opening = _Opening(connect, _read_only(path, key))
    engine = create_engine(url, echo=echo, module=module, creator=opening)
    engine.clinicrec_key = key  # type: ignore[attr-defined]  # for backups made through this engine
    _configure_sqlite(engine, opening)
    return engine


def database_key(engine: Engine) -> bytes | None:
    """The SQLCipher key of an encrypted database's engine; None for a plain one."""
    return getattr(engine, "clinicrec_key", None)


def _configure_sqlite(engine: Engine, opening: _Opening | None = None) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, record: Any) -> None:
        read_only = opening is not None and opening.made_read_only()
        record.info["clinicrec_read_only"] = read_only
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own handling defers it).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        if cur.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            gate = gates.get("gate")
            if read_only or (gate is not None and not gate.is_open()):
                # A change of journal mode writes the file's header: not before its check has passed.
                record.info["clinicrec_wal_later"] = True
            else:
                # A read-only connection (mode=ro) keeps the file's journal mode.
                _to_wal(cur)
        cur.execute("PRAGMA synchronous=FULL")
        cur.close()
        register_functions(dbapi_conn)

    gates: dict[str, Any] = opening.gates if opening is not None else {}
    engine.clinicrec_gate = gates  # type: ignore[attr-defined]  # gate_writes puts the gate here

    if opening is not None:

        @event.listens_for(engine, "checkout")
        def _replace_read_only(_dbapi_conn: Any, record: Any, _proxy: Any) -> None:
            gate = gates.get("gate")
            if record.info.get("clinicrec_read_only") and gate is not None and gate.is_open():
                # The check has passed: a connection that can write in its place (SQLAlchemy's way).
                raise exc.DisconnectionError("made read-only while the file was being checked")

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        gate = gates.get("gate")
        if gate is not None:
            _through_gate(conn, gate)
        if conn.get_execution_options().get("clinicrec_write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


def _to_wal(cursor: Any) -> None:
    # (a read-only file, a busy one: it stays in its mode; SQLCipher's errors are not sqlite3's classes)
    with contextlib.suppress(Exception):
        cursor.execute("PRAGMA journal_mode=WAL")


def gate_writes(engine: Engine, gate: Any) -> None:
    """Hold every write on ``engine`` until ``gate`` (``integrity.WriteGate``) opens; reads go on meanwhile.

    Until it opens, each new connection is ``PRAGMA query_only``: a write that does not announce itself
    (``clinicrec_write``) is refused by SQLite itself rather than let through to a file not yet checked.
    A write transaction waits for the verdict (``gate.wait()`` raises when the file is damaged).

    SQLite's own writes (a checkpoint of the log at the last connection's close, a change of journal
    mode) are stopped too: until the gate opens, the engine's connections are read-only (``_Opening``)."""
    if not is_sqlite(engine):
        return

    @event.listens_for(engine, "connect")
    def _gated_connect(dbapi_conn: Any, record: Any) -> None:
        if not gate.is_open():
            dbapi_conn.execute("PRAGMA query_only=ON")
            record.info["clinicrec_query_only"] = True

    engine.clinicrec_gate["gate"] = gate  # type: ignore[attr-defined]  # read by _configure_sqlite's begin


def pending_write_gate(engine: Engine) -> Any | None:
    """The write gate still closed on ``engine`` while its file's integrity check is running, else None
    (none, open, or shut for good by a failed check)."""
    gate = getattr(engine, "clinicrec_gate", {}).get("gate")
    return None if gate is None or gate.is_open() or gate.check.done() else gate


def _through_gate(conn: Connection, gate: Any) -> None:
    """Before a transaction begins: a write waits for the gate; once it is open, query_only is lifted."""
    if conn.get_execution_options().get("clinicrec_write"):
        gate.wait()
    elif not gate.is_open():
        return
    record = conn.connection._connection_record
    if record is None:
        return
    if record.info.pop("clinicrec_query_only", False):
        conn.connection.driver_connection.execute("PRAGMA query_only=OFF")  # type: ignore[union-attr]
    if record.info.pop("clinicrec_wal_later", False):
        _to_wal(conn.connection.driver_connection.cursor())  # type: ignore[union-attr]


class Database:
    """The engine plus two session factories: plain reads, and writes that take the write lock first."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        #: What reads run on: on PostgreSQL in autocommit (no BEGIN and COMMIT round trips; see above).
        self.reader = engine if is_sqlite(engine) else engine.execution_options(isolation_level="AUTOCOMMIT")
        self.read = sessionmaker(self.reader, expire_on_commit=False)
        self._write = sessionmaker(engine.execution_options(clinicrec_write=True), expire_on_commit=False)

    def write(self) -> Session:
        """A session for a write: it takes the write lock at its first statement. On a file whose check is
        still running it waits for the verdict first (raising when the file is damaged), so that its
        connection is made once the file may be written (see ``_Opening``)."""
        gate = getattr(self.engine, "clinicrec_gate", {}).get("gate")
        if gate is not None:
            gate.wait()
        return self._write()

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=False)

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()

    def session(self) -> Session:
        return self.read()


def run_outside_transaction(engine: Engine, *statements: str) -> list[list[tuple]]:
    """Run statements (PRAGMA, ANALYZE, VACUUM) in autocommit mode; returns each one's rows."""
    raw = engine.raw_connection()
    try:
        out = []
        cur = raw.cursor()
        for stmt in statements:
            cur.execute(stmt)
            out.append(list(cur.fetchall()) if cur.description else [])
        cur.close()
        if engine.dialect.name != "sqlite":
            raw.commit()
        return out
    finally:
        raw.close()
