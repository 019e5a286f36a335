"""The encrypted file opened as the password is typed (``services.opening.OpenAhead``): "Sign in" finds the
file open, and nothing about who may sign in, or what is written, changes: only a key an unwrap of the
exact text found opens it, nothing is written before "Sign in", an edit or a closed dialog closes it, and
a file written since it was opened is opened afresh."""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from clinicrec.db import crypto, encryption, integrity
from clinicrec.db.integrity import CheckCancelled, file_identity
from clinicrec.db.models import AuditRow
from clinicrec.domain.enums import AuditAction
from clinicrec.domain.errors import AuthenticationError, StorageError
from clinicrec.services import unlock
from clinicrec.services.app import Services
from clinicrec.services.opening import OpenAhead, UnwrapAhead
from clinicrec.services.unlock import OpenedAhead, open_ahead, sign_in_encrypted
from tests.conftest import (
    PASSWORD,
    World,
    add_ballast,
    crash_with_a_log,
    encrypted_with_patient,
    make_patient,
)


@pytest.fixture
def encrypted(world: World) -> Path:
    return encrypted_with_patient(world, "Opened", "Early")


def _fds_on(path: Path) -> int:
    """How many of this process's open files are the database file (its connections)."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}") == str(path.resolve()):
                count += 1
        except OSError:
            continue
    return count


class Opens:
    """An ``OpenAhead`` whose openings are recorded (the real ``open_ahead``)."""

    def __init__(self, file: Path) -> None:
        self.made: list[OpenedAhead] = []
        self.ahead = OpenAhead(file, open_file=self._open)
        self.unwraps = UnwrapAhead(file, opens=self.ahead)

    def _open(self, file: Path, key: bytes, username: str) -> OpenedAhead | None:
        opened = open_ahead(file, key, username)
        if opened is not None:
            self.made.append(opened)
        return opened

    def type(self, username: str, password: str) -> None:
        """A person typing the password a key at a time, each key's unwrap (and opening) let finish."""
        for i in range(1, len(password) + 1):
            self.unwraps.typed(username, password[:i])
            self.settle()

    def settle(self) -> None:
        for _ in range(2000):
            with self.unwraps._cond:
                if self.unwraps._thread is None:
                    return
            threading.Event().wait(0.005)
        raise AssertionError("the unwrap ahead never ended")

    def sign_in(self, username: str, password: str) -> Services:
        return sign_in_encrypted(
            self.ahead._file,
            username,
            password,
            unwrap=self.unwraps.unwrap(username, password),
            opened=lambda key: self.ahead.take((username, password), key),
        )


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts open files through /proc")
def test_sign_in_takes_the_file_opened_as_the_password_was_typed_and_nothing_is_written_before(
    encrypted: Path,
) -> None:
    opens = Opens(encrypted)
    assert _fds_on(encrypted) == 0
    before = file_identity(encrypted)
    opens.type("nurse", PASSWORD)
    # only the whole password's key opened the file; none of the shorter texts typed on the way did
    assert len(opens.made) == 1 and opens.ahead.opened == 1
    assert _fds_on(encrypted) >= 1
    assert file_identity(encrypted) == before  # opened and read ahead: not one byte written

    with opens.made[0].services.db.read() as s:
        last = s.execute(select(func.max(AuditRow.id))).scalar_one()
    services = opens.sign_in("nurse", PASSWORD)
    try:
        assert services is opens.made[0].services and opens.ahead.used == 1
        assert services.actor is not None and services.actor.username == "nurse"
        assert [p.last_name for p in services.patients.search("Early")] == ["Early"]
        # the sign-in, and only it, came into the audit trail, as without the opening ahead
        with services.db.read() as s:
            rows = s.execute(select(AuditRow).where(AuditRow.id > last)).scalars().all()
        assert [(r.action, r.username) for r in rows] == [(AuditAction.SIGN_IN.value, "nurse")]
    finally:
        services.db.dispose()


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts open files through /proc")
def test_a_wrong_password_opens_nothing_and_an_edit_or_a_closed_dialog_closes_what_was_opened(
    encrypted: Path,
) -> None:
    opens = Opens(encrypted)
    opens.type("nurse", "not-" + PASSWORD)
    assert opens.made == [] and _fds_on(encrypted) == 0
    with pytest.raises(AuthenticationError):
        opens.sign_in("nurse", "not-" + PASSWORD)

    opens.type("nurse", PASSWORD)
    assert len(opens.made) == 1 and _fds_on(encrypted) >= 1
    opens.unwraps.typed("nurse", PASSWORD + "x")  # one key more: closed at once
    assert _fds_on(encrypted) == 0
    opens.settle()
    assert len(opens.made) == 1  # the longer text's key is refused: nothing opened for it
    opens.unwraps.typed("nurse", PASSWORD)  # the key back out: opened again
    opens.settle()
    assert len(opens.made) == 2 and _fds_on(encrypted) >= 1
    opens.unwraps.forget()  # the dialog closed
    assert _fds_on(encrypted) == 0
    assert opens.made[1].check.done(1)
    opens.unwraps.typed("nurse", PASSWORD)  # (nothing is opened after the dialog closed)
    opens.settle()
    assert len(opens.made) == 2 and _fds_on(encrypted) == 0


