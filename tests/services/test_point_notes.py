"""A note per injection point ("bled", "patient flinched"): validated, saved and audited with the draft,
covered by the signature, and proven by ``audit verify``."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from sqlalchemy import select

from clinicrec.db.models import AuditRow, PointRow, SessionRow
from clinicrec.domain.enums import Zone
from clinicrec.domain.errors import SignedRecordError, ValidationError
from clinicrec.domain.validation import POINT_NOTE_MAX
from clinicrec.services import audit
from tests.conftest import World, make_patient, make_vial
from tests.services.test_audit_trail import _tamper
from tests.services.test_charting import chart, grid, signed


def _session_entries(world: World, session_id: int) -> list[dict[str, list[object]]]:
    with world.services.db.read() as s:
        rows = s.execute(
            select(AuditRow.changes)
            .where(AuditRow.entity == "session", AuditRow.entity_id == str(session_id))
            .order_by(AuditRow.id)
        ).scalars()
        return [json.loads(c) for c in rows]


@pytest.mark.postgres
def test_a_points_note_is_saved_read_back_and_audited(world: World) -> None:
    svc = world.services
    patient, vial = make_patient(svc), make_vial(svc)
    draft = svc.charting.save_draft(chart(world, patient, grid(vial, 0.4, 3)))
    assert [p.note for p in draft.points] == ["", "", ""]
    points = (draft.points[0], replace(draft.points[1], note="bled"), draft.points[2])
    saved = svc.charting.save_draft(replace(draft, points=points))
    assert [p.note for p in saved.points] == ["", "bled", ""]
    assert [p.note for p in svc.charting.get(saved.id).points] == ["", "bled", ""]  # type: ignore[arg-type]
    # The session's audit entry shows the point before and after: the note is what changed.
    change = _session_entries(world, saved.id)[-1]  # type: ignore[arg-type]
    before, after = change["points"]
    assert before[1] == after[1][:-1] and after[1][-1] == "bled"  # type: ignore[index]
    assert before[0] == after[0]  # type: ignore[index]


def test_a_note_too_long_or_on_two_lines_is_refused_naming_the_point(world: World) -> None:
    svc = world.services
    patient, vial = make_patient(svc), make_vial(svc)
    points = grid(vial, 0.4, 2)
    for bad, words in (("x" * (POINT_NOTE_MAX + 1), f"at most {POINT_NOTE_MAX} characters"),
                       ("bled\nagain", "line breaks")):  # fmt: skip
        with pytest.raises(ValidationError) as e:
            svc.charting.save_draft(chart(world, patient, [points[0], replace(points[1], note=bad)]))
        message = e.value.for_field("points[1].note")
        assert message is not None and "Note on point 2" in message and words in message
    longest = "y" * POINT_NOTE_MAX
    saved = svc.charting.save_draft(chart(world, patient, [replace(points[0], note=longest)]))
    assert saved.points[0].note == longest


@pytest.mark.postgres
def test_a_signed_points_note_cannot_change_and_a_change_behind_the_app_is_found(world: World) -> None:
    svc = world.services
    patient, vial = make_patient(svc), make_vial(svc)
    points = grid(vial, 0.4, 3, Zone.CHEEK_LEFT)
    done = signed(world, chart(world, patient, [replace(points[0], note="patient flinched"), *points[1:]]))
    assert done.points[0].note == "patient flinched"
    with pytest.raises(SignedRecordError):
        svc.charting.save_draft(replace(done, points=(replace(done.points[0], note=""), *done.points[1:])))
    with svc.db.read() as s:
        assert audit.verify(s).ok
    _tamper(world, f"UPDATE injection_points SET note = 'no problem' WHERE session_id = {done.id}")
    with svc.db.read() as s:
        result = audit.verify(s)
    assert not result.ok
    assert any("altered after signing" in p.message for p in result.problems)


@pytest.mark.postgres
def test_a_session_without_notes_signs_the_same_content_as_before_notes_existed(world: World) -> None:
    """Signatures made before migration 0014 still verify: an empty note is not part of the content."""
    from clinicrec.services.content_hash import content_hash_of, session_contents

    svc = world.services
    done = signed(world, chart(world, make_patient(svc), grid(make_vial(svc), 0.4, 2)))
    with svc.db.read() as s:
        [(_, content)] = list(session_contents(s, [done.id]))  # type: ignore[list-item]
        stored = s.execute(select(PointRow.note).where(PointRow.session_id == done.id)).scalars().all()
        signed_hash = s.execute(select(SessionRow.content_hash).where(SessionRow.id == done.id)).scalar_one()
    assert stored == ["", ""]
    assert all(len(p) == 8 for p in content["points"])  # seq, zone, x, y, vial, units, volume, basis
    assert content_hash_of(content) == signed_hash
