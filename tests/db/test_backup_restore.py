"""Backups: on request, daily, on exit, safe while writing. Restores: checked first, old one kept aside."""

from __future__ import annotations

import hashlib
import io
import shutil
import sqlite3
import stat
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from clinicrec import cli
from clinicrec.db import integrity
from clinicrec.db.engine import Database, make_engine
from clinicrec.db.models import AuditRow, PatientRow, PointRow, SessionRow
from clinicrec.domain.enums import Indication, TimePoint, Zone
from clinicrec.domain.errors import AuthenticationError, PermissionDenied
from clinicrec.domain.models import Assessment, Consent, InjectionPoint, TreatmentSession
from clinicrec.domain.scales import CURRENT_SCALE_VERSION
from clinicrec.services import audit
from clinicrec.services.app import Services
from clinicrec.services.base import Context
from clinicrec.services.files import OutputError
from clinicrec.services.maintenance import (
    AUTOMATIC,
    BackupError,
    BackupKind,
    MaintenanceService,
    RestoreRefused,
    check_database,
    restore_damaged,
)
from tests.conftest import PASSWORD, Clock, World, make_patient, make_vial
from tests.db.test_integrity import damage


def _maintenance(world: World, actor=None) -> MaintenanceService:  # type: ignore[no-untyped-def]
    world.services.act_as(actor or world.admin)
    return MaintenanceService(world.services.ctx)


def _read_only(path: Path) -> Session:
    return Session(create_engine("sqlite://", creator=lambda: integrity.connect_read_only(path)))


def _patients(path: Path) -> set[str]:
    with _read_only(path) as s:
        return set(s.execute(select(PatientRow.chart_number)).scalars())


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _last_entry(world: World) -> AuditRow:
    with world.services.db.read() as s:
        return s.execute(select(AuditRow).order_by(AuditRow.id.desc()).limit(1)).scalar_one()


def _audit_ok(world: World) -> None:
    with world.services.db.read() as s:
        result = audit.verify(s)
    assert result.ok, result.problems


# -- backups ---------------------------------------------------------------------------------------------
def test_backup_on_request_is_a_whole_checked_private_copy(world: World) -> None:
    p = make_patient(world.services)
    info = _maintenance(world).backup_now()
    assert info.kind == BackupKind.MANUAL and info.path.parent == world.path.parent / "backups"  # type: ignore[union-attr]
    assert integrity.check_file(info.path, full=True).ok
    assert _patients(info.path) == {p.chart_number}
    assert not Path(str(info.path) + "-wal").exists()  # one self-contained file
    assert stat.S_IMODE(info.path.stat().st_mode) == 0o600  # health information: owner only
    entry = _last_entry(world)
    assert (entry.action, entry.username) == ("backup", "admin") and str(info.path) in entry.changes
    _audit_ok(world)


def test_backup_to_a_chosen_file_never_overwrites(world: World, tmp_path: Path) -> None:
    maintenance = _maintenance(world)
    target = tmp_path / "usb" / "clinic-copy.sqlite3"
    with pytest.raises(OutputError, match="does not exist"):  # a folder nobody asked for is never made
        maintenance.backup_now(target)
    assert not target.parent.exists()
    target.parent.mkdir()
    assert maintenance.backup_now(target).path == target
    with pytest.raises(BackupError, match="already exists"):
        maintenance.backup_now(target)
    with pytest.raises(BackupError, match="over the database itself"):
        maintenance.backup_now(world.path, overwrite=True)
    assert maintenance.backup_now(target, overwrite=True).path == target


def test_backup_and_restore_need_permission(world: World, tmp_path: Path) -> None:
    with pytest.raises(PermissionDenied):
        _maintenance(world, world.injector).backup_now()
    info = _maintenance(world, world.manager).backup_now()  # managers back up ...
    with pytest.raises(PermissionDenied):
        _maintenance(world, world.manager).restore(info.path)  # ... only administrators restore
    world.services.act_as(None)
    with pytest.raises(PermissionDenied):
        MaintenanceService(world.services.ctx).backup_now()


