"""Signing in to an encrypted database without waiting for its integrity check: a file unchanged since the
clean check at the application's exit is not read again, and a file being checked is read at once while
every write (the sign-in's entry too) waits for the verdict; a damaged file is still never written."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from clinicrec.db import crypto, encryption, integrity
from clinicrec.domain.enums import Role
from clinicrec.domain.errors import AuthenticationError, StorageError
from clinicrec.domain.models import ClinicSettings, User
from clinicrec.services import unlock
from clinicrec.services.app import Services, open_services
from clinicrec.services.auth import actor_of
from clinicrec.services.opening import DatabaseRefused
from tests.conftest import PASSWORD, add_ballast, crash_with_a_log, make_patient
from tests.db.test_integrity import fingerprint

NAME = "Quenby-Lovelace"


@pytest.fixture
def clinic(tmp_path: Path) -> Path:
    """An encrypted clinic database with one patient, closed."""
    path = tmp_path / "clinic" / "clinicrec.sqlite3"
    path.parent.mkdir()
    svc = open_services(f"sqlite:///{path}", create=True)
    svc.auth.create_first_admin(User("admin", "Alex Admin", "MD", Role.ADMIN), PASSWORD)
    svc.act_as(svc.auth.sign_in("admin", PASSWORD))
    svc.clinic.setup(ClinicSettings(name="Harbour Skin Clinic"))
    make_patient(svc, last_name=NAME)
    svc.db.dispose()
    return path


class Counted:
    """The real encrypted quick_check, counted; ``held`` keeps it from starting until ``go`` is set."""

    def __init__(self, held: bool = False) -> None:
        self.calls = 0
        self.go = threading.Event()
        if not held:
            self.go.set()
        self.real = unlock.encrypted_check

    def __call__(self, key: bytes, stop: integrity.CheckStop | None = None):  # type: ignore[no-untyped-def]
        check = self.real(key, stop)

        def counted(path: Path) -> integrity.IntegrityReport:
            self.go.wait()
            self.calls += 1
            return check(path)

        return counted


def _admin_of(svc: Services) -> None:
    from sqlalchemy import select

    from clinicrec.db.models import UserRow

    with svc.db.read() as s:
        svc.act_as(actor_of(s.execute(select(UserRow).where(UserRow.username == "admin")).scalar_one()))


def test_an_encrypted_file_checked_at_exit_is_not_read_at_the_next_sign_in(
    clinic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks = Counted()
    monkeypatch.setattr(unlock, "encrypted_check", checks)
    svc = unlock.sign_in_encrypted(clinic, "admin", PASSWORD)
    assert checks.calls == 1  # never checked before: read once
    svc.close(remember_check=True)  # the application's exit: checked (with the key) and remembered
    assert checks.calls == 2
    sidecar = Path(str(clinic) + integrity.CHECKED_SUFFIX)
    assert sidecar.exists() and NAME not in sidecar.read_text()
    again = unlock.sign_in_encrypted(clinic, "admin", PASSWORD)
    assert checks.calls == 2  # provably unchanged: not read again
    assert [p.last_name for p in again.patients.search(NAME)] == [NAME]
    again.db.dispose()  # the sign-in wrote: the file changed since its check
    unlock.sign_in_encrypted(clinic, "admin", PASSWORD).db.dispose()
    assert checks.calls == 3


def test_an_encrypted_file_being_checked_is_read_at_once_and_written_once_it_passes(
    clinic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks = Counted(held=True)
    monkeypatch.setattr(unlock, "encrypted_check", checks)
    key = encryption.unlock(clinic, "admin", PASSWORD)
    svc = unlock._open_checked(clinic, key, unlock.utcnow)  # noqa: SLF001 - the sign-in's own opening
    try:
        _admin_of(svc)
        assert [p.last_name for p in svc.patients.search(NAME)] == [NAME]  # read while the check waits
        with svc.db.engine.connect() as conn, pytest.raises(Exception, match="readonly"):
            conn.exec_driver_sql("DELETE FROM patients")  # a write that skips the gate: SQLite refuses it
        assert checks.calls == 0
        checks.go.set()
        make_patient(svc, last_name="Adeyemi")  # waits for the verdict, which is good
        assert checks.calls == 1
        assert {p.last_name for p in svc.patients.search("")} >= {NAME, "Adeyemi"}
    finally:
        svc.db.dispose()


def test_a_damaged_encrypted_file_being_checked_is_never_written(
    clinic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open(clinic, "r+b") as fh:  # a bad sector in the middle of the file: that page fails its HMAC
        size = clinic.stat().st_size
        fh.seek((size // 4096 - 1) * 4096)  # the last page: a table's rows, not the schema or its version
        fh.write(bytes((i * 37 + 11) % 256 for i in range(4096)))
    before = fingerprint(clinic)
    checks = Counted(held=True)
    monkeypatch.setattr(unlock, "encrypted_check", checks)
    key = encryption.unlock(clinic, "admin", PASSWORD)
    svc = unlock._open_checked(clinic, key, unlock.utcnow)  # noqa: SLF001 - the sign-in's own opening
    try:
        checks.go.set()
        svc.db.engine.clinicrec_gate["gate"].check.report()  # the verdict is in: damaged
        with pytest.raises(DatabaseRefused, match="damaged"):
            svc.auth.sign_in("admin", PASSWORD)  # the sign-in's entry is a write: refused
        with pytest.raises(DatabaseRefused, match="damaged"):  # every later write too
            svc.auth.sign_in("admin", PASSWORD)
    finally:
        svc.db.dispose()
    assert fingerprint(clinic) == before
    assert not Path(str(clinic) + integrity.CHECKED_SUFFIX).exists()
    with pytest.raises(Exception, match="damaged"):  # and the next sign-in is refused as before
        unlock.sign_in_encrypted(clinic, "admin", PASSWORD)


def _entries(svc: Services, action: str) -> list[str]:
    with svc.db.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT changes FROM audit_log WHERE action = ?", (action,)).all()
    return [str(r[0]) for r in rows]


def test_a_sign_in_while_the_file_is_checked_is_at_once_and_its_entry_follows_the_check(
    clinic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks = Counted(held=True)
    monkeypatch.setattr(unlock, "encrypted_check", checks)
    key = encryption.unlock(clinic, "admin", PASSWORD)
    svc = unlock._open_checked(clinic, key, unlock.utcnow)  # noqa: SLF001 - the sign-in's own opening
    try:
        before = len(_entries(svc, "sign_in"))
        actor = svc.auth.sign_in("admin", PASSWORD)  # the check has not even begun: no waiting
        assert actor.username == "admin" and checks.calls == 0
        assert [p.last_name for p in svc.patients.search(NAME)] == [NAME]
        assert len(_entries(svc, "sign_in")) == before  # nothing written yet
        checks.go.set()
        svc.auth.wait_for_sign_in_entry()
        with pytest.raises(AuthenticationError):  # a wrong password is refused (and recorded) as ever
            svc.auth.sign_in("admin", "not the password")
        entries = _entries(svc, "sign_in")
        assert len(entries) == before + 1 and "signed_in_at" in entries[-1]
        assert len(_entries(svc, "sign_in_failed")) >= 1
        svc.act_as(actor)
        assert svc.audit_log.verify_chain().ok
    finally:
        svc.db.dispose()


def test_a_sign_in_while_a_damaged_file_is_checked_writes_nothing(
    clinic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open(clinic, "r+b") as fh:
        size = clinic.stat().st_size
        fh.seek((size // 4096 - 1) * 4096)  # the last page: a table's rows, not the schema or its version
        fh.write(bytes((i * 37 + 11) % 256 for i in range(4096)))
    before = fingerprint(clinic)
    checks = Counted(held=True)
    monkeypatch.setattr(unlock, "encrypted_check", checks)
    key = encryption.unlock(clinic, "admin", PASSWORD)
    svc = unlock._open_checked(clinic, key, unlock.utcnow)  # noqa: SLF001 - the sign-in's own opening
    try:
        svc.auth.sign_in("admin", PASSWORD)
        checks.go.set()
        svc.auth.wait_for_sign_in_entry()  # its entry was refused: the file is damaged
        with pytest.raises(DatabaseRefused, match="damaged"):  # and so is the user's first write
            make_patient(svc, last_name="Adeyemi")
    finally:
        svc.db.dispose()
    assert fingerprint(clinic) == before


def test_a_large_file_changed_since_its_check_opens_without_waiting_for_it(
    clinic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The opening waited up to its grace (20 ms) for every check, though a large file's cannot end so
    soon: 20 ms of every sign-in after a crash or another workstation's writes, for nothing (the file is
    opened for reading with its writes gated either way). A small file, and a large one unchanged since its
    clean check (whose check ends at once), still get the grace."""
    from clinicrec.services import opening

    waits: list[float] = []
    done = integrity.BackgroundCheck.done

    def watched(self: integrity.BackgroundCheck, wait: float = 0.0) -> bool:
        waits.append(wait)
        return done(self, wait)

    monkeypatch.setattr(integrity.BackgroundCheck, "done", watched)
    key = encryption.unlock(clinic, "admin", PASSWORD)

    def first_wait(largest_waited_for: int) -> float:
        monkeypatch.setattr(opening, "GRACE_MAX_BYTES", largest_waited_for)
        waits.clear()
        unlock._open_checked(clinic, key, unlock.utcnow).db.dispose()  # noqa: SLF001
        return waits[0]

    size = clinic.stat().st_size
    assert first_wait(size - 1) == 0.0  # large, changed (never checked): opened at once, gated
    assert first_wait(size * 2) == unlock.CHECK_GRACE_S  # small: its check may end within the grace
    svc = unlock.sign_in_encrypted(clinic, "admin", PASSWORD)
    svc.close(remember_check=True)  # the application's exit: checked and remembered
    assert first_wait(1) == unlock.CHECK_GRACE_S  # large, unchanged since: its check ends at once


