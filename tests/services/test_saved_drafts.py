"""A draft's re-save trusts what the last save stored only while it is what is stored (issue 17,
services/saved_drafts.py): every shortcut is checked against a reading of the database, across two
workstations (two engines on one database), and against changes made behind the application."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import event, select, text

from clinicrec.db import pipeline
from clinicrec.db.models import AuditRow, SessionRow
from clinicrec.db.pipeline import Statement
from clinicrec.domain.enums import DoseBasis, WarningKind, Zone
from clinicrec.domain.errors import ConcurrentEditError, SignedRecordError
from clinicrec.domain.models import Acknowledgement, InjectionPoint, TreatmentSession
from clinicrec.services import audit, saved_drafts
from clinicrec.services.app import Services
from tests.conftest import World, make_patient, make_vial
from tests.services.test_charting import chart, grid, signed
from tests.services.test_patients import other_workstation

pytestmark = pytest.mark.postgres


def _moved(session: TreatmentSession, *at: int, dx: float = 0.01) -> TreatmentSession:
    points = list(session.points)
    for i in at:
        points[i] = replace(points[i], x=points[i].x + dx)
    return replace(session, points=tuple(points))


def _as_read(svc: Services, saved: TreatmentSession) -> None:
    """What the save returned is what a fresh reading gives (ids included), and the trail proves it."""
    assert saved.id is not None
    assert svc.charting.get(saved.id) == saved
    with svc.db.read() as s:
        result = audit.verify(s)
        assert result.ok, result.first_problem


def _statements(svc: Services, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool]]:
    """(statement, executemany) of each statement run from now on: through the engine, or on the driver's
    connection by ``pipeline.run_all`` (PostgreSQL's points insert goes there, with the vial links)."""
    seen: list[tuple[str, bool]] = []

    def note(_conn, _cursor, statement, _params, _context, executemany) -> None:  # type: ignore[no-untyped-def]
        seen.append((" ".join(statement.split()), executemany))

    def run_all(dbapi_conn: Any, statements: Sequence[Statement]) -> list[list[tuple[Any, ...]]]:
        seen.extend((" ".join(sql.split()), False) for sql, _ in statements)
        return pipeline.run_all(dbapi_conn, statements)

    event.listen(svc.db.engine, "before_cursor_execute", note)
    monkeypatch.setattr(saved_drafts, "run_all", run_all)
    return seen


def _point_writes(seen: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    """(UPDATE/DELETE FROM/INSERT INTO, executemany) of each statement that writes the points' table."""
    return [
        (m.group(1), many)
        for sql, many in seen
        if (m := re.match(r"(UPDATE|DELETE FROM|INSERT INTO) injection_points\b", sql))
    ]


def _tamper(svc: Services, sql: str, **params: object) -> None:
    """A change behind the application (a database tool): no entry, no new version."""
    with svc.db.engine.begin() as conn:
        conn.execute(text(sql), params)


def test_a_re_save_writes_only_the_moved_points_and_reads_no_point_back(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    svc = world.services
    vial = make_vial(svc)
    draft = svc.charting.save_draft(chart(world, make_patient(svc), grid(vial, 0.5, 100)))
    seen = _statements(svc, monkeypatch)
    saved = svc.charting.save_draft(_moved(draft, 5, 70))
    # One executemany UPDATE of two rows; no delete, no insert, no read of the points through the engine
    # (the tamper check reads them with the driver, as audit verify does).
    assert _point_writes(seen) == [("UPDATE", True)]
    # the baseline, unchanged, is neither read nor written again
    assert not [
        sql
        for sql, _ in seen
        if re.match(r"SELECT assessments\.|DELETE FROM assessments|INSERT INTO assessments", sql)
    ]
    assert not any(sql.startswith("SELECT") and "FROM injection_points" in sql for sql, _ in seen)
    assert [p.id for p in saved.points] == [p.id for p in draft.points]  # the rows were kept
    _as_read(svc, saved)
    with svc.db.read() as s:
        entry = s.execute(select(AuditRow).order_by(AuditRow.id.desc()).limit(1)).scalar_one()
    old, new = json.loads(entry.changes)["points"]
    assert [i for i, (a, b) in enumerate(zip(old, new, strict=True)) if a != b] == [5, 70]


def test_points_removed_added_and_moved_through_the_shortcut_read_back_exactly(world: World) -> None:
    svc = world.services
    vial = make_vial(svc)
    saved = svc.charting.save_draft(chart(world, make_patient(svc), grid(vial, 0.5, 100)))
    steps = [
        lambda s: replace(s, points=s.points[:40]),  # the tail deleted
        lambda s: replace(s, points=s.points + tuple(grid(vial, 0.25, 20, Zone.CHEEK_LEFT))),  # added
        lambda s: replace(s, points=s.points[1:]),  # the first removed: every later point moves up
        lambda s: replace(s, points=tuple(reversed(s.points))),
        lambda s: replace(s, notes="Slight erythema, settled"),  # no point changed
        lambda s: replace(s, points=()),
        lambda s: replace(s, points=tuple(grid(vial, 0.5, 3))),
    ]
    for step in steps:
        saved = svc.charting.save_draft(step(saved))
        _as_read(svc, saved)


def test_a_baseline_changed_through_the_shortcut_is_rewritten_and_audited(world: World) -> None:
    svc = world.services
    saved = svc.charting.save_draft(chart(world, make_patient(svc), grid(make_vial(svc), 0.5, 10)))
    assert saved.baseline is not None
    # whole numbers where the columns are REAL and BOOLEAN: remembered as the driver reads them back
    baseline = replace(saved.baseline, pores=1, sebum_ug_cm2=30, photos_taken=1)  # type: ignore[arg-type]
    saved = svc.charting.save_draft(replace(saved, baseline=baseline))
    _as_read(svc, saved)
    saved = svc.charting.save_draft(_moved(saved, 1))  # baseline unchanged, from memory
    _as_read(svc, saved)
    saved = svc.charting.save_draft(replace(saved, baseline=replace(baseline, oil=0)))
    _as_read(svc, saved)
    with svc.db.read() as s:
        changes = [
            sorted(json.loads(c))
            for c in s.execute(
                select(AuditRow.changes)
                .where(AuditRow.entity == "session", AuditRow.entity_id == str(saved.id))
                .order_by(AuditRow.id)
            ).scalars()
        ]
    assert changes[1:] == [["baseline"], ["points"], ["baseline"]]
    saved = svc.charting.save_draft(replace(saved, baseline=None))
    assert saved.baseline is None
    _as_read(svc, saved)


def test_each_part_a_save_keeps_or_changes_is_hashed_as_stored(world: World) -> None:
    """A save hashes the parts it left as they were from its own reading at its start (vial links,
    acknowledgements, baseline) and reads or knows the rest: after each kind of change, alone or with a
    point moved, the entry proves the session as stored (a part wrongly taken as kept fails here)."""
    svc = world.services
    v1, v2 = make_vial(svc), make_vial(svc, lot="B2222BB")
    saved = svc.charting.save_draft(chart(world, make_patient(svc), grid(v1, 0.5, 20)))
    assert saved.id is not None and saved.baseline is not None
    ack = Acknowledgement(WarningKind.OLD_RECONSTITUTION, "vial 1", "Within the clinic's window", facts="7 h")
    steps = [
        replace(saved, vial_ids=(v1.id, v2.id)),  # type: ignore[arg-type]
        replace(saved, acknowledgements=(ack,)),
        replace(saved, acknowledgements=(replace(ack, reason="Checked with the prescriber"),)),
        replace(saved, acknowledgements=(ack, replace(ack, subject="vial 2"))),
        replace(saved, acknowledgements=()),
        replace(saved, vial_ids=()),
        replace(saved, baseline=replace(saved.baseline, redness=0)),
        replace(saved, baseline=None),
        replace(saved, baseline=saved.baseline),
    ]
    for i, step in enumerate(steps):
        current = svc.charting.get(saved.id)
        change = {f: getattr(step, f) for f in ("vial_ids", "acknowledgements", "baseline")}
        saved = svc.charting.save_draft(replace(current, **change))
        _as_read(svc, saved)
        saved = svc.charting.save_draft(_moved(saved, i))  # then a point moved, the part kept
        _as_read(svc, saved)
        with svc.db.read() as s:
            assert audit.unaltered(s, "session", saved.id)


def test_a_point_given_in_whole_numbers_is_returned_and_hashed_as_stored(world: World) -> None:
    """The driver gives a REAL column back as a float: the save returns, remembers and hashes 1.0, not 1."""
    svc = world.services
    vial = make_vial(svc)  # 100 U in 2.5 mL: 40 U/mL, so 0.025 mL is exactly 1 U
    point = InjectionPoint(Zone.FOREHEAD, 1, 0, vial.id or 0, 1, 0.025, DoseBasis.UNITS)
    saved = svc.charting.save_draft(chart(world, make_patient(svc), [point]))
    assert type(saved.points[0].x) is float and type(saved.points[0].units) is float
    _as_read(svc, saved)
    saved = svc.charting.save_draft(replace(saved, points=(point, replace(point, y=1))))
    _as_read(svc, saved)


def test_another_workstation_s_save_is_never_taken_for_ours(world: World) -> None:
    """Desk A remembers its save; desk B (another engine) saves the draft; A's stale save is refused as
    before, and once A reopens it, its save reads what B stored instead of trusting its memory."""
    desk_a = world.services
    desk_b = other_workstation(world, world.injector)
    try:
        vial = make_vial(desk_a)
        mine = desk_a.charting.save_draft(chart(world, make_patient(desk_a), grid(vial, 0.5, 100)))
        assert mine.id is not None
        theirs = desk_b.charting.save_draft(_moved(desk_b.charting.get(mine.id), *range(30), dx=0.02))
        with pytest.raises(ConcurrentEditError, match="after you opened it"):
            desk_a.charting.save_draft(_moved(mine, 0))
        reopened = desk_a.charting.get(mine.id)
        assert reopened == theirs
        saved = desk_a.charting.save_draft(_moved(reopened, 99))
        assert [p.x for p in saved.points] == [p.x for p in _moved(theirs, 99).points]
        _as_read(desk_a, saved)
        # and B, whose memory is now stale (A saved since), reads A's points: nothing of B's comes back
        again = desk_b.charting.save_draft(_moved(desk_b.charting.get(mine.id), 1))
        assert [replace(p, id=None) for p in again.points] == [
            replace(p, id=None) for p in _moved(saved, 1).points
        ]
        _as_read(desk_b, again)
    finally:
        desk_b.db.dispose()


def test_a_point_changed_behind_the_application_is_still_refused(world: World) -> None:
    svc = world.services
    vial = make_vial(svc)
    saved = svc.charting.save_draft(chart(world, make_patient(svc), grid(vial, 0.5, 100)))
    _tamper(svc, "UPDATE injection_points SET units = 2 WHERE session_id = :sid AND seq = 7", sid=saved.id)
    with pytest.raises(ConcurrentEditError, match="changed outside ClinicRec"):
        svc.charting.save_draft(_moved(saved, 3))
    with svc.db.read() as s:
        assert not audit.verify(s).ok  # the change is still there to be found; nothing laundered it


def test_point_rows_renumbered_behind_the_application_are_rewritten_not_mistaken(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ids are not in the state hash, so the remembered ids can be wrong while the hash agrees: the rows
    the shortcut updates are named by id, session and position, and when they are not there every point
    is written again (the content is what was saved: nothing to refuse, and the trail proves it)."""
    svc = world.services
    vial = make_vial(svc)
    saved = svc.charting.save_draft(chart(world, make_patient(svc), grid(vial, 0.5, 10)))
    _tamper(svc, "UPDATE injection_points SET id = id + 100000 WHERE session_id = :sid", sid=saved.id)
    seen = _statements(svc, monkeypatch)
    again = svc.charting.save_draft(_moved(saved, 3))
    assert [w for w, _ in _point_writes(seen)] == [
        "UPDATE",  # the shortcut: no row 3 of that id
        "DELETE FROM",  # so every point is written again
        "INSERT INTO",
    ]
    assert [p.x for p in again.points] == [p.x for p in _moved(saved, 3).points]
    _as_read(svc, again)
    _as_read(svc, svc.charting.save_draft(_moved(again, 4)))  # and the new ids are remembered


def test_a_signed_session_is_not_saved_from_memory(world: World) -> None:
    saved = world.services.charting.save_draft(
        chart(world, make_patient(world.services), grid(make_vial(world.services), 0.5, 20))
    )
    signed(world, saved)
    with pytest.raises((ConcurrentEditError, SignedRecordError)):
        world.services.charting.save_draft(_moved(saved, 0))


def test_a_save_waits_for_another_workstation_s_and_then_sees_its_version(world: World) -> None:
    """The draft's row is loaded with its vials, acknowledgements and screening in one statement that
    still locks it (PostgreSQL: FOR UPDATE OF the session; SQLite: the write lock): a save that starts
    while another workstation's transaction holds it waits, then reads the version that one left."""
    svc = world.services
    desk = other_workstation(world, world.injector)
    try:
        saved = svc.charting.save_draft(chart(world, make_patient(svc), grid(make_vial(svc), 0.5, 20)))
        outcome: list[BaseException | TreatmentSession] = []

        def save() -> None:
            try:
                outcome.append(svc.charting.save_draft(_moved(saved, 2)))
            except BaseException as e:  # noqa: BLE001  # handed to the test's thread
                outcome.append(e)

        with desk.db.write() as s, s.begin():
            row = s.get(SessionRow, saved.id, with_for_update=True)
            assert row is not None
            waiting = threading.Thread(target=save)
            waiting.start()
            waiting.join(0.5)
            assert waiting.is_alive() and not outcome  # held by the lock, not refused or saved yet
            row.notes = "Changed at the other desk"  # its version moves when this commits
        waiting.join(30)
        assert len(outcome) == 1 and isinstance(outcome[0], ConcurrentEditError), outcome
        # read once the lock was released (not refused later, its UPDATE matching no row: "saved elsewhere")
        assert "after you opened it" in str(outcome[0])
    finally:
        desk.db.dispose()