def _writer(url: str, world: World, stop: threading.Event, errors: list[BaseException]) -> None:
    """Another workstation's worth of charting on its own connection, until told to stop."""
    db = Database(make_engine(url))
    svc = Services(Context(db, Clock()))
    svc.act_as(world.injector)
    try:
        for i in range(10_000):
            if stop.is_set():
                break
            vial = make_vial(svc)
            now = datetime.now(UTC)
            n = 20 + (i * 7) % 41
            draft = TreatmentSession(
                patient_id=make_patient(svc).id,
                performed_at=now,
                injector_id=world.injector.user_id,  # type: ignore[arg-type]
                consent=Consent("MB-CONSENT-1", now, "Nina Nurse"),
                indications=frozenset({Indication.PORES}),
                points=tuple(InjectionPoint.from_units(Zone.NECK, 0.5, 0.9, vial, 1) for _ in range(n)),
                baseline=Assessment(TimePoint.BASELINE, now.date(), 1, 2, 3, CURRENT_SCALE_VERSION),
                notes=f"n={n}",
            )
            svc.charting.sign(svc.charting.save_draft(draft).id, PASSWORD)  # type: ignore[arg-type]
    except BaseException as e:  # noqa: BLE001 - handed to the test thread
        errors.append(e)
    finally:
        db.dispose()


def _whole_sessions(path: Path) -> int:
    """Sessions in a backup; each must have every point its notes promise."""
    with _read_only(path) as s:
        result = audit.verify(s)
        assert result.ok, result.problems
        counts = dict(
            s.execute(select(PointRow.session_id, func.count()).group_by(PointRow.session_id)).all()
        )
        sessions = s.execute(select(SessionRow.id, SessionRow.notes)).all()
    for sid, notes in sessions:
        assert counts.get(sid, 0) == int(notes.removeprefix("n=")), f"session {sid} is partial in the backup"
    return len(sessions)


def test_backups_taken_while_another_workstation_writes_are_consistent(world: World, db_url: str) -> None:
    maintenance = _maintenance(world)
    stop, errors = threading.Event(), []  # type: ignore[var-annotated]
    writer = threading.Thread(target=_writer, args=(db_url, world, stop, errors))
    writer.start()
    counts = []
    try:
        for i in range(8):
            info = maintenance.backup_now(world.path.parent / f"during-{i}.sqlite3")  # type: ignore[union-attr]
            assert integrity.check_file(info.path, full=True).ok
            counts.append(_whole_sessions(info.path))
            threading.Event().wait(0.08)  # let the writer commit a few more sessions
    finally:
        stop.set()
        writer.join(timeout=30)
    assert not errors, errors
    assert counts == sorted(counts) and counts[-1] > counts[0], counts  # the writer really ran meanwhile


def test_damaged_database_is_not_backed_up_and_earlier_backups_stay(world: World) -> None:
    maintenance = _maintenance(world)
    good = maintenance.backup_now()
    good_sha = _sha(good.path)
    world.services.db.dispose()
    damage(world.path)  # type: ignore[arg-type]
    with pytest.raises(BackupError, match="damaged"):
        maintenance.backup_now()
    with pytest.raises(BackupError, match="damaged"):
        maintenance.backup_on_exit()
    assert [b.path for b in maintenance.list_backups()] == [good.path]
    assert _sha(good.path) == good_sha
    assert not list(good.path.parent.glob("*.part"))


