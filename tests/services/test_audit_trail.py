"""The audit trail: who did what when, with old and new values; append-only; able to prove itself."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from clinicrec.db.models import AuditRow, SessionRow
from clinicrec.domain.enums import AdverseEventKind, Gais, Severity, TimePoint, Zone
from clinicrec.domain.models import AdverseEvent, Assessment
from clinicrec.domain.scales import CURRENT_SCALE_VERSION
from clinicrec.services import audit
from clinicrec.services.content_hash import session_content_hash
from tests.conftest import PASSWORD, World, make_patient, make_vial
from tests.services.test_charting import chart, grid, signed


def last_id(world: World) -> int:
    with world.services.db.read() as s:
        return s.execute(select(AuditRow.id).order_by(AuditRow.id.desc()).limit(1)).scalar() or 0


def since(world: World, after: int) -> list[AuditRow]:
    with world.services.db.read() as s:
        return list(s.execute(select(AuditRow).where(AuditRow.id > after).order_by(AuditRow.id)).scalars())


def changes(row: AuditRow) -> dict[str, list[object]]:
    return json.loads(row.changes)


def assert_who_and_when(row: AuditRow, world: World, started: datetime) -> None:
    actor = world.services.actor
    assert actor is not None
    assert (row.user_id, row.username) == (actor.user_id, actor.username)
    assert row.at.tzinfo is not None and row.at.utcoffset() == timedelta(0)
    assert started - timedelta(seconds=1) <= row.at <= datetime.now(UTC) + timedelta(seconds=1)


# -- what is recorded -----------------------------------------------------------------------------
@pytest.mark.postgres
def test_patient_create_and_update(world: World) -> None:
    svc, started, mark = world.services, datetime.now(UTC), last_id(world)
    p = make_patient(svc, first_name="Zoë", phone="+1 555 0101")
    [created] = since(world, mark)
    assert (created.action, created.entity, created.entity_id, created.patient_id) == (
        "create",
        "patient",
        str(p.id),
        p.id,
    )
    assert_who_and_when(created, world, started)
    c = changes(created)
    assert c["first_name"] == [None, "Zoë"] and c["phone"] == [None, "+1 555 0101"]
    assert c["date_of_birth"] == [None, "1985-03-14"] and c["chart_number"] == [None, p.chart_number]
    assert not any(k.endswith("_key") for k in c)  # search keys are not the patient's data

    mark = last_id(world)
    svc.patients.update(replace(p, phone="+44 20 7946 0000"))
    [updated] = since(world, mark)
    assert (updated.action, updated.entity, updated.entity_id) == ("update", "patient", str(p.id))
    assert changes(updated) == {"phone": ["+1 555 0101", "+44 20 7946 0000"]}  # old AND new, nothing else
    assert_who_and_when(updated, world, started)


def test_an_update_that_changes_nothing_writes_no_entry(world: World) -> None:
    svc = world.services
    p = make_patient(svc)
    mark = last_id(world)
    assert svc.patients.update(p) == p
    assert since(world, mark) == []


def test_viewing_a_patient_can_be_logged(world: World) -> None:
    svc = world.services
    p = make_patient(svc)
    mark = last_id(world)
    svc.patients.get(p.id, log_view=True)  # type: ignore[arg-type]
    [viewed] = since(world, mark)
    assert (viewed.action, viewed.entity, viewed.patient_id, viewed.username) == (
        "view",
        "patient",
        p.id,
        "nurse",
    )


@pytest.mark.postgres
def test_session_create_update_sign_amend_and_delete(world: World) -> None:
    svc, started = world.services, datetime.now(UTC)
    patient, vial = make_patient(svc), make_vial(svc)

    mark = last_id(world)
    draft = svc.charting.save_draft(chart(world, patient, grid(vial, 0.4, 2)))
    [created] = since(world, mark)
    assert (created.action, created.entity, created.entity_id, created.patient_id) == (
        "create",
        "session",
        str(draft.id),
        patient.id,
    )
    assert_who_and_when(created, world, started)
    assert changes(created)["notes"] == [None, "Tolerated well"]
    assert len(changes(created)["points"][1]) == 2  # type: ignore[arg-type]

    mark = last_id(world)
    draft = svc.charting.save_draft(replace(draft, notes="Mild erythema", points=draft.points[:1]))
    [updated] = since(world, mark)
    c = changes(updated)
    assert updated.action == "update" and set(c) == {"notes", "points"}
    assert c["notes"] == ["Tolerated well", "Mild erythema"]
    assert len(c["points"][0]) == 2 and len(c["points"][1]) == 1  # type: ignore[arg-type]

    mark = last_id(world)
    done = svc.charting.sign(draft.id, PASSWORD)  # type: ignore[arg-type]
    [sign] = since(world, mark)
    assert (sign.action, sign.entity, sign.entity_id) == ("sign", "session", str(done.id))
    assert changes(sign)["status"] == ["draft", "signed"]
    with svc.db.read() as s:
        row = s.get(SessionRow, done.id)
        assert changes(sign)["content_hash"] == [None, row.content_hash]  # type: ignore[union-attr]

    mark = last_id(world)
    amendment = svc.charting.start_amendment(done.id, "Wrong zone at point 1")  # type: ignore[arg-type]
    entries = since(world, mark)
    assert [(e.action, e.entity_id) for e in entries] == [
        ("create", str(amendment.id)),
        ("amend", str(done.id)),
    ]
    assert changes(entries[1]) == {
        "amended_by": [None, amendment.id],
        "reason": [None, "Wrong zone at point 1"],
    }

    mark = last_id(world)
    svc.charting.delete_draft(amendment.id, amendment.version)  # type: ignore[arg-type]
    [deleted] = since(world, mark)
    assert (deleted.action, deleted.entity, deleted.entity_id) == ("delete", "session", str(amendment.id))
    assert changes(deleted)["notes"] == ["Mild erythema", None]  # what was deleted stays on record


@pytest.mark.postgres
def test_an_amendment_and_its_amend_entry_are_written_together(world: World) -> None:
    """A failure as the original's 'amend' entry is written (a full disk, a crash) leaves no amendment: an
    amendment without it (the original not saying it was amended, nor why) was possible when the entry
    had a transaction of its own after the draft's."""
    svc = world.services
    patient, vial = make_patient(svc), make_vial(svc)
    done = signed(world, chart(world, patient, grid(vial, 0.4, 2)))
    engine = svc.db.engine
    with engine.begin() as c:  # the database fails the 'amend' entry, and only it
        if engine.dialect.name == "sqlite":
            c.exec_driver_sql(
                "CREATE TRIGGER fail_amend BEFORE INSERT ON audit_log WHEN NEW.action = 'amend' "
                "BEGIN SELECT RAISE(ABORT, 'disk full'); END"
            )
        else:
            c.exec_driver_sql(
                "CREATE FUNCTION fail_amend() RETURNS trigger LANGUAGE plpgsql AS "
                "$$BEGIN IF NEW.action = 'amend' THEN RAISE EXCEPTION 'disk full'; END IF; RETURN NEW; END$$"
            )
            c.exec_driver_sql(
                "CREATE TRIGGER fail_amend BEFORE INSERT ON audit_log "
                "FOR EACH ROW EXECUTE FUNCTION fail_amend()"
            )
    mark = last_id(world)
    with pytest.raises(Exception, match="disk full"):
        svc.charting.start_amendment(done.id, "Wrong zone at point 1")  # type: ignore[arg-type]
    assert since(world, mark) == []
    with svc.db.read() as s:
        assert s.execute(select(SessionRow.id).where(SessionRow.amends_id == done.id)).all() == []
    with engine.begin() as c:
        on = "" if engine.dialect.name == "sqlite" else " ON audit_log"
        c.exec_driver_sql(f"DROP TRIGGER fail_amend{on}")
    amendment = svc.charting.start_amendment(done.id, "Wrong zone at point 1")  # type: ignore[arg-type]
    assert [(e.action, e.entity_id) for e in since(world, mark)] == [
        ("create", str(amendment.id)),
        ("amend", str(done.id)),
    ]
    assert _verify(world).ok