def test_another_workstation_s_write_is_read_and_a_file_replaced_since_is_opened_afresh(
    encrypted: Path, tmp_path: Path
) -> None:
    opens = Opens(encrypted)
    opens.type("nurse", PASSWORD)
    assert len(opens.made) == 1
    # meanwhile another workstation signs in and adds a patient: what was opened ahead reads it
    elsewhere = sign_in_encrypted(encrypted, "manager", PASSWORD)
    try:
        make_patient(elsewhere, first_name="Written", last_name="Meanwhile")
    finally:
        elsewhere.db.dispose()
    services = opens.sign_in("nurse", PASSWORD)
    try:
        assert services is opens.made[0].services and opens.ahead.used == 1
        assert [p.last_name for p in services.patients.search("Meanwhile")] == ["Meanwhile"]
    finally:
        services.db.dispose()

    # the file replaced after it was opened ahead (a restore at another workstation): opened afresh, so
    # that nothing is read from, or written to, the file that was there before
    opens = Opens(encrypted)
    opens.type("nurse", PASSWORD)
    assert len(opens.made) == 1
    copy = tmp_path / "restored.sqlite3"
    shutil.copy2(encrypted, copy)
    os.replace(copy, encrypted)
    services = opens.sign_in("nurse", PASSWORD)
    try:
        assert services is not opens.made[0].services and opens.ahead.used == 0
        assert [p.last_name for p in services.patients.search("Meanwhile")] == ["Meanwhile"]
    finally:
        services.db.dispose()
    stopped = opens.made[0].check.stop  # what was opened ahead was closed, its check stopped
    assert stopped is not None and stopped.stopped

    # moved away (or deleted) is not the file opened either, and back in its place it is again
    key, _proof = encryption.unlock_with_proof(encrypted, "nurse", PASSWORD)
    opened = open_ahead(encrypted, key, "nurse")
    assert opened is not None
    try:
        aside = tmp_path / "aside.sqlite3"
        os.rename(encrypted, aside)
        assert not opened.still_current()
        os.rename(aside, encrypted)
        assert opened.still_current()
    finally:
        opened.close()


def test_a_schema_that_sign_in_would_upgrade_is_not_opened_ahead(encrypted: Path) -> None:
    key, _proof = encryption.unlock_with_proof(encrypted, "nurse", PASSWORD)
    conn = crypto.connect(encrypted, key, isolation_level=None)
    try:
        conn.execute("UPDATE alembic_version SET version_num = '0018'")  # as an earlier version left it
    finally:
        conn.close()
    before = file_identity(encrypted)
    assert open_ahead(encrypted, key, "nurse") is None
    assert file_identity(encrypted) == before  # no upgrade (a write) before "Sign in"
    conn = crypto.connect(encrypted, key, isolation_level=None)
    try:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("0018",)]
    finally:
        conn.close()


