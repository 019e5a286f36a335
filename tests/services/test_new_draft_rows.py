"""A new draft's rows go in with plain statements (services/draft_rows.py, issue 17): the same rows, the
same entries and the same state hash as the ORM wrote, its id from the database's own source."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from clinicrec.db.models import AcknowledgementRow, AuditRow, SessionRow, SessionScreeningRow, SessionVialRow
from clinicrec.domain.enums import AllergyStatus, ScreeningAnswer, SessionStatus
from clinicrec.domain.models import SafetyScreening, ScreeningSnapshot
from clinicrec.services import audit, audit_state
from tests.conftest import PASSWORD, World, make_patient, make_vial
from tests.services.test_charting import T0, _positive_screening, chart, grid


def _entries(world: World, session_id: int) -> list[str]:
    with world.services.db.read() as s:
        return list(
            s.execute(
                select(AuditRow.action)
                .where(AuditRow.entity == "session", AuditRow.entity_id == str(session_id))
                .order_by(AuditRow.id)
            ).scalars()
        )


def _newest_session_hash(s, session_id: int | None) -> str | None:  # type: ignore[no-untyped-def]
    """The state hash the session's newest audit entry recorded."""
    return (
        s.execute(
            select(AuditRow.row_hash)
            .where(AuditRow.entity == "session", AuditRow.entity_id == str(session_id))
            .order_by(AuditRow.id.desc())
        )
        .scalars()
        .first()
    )


@pytest.mark.postgres
def test_a_new_draft_is_stored_as_it_is_returned_and_proves_itself(world: World) -> None:
    """A new draft with every kind of child row (points, vial link, baseline, a warning acknowledged, the
    screening asked): what the save returns is what reading it gives; it is its own chain's root at
    version 1; its entries are the acknowledgement's and the creation's; and the trail proves it."""
    svc = world.services
    asked = ScreeningSnapshot(
        tuple((item, ScreeningAnswer.NO) for item in SafetyScreening.QUESTIONS),
        other="none",
        allergy_status=AllergyStatus.NONE_KNOWN,
        asked_by_id=world.injector.user_id,
        asked_at=T0,
    )
    fresh = replace(_positive_screening(world, make_patient(svc)), screening=asked)
    [warning] = svc.charting.warnings(fresh)
    fresh = svc.charting.acknowledge(fresh, warning, "Reviewed with the prescriber")
    saved = svc.charting.save_draft(fresh)
    assert saved.id is not None and saved.version == 1 and saved.status == SessionStatus.DRAFT
    assert saved == svc.charting.get(saved.id)
    assert saved.screening is not None and saved.screening.other == "none"
    assert [a.reason for a in saved.acknowledgements] == ["Reviewed with the prescriber"]
    with svc.db.read() as s:
        row = s.get(SessionRow, saved.id)
        assert row is not None
        assert (row.root_id, row.version, row.updated_by_id) == (row.id, 1, world.injector.user_id)
        assert row.created_at == row.updated_at == T0
        assert s.get(SessionScreeningRow, saved.id) is not None
        assert s.execute(
            select(AcknowledgementRow.user_id).where(AcknowledgementRow.session_id == saved.id)
        ).all()
        newest = (
            s.execute(
                select(AuditRow.row_hash)
                .where(AuditRow.entity_id == str(saved.id))
                .order_by(AuditRow.id.desc())
            )
            .scalars()
            .first()
        )
        assert newest == audit_state.state_hash(s, "session", saved.id)
        result = audit.verify(s)
        assert result.ok, result.first_problem
    assert _entries(world, saved.id) == ["acknowledge", "create"]

    # An amendment is a new draft too: it joins its original's chain and copies its acknowledgement.
    original = svc.charting.sign(saved.id, PASSWORD)
    amendment = svc.charting.start_amendment(original.id, "Point 2 was charted on the wrong side")  # type: ignore[arg-type]
    assert amendment == svc.charting.get(amendment.id)  # type: ignore[arg-type]
    assert [a.reason for a in amendment.acknowledgements] == ["Reviewed with the prescriber"]
    with svc.db.read() as s:
        row = s.get(SessionRow, amendment.id)
        assert row is not None and (row.root_id, row.amends_id, row.version) == (original.id, original.id, 1)
        result = audit.verify(s)
        assert result.ok, result.first_problem
    assert _entries(world, amendment.id) == ["acknowledge", "create"]