def test_vials_follow_ups_and_adverse_events(world: World) -> None:
    svc, started = world.services, datetime.now(UTC)
    mark = last_id(world)
    vial = make_vial(svc, lot="LOT-42")
    [opened] = since(world, mark)
    assert (opened.action, opened.entity, opened.entity_id) == ("create", "vial", str(vial.id))
    assert changes(opened)["lot_number"] == [None, "LOT-42"] and changes(opened)["vial_units"] == [None, 100]
    assert_who_and_when(opened, world, started)

    patient = make_patient(svc)
    done = signed(world, chart(world, patient, grid(vial, 0.4, 3)))
    mark = last_id(world)
    world.clock.set(done.performed_at + timedelta(days=14, minutes=5))  # a follow-up is never in the future
    fu = svc.records.add_follow_up(
        done.id,
        Assessment(  # type: ignore[arg-type]
            TimePoint.DAY_14,
            done.performed_at.date() + timedelta(days=14),
            1,
            1,
            0,
            CURRENT_SCALE_VERSION,
            gais=Gais.MUCH_IMPROVED,
        ),
    )
    [assessed] = since(world, mark)
    assert (assessed.action, assessed.entity, assessed.entity_id, assessed.patient_id) == (
        "create",
        "assessment",
        str(fu.id),
        patient.id,
    )
    assert changes(assessed)["gais"] == [None, "much_improved"] and changes(assessed)["pores"] == [None, 1]
    assert changes(assessed)["session_id"] == [None, done.id]

    mark = last_id(world)
    event = svc.records.add_adverse_event(
        done.id,
        AdverseEvent(  # type: ignore[arg-type]
            AdverseEventKind.BRUISING, done.performed_at.date(), Severity.MILD
        ),
    )
    [reported] = since(world, mark)
    assert (reported.action, reported.entity, reported.entity_id) == (
        "create",
        "adverse_event",
        str(event.id),
    )
    assert changes(reported)["severity"] == [None, "mild"]

    mark = last_id(world)
    resolved = done.performed_at.date() + timedelta(days=3)
    svc.records.update_adverse_event(
        replace(event, severity=Severity.MODERATE, resolved_on=resolved, resolution="Arnica, settled")
    )
    [changed] = since(world, mark)
    assert changed.action == "update"
    assert changes(changed)["severity"] == ["mild", "moderate"]
    assert changes(changed)["resolution"] == ["", "Arnica, settled"]
    assert changes(changed)["resolved_on"] == [None, resolved.isoformat()]
    assert_who_and_when(changed, world, started)


