"""Start-up integrity check: damage found, the damaged file never written, the latest good backup offered."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import sys
import threading
from pathlib import Path

import pytest

from clinicrec.db import integrity
from clinicrec.db.backup import BackupKind, backup_name
from clinicrec.services.maintenance import MaintenanceService, check_database
from tests.conftest import World, make_patient


def damage(path: Path, table: str = "audit_log") -> None:
    """Overwrite the root page of ``table`` with garbage, as a torn write or a bad sector would."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
    finally:
        conn.close()
    with open(path, "r+b") as fh:
        fh.seek((root - 1) * page_size)
        fh.write(bytes((i * 37 + 11) % 256 for i in range(page_size)))


def fingerprint(path: Path) -> tuple[str, int, int]:
    """The database file's bytes and mtime, and how much its WAL holds: unchanged means nothing was written.

    (A read-only connection to a WAL-mode file may create an empty WAL and the shared-memory index;
    neither holds data.)
    """
    wal = Path(str(path) + "-wal")
    return (
        hashlib.sha256(path.read_bytes()).hexdigest(),
        os.stat(path).st_mtime_ns,
        wal.stat().st_size if wal.exists() else 0,
    )


def _closed(world: World) -> Path:
    assert world.path is not None
    world.services.db.dispose()  # the last connection checkpoints the WAL into the file
    return world.path


def test_healthy_database_passes_quick_and_full_checks(world: World) -> None:
    make_patient(world.services)
    path = _closed(world)
    assert integrity.check_file(path).ok
    assert integrity.check_file(path, full=True).ok
    result = check_database(f"sqlite:///{path}")
    assert result.ok and result.problems == () and result.latest_backup is None


def test_missing_file_is_a_new_database(tmp_path: Path) -> None:
    report = integrity.check_file(tmp_path / "nothing.sqlite3")
    assert report.ok and not report.exists
    assert check_database(f"sqlite:///{tmp_path / 'nothing.sqlite3'}").ok
    assert not (tmp_path / "nothing.sqlite3").exists()  # checking did not create it


def test_a_file_that_is_not_a_database_fails(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite3"
    path.write_text("Dear diary, " * 500)
    report = integrity.check_file(path)
    assert not report.ok and report.problems == ("the file is not a SQLite database",)


def test_damaged_page_is_found_without_writing_to_the_file(world: World) -> None:
    path = _closed(world)
    damage(path)
    before = fingerprint(path)
    report = integrity.check_file(path)
    assert not report.ok and report.problems
    result = check_database(f"sqlite:///{path}")
    assert not result.ok
    assert "damaged" in result.message and "has not written to it" in result.message
    assert "No good backup was found" in result.message  # none made yet: says so plainly
    assert fingerprint(path) == before


def test_a_check_started_early_gives_the_same_answer(world: World, tmp_path: Path) -> None:
    """Start-up starts the quick check on a thread before loading the application (cli._cmd_run)."""
    path = _closed(world)
    url = f"sqlite:///{path}"
    good = integrity.BackgroundCheck(path)
    assert good.report() == integrity.check_file(path) and good.report().ok
    assert check_database(url, started=good) == check_database(url)
    damage(path)
    before = fingerprint(path)
    bad = integrity.BackgroundCheck(path)
    assert not bad.report().ok and bad.report() == integrity.check_file(path)
    result = check_database(url, started=bad)
    assert not result.ok and "damaged" in result.message
    assert fingerprint(path) == before  # never written
    # a check of another file is not taken for this one's
    elsewhere = integrity.BackgroundCheck(tmp_path / "nothing.sqlite3")
    assert not check_database(url, started=elsewhere).ok


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread priorities are Linux's")
def test_the_check_runs_at_a_lower_priority_than_the_start(world: World) -> None:
    """The check's thread yields the processors to the start (its main window, its first page); the
    thread that started it keeps its priority."""
    path = _closed(world)
    seen: list[int] = []
    mine = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    def check(p: Path) -> integrity.IntegrityReport:
        seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        return integrity.check_file(p)

    report = integrity.BackgroundCheck(path, check).report()
    assert report.ok
    assert seen == [min(19, mine + integrity.CHECK_NICENESS)] and seen[0] > mine
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == mine


def test_foreign_key_damage_is_found_by_the_full_check(world: World) -> None:
    path = _closed(world)
    conn = sqlite3.connect(path)  # foreign keys off: as a buggy tool or a manual edit would leave it
    conn.execute(
        "INSERT INTO injection_points (session_id, seq, zone, x, y, vial_id, units, volume_ml, "
        "basis) VALUES (999, 0, 'chin', 0.5, 0.5, 999, 1, 0.01, 'units')"
    )
    conn.commit()
    conn.close()
    assert integrity.check_file(path).ok  # quick_check does not look at foreign keys
    report = integrity.check_file(path, full=True)
    assert not report.ok
    assert any("injection_points" in p and "missing" in p for p in report.problems)


def test_damaged_database_is_offered_the_latest_good_backup(world: World) -> None:
    svc = world.services
    svc.act_as(world.admin)
    maintenance = MaintenanceService(svc.ctx)
    older = maintenance.backup_now()
    world.clock.advance(hours=1)
    newest_good = maintenance.backup_now()
    folder = newest_good.path.parent
    # Newer files that must not be offered: a damaged backup, and a database a restore replaced.
    world.clock.advance(hours=1)
    bad = folder / backup_name(world.path.stem, BackupKind.MANUAL, world.clock())  # type: ignore[union-attr]
    shutil.copy(newest_good.path, bad)
    damage(bad)
    replaced = folder / backup_name(world.path.stem, BackupKind.REPLACED, world.clock())  # type: ignore[union-attr]
    shutil.copy(newest_good.path, replaced)
    path = _closed(world)
    damage(path)

    result = check_database(f"sqlite:///{path}")
    assert not result.ok
    assert result.latest_backup is not None and result.latest_backup.path == newest_good.path != older.path
    assert result.latest_backup.label in result.message
    assert "kept aside" in result.message


def test_service_check_of_the_open_database(world: World) -> None:
    maintenance = MaintenanceService(world.services.ctx)
    assert maintenance.integrity_check().ok
    path = _closed(world)
    damage(path, "patients")
    assert not maintenance.integrity_check().ok


@pytest.mark.postgres
def test_check_on_postgresql(world: World, backend: str, db_url: str) -> None:
    result = check_database(db_url)
    assert result.ok
    if backend == "postgresql":
        assert "PostgreSQL" in result.message