@pytest.mark.postgres
def test_a_new_draft_takes_the_id_the_database_would_give(world: World) -> None:
    """The id is taken from the database's own source (SQLite: one past the largest; PostgreSQL: the id
    column's sequence), so a row the ORM inserts next gets the next id, not one already taken."""
    svc = world.services
    world.clock.set(T0)
    saved = svc.charting.save_draft(_positive_screening(world, make_patient(svc)))
    with svc.db.write() as s, s.begin():
        row = SessionRow(
            patient_id=saved.patient_id, performed_at=T0, injector_id=saved.injector_id, status="draft"
        )
        s.add(row)
        s.flush()
        assert row.id == saved.id + 1  # type: ignore[operator]
        s.rollback()


@pytest.mark.postgres
def test_a_new_drafts_entry_hashes_the_session_as_read_back(world: World) -> None:
    """The entry's state hash, made from what the save wrote (its points, vial links, no acknowledgement and
    no screening), is the hash of the session read back from the database, with one vial or two."""
    svc = world.services
    first, second = make_vial(svc), make_vial(svc)
    drafts = [
        chart(world, make_patient(svc), grid(first, 0.5, 30)),
        chart(world, make_patient(svc), grid(second, 0.5, 3) + grid(first, 0.5, 4), baseline=None),
    ]
    for draft in drafts:
        saved = svc.charting.save_draft(draft)
        assert not saved.acknowledgements and saved.screening is None
        with svc.db.read() as s:
            newest = _newest_session_hash(s, saved.id)
            assert newest == audit_state.state_hash(s, "session", saved.id)
    assert [len(svc.charting.get(saved.id).all_vial_ids)] == [2]  # type: ignore[arg-type]


@pytest.mark.postgres
def test_a_new_drafts_points_keep_every_digit_and_character(world: World) -> None:
    """PostgreSQL takes a new draft's points as one JSON text (``saved_drafts._inserted``): each float
    comes back as the same double (not rounded through a decimal of fewer digits), each note as typed
    (quotes, backslashes, braces, commas, accents, emoji), each in its position; and the entry's state
    hash, made from the points as written, is that of the rows read back."""
    svc = world.services
    vial = make_vial(svc)
    notes = ['said "ouch"', "back\\slash", "{braces}, commas", "naïve — 漢字 🙂", "", "it's fine \\n"]
    points = [
        replace(p, x=x, y=1 / 7 + i * 1e-9, units=p.units + 1e-13 * i, note=notes[i % len(notes)])
        for i, (p, x) in enumerate(
            zip(
                grid(vial, 0.5, 12),
                [1 / 3, 0.1 + 0.2, 2 / 3, 5e-324 + 0.25, 0.123456789012345678] * 3,
                strict=False,
            )
        )
    ]
    saved = svc.charting.save_draft(chart(world, make_patient(svc), points))
    assert saved.id is not None
    back = svc.charting.get(saved.id).points
    assert [(p.x, p.y, p.units, p.volume_ml, p.note) for p in back] == [
        (p.x, p.y, p.units, p.volume_ml, p.note) for p in points
    ]
    assert [p.id for p in back] == [p.id for p in saved.points]
    with svc.db.read() as s:
        newest = _newest_session_hash(s, saved.id)
        assert newest == audit_state.state_hash(s, "session", saved.id)


@pytest.mark.postgres
def test_a_new_drafts_vial_links_are_written_with_or_without_points(world: World) -> None:
    """On PostgreSQL the vial links go in the points' round trip: a draft that names its vials before any
    point is entered still stores them (and the entry's state hash covers them), and a draft with points
    stores each vial once, in first-use order."""
    svc = world.services
    first, second = make_vial(svc), make_vial(svc)
    empty = replace(chart(world, make_patient(svc), []), vial_ids=(second.id, first.id))
    pointed = chart(
        world, make_patient(svc), grid(first, 0.5, 3) + grid(second, 0.5, 2) + grid(first, 0.5, 1)
    )
    for draft, vials in ((empty, (second.id, first.id)), (pointed, (first.id, second.id))):
        saved = svc.charting.save_draft(draft)
        assert saved.id is not None
        assert svc.charting.get(saved.id).all_vial_ids == vials
        with svc.db.read() as s:
            stored = (
                s.execute(
                    select(SessionVialRow.vial_id)
                    .where(SessionVialRow.session_id == saved.id)
                    .order_by(SessionVialRow.seq)
                )
                .scalars()
                .all()
            )
            assert tuple(stored) == vials
            newest = _newest_session_hash(s, saved.id)
            assert newest == audit_state.state_hash(s, "session", saved.id)