# -- append-only ----------------------------------------------------------------------------------
@pytest.mark.postgres
def test_the_database_refuses_to_change_or_delete_audit_entries(world: World) -> None:
    make_patient(world.services)
    engine = world.services.db.engine
    before = since(world, 0)
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as c:
        c.execute(update(AuditRow).where(AuditRow.id == 1).values(username="mallory"))
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as c:
        c.execute(delete(AuditRow).where(AuditRow.id == 1))
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as c:
        c.execute(text("DELETE FROM audit_log"))
    with pytest.raises(DBAPIError, match="append-only"), world.services.db.write() as s, s.begin():
        row = s.get(AuditRow, 2)
        row.changes = '{"forged": [1, 2]}'  # type: ignore[union-attr]
    assert [(r.id, r.hash, r.changes, r.username) for r in since(world, 0)] == [
        (r.id, r.hash, r.changes, r.username) for r in before
    ]


# -- verify ---------------------------------------------------------------------------------------
def _history(world: World) -> int:
    """A normal day: patients, a signed session, a follow-up. Returns the signed session's id."""
    svc = world.services
    patient, vial = make_patient(svc), make_vial(svc)
    svc.patients.update(replace(patient, phone="+1 555 0199"))
    done = signed(world, chart(world, patient, grid(vial, 0.4, 5, Zone.CHEEK_LEFT)))
    world.clock.set(done.performed_at + timedelta(days=28, minutes=5))  # a follow-up is never in the future
    svc.records.add_follow_up(
        done.id,
        Assessment(  # type: ignore[arg-type]
            TimePoint.WEEK_4, done.performed_at.date() + timedelta(days=28), 1, 1, 1, CURRENT_SCALE_VERSION
        ),
    )
    return done.id  # type: ignore[return-value]


def _verify(world: World) -> audit.VerifyResult:
    with world.services.db.read() as s:
        return audit.verify(s)


def _tamper(world: World, *statements: str) -> None:
    """Change the database behind the application's back: drop the guards first, as an intruder would."""
    engine = world.services.db.engine
    with engine.begin() as c:
        if engine.dialect.name == "sqlite":
            c.exec_driver_sql("DROP TRIGGER IF EXISTS audit_log_no_update")
            c.exec_driver_sql("DROP TRIGGER IF EXISTS audit_log_no_delete")
        else:
            c.exec_driver_sql("DROP TRIGGER IF EXISTS audit_log_no_update ON audit_log")
        for stmt in statements:
            c.exec_driver_sql(stmt)


@pytest.mark.postgres
def test_verify_passes_on_a_normal_history(world: World) -> None:
    _history(world)
    result = _verify(world)
    assert result.ok and result.problems == () and result.first_problem is None
    assert result.entries_checked == last_id(world) > 10
    assert result.signed_sessions_checked == 1