def test_a_process_that_ends_while_its_check_reads_the_file_ends_quietly(clinic: Path) -> None:
    """Signed in on a file changed since its check (which reads the whole file on a thread), and quit
    at once: the process ends cleanly, its check stopped first, instead of SQLCipher decrypting pages
    while the interpreter tears OpenSSL down under it ("error decrypting page" lines, or worse)."""
    key, _proof = encryption.unlock_with_proof(clinic, "admin", PASSWORD)
    add_ballast(clinic, key)
    integrity.forget_clean_check(clinic)
    script = (
        "import atexit, sys, threading, time\n"
        # registered first, so it runs last of the exit's calls: is the check still reading by then?
        "atexit.register(lambda: print('checks left:', [t.name for t in threading.enumerate() "
        "if t.name == 'clinicrec-integrity-check']))\n"
        "from pathlib import Path\n"
        "from clinicrec.services.unlock import sign_in_encrypted\n"
        f"services = sign_in_encrypted(Path({str(clinic)!r}), 'admin', {PASSWORD!r})\n"
        "time.sleep(0.01)\n"
        "sys.exit(0)\n"  # the check still reading the file
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "error" not in done.stderr.lower(), done.stderr[:2000]
    assert "checks left: []" in done.stdout  # stopped before the interpreter's teardown began
    assert not integrity.unchanged_since_clean_check(clinic)  # stopped, not passed: checked next time


def _log_of(path: Path) -> tuple[int, int]:
    st = Path(f"{path}-wal").stat()
    return (st.st_size, st.st_mtime_ns)


def test_a_log_left_by_a_crash_is_not_copied_into_the_file_before_its_check_has_passed(
    clinic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite copies the write-ahead log into the file (a checkpoint) when the last connection to the file
    closes, ``query_only`` or not: a sign-in refused, or a dialog closed, before the check's verdict wrote
    into a file that might be damaged. Nor may the check itself write (its connection is read-only)."""
    key = encryption.unlock(clinic, "admin", PASSWORD)
    crash_with_a_log(clinic, key)
    before, log = fingerprint(clinic), _log_of(clinic)

    assert unlock.quick_check(clinic, key) == []  # the check alone, to its end: reads, writes nothing
    assert (fingerprint(clinic), _log_of(clinic)) == (before, log)

    checks = Counted(held=True)
    monkeypatch.setattr(unlock, "encrypted_check", checks)
    svc = unlock._open_checked(clinic, key, unlock.utcnow)  # noqa: SLF001 - the sign-in's own opening
    gate = svc.db.engine.clinicrec_gate["gate"]
    assert not gate.is_open()
    _admin_of(svc)
    assert svc.patients.search(NAME)  # read at once
    svc.db.dispose()  # closed before the verdict: the last of the engine's connections
    assert (fingerprint(clinic), _log_of(clinic)) == (before, log)
    checks.go.set()
    assert gate.check.report().ok
    assert (fingerprint(clinic), _log_of(clinic)) == (before, log)

    # Every connection made meanwhile was read-only at SQLite's level (what cannot write cannot copy the
    # log either): once the check has passed, the file is the application's again, and each is replaced by
    # one that can write at its next use; the sign-in's entry is written, and closing the last connection
    # copies the log into the file as SQLite always does.
    checks.go.clear()
    svc = unlock._open_checked(clinic, key, unlock.utcnow)  # noqa: SLF001

    def read_only() -> bool:
        with svc.db.engine.connect() as conn:
            return bool(conn.connection._connection_record.info["clinicrec_read_only"])  # type: ignore[union-attr]

    try:
        _admin_of(svc)
        assert svc.patients.search(NAME)
        assert read_only()
        with svc.db.engine.connect() as conn, pytest.raises(Exception, match="readonly"):
            conn.exec_driver_sql("PRAGMA query_only=OFF")
            conn.exec_driver_sql("DELETE FROM left_in_the_log")  # a write behind the gate's back: refused
        checks.go.set()
        svc.auth.sign_in("admin", PASSWORD)
        svc.auth.wait_for_sign_in_entry()  # its entry in the audit trail, written once the check passed
        assert _log_of(clinic)[0] > log[0] and not read_only()
    finally:
        svc.db.dispose()
    assert fingerprint(clinic)[0] != before[0]


def test_a_file_in_another_journal_mode_is_switched_to_a_log_only_once_its_check_has_passed(
    clinic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Switching a file to write-ahead logging rewrites its header: a write like any other, so not before
    the verdict (a restored or copied file may be in the rollback journal's mode)."""
    key = encryption.unlock(clinic, "admin", PASSWORD)
    conn = crypto.connect(clinic, key, isolation_level=None)
    assert conn.execute("PRAGMA journal_mode=DELETE").fetchone() == ("delete",)
    conn.close()
    before = fingerprint(clinic)
    checks = Counted(held=True)
    monkeypatch.setattr(unlock, "encrypted_check", checks)
    svc = unlock._open_checked(clinic, key, unlock.utcnow)  # noqa: SLF001
    try:
        _admin_of(svc)
        assert svc.patients.search(NAME)
        assert fingerprint(clinic) == before  # read, not switched
        checks.go.set()
        svc.auth.sign_in("admin", PASSWORD)
        svc.auth.wait_for_sign_in_entry()  # a write (its audit entry), once the check has passed
        with svc.db.read() as s:
            assert s.connection().exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        svc.db.dispose()


def test_a_check_that_breaks_refuses_writes_and_never_opens_the_gate(tmp_path: Path) -> None:
    """Not only a stopped check: one that cannot read the file at all (no file handles left, no right to
    read it) must neither open the gate nor raise its own error into every read and the sign-in."""

    def broken(path: Path) -> integrity.IntegrityReport:
        raise PermissionError(13, "Permission denied", str(path))

    check = integrity.BackgroundCheck(tmp_path / "clinicrec.sqlite3", broken)
    check.done(5.0)
    gate = integrity.WriteGate(check, lambda report: AssertionError(f"taken for damage: {report}"))
    assert not gate.is_open()
    with pytest.raises(StorageError, match="could not be checked.*Permission denied"):
        gate.wait()
    assert not gate.is_open()


def test_a_check_begun_after_the_exit_has_stopped_the_others_is_stopped_before_it_reads(
    clinic: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The exit's hook stops every check running; one begun after it, on another thread (a sign-in's),
    would read on while the interpreter tears SQLCipher's OpenSSL down."""
    key = encryption.unlock(clinic, "admin", PASSWORD)
    integrity.forget_clean_check(clinic)
    monkeypatch.setattr(integrity, "_exiting", True)  # (what the hook sets, for this test only)
    check = unlock.start_check(clinic, key)
    with pytest.raises(integrity.CheckCancelled):
        check.report()
