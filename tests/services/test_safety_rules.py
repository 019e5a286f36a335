"""Issue 11: acknowledgements bound to facts, contraindications, toxin from the records, minors."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from clinicrec.domain.enums import AdditiveKind, AllergyStatus, DiluentKind, SafetyLevel, WarningKind
from clinicrec.domain.errors import UnacknowledgedWarnings, ValidationError
from clinicrec.domain.models import Additive, InjectionPoint, SafetyScreening, Vial
from tests.conftest import PASSWORD, World, make_patient, make_vial, product_id
from tests.services.test_charting import chart, grid, signed

T0 = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


def _xeomin_points(world: World, total: int) -> list[InjectionPoint]:
    """``total`` units of Xeomin (80 U/mL), in 25 U points spread over three 200 U vials."""
    vials = [make_vial(world.services, brand="Xeomin", units=200, lot=f"X{i}") for i in range(3)]
    points: list[InjectionPoint] = []
    left = total
    for v in vials:
        take = min(200, left)
        points += grid(v, 25, take // 25)
        if take % 25:
            points += grid(v, take % 25, 1)
        left -= take
    return points


def _ack_all(world: World, draft, reason: str):  # type: ignore[no-untyped-def]
    svc = world.services
    for w in svc.charting.warnings(draft):
        draft = svc.charting.acknowledge(draft, w, reason, prescriber="Dr Pat Prescriber")
    return svc.charting.save_draft(draft)


# -- 1. an acknowledgement covers only what was acknowledged -------------------------------------------
def test_raising_the_dose_after_acknowledging_opens_the_warning_again(world: World) -> None:
    svc = world.services
    world.clock.set(T0)
    patient = make_patient(svc, allergy_status=AllergyStatus.NONE_KNOWN)
    points = _xeomin_points(world, 410)
    draft = _ack_all(world, svc.charting.save_draft(chart(world, patient, points)), "Approved 410 U")
    # Raised to 590 U (other points from the same vials): the old "approved 410 U" must not cover it.
    more = _xeomin_points(world, 180)
    draft = svc.charting.save_draft(replace(draft, points=draft.points + tuple(more)))
    with pytest.raises(UnacknowledgedWarnings) as e:
        svc.charting.sign(draft.id, PASSWORD)  # type: ignore[arg-type]
    [w] = e.value.warnings
    assert w.kind == WarningKind.OVER_MAX_DOSE and "590 U this session" in w.message
    draft = _ack_all(world, draft, "Approved 590 U by the medical director")
    assert svc.charting.sign(draft.id, PASSWORD).status.value == "signed"  # type: ignore[arg-type]


def test_new_screening_items_open_an_acknowledged_screening_again(world: World) -> None:
    svc = world.services
    world.clock.set(T0)
    patient = make_patient(
        svc,
        allergy_status=AllergyStatus.NONE_KNOWN,
        screening=SafetyScreening(pregnant_or_breastfeeding=True),
    )
    draft = _ack_all(
        world, svc.charting.save_draft(chart(world, patient, grid(make_vial(svc), 0.4, 5))), "Not pregnant"
    )
    patient = svc.patients.get(patient.id)  # type: ignore[arg-type]
    svc.patients.update(
        replace(
            patient,
            screening=SafetyScreening(
                pregnant_or_breastfeeding=True, neuromuscular_disorder=True, aminoglycosides=True
            ),
        )
    )
    with pytest.raises(UnacknowledgedWarnings) as e:
        svc.charting.sign(draft.id, PASSWORD)  # type: ignore[arg-type]
    [w] = e.value.warnings
    assert "Neuromuscular" in w.message and "aminoglycosides" in w.message


def test_an_amendment_asks_again_for_what_it_changes(world: World) -> None:
    svc = world.services
    world.clock.set(T0)
    patient = make_patient(svc, allergy_status=AllergyStatus.NONE_KNOWN)
    original = signed(world, chart(world, patient, _xeomin_points(world, 410)), reasons="Approved 410 U")
    amendment = svc.charting.start_amendment(original.id, "More points were given")  # type: ignore[arg-type]
    assert [a.reason for a in amendment.acknowledgements] == ["Approved 410 U"]
    amendment = svc.charting.save_draft(
        replace(amendment, points=amendment.points + tuple(_xeomin_points(world, 180)))
    )
    with pytest.raises(UnacknowledgedWarnings) as e:
        svc.charting.sign(amendment.id, PASSWORD)  # type: ignore[arg-type]
    assert "590 U" in e.value.warnings[0].message


def test_an_unchanged_amendment_keeps_its_acknowledgement(world: World) -> None:
    svc = world.services
    world.clock.set(T0)
    patient = make_patient(svc, allergy_status=AllergyStatus.NONE_KNOWN)
    original = signed(world, chart(world, patient, _xeomin_points(world, 410)), reasons="Approved 410 U")
    amendment = svc.charting.start_amendment(original.id, "Notes corrected")  # type: ignore[arg-type]
    amendment = svc.charting.save_draft(replace(amendment, notes="Tolerated well; no bruising"))
    assert svc.charting.sign(amendment.id, PASSWORD).status.value == "signed"  # type: ignore[arg-type]


# -- 2. contraindications -----------------------------------------------------------------------------
def test_dysport_with_a_cows_milk_allergy_is_a_contraindication(world: World) -> None:
    svc = world.services
    world.clock.set(T0)
    patient = make_patient(
        svc, allergy_status=AllergyStatus.NONE_KNOWN, screening=SafetyScreening(milk_protein_allergy=True)
    )
    dysport = make_vial(svc, brand="Dysport", units=300, diluent_ml=2.5, lot="D1")
    draft = svc.charting.save_draft(chart(world, patient, grid(dysport, 1.0, 4)))
    [w] = svc.charting.warnings(draft)
    assert w.level == SafetyLevel.CONTRAINDICATION and w.kind == WarningKind.CONTRAINDICATION
    assert "cow's-milk protein" in w.message and "D1" in w.message
    with pytest.raises(ValidationError) as e:
        svc.charting.acknowledge(draft, w, "Patient insists", prescriber="  ")
    assert e.value.fields == {"reason"} and "Prescriber" in str(e.value)
    # The same patient with Botox: no contraindication.
    botox = make_vial(svc, lot="B1")
    assert svc.charting.warnings(chart(world, patient, grid(botox, 0.4, 4))) == []


def test_an_allergy_in_the_free_text_to_an_additive_is_a_contraindication(world: World) -> None:
    svc = world.services
    world.clock.set(T0)
    patient = make_patient(
        svc, allergy_status=AllergyStatus.LISTED, allergies="Penicillin; Lidocaine (hives)"
    )
    mixed = svc.vials.open_vial(
        Vial(
            product_id=product_id(svc),
            lot_number="MIX1",
            expiry_date=date(2030, 1, 1),
            vial_units=100,
            reconstituted_at=T0 - timedelta(minutes=30),
            diluent_kind=DiluentKind.SALINE_PRESERVATIVE_FREE,
            diluent_ml=2.5,
            additives=(Additive(AdditiveKind.LIDOCAINE, 1.0),),
        )
    ).vial
    draft = svc.charting.save_draft(chart(world, patient, grid(mixed, 0.3, 4)))
    with pytest.raises(UnacknowledgedWarnings) as e:
        svc.charting.sign(draft.id, PASSWORD)  # type: ignore[arg-type]
    [w] = e.value.warnings
    assert w.level == SafetyLevel.CONTRAINDICATION and "lidocaine in the mix" in w.message
    assert "Lidocaine (hives)" in w.message
    # A reason without a prescriber (stored by hand) still does not let it be signed.
    from clinicrec.domain.models import Acknowledgement

    bare = Acknowledgement(w.kind, w.subject, "ok", fingerprint=w.fingerprint, facts=w.facts_text)
    draft = svc.charting.save_draft(replace(draft, acknowledgements=(bare,)))
    with pytest.raises(UnacknowledgedWarnings):
        svc.charting.sign(draft.id, PASSWORD)  # type: ignore[arg-type]
    draft = svc.charting.save_draft(
        svc.charting.acknowledge(draft, w, "Test dose tolerated", prescriber="Dr Pat Prescriber")
    )
    done = svc.charting.sign(draft.id, PASSWORD)  # type: ignore[arg-type]
    assert [(a.prescriber, a.reason) for a in done.acknowledgements] == [
        ("Dr Pat Prescriber", "Test dose tolerated")
    ]


def test_contraindications_come_first(world: World) -> None:
    svc = world.services
    world.clock.set(T0)
    patient = make_patient(
        svc,
        allergy_status=AllergyStatus.LISTED,
        allergies="Botulinum toxin",
        screening=SafetyScreening(pregnant_or_breastfeeding=True),
    )
    draft = chart(world, patient, grid(make_vial(svc), 0.4, 3))
    levels = [w.level for w in svc.charting.warnings(draft)]
    assert levels == [SafetyLevel.CONTRAINDICATION, SafetyLevel.WARNING]


# -- 3. toxin within 3 months, from the clinic's own records ------------------------------------------
def test_toxin_within_3_months_comes_from_the_records_across_products(world: World) -> None:
    svc = world.services
    patient = make_patient(svc, allergy_status=AllergyStatus.NONE_KNOWN)
    world.clock.set(T0 - timedelta(days=30))
    dysport = make_vial(svc, brand="Dysport", units=300, diluent_ml=2.5, lot="D30")
    signed(world, chart(world, patient, grid(dysport, 2.0, 10)))  # 20 U of Dysport 30 days ago
    world.clock.set(T0)
    draft = svc.charting.save_draft(chart(world, patient, grid(make_vial(svc, lot="B0"), 0.4, 5)))
    with pytest.raises(UnacknowledgedWarnings) as e:
        svc.charting.sign(draft.id, PASSWORD)  # type: ignore[arg-type]
    [w] = e.value.warnings
    assert w.kind == WarningKind.RECENT_TOXIN and "Dysport 20 U on 2026-02-08" in w.message


def test_a_draft_or_an_older_session_is_not_recent_toxin(world: World) -> None:
    svc = world.services
    patient = make_patient(svc, allergy_status=AllergyStatus.NONE_KNOWN)
    world.clock.set(T0 - timedelta(days=95))
    signed(world, chart(world, patient, grid(make_vial(svc, lot="OLD"), 0.4, 5)))
    world.clock.set(T0 - timedelta(days=3))
    svc.charting.save_draft(chart(world, patient, grid(make_vial(svc, lot="DRAFT"), 0.4, 5)))
    world.clock.set(T0)
    assert svc.charting.warnings(chart(world, patient, grid(make_vial(svc, lot="NOW"), 0.4, 5))) == []


# -- 4. minors ------------------------------------------------------------------------------------
def test_a_patient_under_18_warns_at_every_session(world: World) -> None:
    svc = world.services
    world.clock.set(T0)
    patient = make_patient(svc, date_of_birth=date(2009, 3, 11), allergy_status=AllergyStatus.NONE_KNOWN)
    first = svc.charting.save_draft(chart(world, patient, grid(make_vial(svc), 0.4, 3)))
    [w] = svc.charting.warnings(first)
    assert w.kind == WarningKind.MINOR and "is 16" in w.message
    signed(world, first, reasons="Parental consent; prescriber approved")
    world.clock.set(T0 + timedelta(days=120))
    second = chart(world, patient, grid(make_vial(svc, lot="L2"), 0.4, 3))
    assert [w.kind for w in svc.charting.warnings(second)] == [WarningKind.MINOR]  # asked again
    world.clock.set(datetime(2027, 3, 11, 10, tzinfo=UTC))
    third = chart(world, patient, grid(make_vial(svc, lot="L3"), 0.4, 3))
    assert svc.charting.warnings(third) == []  # 18 today


def test_allergies_not_recorded_is_information(world: World) -> None:
    svc = world.services
    world.clock.set(T0)
    patient = make_patient(svc)
    draft = chart(world, patient, grid(make_vial(svc), 0.4, 3))
    assert svc.charting.warnings(draft) == []
    info = svc.charting.safety_review(draft)
    assert [w.kind for w in info] == [WarningKind.SCREENING_NOT_CONFIRMED, WarningKind.ALLERGIES_NOT_RECORDED]
    assert {w.level for w in info} == {SafetyLevel.INFORMATION}


def test_a_contraindication_stands_out_on_the_chart_pdf(world: World) -> None:
    import io

    from pypdf import PdfReader

    svc = world.services
    world.clock.set(T0)
    patient = make_patient(
        svc, allergy_status=AllergyStatus.NONE_KNOWN, screening=SafetyScreening(milk_protein_allergy=True)
    )
    dysport = make_vial(svc, brand="Dysport", units=300, diluent_ml=2.5, lot="D9")
    draft = svc.charting.save_draft(chart(world, patient, grid(dysport, 1.0, 3)))
    [w] = svc.charting.warnings(draft)
    draft = svc.charting.save_draft(
        svc.charting.acknowledge(
            draft, w, "Milk allergy is lactose intolerance only", prescriber="Dr Ana Ortiz"
        )
    )
    done = svc.charting.sign(draft.id, PASSWORD)  # type: ignore[arg-type]
    data = svc.printing.chart_bytes(done.id)  # type: ignore[arg-type]
    text = " ".join(" ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages).split())
    assert "CONTRAINDICATION" in text and "Dysport contains cow's-milk protein (lot D9)" in text
    assert "On the order of: Dr Ana Ortiz" in text