@pytest.mark.postgres
def test_verify_detects_a_changed_entry(world: World) -> None:
    _history(world)
    _tamper(world, 'UPDATE audit_log SET changes = \'{"phone": ["x", "y"]}\' WHERE id = 7')
    result = _verify(world)
    assert not result.ok
    assert result.first_problem == audit.AuditProblem(7, "entry 7 was changed after it was written")


def test_verify_detects_a_changed_entry_even_with_its_hash_recomputed(world: World) -> None:
    _history(world)
    with world.services.db.read() as s:
        row = s.get(AuditRow, 7)
        assert row is not None
        forged = audit.entry_hash(
            row.prev_hash,
            row.id,
            row.at,
            row.user_id,
            "mallory",
            row.action,
            row.entity,
            row.entity_id,
            row.patient_id,
            row.changes,
            row.row_hash,
        )
    _tamper(world, f"UPDATE audit_log SET username = 'mallory', hash = '{forged}' WHERE id = 7")
    first = _verify(world).first_problem
    assert first is not None and first.entry_id == 8 and "does not follow entry 7" in first.message


@pytest.mark.postgres
def test_verify_detects_a_removed_entry(world: World) -> None:
    _history(world)
    _tamper(world, "DELETE FROM audit_log WHERE id = 5")
    first = _verify(world).first_problem
    assert first is not None and first.entry_id == 5 and "entry 5 is missing" in first.message


def test_verify_detects_removed_newest_entries(world: World) -> None:
    _history(world)
    newest = last_id(world)
    _tamper(world, f"DELETE FROM audit_log WHERE id >= {newest - 1}")
    first = _verify(world).first_problem
    assert first is not None and f"after entry {newest - 2} were removed" in first.message


@pytest.mark.postgres
def test_verify_detects_reordered_entries(world: World) -> None:
    _history(world)
    _tamper(
        world,
        "UPDATE audit_log SET id = -1 WHERE id = 6",
        "UPDATE audit_log SET id = 6 WHERE id = 7",
        "UPDATE audit_log SET id = 7 WHERE id = -1",
    )
    first = _verify(world).first_problem
    assert first is not None and first.entry_id == 6 and "does not follow entry 5" in first.message


@pytest.mark.postgres
@pytest.mark.parametrize("also_fix_the_stored_hash", [False, True])
def test_verify_detects_a_signed_session_changed_behind_the_applications_back(
    world: World, also_fix_the_stored_hash: bool
) -> None:
    session_id = _history(world)
    _tamper(world, f"UPDATE injection_points SET units = units * 2 WHERE session_id = {session_id}")
    if also_fix_the_stored_hash:  # an intruder who knows the content hash: the sign entry still disagrees
        with world.services.db.write() as s, s.begin():
            row = s.get(SessionRow, session_id)
            row.content_hash = session_content_hash(row, s)  # type: ignore[arg-type,union-attr]
    result = _verify(world)
    assert not result.ok
    with world.services.db.read() as s:  # the problem names the signing entry whose hash no longer matches
        sign_entry = s.execute(
            select(AuditRow.id).where(AuditRow.action == "sign", AuditRow.entity_id == str(session_id))
        ).scalar_one()
    first = result.first_problem
    assert first is not None and first.entry_id == sign_entry
    assert first.message.startswith(f"signed session {session_id} was altered after signing")
    assert (first.entity, first.record_id, first.field) == ("session", str(session_id), "content")
    assert result.entries_checked == last_id(world)  # the chain itself is intact


def test_verify_detects_a_signed_baseline_changed(world: World) -> None:
    session_id = _history(world)
    _tamper(
        world, f"UPDATE assessments SET pores = 0 WHERE session_id = {session_id} AND time_point = 'baseline'"
    )
    first = _verify(world).first_problem
    assert first is not None and f"signed session {session_id} was altered" in first.message


