"""A clinic with one fully charted patient: every kind of record the FHIR export carries."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

import pytest

from clinicrec.domain.enums import (
    AdditiveKind,
    AdverseEventKind,
    AllergyStatus,
    Depth,
    DiluentKind,
    Gais,
    Indication,
    Severity,
    Sex,
    TimePoint,
    Zone,
)
from clinicrec.domain.models import (
    Additive,
    AdverseEvent,
    Assessment,
    Consent,
    InjectionPoint,
    Patient,
    SafetyScreening,
    TreatmentSession,
    Vial,
)
from clinicrec.domain.scales import CURRENT_SCALE_VERSION
from tests.conftest import PASSWORD, World, make_patient, make_vial, product_id


@dataclass
class Charted:
    world: World
    patient: Patient
    original_id: int
    current_id: int


def rich_patient(world: World, **kw: object) -> Patient:
    values: dict[str, object] = dict(
        first_name="Zoë",
        last_name="O'Brien-Núñez",
        chart_number="CR-000777",
        sex=Sex.FEMALE,
        email="zoe@example.com",
        address="12 Harbour Road\nBrighton BN1 2AB",
        fitzpatrick_type=3,
        allergies="Lidocaine (rash); latex",
        allergy_status=AllergyStatus.LISTED,  # as the patient form records a typed list
        screening=SafetyScreening(recent_toxin=True, other="Retinoids until last week"),
        notes="Prefers morning visits.",
    )
    values.update(kw)
    return make_patient(world.services, **values)


def chart_full_record(world: World, patient: Patient | None = None) -> Charted:
    svc = world.services
    patient = patient or rich_patient(world)
    now = world.clock()
    vial = make_vial(svc)
    vial2 = svc.vials.open_vial(
        Vial(
            product_id=product_id(svc, "Dysport"),
            lot_number="DY-55",
            expiry_date=now.date() + timedelta(days=300),
            vial_units=300,
            reconstituted_at=now - timedelta(minutes=20),
            diluent_kind=DiluentKind.SALINE_PRESERVATIVE_FREE,
            diluent_ml=2.0,
            additives=(Additive(AdditiveKind.LIDOCAINE, 0.5, "1% plain"),),
        )
    ).vial
    points = (
        *(
            replace(InjectionPoint.from_units(Zone.CHEEK_LEFT, 0.6 + i * 0.01, 0.5, vial, 0.4), note=note)
            for i, note in enumerate(("bled", "", "", ""))
        ),
        *(InjectionPoint.from_units(Zone.GLABELLA, 0.5, 0.3 + i * 0.01, vial, 0.5) for i in range(2)),
        *(InjectionPoint.from_volume(Zone.FOREHEAD, 0.4 + i * 0.02, 0.2, vial2, 0.02) for i in range(3)),
    )
    draft = TreatmentSession(
        patient_id=patient.id,  # type: ignore[arg-type]
        performed_at=now,
        injector_id=world.injector.user_id,
        consent=Consent("MB-CONSENT-1", now - timedelta(minutes=5), "Nina Nurse"),
        indications=frozenset({Indication.PORES, Indication.OIL}),
        prescriber="Dr Paula Prescriber",
        order_reference="ORD-42",
        needle_gauge=32,
        depth=Depth.INTRADERMAL,
        notes="Tolerated well.",
        points=points,
        baseline=Assessment(
            TimePoint.BASELINE,
            now.date(),
            3,
            2,
            1,
            CURRENT_SCALE_VERSION,
            sebum_ug_cm2=180.5,
            erythema_index=310,
        ),
    )
    saved = svc.charting.save_draft(draft)
    saved = _sign_acknowledging(world, saved)
    svc.records.add_follow_up(
        saved.id,  # type: ignore[arg-type]
        Assessment(
            TimePoint.DAY_14, now.date(), 2, 1, 1, CURRENT_SCALE_VERSION,
            gais=Gais.MUCH_IMPROVED, satisfaction=5, sebum_ug_cm2=120.0, notes="Happy with the result",
        ),
    )  # fmt: skip
    svc.records.add_adverse_event(
        saved.id,  # type: ignore[arg-type]
        AdverseEvent(
            AdverseEventKind.HEADACHE, now.date(), Severity.MILD, now.date(), "Settled", "Paracetamol"
        ),
    )
    svc.records.add_adverse_event(
        saved.id,
        AdverseEvent(AdverseEventKind.BRUISING, now.date(), Severity.MODERATE),  # type: ignore[arg-type]
    )
    svc.printing.handout_bytes(saved.id)  # type: ignore[arg-type]
    amendment = svc.charting.start_amendment(saved.id, "Prescriber's name corrected")  # type: ignore[arg-type]
    amendment = svc.charting.save_draft(replace(amendment, prescriber="Dr Paula Prescriber-Smith"))
    amendment = _sign_acknowledging(world, amendment)
    return Charted(world, patient, saved.id, amendment.id)  # type: ignore[arg-type]


def _sign_acknowledging(world: World, session: TreatmentSession) -> TreatmentSession:
    from clinicrec.domain.errors import UnacknowledgedWarnings

    svc = world.services
    try:
        return svc.charting.sign(session.id, PASSWORD)  # type: ignore[arg-type]
    except UnacknowledgedWarnings as e:
        current = svc.charting.get(session.id)  # type: ignore[arg-type]
        for w in e.warnings:  # each acknowledged as it stands, a contraindication on the prescriber's order
            current = svc.charting.acknowledge(
                current, w, "Reviewed with the prescriber", "Dr Paula Prescriber"
            )
        saved = svc.charting.save_draft(current)
        return svc.charting.sign(saved.id, PASSWORD)  # type: ignore[arg-type]


@pytest.fixture
def charted(world: World) -> Charted:
    return chart_full_record(world)
