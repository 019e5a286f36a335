"""Saving a draft cheaply (issue 17): a session's points go in one executemany, come back as plain rows
equal to what the ORM reads, and every save stays provable by the audit trail."""

from __future__ import annotations

import json
from dataclasses import fields, replace

import pytest
from sqlalchemy import event, select

from clinicrec.db.models import AuditRow, PointRow, SessionRow, VialAdditiveRow, VialRow
from clinicrec.domain.models import InjectionPoint, Vial
from clinicrec.services import audit
from clinicrec.services.app import Services
from clinicrec.services.mapping import POINT_COLUMNS, points_from, to_point, to_vial
from clinicrec.services.save_reads import read_for_save
from tests.conftest import World, make_patient, make_vial
from tests.services.test_charting import chart, grid
from tests.services.test_patients import other_workstation


def _statements(services: Services) -> list[tuple[str, bool]]:
    """(SQL, executemany) of every statement the services send from now on."""
    seen: list[tuple[str, bool]] = []

    def note(_conn, _cursor, statement, _params, _context, executemany) -> None:  # type: ignore[no-untyped-def]
        seen.append((statement, executemany))

    event.listen(services.db.engine, "before_cursor_execute", note)
    return seen


def _points_io(seen: list[tuple[str, bool]]) -> tuple[list[bool], int]:
    """(executemany of each insert into the points, how many selects read them, their new ids apart)."""
    inserts = [many for sql, many in seen if sql.startswith("INSERT INTO injection_points")]
    reads = [
        sql
        for sql, _ in seen
        if sql.startswith("SELECT")
        and "FROM injection_points" in sql
        and not sql.startswith("SELECT id FROM")
    ]
    return inserts, len(reads)


def test_a_hundred_points_are_written_with_one_insert_and_read_back_with_one_select(world: World) -> None:
    """Without a save of its own to trust (services/saved_drafts.py: here a second workstation saves the
    draft), a save reads the points once (the audit diff's "before") and writes them with one executemany;
    then it reads their ids alone, not the rows back. A new draft reads none."""
    svc = world.services
    vial = make_vial(svc)
    seen = _statements(svc)
    draft = svc.charting.save_draft(chart(world, make_patient(svc), grid(vial, 0.5, 100)))
    assert _points_io(seen) == ([True], 0)  # one executemany, not a hundred statements; nothing read
    desk = other_workstation(world, world.injector)
    try:
        seen = _statements(desk)
        moved = replace(draft, points=tuple(replace(p, x=p.x + 0.01) for p in draft.points))
        saved = desk.charting.save_draft(moved)
    finally:
        desk.db.dispose()
    assert _points_io(seen) == ([True], 1)
    with svc.db.read() as s:
        ids = s.execute(select(PointRow.id).where(PointRow.session_id == saved.id).order_by(PointRow.seq))
        assert [p.id for p in saved.points] == list(ids.scalars())
    assert [(p.x, p.units) for p in saved.points] == [(p.x, p.units) for p in moved.points]


def test_points_read_as_plain_rows_equal_the_orm_reading(world: World) -> None:
    """``points_from`` reads every field of a point (a new field must be added to POINT_COLUMNS too)."""
    assert tuple(f.name for f in fields(InjectionPoint)) == POINT_COLUMNS
    svc = world.services
    vial = make_vial(svc)
    saved = svc.charting.save_draft(chart(world, make_patient(svc), grid(vial, 0.5, 12)))
    table = PointRow.__table__
    with svc.db.read() as s:
        row = s.get(SessionRow, saved.id)
        assert row is not None
        by_orm = tuple(to_point(p) for p in row.points)
        plain = s.execute(
            select(*(table.c[c] for c in POINT_COLUMNS))
            .where(table.c.session_id == saved.id)
            .order_by(table.c.seq)
        )
        assert points_from(plain) == by_orm == saved.points


@pytest.mark.postgres
def test_vials_read_as_plain_rows_equal_the_orm_reading(world: World) -> None:
    """A save validates against its vials read as plain rows (``vials_from``), in the same statement as its
    checks (``save_reads``): every field ``to_vial`` gives, additives in order included (a new field must
    be read by both), each vial once whatever its additives; with no vial, the checks' one row."""
    svc = world.services
    plain_vial, mixed = make_vial(svc), make_vial(svc, lot="L2222BB")
    with svc.db.write() as s, s.begin():
        for i, (kind, ml) in enumerate((("lidocaine", 0.3), ("hyaluronic_acid", 0.2))):
            s.add(VialAdditiveRow(vial_id=mixed.id, kind=kind, volume_ml=ml, description=f"added {i}"))
    ids = (mixed.id, plain_vial.id, 999_999)  # one that does not exist
    uid = world.injector.user_id
    with svc.db.read() as s:
        by_orm = {r.id: to_vial(r) for r in s.execute(select(VialRow).where(VialRow.id.in_(ids))).scalars()}
        plain = read_for_save(s.connection(), uid, ids).vials
        none = read_for_save(s.connection(), uid, (), patient_id=999_999, consent_by=world.clock())
    assert plain == by_orm and len(plain) == 2
    assert (none.role_now, none.vials, none.patient_found, none.newest_consent) == (
        "injector",
        {},
        False,
        (None, None),
    )
    assert [a.description for a in plain[mixed.id].additives] == ["added 0", "added 1"]  # type: ignore[index]
    assert tuple(f.name for f in fields(Vial)) == (
        "product_id", "lot_number", "expiry_date", "vial_units", "reconstituted_at", "diluent_kind",
        "diluent_ml", "additives", "id", "opened_by_id", "other_size_reason",
    )  # fmt: skip


def test_every_kind_of_save_stays_provable(world: World) -> None:
    """New, points changed, details only, vials unchanged, points removed: each save's entry proves
    the session as stored (``audit verify``), and the trail records what changed."""
    svc = world.services
    vial = make_vial(svc)
    saved = svc.charting.save_draft(chart(world, make_patient(svc), grid(vial, 0.5, 100)))
    saved = svc.charting.save_draft(replace(saved, notes="Slight erythema, settled"))
    saved = svc.charting.save_draft(replace(saved, points=saved.points[:40]))
    saved = svc.charting.save_draft(replace(saved, points=()))
    assert saved.points == ()
    with svc.db.read() as s:
        result = audit.verify(s)
        assert result.ok, result.first_problem
        assert audit.unaltered(s, "session", saved.id)
        changed = [
            sorted(json.loads(c))
            for c in s.execute(
                select(AuditRow.changes)
                .where(AuditRow.entity == "session", AuditRow.entity_id == str(saved.id))
                .order_by(AuditRow.id)
            ).scalars()
        ]
    assert changed[1:] == [["notes"], ["points"], ["points"]]
