"""Disk full: the save fails with a plain StorageError, nothing partial is left, the next save works.

Two ways to fill the disk: SQLite's page-count cap (``PRAGMA max_page_count``; runs everywhere) and a
real, tiny tmpfs filled to the last byte (real ENOSPC; needs permission to mount, so it is skipped
where that is not allowed).
"""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import OperationalError

from clinicrec.db import integrity
from clinicrec.db.engine import Database, make_engine
from clinicrec.db.models import AssessmentRow, AuditRow, PatientRow, PointRow, SessionRow
from clinicrec.domain.enums import Indication, SessionStatus, TimePoint, Zone
from clinicrec.domain.errors import StorageError
from clinicrec.domain.models import Assessment, Consent, InjectionPoint, TreatmentSession
from clinicrec.domain.scales import CURRENT_SCALE_VERSION
from clinicrec.services import audit
from clinicrec.services.app import Services
from clinicrec.services.base import Context
from tests.conftest import PASSWORD, Clock, World, make_patient, make_vial


def _draft(world: World, services: Services, n_points: int = 60) -> TreatmentSession:
    patient = make_patient(services)
    vial = make_vial(services)
    now = world.clock()
    points = tuple(
        InjectionPoint.from_units(Zone.FOREHEAD, 0.3 + i * 0.005, 0.4, vial, 1.0) for i in range(n_points)
    )
    return TreatmentSession(
        patient_id=patient.id,
        performed_at=now,
        injector_id=world.injector.user_id,  # type: ignore[arg-type]
        consent=Consent("MB-CONSENT-1", now, "Nina Nurse"),
        indications=frozenset({Indication.PORES}),
        notes="x" * 2000,
        points=points,
        baseline=Assessment(TimePoint.BASELINE, now.date(), 3, 2, 1, CURRENT_SCALE_VERSION),
    )


def _counts(services: Services) -> dict[str, int]:
    with services.db.read() as s:
        return {
            row.__tablename__: s.execute(select(func.count()).select_from(row)).scalar_one()
            for row in (SessionRow, PointRow, AssessmentRow, AuditRow, PatientRow)
        }


def _assert_sound(services: Services, path: Path) -> None:
    with services.db.read() as s:
        result = audit.verify(s)
    assert result.ok, result.problems
    assert integrity.check_file(path, full=True).ok


def _fill_until_full(
    services: Services, world: World
) -> tuple[TreatmentSession, dict[str, int], StorageError]:
    """Save sessions until the disk is full: the draft that failed, the counts before it, the error."""
    for _ in range(200):
        draft = _draft(world, services)
        before = _counts(services)
        try:
            services.charting.save_draft(draft)
        except StorageError as e:
            return draft, before, e
    raise AssertionError("the disk never filled up")


def _assert_full_error(e: StorageError) -> None:
    assert str(e) == (
        "The record could not be saved: the disk is full. Nothing was changed. Free some space "
        "and save again."
    )
    cause = e.__cause__
    assert isinstance(cause, OperationalError)
    assert getattr(cause.orig, "sqlite_errorname", None) == "SQLITE_FULL"


