"""The whole charting flow through the services, on a real SQLite file."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import select

from clinicrec.db.models import AuditRow, PointRow
from clinicrec.domain.enums import Indication, SessionStatus, TimePoint, Zone
from clinicrec.domain.errors import SignedRecordError, UnacknowledgedWarnings
from clinicrec.domain.models import Assessment, Consent, InjectionPoint, TreatmentSession
from clinicrec.domain.scales import CURRENT_SCALE_VERSION
from clinicrec.services import audit as audit_mod
from tests.conftest import PASSWORD, World, make_patient, make_vial


def _draft(world: World, n_points: int = 10) -> TreatmentSession:
    svc = world.services
    patient = make_patient(svc)
    vial = make_vial(svc)
    now = world.clock()
    points = tuple(
        InjectionPoint.from_units(Zone.CHEEK_LEFT, 0.6 + i * 0.001, 0.5, vial, 0.4) for i in range(n_points)
    )
    return TreatmentSession(
        patient_id=patient.id,
        performed_at=now,
        injector_id=world.injector.user_id,
        consent=Consent("MB-CONSENT-1", now, "Nina Nurse"),
        indications=frozenset({Indication.PORES}),
        points=points,
        baseline=Assessment(TimePoint.BASELINE, now.date(), 3, 2, 1, CURRENT_SCALE_VERSION),
    )


@pytest.mark.postgres
def test_chart_sign_amend_follow_up(world: World) -> None:
    svc = world.services
    saved = svc.charting.save_draft(_draft(world))
    assert saved.id is not None and len(saved.points) == 10
    assert saved.points[0].volume_ml == pytest.approx(0.01)
    signed = svc.charting.sign(saved.id, PASSWORD)
    assert signed.status == SessionStatus.SIGNED
    with pytest.raises(SignedRecordError):
        svc.charting.save_draft(replace(signed, notes="changed"))
    amendment = svc.charting.start_amendment(signed.id, "Dose at one point was mistyped")
    amendment = svc.charting.save_draft(replace(amendment, notes="corrected"))
    svc.charting.sign(amendment.id, PASSWORD)
    assert svc.charting.get(signed.id).notes == ""  # the original stays as it was
    fu = svc.records.add_follow_up(
        signed.id, Assessment(TimePoint.WEEK_4, date.today(), 2, 1, 1, CURRENT_SCALE_VERSION)
    )
    record = svc.records.record(amendment.id)
    assert record.amends is not None and record.amends.reason == "Dose at one point was mistyped"
    assert [a.id for a in record.follow_ups] == [fu.id]
    with svc.db.read() as s:
        assert s.execute(select(PointRow).where(PointRow.session_id == signed.id)).scalars().all()
        verify = audit_mod.verify(s)
    assert verify.ok, verify.problems
    assert verify.signed_sessions_checked == 2


@pytest.mark.postgres
def test_positive_screening_needs_acknowledgement(world: World) -> None:
    svc = world.services
    draft = _draft(world)
    svc.patients.update(
        replace(
            svc.patients.get(draft.patient_id),
            screening=replace(svc.patients.get(draft.patient_id).screening, recent_toxin=True),
        )
    )
    saved = svc.charting.save_draft(draft)
    with pytest.raises(UnacknowledgedWarnings) as e:
        svc.charting.sign(saved.id, PASSWORD)
    [warning] = e.value.warnings
    saved = svc.charting.save_draft(
        svc.charting.acknowledge(saved, warning, "Last toxin 4 months ago, checked")
    )
    assert svc.charting.sign(saved.id, PASSWORD).status == SessionStatus.SIGNED
    with svc.db.read() as s:
        actions = [r.action for r in s.execute(select(AuditRow)).scalars()]
    assert "acknowledge" in actions