@pytest.mark.postgres
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE treatment_sessions SET status = 'draft', content_hash = NULL WHERE id = {id}",
        "DELETE FROM treatment_sessions WHERE id = {id}",
    ],
    ids=["unsigned behind the application's back", "deleted"],
)
def test_verify_detects_a_signed_session_unsigned_or_removed(world: World, statement: str) -> None:
    """Turning a signed chart back into an editable draft (or removing it) must not hide from verify."""
    session_id = _history(world)
    with world.services.db.read() as s:
        sign_entry = s.execute(
            select(AuditRow.id).where(AuditRow.action == "sign", AuditRow.entity_id == str(session_id))
        ).scalar_one()
    _tamper(
        world,
        f"DELETE FROM assessments WHERE session_id = {session_id}" if "DELETE" in statement else "SELECT 1",
        statement.format(id=session_id),
    )
    result = _verify(world)
    assert not result.ok
    assert result.first_problem is not None and result.first_problem.entry_id == sign_entry
    assert f"session {session_id}" in result.first_problem.message


def _screened_sessions(world: World) -> tuple[int, int]:
    """A signed session and a draft, each with the screening asked at the visit. Returns their ids."""
    from clinicrec.domain.models import ScreeningSnapshot

    svc = world.services
    patient, vial = make_patient(svc), make_vial(svc)
    asked = ScreeningSnapshot.from_patient(patient)
    done = signed(world, chart(world, patient, grid(vial, 0.4, 4), screening=asked))
    draft = svc.charting.save_draft(chart(world, patient, grid(vial, 0.3, 3), screening=asked))
    return done.id, draft.id  # type: ignore[return-value]


@pytest.mark.postgres
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE session_screenings SET answers = replace(answers, '\"no\"', '\"yes\"') "
        "WHERE session_id = {id}",
        "UPDATE session_screenings SET allergies = 'none', allergy_status = 'none_known' "
        "WHERE session_id = {id}",
        "DELETE FROM session_screenings WHERE session_id = {id}",
    ],
    ids=["an answer changed", "the allergies changed", "the screening removed"],
)
@pytest.mark.parametrize("which", ["signed", "draft"])
def test_verify_names_a_session_whose_screening_changed_behind_the_application(
    world: World, statement: str, which: str
) -> None:
    """What the patient answered at the visit is part of the session's record: changed outside ClinicRec,
    verify names that session (and only that one)."""
    signed_id, draft_id = _screened_sessions(world)
    assert _verify(world).ok
    target = signed_id if which == "signed" else draft_id
    _tamper(world, statement.format(id=target))
    result = _verify(world)
    assert not result.ok
    assert {(p.entity, p.record_id) for p in result.problems} == {("session", str(target))}


def test_a_screening_saved_through_the_application_keeps_verify_clean(world: World) -> None:
    from clinicrec.domain.enums import ScreeningAnswer
    from clinicrec.domain.models import ScreeningSnapshot

    _signed_id, draft_id = _screened_sessions(world)
    svc = world.services
    draft = svc.charting.get(draft_id)
    assert draft.screening is not None
    answers = tuple((item, ScreeningAnswer.YES) for item, _ in draft.screening.answers)
    svc.charting.save_draft(replace(draft, screening=ScreeningSnapshot(answers, draft.screening.other)))
    assert _verify(world).ok


@pytest.mark.postgres
def test_a_warning_acknowledged_again_with_the_same_reason_keeps_verify_clean(world: World) -> None:
    """A warning's facts change (a second screening answer), the nurse acknowledges it again with the same
    reason: the save records the acknowledgement and an update of the session with the state it leaves
    (it used to record no update, so verify called a normal save a change made behind the application)."""
    from clinicrec.domain.models import SafetyScreening
    from tests.services.test_charting import _positive_screening

    svc = world.services
    patient = make_patient(svc)
    draft = svc.charting.save_draft(_positive_screening(world, patient))
    [warning] = svc.charting.warnings(draft)
    draft = svc.charting.save_draft(svc.charting.acknowledge(draft, warning, "Prescriber aware"))
    mark = last_id(world)
    both = SafetyScreening(neuromuscular_disorder=True, aminoglycosides=True)
    svc.patients.update(replace(svc.patients.get(patient.id), screening=both))  # type: ignore[arg-type]
    [again] = svc.charting.warnings(draft)
    assert again.key == warning.key and again.fingerprint != warning.fingerprint
    draft = svc.charting.save_draft(svc.charting.acknowledge(draft, again, "Prescriber aware"))
    entries = [e for e in since(world, mark) if e.entity == "session"]
    assert [e.action for e in entries] == ["acknowledge", "update"]
    assert changes(entries[0])["facts"] == [None, again.facts_text]
    old, new = changes(entries[1])["acknowledgements"]
    assert [a[-1] for a in old] == [warning.facts_text] and [a[-1] for a in new] == [again.facts_text]
    result = _verify(world)
    assert result.ok, [p.message for p in result.problems]