def test_automatic_backups_daily_on_exit_and_rotated(world: World) -> None:
    svc = world.as_(world.admin)
    svc.clinic.update(replace(svc.clinic.get(), backups_kept=3))
    maintenance = MaintenanceService(svc.ctx)
    manual = maintenance.backup_now()
    svc.act_as(None)  # automatic backups need nobody signed in
    world.clock.set(datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0))
    first = maintenance.auto_backup_if_due()
    assert first is not None and first.kind == BackupKind.AUTO
    world.clock.advance(hours=1)
    assert maintenance.auto_backup_if_due() is None  # at most daily
    world.clock.advance(hours=1)
    svc.act_as(world.injector)
    make_patient(svc)
    svc.act_as(None)
    on_exit = maintenance.backup_on_exit()  # refreshes today's: the day's last state, still one a day
    autos = [b for b in maintenance.list_backups() if b.kind == BackupKind.AUTO]
    assert [b.path for b in autos] == [on_exit.path] and not first.path.exists()
    assert len(_patients(on_exit.path)) == 1
    for _ in range(5):
        world.clock.advance(days=1)
        assert maintenance.auto_backup_if_due() is not None
    autos = [b for b in maintenance.list_backups() if b.kind == BackupKind.AUTO]
    assert len(autos) == 3  # ClinicSettings.backups_kept
    assert autos[0].taken_at.date() == world.clock().date()
    assert manual.path.exists()  # backups asked for are never rotated away
    entry = _last_entry(world)
    assert (entry.action, entry.username, entry.user_id) == ("backup", AUTOMATIC, None)
    _audit_ok(world)


# -- restores ---------------------------------------------------------------------------------------------
def test_restore_brings_back_the_backup_and_keeps_the_replaced_database(world: World) -> None:
    svc = world.services
    before = make_patient(svc)
    maintenance = _maintenance(world)
    backup = maintenance.backup_now()
    world.services.act_as(world.injector)
    after = make_patient(svc)  # recorded after the backup: lost by the restore, but kept aside
    other = Database(make_engine(svc.db.url))  # another connection open throughout (another window, a report)
    with other.read() as s:
        assert s.execute(select(func.count(PatientRow.id))).scalar_one() == 2

    result = _maintenance(world).restore(backup.path)

    with svc.db.read() as s:
        assert set(s.execute(select(PatientRow.chart_number)).scalars()) == {before.chart_number}
    with other.read() as s:  # the other connection sees the restored database, not a stale file
        assert s.execute(select(func.count(PatientRow.id))).scalar_one() == 1
    other.dispose()
    assert result.patients == 1 and not result.replaced_was_damaged and not result.migrated
    assert result.replaced_kept_at is not None
    assert _patients(result.replaced_kept_at) == {before.chart_number, after.chart_number}
    entry = _last_entry(world)
    assert (entry.action, entry.username) == ("restore", "admin") and str(backup.path) in entry.changes
    assert str(result.replaced_kept_at) in entry.changes
    _audit_ok(world)
    assert integrity.check_file(world.path, full=True).ok  # type: ignore[arg-type]
    world.services.act_as(world.injector)
    make_patient(svc)  # the application carries on on the restored database
    _audit_ok(world)
    assert "Work recorded after the backup" in result.message


def _text_file(tmp: Path, good: Path) -> Path:
    (tmp / "notes.sqlite3").write_text("not a database at all " * 100)
    return tmp / "notes.sqlite3"


def _other_sqlite(tmp: Path, good: Path) -> Path:
    conn = sqlite3.connect(tmp / "recipes.sqlite3")
    conn.execute("CREATE TABLE recipes (name TEXT)")
    conn.commit()
    conn.close()
    return tmp / "recipes.sqlite3"


def _copy_then(sql: list[str]) -> Callable[[Path, Path], Path]:
    def build(tmp: Path, good: Path) -> Path:
        bad = tmp / "altered.sqlite3"
        shutil.copy(good, bad)
        conn = sqlite3.connect(bad)  # foreign keys and the append-only guard are not enforced here
        for stmt in sql:
            conn.execute(stmt)
        conn.commit()
        conn.close()
        return bad

    return build


