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

This module imports nothing of SQLAlchemy at load time, so start-up can begin the check at once; nor the
integrity check's module (sqlite3, json), which start-up's sign-in dialog does not need to be painted.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..db.location import DatabaseRefused, Location, ensure_default_folder, locate, resolve_url

if TYPE_CHECKING:
    from ..db.abortable import AbortableKdf
    from ..db.crypto import Kdf
    from ..db.integrity import BackgroundCheck, IntegrityReport, WriteGate
    from .app import Services
    from .maintenance import IntegrityResult
    from .unlock import OpenedAhead

__all__ = [
    "DatabaseRefused",
    "EncryptedDatabase",
    "encrypted_file",
    "setup_key",
    "Inspected",
    "unwrap_key",
    "OpenAhead",
    "UnwrapAhead",
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


def unwrap_key(
    file: Path, username: str, password: str, *, kdf: Kdf | None = None
) -> Callable[[], tuple[bytes, bytes]]:
    """Unwrap ``username``'s copy of the encrypted file's key now (one Argon2id computation; it releases
    Python's lock, so start-up's loader imports the application meanwhile, on the other core).

    Returns what ``services.unlock.sign_in_encrypted(unwrap=...)`` takes: a callable that returns (database
    key, proof), or raises the refusal again (a wrong password, an unknown name). Needs nothing of
    SQLAlchemy, so the sign-in can begin before the application has loaded. ``kdf``: where Argon2id
    runs (default: here; ``db.abortable.AbortableKdf``: where it can be stopped)."""
    from ..db.crypto import KeyFile, WrongSecret, argon2id_raw, key_file_for

    try:
        pair = KeyFile.load(key_file_for(file)).open_with_proof(username, password, kdf=kdf or argon2id_raw)
    except WrongSecret as e:
        refusal = e

        def refused() -> tuple[bytes, bytes]:
            raise refusal

        return refused
    return lambda: pair


Unwrap = Callable[[], tuple[bytes, bytes]]


class UnwrapAhead:
    """The key unwrapped with the user name and password as they are typed, so that "Sign in" finds the
    Argon2id work (some 80 ms of both cores) done: a person's Enter comes a tenth of a second or more
    after their last keystroke, which is longer than the unwrap takes.

    The sign-in dialog calls ``typed`` on every edit (GUI thread: a lock and, at most, a thread started).
    One unwrap runs at a time, on a thread of its own, for the text typed when it began; when it ends,
    the next one begins for the text typed since, if that changed (one that broke, as an unreadable key
    file breaks it, is not begun again before the text changes). Its Argon2id runs where it can be
    stopped (``db.abortable.AbortableKdf``, on Linux), and is stopped as soon as its text is no longer
    wanted: an edit, the dialog closed, a sign-in of other text. So the one for the whole password
    begins at its last keystroke, not after the one for the text before it has run to its end (which,
    where Argon2id takes longer than the time between two keys, left most of an unwrap to wait for
    after Enter). Only the outcome for the text still
    typed is kept; an edit drops it at once (``forget`` drops everything: the dialog closed, the sign-in
    done). ``unwrap`` is what the sign-in calls instead of ``unwrap_key``: the outcome kept for exactly
    that name and password, or the one under way for them (waited for), or a fresh unwrap now (any
    other under way is abandoned). A key file changed since (a password changed at another workstation)
    is read again. Nothing is decided here: the outcome is the same callable ``unwrap_key`` returns, so
    a wrong password is refused by the sign-in exactly as before, only sooner, and nothing a person can
    see tells whether the text typed so far unwraps the key.

    ``opens``: told every edit, and every key an unwrap ahead found for the text still typed, so that
    it opens the file with it before "Sign in" too (``OpenAhead``).
    """

    def __init__(
        self,
        file: Path,
        work: Callable[[Path, str, str], Unwrap] | None = None,
        *,
        opens: OpenAhead | None = None,
        derive: Kdf | None = None,
    ) -> None:
        """``work``: the unwrap, for the sign-in and ahead of it (default ``unwrap_key``; an unwrap handed
        in is run as it is, and cannot be stopped). ``derive``: the computation an unwrap ahead runs where
        it can be stopped (default Argon2id; tests hand in a slower one)."""
        self._file = file
        self._work = work or unwrap_key
        self._stoppable = work is None
        self._derive = derive
        self._kdf: AbortableKdf | None = None  # where the unwrap under way ahead runs its Argon2id
        self._opens = opens
        self._cond = threading.Condition()
        self._wanted: tuple[str, str] | None = None  # what is typed (None: nothing to unwrap)
        self._running: tuple[str, str] | None = None
        self._kept: tuple[tuple[str, str], tuple[int, ...] | None, Unwrap] | None = None
        self._thread: threading.Thread | None = None
        #: How many unwraps were begun ahead of a sign-in, and how many a sign-in found done or under way.
        self.begun = 0
        self.used = 0

    def typed(self, username: str, password: str) -> None:
        """The text now in the dialog (its user name stripped, as the sign-in strips it)."""
        wanted = (username, password) if username and password else None
        if self._opens is not None:
            self._opens.typed(wanted)
        with self._cond:
            self._wanted = wanted
            if self._kept is not None and self._kept[0] != wanted:
                self._kept = None
            self._stop_unwanted()
            if wanted is not None and self._thread is None and self._kept is None:
                # Under way from now: a sign-in of it that comes before the thread has run waits for it
                # rather than doing the same Argon2id work a second time beside it.
                self._running = wanted
                self._thread = threading.Thread(target=self._run, name="clinicrec-unwrap-ahead", daemon=True)
                try:
                    self._thread.start()
                except RuntimeError:  # (no thread to be had: the sign-in unwraps it itself, as before)
                    self._running = self._thread = None

    def forget(self) -> None:
        """Drop what is kept and stop unwrapping ahead (an unwrap under way ends unused)."""
        with self._cond:
            self._wanted = None
            self._kept = None
            self._stop_unwanted()
        if self._opens is not None:
            self._opens.forget()

    def unwrap(self, username: str, password: str) -> Unwrap:
        """The unwrap for exactly ``username`` and ``password``: done ahead, under way, or done now."""
        wanted = (username, password)
        with self._cond:
            self._wanted = wanted  # (an unwrap under way for it keeps its outcome)
            while self._running == wanted and self._kept is None:
                self._cond.wait()
            kept, self._kept = self._kept, None
            self._wanted = None  # the sign-in takes it from here: nothing more ahead of it
            self._stop_unwanted()  # (an unwrap of other text under way: the processor is the sign-in's)
            if kept is not None and kept[0] == wanted and kept[1] == self._stamp():
                self.used += 1
                return kept[2]
        return self._work(self._file, username, password)

    def _stop_unwanted(self) -> None:
        """Stop the unwrap under way ahead unless its text is the one wanted (called holding the lock)."""
        if self._kdf is not None and self._running != self._wanted:
            self._kdf.abort()

    def _stoppable_kdf(self) -> AbortableKdf | None:
        """Where the next unwrap ahead runs its Argon2id; None: as ``work`` does it (it cannot be stopped)."""
        if not self._stoppable:
            return None
        try:
            from ..db.abortable import AbortableKdf

            return AbortableKdf(self._derive)
        except Exception:  # noqa: BLE001 - (never seen) the unwrap ahead then runs on its thread, as before
            return None

    def _stamp(self) -> tuple[int, ...] | None:
        """The key file's identity: a file written since an unwrap is read again."""
        from ..db.crypto import key_file_for

        try:
            st = os.stat(key_file_for(self._file))
        except OSError:
            return None
        return (st.st_ino, st.st_size, st.st_mtime_ns)

    def _run(self) -> None:
        while True:
            kdf = self._stoppable_kdf()  # (before ``_running`` is set: a sign-in never waits on a failure)
            with self._cond:
                wanted = self._wanted
                if wanted is None or (self._kept is not None and self._kept[0] == wanted):
                    self._thread = None
                    self._running = None
                    self._cond.notify_all()
                    return
                self._running = wanted
                self.begun += 1
                self._kdf = kdf
            stamp = self._stamp()
            try:
                if kdf is None:  # (handed in, or nothing stoppable to be had)
                    outcome: Unwrap | None = self._work(self._file, *wanted)
                else:
                    outcome = unwrap_key(self._file, *wanted, kdf=kdf)
            except BaseException:  # noqa: BLE001 - stopped, or broken: left to the sign-in's own
                outcome = None
            key = _key_of(outcome) if self._opens is not None else None
            with self._cond:
                self._running = None
                self._kdf = None
                kept = False
                if outcome is not None and self._wanted == wanted:
                    kept = True
                    self._kept = (wanted, stamp, outcome)
                    if key is not None and self._opens is not None:
                        self._opens.expect(wanted)  # (before the sign-in can look for it)
                elif outcome is None and self._wanted == wanted and not _stopped(kdf):
                    # Broken for the text still typed (a key file that cannot be read): not tried again
                    # until the text changes, or this thread would spin on it, a core's worth, for as
                    # long as the dialog shows it. The sign-in unwraps it itself, and says what is wrong.
                    # (Stopped, then typed back as it was: begun again.)
                    self._thread = None
                    self._cond.notify_all()
                    return
                self._cond.notify_all()
            if kept and key is not None and self._opens is not None:
                # (on this thread: the next unwrap waits for it; should closing what it replaces break,
                # this thread goes on, and the sign-in opens the file itself)
                with contextlib.suppress(Exception):
                    self._opens.found(wanted, key)


def _stopped(kdf: AbortableKdf | None) -> bool:
    """The unwrap was stopped because its text was no longer wanted (not broken, nor timed out)."""
    return kdf is not None and kdf.aborted and not kdf.timed_out


class OpenAhead:
    """The encrypted file opened, once an unwrap ahead of "Sign in" (``UnwrapAhead``) has found its key,
    for the sign-in to take instead of opening it after Enter (some 5 to 10 ms of the GUI thread, and
    as many again for the first statements' compiling on the new engine).

    Only what "Sign in" itself would do first is done ahead, and nothing is written: the file is
    opened with the key exactly as the sign-in opens it (a file changed since its last clean check has
    its check begun, and its writes gated until the check passes), and what the sign-in reads first is
    read (``services.unlock.open_ahead``). A schema that "Sign in" would upgrade (a write) is not opened
    ahead. What was opened is handed only to the sign-in of exactly the text it was opened for, with the
    same key, while the file is still the one it opened (replaced since, as a restore at another
    workstation replaces it: it is opened afresh; another workstation's writes are read as usual). An
    edit or ``forget`` (the dialog closed) closes it and stops its check. Nothing on screen changes: a
    wrong password opens nothing, and the sign-in refuses it as before.

    ``ready``: waits for the application to have loaded (start-up's loader) before opening.
    ``open_file``: (file, key, user name) -> what was opened, or None (``services.unlock.open_ahead``).
    """

    def __init__(
        self,
        file: Path,
        ready: Callable[[], None] = lambda: None,
        open_file: Callable[[Path, bytes, str], OpenedAhead | None] | None = None,
    ) -> None:
        self._file = file
        self._ready = ready
        self._open = open_file or _open_for_sign_in
        self._cond = threading.Condition()
        self._typed: tuple[str, str] | None = None
        self._opening: tuple[str, str] | None = None
        self._kept: tuple[tuple[str, str], bytes, OpenedAhead] | None = None
        self._closed = False
        #: How many times the file was opened ahead, and how many a sign-in took.
        self.opened = 0
        self.used = 0

    def typed(self, wanted: tuple[str, str] | None) -> None:
        """The text now typed: what was opened for other text is closed."""
        with self._cond:
            self._typed = wanted
            dropped = self._kept if self._kept is not None and self._kept[0] != wanted else None
            if dropped is not None:
                self._kept = None
        _close(dropped)

    def expect(self, wanted: tuple[str, str]) -> None:
        """A key for ``wanted`` was just found: a sign-in of it waits for ``found`` from now."""
        with self._cond:
            self._opening = wanted

    def found(self, wanted: tuple[str, str], key: bytes) -> None:
        """``key`` unwrapped for ``wanted`` (on the unwrap's thread): open the file with it now."""
        with self._cond:
            if self._closed or self._typed != wanted or (self._kept is not None and self._kept[0] == wanted):
                if self._opening == wanted:
                    self._opening = None
                    self._cond.notify_all()
                return
            self._opening = wanted
        opened: OpenedAhead | None = None
        try:
            self._ready()
            with self._cond:  # (the loading can take a while: an edit or a closed dialog meanwhile)
                still_wanted = not self._closed and self._typed == wanted
            if still_wanted:
                opened = self._open(self._file, key, wanted[0])
        except BaseException:  # noqa: BLE001 - whatever broke is met again, and said, by the sign-in's own
            opened = None
        dropped = None
        with self._cond:
            self._opening = None
            if opened is not None and not self._closed and self._typed == wanted:
                dropped, self._kept = self._kept, (wanted, key, opened)
                self.opened += 1
                opened = None
            self._cond.notify_all()
        _close(dropped)
        if opened is not None:
            opened.close()

    def take(self, wanted: tuple[str, str], key: bytes) -> Services | None:
        """For the sign-in of ``wanted`` with ``key``: the file opened ahead for exactly that (waited for
        when under way), or None (the sign-in opens it)."""
        with self._cond:
            while self._opening == wanted:
                self._cond.wait()
            kept, self._kept = self._kept, None
            self._typed = None  # the sign-in takes it from here: nothing more is opened ahead of it
        if kept is None:
            return None
        if kept[0] == wanted and kept[1] == key and kept[2].still_current():
            self.used += 1
            return kept[2].services
        _close(kept)
        return None

    def forget(self) -> None:
        """Close what was opened and open nothing more (the dialog closed)."""
        with self._cond:
            self._closed = True
            self._typed = None
            kept, self._kept = self._kept, None
        _close(kept)


def _close(kept: tuple[tuple[str, str], bytes, OpenedAhead] | None) -> None:
    if kept is not None:
        kept[2].close()


def _open_for_sign_in(file: Path, key: bytes, username: str) -> OpenedAhead | None:
    from .unlock import open_ahead  # (SQLAlchemy: loaded by now, ``OpenAhead.ready``)

    return open_ahead(file, key, username)


def _key_of(outcome: Unwrap | None) -> bytes | None:
    """The database key an unwrap found, or None (a refusal)."""
    if outcome is None:
        return None
    try:
        return outcome()[0]
    except BaseException:  # noqa: BLE001 - a refusal (WrongSecret): nothing to open
        return None


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
    from ..db.integrity import unchanged_since_clean_check

    return grace if size <= GRACE_MAX_BYTES or unchanged_since_clean_check(path) else 0.0


def start_check(url: str) -> BackgroundCheck | None:
    """Begin the integrity check of an existing SQLite file on a thread of its own (None otherwise)."""
    file = sqlite_file_of(url)
    if file is None or not file.is_file() or file.stat().st_size == 0:
        return None
    from ..db.integrity import BackgroundCheck

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
    from ..db.integrity import WriteGate

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