# -- page-count cap ------------------------------------------------------------------------------------------
class PageCap:
    """Caps the database's size on every connection the engine makes (``PRAGMA max_page_count``)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.pages: int | None = None
        event.listen(db.engine, "connect", self._on_connect)

    def _on_connect(self, dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        if self.pages is not None:
            dbapi_conn.execute(f"PRAGMA max_page_count={self.pages}")

    def set(self, extra_pages: int | None) -> None:
        if extra_pages is None:
            self.pages = None
        else:
            with self.db.engine.connect() as conn:
                self.pages = conn.exec_driver_sql("PRAGMA page_count").scalar_one() + extra_pages
        self.db.engine.dispose()  # new connections take the new cap


def test_new_session_on_full_disk_fails_whole_and_saves_once_space_is_back(world: World) -> None:
    svc = world.services
    assert world.path is not None
    cap = PageCap(svc.db)
    cap.set(extra_pages=40)
    draft, before, error = _fill_until_full(svc, world)
    _assert_full_error(error)
    assert _counts(svc) == before  # nothing partial: no session row, no points, no audit entry
    _assert_sound(svc, world.path)
    with pytest.raises(StorageError, match="disk is full"):  # still full: refused again, still whole
        svc.charting.save_draft(draft)
    assert _counts(svc) == before

    cap.set(extra_pages=None)  # space is back
    saved = svc.charting.save_draft(draft)
    signed = svc.charting.sign(saved.id, PASSWORD)  # type: ignore[arg-type]
    assert signed.status == SessionStatus.SIGNED and len(signed.points) == 60
    after = _counts(svc)
    assert after["injection_points"] == before["injection_points"] + 60
    assert after["treatment_sessions"] == before["treatment_sessions"] + 1
    _assert_sound(svc, world.path)


def test_draft_update_on_full_disk_keeps_the_previous_save(world: World) -> None:
    svc = world.services
    assert world.path is not None
    saved = svc.charting.save_draft(_draft(world, svc, n_points=5))
    bigger = replace(saved, points=_draft(world, svc).points, notes="y" * 4000)
    cap = PageCap(svc.db)
    cap.set(extra_pages=0)
    before = _counts(svc)
    with pytest.raises(StorageError) as e:
        svc.charting.save_draft(bigger)
    _assert_full_error(e.value)
    assert _counts(svc) == before
    kept = svc.charting.get(saved.id)  # type: ignore[arg-type]
    assert (kept.version, len(kept.points), kept.notes) == (saved.version, 5, saved.notes)

    cap.set(extra_pages=None)
    again = svc.charting.save_draft(bigger)  # same version: the failed save did not bump it
    assert len(again.points) == 60 and again.notes == "y" * 4000
    _assert_sound(svc, world.path)


# -- a real, tiny filesystem ---------------------------------------------------------------------------------
@pytest.fixture
def tiny_fs(tmp_path: Path) -> Iterator[Path]:
    mount_point = tmp_path / "tiny"
    mount_point.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount_point)], capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.skip(
            f"cannot mount a tiny tmpfs here ({done.stderr.strip() or 'mount failed'}); "
            "the page-count tests above cover disk-full"
        )
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def _fill_filesystem(folder: Path) -> Path:
    filler = folder / "filler.bin"
    with open(filler, "wb", buffering=0) as fh:
        chunk = b"\0" * 4096
        while True:
            try:
                fh.write(chunk)
            except OSError as e:
                assert e.errno == errno.ENOSPC
                break
    return filler


def test_real_disk_full_on_a_tiny_filesystem(world: World, tiny_fs: Path) -> None:
    assert world.path is not None
    db_file = tiny_fs / "clinic.sqlite3"
    with open(world.path, "rb") as src, open(db_file, "wb") as dst:
        dst.write(src.read())  # the template is checkpointed: the file alone is the whole database
    db = Database(make_engine(f"sqlite:///{db_file}"))
    svc = Services(Context(db, Clock()))
    svc.act_as(world.injector)
    try:
        draft = _draft(world, svc)
        with db.engine.connect() as conn:  # WAL and shared-memory files exist before the disk fills
            conn.execute(text("SELECT 1"))
        before = _counts(svc)
        filler = _fill_filesystem(tiny_fs)
        with pytest.raises(StorageError) as e:
            svc.charting.save_draft(draft)
        _assert_full_error(e.value)
        assert _counts(svc) == before

        os.truncate(filler, 0)  # space is back
        saved = svc.charting.save_draft(draft)
        assert len(svc.charting.sign(saved.id, PASSWORD).points) == 60  # type: ignore[arg-type]
        assert _counts(svc)["injection_points"] == before["injection_points"] + 60
        _assert_sound(svc, db_file)
    finally:
        db.dispose()