def _damaged(tmp: Path, good: Path) -> Path:
    bad = tmp / "damaged.sqlite3"
    shutil.copy(good, bad)
    damage(bad, "patients")
    return bad


REFUSALS = {
    "missing file": (lambda tmp, good: tmp / "nowhere.sqlite3", "is not a file"),
    "not SQLite": (_text_file, "not a ClinicRec database"),
    "another application's SQLite": (_other_sqlite, "not a ClinicRec database"),
    "unknown schema version": (
        _copy_then(["UPDATE alembic_version SET version_num = 'ffff9999'"]),
        "schema version ffff9999",
    ),
    "damaged": (_damaged, "failed its integrity check"),
    "broken foreign key": (
        _copy_then(
            [
                "INSERT INTO injection_points (session_id, seq, zone, x, y, vial_id, "
                "units, volume_ml, basis) "
                "VALUES (999, 0, 'chin', .5, .5, 999, 1, .01, 'units')"
            ]
        ),
        "failed its integrity check",
    ),
    "altered audit trail": (
        _copy_then(
            ["DROP TRIGGER audit_log_no_update", "UPDATE audit_log SET username = 'mallory' WHERE id = 2"]
        ),
        "audit trail does not verify",
    ),
    "newest audit entries removed": (
        _copy_then(
            [
                "DROP TRIGGER audit_log_no_delete",
                "DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)",
            ]
        ),
        "newest entries after entry",
    ),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_restore_refuses_a_bad_file_and_changes_nothing(world: World, tmp_path: Path, case: str) -> None:
    build, message = REFUSALS[case]
    make_patient(world.services)
    maintenance = _maintenance(world)
    good = maintenance.backup_now(tmp_path / "good.sqlite3")
    bad = build(tmp_path, good.path)
    make_patient(world.services)
    entries = _last_entry(world).id
    with pytest.raises(RestoreRefused, match=message):
        maintenance.restore(bad)
    assert len(_patients(world.path)) == 2  # type: ignore[arg-type]
    assert _last_entry(world).id == entries
    assert not [b for b in maintenance.list_backups() if b.kind == BackupKind.REPLACED]
    assert not list(world.path.parent.glob(".*restore*"))  # type: ignore[union-attr]


def test_restore_refuses_the_database_in_use(world: World) -> None:
    with pytest.raises(RestoreRefused, match="database in use"):
        _maintenance(world).restore(world.path)  # type: ignore[arg-type]


def test_damaged_database_restored_without_signing_in_to_it(world: World) -> None:
    p = make_patient(world.services)
    backup = _maintenance(world).backup_now()
    world.services.db.dispose()
    live = world.path
    assert live is not None
    damage(live)
    damaged_sha = _sha(live)
    url = f"sqlite:///{live}"
    state = check_database(url)
    assert not state.ok and state.latest_backup is not None and state.latest_backup.path == backup.path

    with pytest.raises(AuthenticationError):
        restore_damaged(url, backup.path, username="admin", password="wrong password")
    with pytest.raises(PermissionDenied):
        restore_damaged(url, backup.path, username="nurse", password=PASSWORD)
    assert _sha(live) == damaged_sha  # refused: not touched

    result = restore_damaged(url, backup.path, username="admin", password=PASSWORD)
    assert result.replaced_was_damaged and result.replaced_kept_at is not None
    assert _sha(result.replaced_kept_at) == damaged_sha  # kept aside exactly as it was, for IT support
    assert check_database(url).ok
    assert _patients(live) == {p.chart_number}
    world.services.db.dispose()
    entry = _last_entry(world)
    assert (entry.action, entry.username) == ("restore", "admin")
    _audit_ok(world)


# -- command line ---------------------------------------------------------------------------------------
def test_command_line_backup_check_and_restore(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    p = make_patient(world.services)
    db = str(world.path)
    out = tmp_path / "copy.sqlite3"
    admin = ["--user", "admin", "--password-stdin"]

    def signed(*argv: str) -> int:
        monkeypatch.setattr("sys.stdin", io.StringIO(f"{PASSWORD}\n"))
        return cli.main(["--db", db, *argv, *admin])

    assert signed("backup", "-o", str(out)) == 0
    assert _patients(out) == {p.chart_number}
    assert signed("check", "--full") == 0
    assert "Audit trail intact" in capsys.readouterr().out
    assert signed("backup", "--list") == 0

    make_patient(world.services)
    assert signed("restore", str(out)) == 0
    assert "Restored copy.sqlite3: 1 patients" in capsys.readouterr().out
    assert signed("restore", str(tmp_path / "nowhere.sqlite3")) == 2
    assert "nothing was restored" in capsys.readouterr().err

    world.services.db.dispose()
    damage(Path(db))
    assert cli.main(["--db", db, "check"]) == 1
    assert "damaged" in capsys.readouterr().out
    assert signed("backup") == 2  # a damaged database is not backed up
    assert signed("restore", str(out)) == 0
    assert cli.main(["--db", db, "check"]) == 0
    assert _patients(Path(db)) == {p.chart_number}


# -- PostgreSQL -----------------------------------------------------------------------------------------
@pytest.mark.postgres
def test_backups_on_postgresql_are_the_servers_job(world: World, backend: str) -> None:
    maintenance = _maintenance(world)
    if backend == "sqlite":
        assert maintenance.auto_backup_if_due() is not None
        return
    assert maintenance.auto_backup_if_due() is None and maintenance.backup_on_exit() is None
    assert maintenance.list_backups() == []
    with pytest.raises(BackupError, match="pg_dump"):
        maintenance.backup_now()
    with pytest.raises(BackupError, match="pg_restore"):
        maintenance.restore(Path("anything.sqlite3"))
    assert maintenance.integrity_check().ok


def test_backup_names_sort_by_time(world: World) -> None:
    maintenance = _maintenance(world)
    world.clock.set(datetime(2025, 3, 14, 17, 2, 3, 123456, tzinfo=UTC))
    a = maintenance.backup_now()
    world.clock.advance(seconds=0.5)
    b = maintenance.backup_now()
    assert a.path.name.endswith("-manual-20250314T170203.123Z.sqlite3")
    assert [x.path for x in maintenance.list_backups()] == [b.path, a.path]
    assert maintenance.list_backups()[1].taken_at == a.taken_at
    assert a.taken_at == datetime(2025, 3, 14, 17, 2, 3, 123000, tzinfo=UTC)
    assert timedelta(0) < b.taken_at - a.taken_at
    c = maintenance.backup_now()  # the same moment by the clock: a new file all the same
    assert c.path != b.path and len(maintenance.list_backups()) == 3


def test_restoring_an_older_schema_migrates_the_copy_first(world: World, tmp_path: Path) -> None:
    from alembic import command
    from alembic.script import ScriptDirectory

    from clinicrec.db.migrate import alembic_config, current_revision, head_revision

    cfg = alembic_config()
    revisions = ScriptDirectory.from_config(cfg).walk_revisions()
    first = next(r.revision for r in revisions if r.down_revision is None)
    if first == head_revision():
        pytest.skip("only one schema revision so far")
    p = make_patient(world.services)
    old = _maintenance(world).backup_now(tmp_path / "old.sqlite3")
    engine = create_engine(f"sqlite:///{old.path}")
    with engine.begin() as conn:  # as a backup made by the first released version would be
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, first)
    engine.dispose()
    old_sha = _sha(old.path)

    result = _maintenance(world).restore(old.path)
    assert result.migrated and result.schema_revision == first
    assert current_revision(world.services.db.engine) == head_revision()
    assert _patients(world.path) == {p.chart_number}  # type: ignore[arg-type]
    assert _sha(old.path) == old_sha  # the chosen file itself is never changed
    _audit_ok(world)
