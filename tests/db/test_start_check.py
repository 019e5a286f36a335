"""Start-up without waiting for the integrity check: a file unchanged since its last clean check is not
read again (its sidecar proves it), and a file still being checked is read at once while every write
waits behind a gate; a damaged file is still never written."""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

import pytest

from clinicrec.db import integrity
from clinicrec.services.app import open_services
from clinicrec.services.opening import DatabaseRefused
from clinicrec.services.permissions import Actor
from tests.conftest import World, make_patient
from tests.db.test_integrity import damage, fingerprint


class HeldCheck(integrity.BackgroundCheck):
    """A real check of the file that begins only when the test lets it (a large file's, still reading)."""

    def __init__(self, path: Path) -> None:
        self.go = threading.Event()
        super().__init__(path)

    def _run(self) -> None:
        self.go.wait()
        super()._run()


@pytest.fixture
def nurse(world: World) -> Actor:
    return world.injector


@pytest.fixture
def closed(world: World) -> Path:
    if world.path is None:
        pytest.skip("the integrity check is SQLite's (a PostgreSQL server checks its own storage)")
    make_patient(world.services, last_name="Okafor")
    world.services.db.dispose()  # the last connection checkpoints the WAL into the file
    return world.path


def test_a_clean_check_is_remembered_until_anything_touches_the_file(closed: Path) -> None:
    first = integrity.check_remembering(closed)
    assert first.ok and not first.remembered
    sidecar = Path(str(closed) + integrity.CHECKED_SUFFIX)
    assert sidecar.exists() and sidecar.stat().st_mode & 0o777 == 0o600
    assert "Okafor" not in sidecar.read_text()  # it holds the file's identity, nothing of its data
    again = integrity.check_remembering(closed)
    assert again.ok and again.remembered
    # a write through SQLite: checked again (and remembered again, being clean)
    conn = sqlite3.connect(closed)
    conn.execute("UPDATE patients SET notes = 'seen' WHERE last_name = 'Okafor'")
    conn.commit()
    conn.close()
    assert not integrity.check_remembering(closed).remembered
    assert integrity.check_remembering(closed).remembered


def test_damage_with_the_old_times_put_back_is_still_found(closed: Path) -> None:
    assert integrity.check_remembering(closed).ok
    st = os.stat(closed)
    damage(closed)
    os.utime(closed, ns=(st.st_atime_ns, st.st_mtime_ns))  # as a careless copy tool would leave it
    report = integrity.check_remembering(closed)
    assert not report.ok and not report.remembered and report.problems
    assert not Path(str(closed) + integrity.CHECKED_SUFFIX).exists()  # a damaged file is not remembered
    assert not integrity.check_remembering(closed).ok


def test_a_file_being_checked_is_read_at_once_and_written_once_it_passes(closed: Path, nurse: Actor) -> None:
    check = HeldCheck(closed)
    services = open_services(f"sqlite:///{closed}", started=check, defer_check=True)
    services.act_as(nurse)
    try:
        assert [p.last_name for p in services.patients.search("okaf")] == ["Okafor"]  # read: no waiting
        with services.db.engine.connect() as conn, pytest.raises(Exception, match="readonly"):
            conn.exec_driver_sql("DELETE FROM patients")  # a write that skips the gate: SQLite refuses it
        assert not check.done()
        check.go.set()
        make_patient(services, last_name="Adeyemi")  # waits for the verdict, which is good
        assert {p.last_name for p in services.patients.search("")} >= {"Okafor", "Adeyemi"}
        with services.db.engine.begin() as conn:  # the gate is open: connections write again
            conn.exec_driver_sql("UPDATE patients SET notes = 'x' WHERE last_name = 'Adeyemi'")
    finally:
        services.db.dispose()


def test_a_damaged_file_still_being_checked_is_never_written(closed: Path, nurse: Actor) -> None:
    damage(closed, "audit_log")
    before = fingerprint(closed)
    check = HeldCheck(closed)
    services = open_services(f"sqlite:///{closed}", started=check, defer_check=True)
    services.act_as(nurse)
    try:
        check.go.set()
        with pytest.raises(DatabaseRefused, match="damaged") as refused:
            make_patient(services, last_name="Adeyemi")
        assert refused.value.damaged is not None and not refused.value.damaged.ok
        with pytest.raises(DatabaseRefused, match="damaged"):  # every later write too
            make_patient(services, last_name="Adeyemi")
        with services.db.engine.connect() as conn, pytest.raises(Exception, match="readonly"):
            conn.exec_driver_sql("DELETE FROM patients")
    finally:
        services.db.dispose()
    assert fingerprint(closed) == before


def test_the_command_line_still_waits_for_the_verdict(closed: Path) -> None:
    """Without ``defer_check`` (every command, backups, restores) the check is waited for, as before."""
    damage(closed)
    before = fingerprint(closed)
    with pytest.raises(DatabaseRefused, match="damaged"):
        open_services(f"sqlite:///{closed}", started=integrity.BackgroundCheck(closed))
    assert fingerprint(closed) == before


def test_the_application_s_exit_leaves_the_file_checked(world: World) -> None:
    """``Services.close(remember_check=True)`` (the main window's exit): the next start reads nothing."""
    if world.path is None:
        pytest.skip("SQLite files only")
    make_patient(world.services, last_name="Okafor")
    world.services.close(remember_check=True)
    assert integrity.check_remembering(world.path).remembered
    make_patient(world.services, last_name="Adeyemi")  # the services open again on their next use
    world.services.close()
    assert not integrity.check_remembering(world.path).remembered