def test_a_stopped_check_ends_at_once_without_a_verdict_and_remembers_nothing(encrypted: Path) -> None:
    key, _proof = encryption.unlock_with_proof(encrypted, "nurse", PASSWORD)
    stop = integrity.CheckStop()
    assert unlock.quick_check(encrypted, key, stop) == []  # not stopped: the usual verdict
    add_ballast(encrypted, key)
    integrity.forget_clean_check(encrypted)

    began = time.monotonic()
    assert unlock.quick_check(encrypted, key) == []
    whole = time.monotonic() - began  # the whole file read
    integrity.forget_clean_check(encrypted)

    check = unlock.start_check(encrypted, key)  # reading the whole file, on its thread
    threading.Event().wait(whole / 10)
    began = time.monotonic()
    check.cancel(5.0)
    assert check.done() and time.monotonic() - began < whole / 3  # it stopped, not read to its end
    with pytest.raises(CheckCancelled):
        check.report()
    # a write waiting for it (the sign-in's entry, at the process's end) is refused as a storage error,
    # which the writers handle and say, never passed nor taken for damage
    gate = integrity.WriteGate(check, lambda report: AssertionError(f"taken for damage: {report}"))
    assert not gate.is_open()
    with pytest.raises(StorageError, match="stopped before it finished"):
        gate.wait()
    # neither clean nor damaged: nothing remembered, so the next start checks the file
    assert not integrity.unchanged_since_clean_check(encrypted)
    assert not Path(f"{encrypted}{integrity.CHECKED_SUFFIX}").exists()

    stopped = integrity.CheckStop()
    stopped.interrupt()  # stopped before it began: it does not begin
    with pytest.raises(CheckCancelled):
        unlock.quick_check(encrypted, key, stopped)
    # and a check not stopped still finds what it finds
    assert unlock.start_check(encrypted, key).report().ok


def test_nothing_calls_back_into_python_while_sqlite_reads_the_file(encrypted: Path) -> None:
    """The check's thread (at a lower priority) must not ask for Python's lock while SQLite reads: the GUI
    thread, made to hand the lock over, then waited for that thread to be scheduled (a progress handler
    did this: 131 ms of one sign-in). Every Python call made on the check's thread while SQLite's
    statement runs is recorded: none."""
    key, _proof = encryption.unlock_with_proof(encrypted, "nurse", PASSWORD)
    add_ballast(encrypted, key)
    integrity.forget_clean_check(encrypted)
    inside: list[str] = []
    state = {"reading": False}

    def profile(frame, event, arg):  # type: ignore[no-untyped-def]
        if threading.current_thread().name != "clinicrec-integrity-check":
            return
        if event == "c_call" and getattr(arg, "__name__", "") in ("execute", "fetchall"):
            state["reading"] = True
        elif event in ("c_return", "c_exception") and getattr(arg, "__name__", "") in ("execute", "fetchall"):
            state["reading"] = False
        elif event == "call" and state["reading"]:
            inside.append(frame.f_code.co_name)

    threading.setprofile(profile)
    try:
        check = unlock.start_check(encrypted, key)
        assert check.report().ok
    finally:
        threading.setprofile(None)  # type: ignore[arg-type]
    assert inside == []


class LateOpenAhead(OpenAhead):
    """An ``OpenAhead`` whose opening begins a moment after the unwrap's key was found (a busy machine)."""

    def found(self, wanted: tuple[str, str], key: bytes) -> None:
        threading.Event().wait(0.3)
        super().found(wanted, key)


def test_a_sign_in_the_moment_the_key_is_found_waits_for_the_opening_instead_of_opening_twice(
    encrypted: Path,
) -> None:
    made: list[OpenedAhead] = []

    def record(file: Path, key: bytes, username: str) -> OpenedAhead | None:
        opened = open_ahead(file, key, username)
        made.extend([opened] if opened is not None else [])
        return opened

    opens = LateOpenAhead(encrypted, open_file=record)
    unwraps = UnwrapAhead(encrypted, opens=opens)
    unwraps.typed("nurse", PASSWORD)  # pasted, and "Sign in" pressed while its key is being unwrapped
    for _ in range(1000):
        with unwraps._cond:
            if unwraps._running is not None:
                break
        threading.Event().wait(0.001)
    services = sign_in_encrypted(
        encrypted,
        "nurse",
        PASSWORD,
        unwrap=unwraps.unwrap("nurse", PASSWORD),
        opened=lambda key: opens.take(("nurse", PASSWORD), key),
    )
    try:
        assert len(made) == 1 and services is made[0].services and opens.used == 1
    finally:
        services.db.dispose()


def _bytes_and_log(path: Path) -> tuple[bytes, int, int]:
    wal = Path(f"{path}-wal")
    return (path.read_bytes(), path.stat().st_mtime_ns, wal.stat().st_size if wal.exists() else 0)


