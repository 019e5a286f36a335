"""Charting a session through the services: drafts, safety warnings, signing, amendments, totals."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from clinicrec.db.engine import Database, make_engine
from clinicrec.db.models import (
    AcknowledgementRow,
    AssessmentRow,
    AuditRow,
    PointRow,
    SessionRow,
    SessionVialRow,
)
from clinicrec.domain.enums import Depth, Indication, SessionStatus, TimePoint, WarningKind, Zone
from clinicrec.domain.errors import (
    ConcurrentEditError,
    PermissionDenied,
    SignedRecordError,
    UnacknowledgedWarnings,
    ValidationError,
)
from clinicrec.domain.models import (
    Assessment,
    Consent,
    InjectionPoint,
    Patient,
    SafetyScreening,
    SafetyWarning,
    TreatmentSession,
    Vial,
)
from clinicrec.domain.scales import CURRENT_SCALE_VERSION
from clinicrec.services import audit as audit_mod
from clinicrec.services.app import Services
from clinicrec.services.base import Context
from tests.conftest import PASSWORD, World, make_patient, make_vial

T0 = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


# -- helpers (also used by test_audit_trail.py) ---------------------------------------------------
def grid(vial: Vial, units: float, n: int, zone: Zone = Zone.FOREHEAD) -> list[InjectionPoint]:
    """``n`` points of ``units`` each, entered in units (volume derived from the vial)."""
    return [
        InjectionPoint.from_units(zone, 0.2 + (i % 10) * 0.05, 0.2 + (i // 10) * 0.05, vial, units)
        for i in range(n)
    ]


def chart(
    world: World,
    patient: Patient,
    points: list[InjectionPoint],
    *,
    when: datetime | None = None,
    **kw: object,
) -> TreatmentSession:
    """A complete, signable chart for ``patient`` by the injector."""
    when = when or world.clock()
    values: dict[str, object] = dict(
        consent=Consent("MB-CONSENT-1", when - timedelta(minutes=10), "Nina Nurse, RN"),
        indications=frozenset({Indication.PORES, Indication.OIL}),
        prescriber="Dr Pat Prescriber",
        order_reference="ORD-1",
        needle_gauge=32,
        depth=Depth.INTRADERMAL,
        notes="Tolerated well",
        points=tuple(points),
        baseline=Assessment(TimePoint.BASELINE, when.date(), 3, 2, 1, CURRENT_SCALE_VERSION),
    )
    values.update(kw)
    return TreatmentSession(patient.id, when, world.injector.user_id, **values)  # type: ignore[arg-type]


def signed(world: World, draft: TreatmentSession, reasons: str | None = None) -> TreatmentSession:
    """Save and sign ``draft``; acknowledge every warning with ``reasons`` if given."""
    svc = world.services
    saved = svc.charting.save_draft(draft)
    if reasons is not None:
        for w in svc.charting.warnings(saved):
            saved = svc.charting.acknowledge(saved, w, reasons)
        saved = svc.charting.save_draft(saved)
    return svc.charting.sign(saved.id, PASSWORD)  # type: ignore[arg-type]


def counts(world: World) -> dict[str, int]:
    with world.services.db.read() as s:
        return {
            m.__tablename__: s.execute(select(func.count()).select_from(m)).scalar_one()
            for m in (SessionRow, PointRow, AssessmentRow, AcknowledgementRow, SessionVialRow, AuditRow)
        }


def second_workstation(world: World) -> Services:
    """Another Services on the same database, as a second computer in the clinic would have."""
    other = Services(Context(Database(make_engine(world.services.db.url)), world.clock))
    other.act_as(world.injector)
    return other


def strip_ids(s: TreatmentSession) -> TreatmentSession:
    return replace(
        s,
        id=None,
        version=0,
        points=tuple(replace(p, id=None) for p in s.points),
        baseline=replace(s.baseline, id=None, assessor_id=None) if s.baseline else None,
        acknowledgements=tuple(replace(a, by_user_id=None, at=None) for a in s.acknowledgements),
    )


# -- drafts ---------------------------------------------------------------------------------------
@pytest.mark.postgres
def test_a_draft_is_stored_and_read_back_exactly(world: World) -> None:
    svc = world.services
    patient, botox, dysport = (
        make_patient(svc),
        make_vial(svc),
        make_vial(svc, brand="Dysport", units=300, diluent_ml=1.5, lot="D1"),
    )
    draft = chart(
        world, patient, grid(botox, 0.4, 12) + grid(dysport, 2, 3, Zone.NOSE), vial_ids=(botox.id, dysport.id)
    )  # type: ignore[arg-type]
    saved = svc.charting.save_draft(draft)
    got = svc.charting.get(saved.id)  # type: ignore[arg-type]
    assert got == saved
    assert strip_ids(got) == draft
    assert got.status == SessionStatus.DRAFT and got.version >= 1
    assert got.baseline is not None and got.baseline.assessor_id == world.injector.user_id
    assert [p.zone for p in got.points] == [p.zone for p in draft.points]  # order kept


def test_saving_again_replaces_points_and_baseline(world: World) -> None:
    svc = world.services
    patient, vial = make_patient(svc), make_vial(svc)
    saved = svc.charting.save_draft(chart(world, patient, grid(vial, 0.4, 10)))
    edited = replace(
        saved, points=tuple(grid(vial, 0.5, 4, Zone.CHIN)), baseline=replace(saved.baseline, pores=4)
    )  # type: ignore[type-var]
    again = svc.charting.save_draft(edited)
    assert [(p.zone, p.units) for p in again.points] == [(Zone.CHIN, 0.5)] * 4
    assert again.baseline is not None and again.baseline.pores == 4
    assert again.version > saved.version
    with svc.db.read() as s:
        assert (
            s.execute(
                select(func.count()).select_from(PointRow).where(PointRow.session_id == saved.id)
            ).scalar_one()
            == 4
        )
        assert (
            s.execute(
                select(func.count()).select_from(AssessmentRow).where(AssessmentRow.session_id == saved.id)
            ).scalar_one()
            == 1
        )


def test_a_draft_is_charted_by_the_signed_in_injector(world: World) -> None:
    svc = world.services
    patient, vial = make_patient(svc), make_vial(svc)
    with pytest.raises(PermissionDenied):
        svc.charting.save_draft(
            replace(chart(world, patient, grid(vial, 0.4, 1)), injector_id=world.injector2.user_id)
        )
    saved = svc.charting.save_draft(chart(world, patient, grid(vial, 0.4, 1)))
    world.as_(world.injector2)
    with pytest.raises(PermissionDenied):
        svc.charting.save_draft(replace(saved, notes="not mine"))
    with pytest.raises(PermissionDenied):
        svc.charting.delete_draft(saved.id, saved.version)  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied):
        svc.charting.sign(saved.id, PASSWORD)  # type: ignore[arg-type]
    world.as_(world.injector)
    assert svc.charting.get(saved.id) == saved


def test_a_session_cannot_move_to_another_patient(world: World) -> None:
    svc = world.services
    a, b, vial = make_patient(svc), make_patient(svc), make_vial(svc)
    saved = svc.charting.save_draft(chart(world, a, grid(vial, 0.4, 1)))
    with pytest.raises(ValidationError) as e:
        svc.charting.save_draft(replace(saved, patient_id=b.id))
    assert e.value.fields == {"patient_id"}


def test_deleting_a_draft_removes_everything_of_it(world: World) -> None:
    svc = world.services
    patient, vial = make_patient(svc), make_vial(svc)
    before = counts(world)
    saved = svc.charting.save_draft(chart(world, patient, grid(vial, 0.4, 5)))
    svc.charting.delete_draft(saved.id, saved.version)  # type: ignore[arg-type]
    after = counts(world)
    assert {k: after[k] - before[k] for k in after} == {
        "treatment_sessions": 0,
        "injection_points": 0,
        "assessments": 0,
        "acknowledgements": 0,
        "session_vials": 0,
        "audit_log": 2,
    }  # created, then deleted: both audited


# -- all or nothing -------------------------------------------------------------------------------
def fail_session_audit(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make the audit append fail when the session's own entry is written (after points and baseline)."""
    calls: list[str] = []
    real = audit_mod.record

    def record(s, actor, action, entity, *args, **kw):  # type: ignore[no-untyped-def]
        calls.append(f"{action.value}:{entity}")
        if entity == "session" and action.value in ("create", "update"):
            s.flush()  # the points, vial links and baseline are in the transaction by now
            raise RuntimeError("disk on fire")
        return real(s, actor, action, entity, *args, **kw)

    monkeypatch.setattr(audit_mod, "record", record)
    return calls