def test_a_file_that_opening_could_write_to_is_left_to_the_sign_in(encrypted: Path) -> None:
    """Two files whose mere opening writes, even after their check has passed: one with a log left by a
    crash (copied into the file as the last connection closes: an edit of the password, a closed dialog)
    and one in the rollback journal's mode (switched to a log, its header rewritten). Neither is opened
    ahead, so nothing is written before "Sign in"; the sign-in then opens it as before."""
    key, _proof = encryption.unlock_with_proof(encrypted, "nurse", PASSWORD)
    crash_with_a_log(encrypted, key)
    before = _bytes_and_log(encrypted)
    assert before[2] > 20000
    opens = Opens(encrypted)
    opens.type("nurse", PASSWORD)
    assert opens.made == [] and opens.ahead.opened == 0
    opens.unwraps.typed("nurse", PASSWORD[:-1])  # an edit, then the dialog closed
    opens.settle()
    opens.unwraps.forget()
    assert _bytes_and_log(encrypted) == before

    services = sign_in_encrypted(encrypted, "nurse", PASSWORD)  # the sign-in opens it, as ever
    try:
        assert services.actor is not None and [p.last_name for p in services.patients.search("Early")]
    finally:
        services.db.dispose()

    conn = crypto.connect(encrypted, key, isolation_level=None)
    assert conn.execute("PRAGMA journal_mode=DELETE").fetchone() == ("delete",)
    conn.close()
    before = _bytes_and_log(encrypted)
    assert open_ahead(encrypted, key, "nurse") is None
    assert _bytes_and_log(encrypted) == before


def test_nothing_is_opened_when_the_dialog_closed_while_the_application_was_loading(tmp_path: Path) -> None:
    """The right password typed while the application still loads (the opening waits for it), then Quit:
    the file must not be opened once the loading ends, for a dialog that is gone."""
    loaded = threading.Event()
    opened: list[str] = []

    def open_file(file: Path, key: bytes, username: str) -> OpenedAhead | None:
        opened.append(username)
        return None

    ahead = OpenAhead(tmp_path / "clinicrec.sqlite3", ready=lambda: loaded.wait(10), open_file=open_file)
    for close in (ahead.forget, lambda: ahead.typed(("nurse", "other text"))):  # Quit; an edit
        ahead.typed(("nurse", PASSWORD))
        ahead.expect(("nurse", PASSWORD))
        loaded.clear()
        finding = threading.Thread(target=ahead.found, args=(("nurse", PASSWORD), b"k" * 32))
        finding.start()
        threading.Event().wait(0.05)  # waiting for the loading
        close()
        loaded.set()
        finding.join(10)
        assert not finding.is_alive() and opened == []


def test_a_schema_upgraded_elsewhere_since_it_was_opened_ahead_is_not_used(encrypted: Path) -> None:
    """A newer ClinicRec upgrades the schema at another workstation while this dialog sits with the right
    password typed: the sign-in must not write to a schema it does not know through what was opened
    ahead; it opens the file afresh and refuses as it always did."""
    opens = Opens(encrypted)
    opens.type("nurse", PASSWORD)
    assert opens.ahead.opened == 1
    key, _proof = encryption.unlock_with_proof(encrypted, "nurse", PASSWORD)
    conn = crypto.connect(encrypted, key, isolation_level=None)
    conn.execute("UPDATE alembic_version SET version_num = 'ffff_a_newer_version'")
    conn.close()
    with pytest.raises(Exception) as afresh:  # noqa: PT011 - whatever the fresh sign-in says, as before
        sign_in_encrypted(encrypted, "nurse", PASSWORD).db.dispose()
    with pytest.raises(type(afresh.value)):
        opens.sign_in("nurse", PASSWORD).db.dispose()
    assert opens.ahead.used == 0


def test_a_refused_sign_in_stops_the_check_it_began(encrypted: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The key opened the file (its check begun on a file changed since its last one), then the sign-in
    was refused (a locked account, say): the check is stopped, not left reading the whole file, and the
    next attempt begins its own."""
    key, _proof = encryption.unlock_with_proof(encrypted, "nurse", PASSWORD)
    add_ballast(encrypted, key)
    integrity.forget_clean_check(encrypted)
    made: list[integrity.BackgroundCheck] = []
    real = unlock.start_check

    def start_check(path: Path, key: bytes) -> integrity.BackgroundCheck:
        made.append(real(path, key))
        return made[-1]

    def refused(*_args: object, **_kw: object) -> None:
        raise AuthenticationError("This account is locked")

    monkeypatch.setattr(unlock, "start_check", start_check)
    monkeypatch.setattr(unlock, "CHECK_GRACE_S", 0.0)
    monkeypatch.setattr("clinicrec.services.auth.AuthService.sign_in", refused)
    with pytest.raises(AuthenticationError, match="locked"):
        sign_in_encrypted(encrypted, "nurse", PASSWORD)
    assert len(made) == 1
    assert made[0].done(10.0)
    with pytest.raises(CheckCancelled):  # stopped (a check read to its end has a verdict)
        made[0].report()