@pytest.mark.postgres
def test_a_failed_save_of_a_new_draft_leaves_nothing(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    svc = world.services
    patient, vial = make_patient(svc), make_vial(svc, when=world.clock() - timedelta(hours=30))
    draft = chart(world, patient, grid(vial, 0.4, 8))
    warning = svc.charting.warnings(draft)[0]
    draft = svc.charting.acknowledge(draft, warning, "Stored at 4 °C, clinic policy allows 4 weeks")
    before = counts(world)
    calls: list[str] = []
    real = audit_mod.record

    def record(s, actor, action, entity, *args, **kw):  # type: ignore[no-untyped-def]
        calls.append(action.value)
        if action.value == "create":
            s.flush()
            assert (
                s.execute(select(func.count()).select_from(PointRow)).scalar_one() >= 8
            )  # really half-written
            raise RuntimeError("disk on fire")
        return real(s, actor, action, entity, *args, **kw)

    monkeypatch.setattr(audit_mod, "record", record)
    with pytest.raises(RuntimeError, match="disk on fire"):
        svc.charting.save_draft(draft)
    assert calls == ["acknowledge", "create"]  # the acknowledgement's audit entry was written first...
    assert counts(world) == before  # ...and rolled back with everything else


@pytest.mark.postgres
def test_a_failed_save_of_an_existing_draft_keeps_the_previous_draft(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    svc = world.services
    patient, vial = make_patient(svc), make_vial(svc)
    saved = svc.charting.save_draft(chart(world, patient, grid(vial, 0.4, 6)))
    before, stored = counts(world), svc.charting.get(saved.id)  # type: ignore[arg-type]
    calls = fail_session_audit(monkeypatch)
    edited = replace(
        saved,
        notes="changed",
        points=tuple(grid(vial, 1.0, 2, Zone.CHIN)),
        baseline=replace(saved.baseline, redness=4),
    )  # type: ignore[type-var]
    with pytest.raises(RuntimeError, match="disk on fire"):
        svc.charting.save_draft(edited)
    assert calls == ["update:session"]
    assert counts(world) == before
    assert svc.charting.get(saved.id) == stored  # every field, every point, the baseline: as before


def test_a_database_constraint_failure_rolls_back_too(world: World) -> None:
    """A point naming a vial that does not exist fails at the database (foreign key): nothing is kept."""
    svc = world.services
    patient, vial = make_patient(svc), make_vial(svc)
    saved = svc.charting.save_draft(chart(world, patient, grid(vial, 0.4, 3)))
    before, stored = counts(world), svc.charting.get(saved.id)  # type: ignore[arg-type]
    ghost = replace(vial, id=987654)
    with pytest.MonkeyPatch.context() as mp:  # let the ghost vial through validation
        mp.setattr("clinicrec.services.charting.validate_session", lambda session, vials: None)
        with pytest.raises(Exception) as e:
            svc.charting.save_draft(replace(saved, points=saved.points + tuple(grid(ghost, 0.4, 1))))
    assert "FOREIGN KEY" in str(e.value).upper()
    assert counts(world) == before
    assert svc.charting.get(saved.id) == stored


# -- concurrent edits -----------------------------------------------------------------------------
@pytest.mark.postgres
def test_two_workstations_editing_one_draft(world: World) -> None:
    svc = world.services
    world.clock.set(T0)
    patient, vial = make_patient(svc), make_vial(svc)
    saved = svc.charting.save_draft(chart(world, patient, grid(vial, 0.4, 4)))
    other = second_workstation(world)
    try:
        mine, theirs = svc.charting.get(saved.id), other.charting.get(saved.id)  # type: ignore[arg-type]
        world.clock.set(T0 + timedelta(minutes=7))
        first = other.charting.save_draft(replace(theirs, notes="saved at the other desk"))
        with pytest.raises(ConcurrentEditError) as e:
            svc.charting.save_draft(replace(mine, notes="saved at this desk"))
        assert "Nina Nurse" in str(e.value) and "2026-03-10 10:07" in str(e.value)
        assert e.value.by == "Nina Nurse" and e.value.at == T0 + timedelta(minutes=7)
        assert svc.charting.get(saved.id) == first  # nothing overwritten
        assert svc.charting.get(saved.id).notes == "saved at the other desk"  # type: ignore[arg-type]
        with pytest.raises(ConcurrentEditError):  # and it stays refused: no second try slips through
            svc.charting.save_draft(mine)
    finally:
        other.db.dispose()


# -- safety warnings ------------------------------------------------------------------------------
def _expired_lot(world: World, patient: Patient) -> TreatmentSession:
    world.clock.set(datetime(2026, 3, 10, 23, 0, tzinfo=UTC))
    vial = make_vial(world.services, expiry=date(2026, 3, 10))  # reconstituted 22:30 on its expiry day
    return chart(world, patient, grid(vial, 0.4, 5), when=datetime(2026, 3, 11, 1, 0, tzinfo=UTC))


def _old_reconstitution(world: World, patient: Patient) -> TreatmentSession:
    world.clock.set(T0)
    vial = make_vial(world.services, when=T0 - timedelta(hours=29, minutes=30))  # reconstituted 30 h ago
    return chart(world, patient, grid(vial, 0.4, 5))


def _botox_over_90_days(world: World, patient: Patient) -> TreatmentSession:
    svc = world.services
    world.clock.set(T0 - timedelta(days=30))
    a, b = make_vial(svc, units=200, lot="EARLY-A"), make_vial(svc, units=200, lot="EARLY-B")  # 80 U/mL
    signed(world, chart(world, patient, grid(a, 25, 8) + grid(b, 25, 4)))  # 300 U a month ago
    world.clock.set(T0)
    today = make_vial(svc, units=200, lot="TODAY")
    draft = chart(world, patient, grid(today, 25, 6))  # 150 U today: 450 U in 3 months
    # The session a month ago is also 'toxin within 3 months' (from the records): acknowledged here.
    [recent] = [w for w in svc.charting.warnings(draft) if w.kind == WarningKind.RECENT_TOXIN]
    return svc.charting.acknowledge(draft, recent, "Planned top-up, prescriber aware")


def _xeomin_in_one_session(world: World, patient: Patient) -> TreatmentSession:
    world.clock.set(T0)
    vials = [make_vial(world.services, brand="Xeomin", units=200, lot=f"X{i}") for i in range(3)]
    return chart(
        world, patient, grid(vials[0], 25, 8) + grid(vials[1], 25, 8) + grid(vials[2], 25, 1)
    )  # 425 U


def test_a_per_session_maximum_counts_the_other_sessions_of_the_same_clinic_day(world: World) -> None:
    """Xeomin's 400 U per session, charted as two sessions minutes apart (300 U, then 125 U), was never
    above the maximum: one treatment is one dose to the patient. The clinic's day, not UTC's, decides."""
    svc = world.services
    world.as_(world.admin)
    svc.clinic.update(replace(svc.clinic.get(), time_zone="America/Los_Angeles"))
    world.as_(world.injector)
    patient = make_patient(svc)
    world.clock.set(datetime(2026, 3, 10, 15, 0, tzinfo=UTC))  # 07:00 in Los Angeles
    a, b, c = (make_vial(svc, brand="Xeomin", units=200, lot=f"XD{i}") for i in range(3))  # 80 U/mL
    morning = datetime(2026, 3, 10, 16, 0, tzinfo=UTC)
    signed(world, chart(world, patient, grid(a, 25, 8) + grid(b, 25, 4), when=morning))  # 300 U
    world.clock.set(datetime(2026, 3, 11, 9, 0, tzinfo=UTC))

    def over_max(when: datetime) -> list[str]:
        draft = chart(world, patient, grid(c, 25, 5), when=when)  # 125 U
        return [w.message for w in svc.charting.warnings(draft) if w.kind == WarningKind.OVER_MAX_DOSE]

    same_day = (
        "Xeomin: 125 U this session plus 300 U in other sessions the same day is above the maximum of "
        "400 U per session"
    )
    assert over_max(morning + timedelta(minutes=20)) == [same_day]
    # Los Angeles keeps summer time from 8 March 2026 (UTC-7)
    assert over_max(datetime(2026, 3, 11, 6, 30, tzinfo=UTC)) == [same_day]  # 23:30 on 10 March there
    assert over_max(datetime(2026, 3, 11, 7, 30, tzinfo=UTC)) == []  # 00:30 on 11 March: the next day


@pytest.mark.parametrize(("later", "warned"), [(date(2026, 5, 31), True), (date(2026, 6, 2), False)])
def test_botox_cosmetics_3_months_are_the_clinics_calendar_months(
    world: World, later: date, warned: bool
) -> None:
    """300 U on 1 March and 150 U on 31 May: 91 days apart, inside 3 calendar months. The 90 days the
    catalogue used to count left the first session out, and no warning was shown."""
    svc = world.services
    patient = make_patient(svc)
    first = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    world.clock.set(first - timedelta(minutes=30))
    a, b = make_vial(svc, units=200, lot="MAR-A"), make_vial(svc, units=200, lot="MAR-B")  # 80 U/mL
    signed(world, chart(world, patient, grid(a, 25, 8) + grid(b, 25, 4)))  # 300 U
    world.clock.set(datetime.combine(later, datetime.min.time(), tzinfo=UTC) + timedelta(hours=9))
    draft = chart(world, patient, grid(make_vial(svc, units=200, lot="LATER"), 25, 6))  # 150 U
    over = [w.message for w in svc.charting.warnings(draft) if w.kind == WarningKind.OVER_MAX_DOSE]
    expected = (
        "Botox Cosmetic: 150 U this session plus 300 U in other sessions is above the maximum of "
        "400 U in 3 months"
    )
    assert over == ([expected] if warned else [])


def _positive_screening(world: World, patient: Patient) -> TreatmentSession:
    world.clock.set(T0)
    svc = world.services
    svc.patients.update(replace(patient, screening=SafetyScreening(neuromuscular_disorder=True)))
    return chart(world, patient, grid(make_vial(svc), 0.4, 5))


WARNING_CASES = {
    WarningKind.EXPIRED_LOT: (_expired_lot, "expired on 2026-03-10"),
    WarningKind.OLD_RECONSTITUTION: (_old_reconstitution, "reconstituted 30 h before the session"),
    WarningKind.OVER_MAX_DOSE: (_botox_over_90_days, "150 U this session plus 300 U in other sessions"),
    "xeomin": (_xeomin_in_one_session, "425 U this session is above the maximum of 400 U per session"),
    WarningKind.POSITIVE_SCREENING: (_positive_screening, "Neuromuscular disorder"),
}


@pytest.mark.postgres
@pytest.mark.parametrize("case", list(WARNING_CASES), ids=[str(k) for k in WARNING_CASES])
def test_a_warning_needs_a_recorded_reason_before_signing(world: World, case: object) -> None:
    svc = world.services
    make_setup, words = WARNING_CASES[case]  # type: ignore[index]
    kind = WarningKind.OVER_MAX_DOSE if case == "xeomin" else case
    draft = svc.charting.save_draft(make_setup(world, make_patient(svc)))

    with pytest.raises(UnacknowledgedWarnings) as e:
        svc.charting.sign(draft.id, PASSWORD)  # type: ignore[arg-type]
    [warning] = e.value.warnings
    assert warning.kind == kind and words in warning.message and words in str(e.value)
    assert svc.charting.get(draft.id).status == SessionStatus.DRAFT  # type: ignore[arg-type]

    reason = f"Reviewed with the prescriber: {kind.label}"
    draft = svc.charting.save_draft(svc.charting.acknowledge(draft, warning, reason))
    done = svc.charting.sign(draft.id, PASSWORD)  # type: ignore[arg-type]
    assert done.status == SessionStatus.SIGNED
    [ack] = [a for a in done.acknowledgements if a.kind == kind]
    assert (ack.kind, ack.subject, ack.reason, ack.by_user_id) == (
        kind,
        warning.subject,
        reason,
        world.injector.user_id,
    )
    with svc.db.read() as s:
        row = s.execute(
            select(AcknowledgementRow).where(
                AcknowledgementRow.session_id == draft.id, AcknowledgementRow.kind == kind.value
            )
        ).scalar_one()
        assert (row.kind, row.reason, row.user_id) == (kind.value, reason, world.injector.user_id)
        entries = (
            s.execute(
                select(AuditRow).where(AuditRow.action == "acknowledge", AuditRow.entity_id == str(draft.id))
            )
            .scalars()
            .all()
        )
    [entry] = [e for e in entries if kind.value in e.changes]
    assert audit_mod_changes(entry) == {
        "warning": [None, f"{kind.value}:{warning.subject}"],
        "reason": [None, reason],
        "facts": [None, warning.facts_text],
    }
    assert entry.user_id == world.injector.user_id and entry.patient_id == draft.patient_id


def audit_mod_changes(row: AuditRow) -> dict:  # type: ignore[type-arg]
    import json

    return json.loads(row.changes)


def test_every_warning_is_listed_and_each_needs_its_own_reason(world: World) -> None:
    svc = world.services
    world.clock.set(T0)
    patient = make_patient(svc, screening=SafetyScreening(recent_toxin=True))
    old = make_vial(svc, when=T0 - timedelta(hours=30), lot="OLD", expiry=T0.date() - timedelta(days=1))
    extra = [make_vial(svc, brand="Xeomin", units=200, lot=f"X{i}") for i in range(3)]
    draft = svc.charting.save_draft(
        chart(
            world,
            patient,
            grid(old, 0.4, 2) + grid(extra[0], 25, 8) + grid(extra[1], 25, 8) + grid(extra[2], 25, 1),
        )
    )
    with pytest.raises(UnacknowledgedWarnings) as e:
        svc.charting.sign(draft.id, PASSWORD)  # type: ignore[arg-type]
    assert sorted(w.kind for w in e.value.warnings) == sorted(
        [
            WarningKind.EXPIRED_LOT,
            WarningKind.OLD_RECONSTITUTION,
            WarningKind.OVER_MAX_DOSE,
            WarningKind.POSITIVE_SCREENING,
        ]
    )
    for w in e.value.warnings[:-1]:
        draft = svc.charting.acknowledge(draft, w, "Documented with the prescriber")
    draft = svc.charting.save_draft(draft)
    with pytest.raises(UnacknowledgedWarnings) as e2:
        svc.charting.sign(draft.id, PASSWORD)  # type: ignore[arg-type]
    assert e2.value.warnings == [e.value.warnings[-1]]
    draft = svc.charting.save_draft(
        svc.charting.acknowledge(draft, e.value.warnings[-1], "Last toxin 4 months ago")
    )
    assert svc.charting.sign(draft.id, PASSWORD).status == SessionStatus.SIGNED  # type: ignore[arg-type]


def test_acknowledging_needs_a_reason(world: World) -> None:
    svc = world.services
    draft = _old_reconstitution(world, make_patient(svc))
    [warning] = svc.charting.warnings(draft)
    with pytest.raises(ValidationError) as e:
        svc.charting.acknowledge(draft, warning, "   ")
    assert e.value.fields == {"reason"}


def test_earlier_drafts_and_sessions_outside_90_days_do_not_count(world: World) -> None:
    svc = world.services
    patient = make_patient(svc)
    world.clock.set(T0 - timedelta(days=91))
    old = [make_vial(svc, units=200, lot=f"OLD{i}") for i in range(2)]
    signed(world, chart(world, patient, grid(old[0], 25, 8) + grid(old[1], 25, 4)))  # 300 U, 91 days ago
    world.clock.set(T0 - timedelta(days=5))
    drafts = [make_vial(svc, units=200, lot=f"DRAFT{i}") for i in range(2)]
    svc.charting.save_draft(
        chart(world, patient, grid(drafts[0], 25, 8) + grid(drafts[1], 25, 4))
    )  # unsigned
    world.clock.set(T0)
    today = make_vial(svc, units=200, lot="TODAY")
    assert svc.charting.warnings(chart(world, patient, grid(today, 25, 6))) == []


# -- signing and amending -------------------------------------------------------------------------
def test_signing_checks_the_password_and_the_chart(world: World) -> None:
    svc = world.services
    patient, vial = make_patient(svc), make_vial(svc)
    draft = svc.charting.save_draft(chart(world, patient, grid(vial, 0.4, 3)))
    with pytest.raises(ValidationError) as e:
        svc.charting.sign(draft.id, "wrong password!")  # type: ignore[arg-type]
    assert e.value.fields == {"password"}
    incomplete = svc.charting.save_draft(replace(draft, consent=None, baseline=None))
    with pytest.raises(ValidationError) as e:
        svc.charting.sign(incomplete.id, PASSWORD)  # type: ignore[arg-type]
    assert e.value.fields == {"consent", "baseline"}
    assert svc.charting.get(draft.id).status == SessionStatus.DRAFT  # type: ignore[arg-type]


def test_a_signed_session_cannot_be_edited_or_deleted(world: World) -> None:
    svc = world.services
    patient, vial = make_patient(svc), make_vial(svc)
    done = signed(world, chart(world, patient, grid(vial, 0.4, 10)))
    assert done.status == SessionStatus.SIGNED
    before = counts(world)
    for change in (
        dict(notes="changed"),
        dict(points=done.points[:1]),
        dict(status=SessionStatus.DRAFT),
        dict(baseline=replace(done.baseline, pores=0)),
    ):  # type: ignore[type-var]
        with pytest.raises(SignedRecordError):
            svc.charting.save_draft(replace(done, **change))  # type: ignore[arg-type]
    with pytest.raises(SignedRecordError):
        svc.charting.delete_draft(done.id, done.version)  # type: ignore[arg-type]
    with pytest.raises(SignedRecordError):
        svc.charting.sign(done.id, PASSWORD)  # type: ignore[arg-type]
    assert counts(world) == before
    assert svc.charting.get(done.id) == done  # type: ignore[arg-type]


@pytest.mark.postgres
def test_an_amendment_links_to_the_original_which_stays_as_it_was(world: World) -> None:
    svc = world.services
    world.clock.set(T0)
    patient, vial = make_patient(svc), make_vial(svc)
    original = signed(world, chart(world, patient, grid(vial, 0.4, 10)))
    record_before = svc.records.record(original.id)  # type: ignore[arg-type]

    with pytest.raises(ValidationError) as e:
        svc.charting.start_amendment(original.id, "  ")  # type: ignore[arg-type]
    assert e.value.fields == {"reason"}
    world.clock.set(T0 + timedelta(days=1))
    amendment = svc.charting.start_amendment(original.id, "Point 3 was 0.5 U, not 0.4 U")  # type: ignore[arg-type]
    assert (amendment.amends_id, amendment.amendment_reason) == (original.id, "Point 3 was 0.5 U, not 0.4 U")
    assert amendment.status == SessionStatus.DRAFT and amendment.id != original.id
    same = (
        "patient_id",
        "performed_at",
        "consent",
        "indications",
        "prescriber",
        "needle_gauge",
        "depth",
        "notes",
    )
    assert [getattr(amendment, f) for f in same] == [getattr(original, f) for f in same]
    assert [(p.zone, p.units, p.volume_ml) for p in amendment.points] == [
        (p.zone, p.units, p.volume_ml) for p in original.points
    ]  # a copy to correct
    pts = list(amendment.points)
    pts[2] = InjectionPoint.from_units(pts[2].zone, pts[2].x, pts[2].y, vial, 0.5)
    amendment = svc.charting.save_draft(
        replace(
            amendment,
            points=tuple(pts),
            notes="Corrected point 3",
            baseline=replace(amendment.baseline, oil=3),
        )
    )  # type: ignore[type-var]
    amended = svc.charting.sign(amendment.id, PASSWORD)  # type: ignore[arg-type]

    assert svc.charting.get(original.id) == original  # type: ignore[arg-type]
    record_after = svc.records.record(original.id)  # type: ignore[arg-type]
    assert record_after.session == record_before.session and record_after.signature == record_before.signature
    [info] = record_after.amended_by
    assert (info.session_id, info.reason, info.author_name) == (
        amended.id,
        "Point 3 was 0.5 U, not 0.4 U",
        "Nina Nurse",
    )
    back = svc.records.record(amended.id)  # type: ignore[arg-type]
    assert back.amends is not None and back.amends.reason == "Point 3 was 0.5 U, not 0.4 U"
    assert back.signature is not None and "amendment" in back.signature.meaning
    assert back.session.points[2].units == 0.5 and back.session.baseline.oil == 3  # type: ignore[union-attr]
    with pytest.raises(ValidationError):  # the original already has an amendment: amend that instead
        svc.charting.start_amendment(original.id, "Again")  # type: ignore[arg-type]
    with svc.db.read() as s:
        assert audit_mod.verify(s).ok


@pytest.mark.postgres
def test_units_drawn_from_a_vial_are_counted_once_after_an_amendment(world: World) -> None:
    svc = world.services
    world.clock.set(T0)
    patient, vial = make_patient(svc), make_vial(svc, units=200, lot="ONE")  # 80 U/mL
    original = signed(world, chart(world, patient, grid(vial, 25, 4)))  # 100 U
    assert svc.vials.status([vial.id])[vial.id].units_drawn == 100  # type: ignore[list-item,index]
    amendment = svc.charting.start_amendment(original.id, "Two points were 20 U")  # type: ignore[arg-type]
    assert svc.vials.status([vial.id])[vial.id].units_drawn == 100  # type: ignore[list-item,index]
    amendment = svc.charting.save_draft(
        replace(amendment, points=tuple(grid(vial, 25, 2) + grid(vial, 20, 2)))
    )
    svc.charting.sign(amendment.id, PASSWORD)  # type: ignore[arg-type]
    status = svc.vials.status([vial.id])[vial.id]  # type: ignore[list-item,index]
    assert status.units_drawn == 90 and status.remaining_units == 110
    history = svc.records.history(patient.id)  # type: ignore[arg-type]
    [visit] = history  # one visit, with its two versions
    assert visit.amended and [v.session_id for v in visit.versions] == [original.id, amendment.id]


@pytest.mark.postgres
def test_the_90_day_maximum_counts_an_amended_session_once(world: World) -> None:
    svc = world.services
    patient = make_patient(svc)
    world.clock.set(T0 - timedelta(days=10))
    a, b = make_vial(svc, units=200, lot="A"), make_vial(svc, units=200, lot="B")
    original = signed(world, chart(world, patient, grid(a, 25, 8) + grid(b, 25, 4)))  # 300 U
    amendment = svc.charting.start_amendment(original.id, "Two points were not given")  # type: ignore[arg-type]
    svc.charting.sign(
        svc.charting.save_draft(replace(amendment, points=amendment.points[:10])).id,  # type: ignore[arg-type]
        PASSWORD,
    )  # 250 U
    world.clock.set(T0)
    today = make_vial(svc, units=200, lot="TODAY")

    def over(points: list[InjectionPoint]) -> list[SafetyWarning]:
        found = svc.charting.warnings(chart(world, patient, points))
        return [w for w in found if w.kind == WarningKind.OVER_MAX_DOSE]

    assert over(grid(today, 25, 6)) == []  # 250 + 150 = 400: at the limit
    [w] = over(grid(today, 25, 7))  # 250 + 175
    assert "175 U this session plus 250 U in other sessions" in w.message


@pytest.mark.postgres
@pytest.mark.parametrize("order", ["charted late", "later draft signed first"])
def test_the_maximum_and_the_3_month_rule_count_sessions_after_this_one(world: World, order: str) -> None:
    """A visit charted late, or a later visit's draft signed before an earlier one's, is checked against
    the sessions after it as well: 600 U of Botox Cosmetic in 5 days is never signed without a warning."""
    svc = world.services
    patient = make_patient(svc)
    world.clock.set(T0 - timedelta(days=5, hours=1))
    first = [make_vial(svc, units=200, lot=f"E{i}") for i in range(2)]
    world.clock.set(T0 - timedelta(hours=1))
    second = [make_vial(svc, units=200, lot=f"L{i}") for i in range(2)]
    world.clock.set(T0 + timedelta(days=1))
    earlier = chart(
        world, patient, grid(first[0], 25, 6) + grid(first[1], 25, 6), when=T0 - timedelta(days=5)
    )
    if order == "later draft signed first":
        earlier = svc.charting.save_draft(earlier)  # saved, not signed, before the later visit is
    later = signed(
        world, chart(world, patient, grid(second[0], 25, 6) + grid(second[1], 25, 6), when=T0), "ok"
    )
    kinds = {w.kind: w for w in svc.charting.warnings(earlier)}
    over, recent = kinds[WarningKind.OVER_MAX_DOSE], kinds[WarningKind.RECENT_TOXIN]
    assert "300 U this session plus 300 U in other sessions" in over.message
    assert (
        f"{T0:%Y-%m-%d} (after this session)" in recent.message
        and "3 months of this session" in recent.message
    )
    with pytest.raises(UnacknowledgedWarnings) as e:  # not signed until both are acknowledged with a reason
        svc.charting.sign(svc.charting.save_draft(earlier).id, PASSWORD)  # type: ignore[arg-type]
    assert over.message in str(e.value) and recent.message in str(e.value)
    assert later.status == SessionStatus.SIGNED


@pytest.mark.postgres
def test_an_amendment_cannot_draw_more_than_the_vial_holds(world: World) -> None:
    svc = world.services
    world.clock.set(T0)
    patient, vial = make_patient(svc), make_vial(svc, units=100, diluent_ml=1.25, lot="SMALL")  # 80 U/mL
    original = signed(world, chart(world, patient, grid(vial, 20, 1)))  # 20 U of 100
    amendment = svc.charting.start_amendment(original.id, "More points were given")  # type: ignore[arg-type]
    amendment = svc.charting.save_draft(replace(amendment, points=tuple(grid(vial, 22, 5))))  # 110 U of 100
    with pytest.raises(ValidationError) as e:
        svc.charting.sign(amendment.id, PASSWORD)  # type: ignore[arg-type]
    assert e.value.fields == {"points"} and "SMALL" in str(e.value) and "100 U left" in str(e.value)
    fits = svc.charting.save_draft(replace(amendment, points=tuple(grid(vial, 20, 5))))  # exactly 100 U
    assert svc.charting.sign(fits.id, PASSWORD).status == SessionStatus.SIGNED  # type: ignore[arg-type]


def test_a_session_cannot_overdraw_a_vial_shared_with_another_session(world: World) -> None:
    svc = world.services
    world.clock.set(T0)
    vial = make_vial(svc, units=100, diluent_ml=1.25, lot="SHARED")
    signed(world, chart(world, make_patient(svc), grid(vial, 20, 4)))  # 80 U
    second = svc.charting.save_draft(chart(world, make_patient(svc), grid(vial, 10, 3)))  # 30 U of 20 left
    with pytest.raises(ValidationError) as e:
        svc.charting.sign(second.id, PASSWORD)  # type: ignore[arg-type]
    assert "20 U left" in str(e.value)


# -- totals ---------------------------------------------------------------------------------------
@pytest.mark.postgres
def test_a_session_with_botox_and_dysport_reports_two_totals(world: World) -> None:
    svc = world.services
    patient = make_patient(svc)
    botox = make_vial(svc)  # 40 U/mL
    dysport = make_vial(svc, brand="Dysport", units=300, diluent_ml=1.5, lot="DYS")  # 200 U/mL
    done = signed(world, chart(world, patient, grid(botox, 0.5, 20) + grid(dysport, 2, 15, Zone.NOSE)))
    [summary] = svc.records.history(patient.id)  # type: ignore[arg-type]
    totals = dict(summary.totals)
    assert set(totals) == {"Botox Cosmetic", "Dysport"}
    assert totals["Botox Cosmetic"].units == pytest.approx(10) and totals["Botox Cosmetic"].points == 20
    assert totals["Dysport"].units == pytest.approx(30) and totals["Dysport"].points == 15
    assert summary.products == ("Botox Cosmetic", "Dysport")
    record = svc.records.record(done.id)  # type: ignore[arg-type]
    assert {p.brand for p in record.products} == {"Botox Cosmetic", "Dysport"}
    assert [v.id for v in record.vials] == [botox.id, dysport.id]


def test_a_managers_amendment_keeps_the_administering_injector(world: World) -> None:
    svc = world.services
    patient = make_patient(svc)
    vial = make_vial(svc)
    original = signed(world, chart(world, patient, grid(vial, 0.4, 5)))
    world.as_(world.manager)
    amendment = svc.charting.start_amendment(original.id, "Lot number transcribed wrongly")  # type: ignore[arg-type]
    assert amendment.injector_id == world.injector.user_id  # who treated the patient does not change
    svc.charting.sign(amendment.id, PASSWORD)  # type: ignore[arg-type]
    record = svc.records.record(amendment.id)  # type: ignore[arg-type]
    assert record.injector.username == "nurse"
    assert record.signature is not None and record.signature.signer_name == "Morgan Manager"
    assert record.amends is not None and record.amends.author_name == "Morgan Manager"
    assert record.signature.meaning == "signed as author of the amendment"


def test_an_injector_cannot_amend_someone_elses_session(world: World) -> None:
    svc = world.services
    patient = make_patient(svc)
    original = signed(world, chart(world, patient, grid(make_vial(svc), 0.4, 3)))
    world.as_(world.injector2)
    with pytest.raises(PermissionDenied):
        svc.charting.start_amendment(original.id, "Not mine to amend")  # type: ignore[arg-type]
