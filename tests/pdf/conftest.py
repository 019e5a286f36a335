"""A realistic signed Microbotox session, built by hand from the domain dataclasses (no database)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from clinicrec.domain import facemap
from clinicrec.domain.enums import (
    AdditiveKind,
    AdverseEventKind,
    Depth,
    DiluentKind,
    Gais,
    Indication,
    PaperSize,
    Role,
    SessionStatus,
    Severity,
    Sex,
    TimePoint,
    WarningKind,
    Zone,
)
from clinicrec.domain.models import (
    Acknowledgement,
    Additive,
    AdverseEvent,
    AmendmentInfo,
    Assessment,
    ClinicSettings,
    Consent,
    InjectionPoint,
    Patient,
    Product,
    SafetyScreening,
    SessionRecord,
    Signature,
    TreatmentSession,
    User,
    Vial,
)

PATIENT_FIRST = "Zoë"
PATIENT_LAST = "Ñúñez-Øster"
BOTOX_LOT = "C7421A3"
DYSPORT_LOT = "D300-88X"
AMEND_REASON = "Corrected the Dysport lot number (transcription error)"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


BOTOX = Product("Botox Cosmetic", "onabotulinumtoxinA", (50, 100, 200), 24, 400, 90, id=1)
DYSPORT = Product("Dysport", "abobotulinumtoxinA", (300, 500), 24, id=2)

# Botox 100 U + 4 mL saline + 1 mL lidocaine = 20 U/mL (2 U/0.1 mL, "Microbotox-20").
BOTOX_VIAL = Vial(
    product_id=1,
    lot_number=BOTOX_LOT,
    expiry_date=date(2027, 1, 31),
    vial_units=100,
    reconstituted_at=utc(2026, 3, 3, 8, 15),
    diluent_kind=DiluentKind.SALINE_PRESERVATIVE_FREE,
    diluent_ml=4.0,
    additives=(Additive(AdditiveKind.LIDOCAINE, 1.0, "Lidocaine 1% plain"),),
    id=11,
)
# Dysport 300 U in 2.5 mL = 120 U/mL (12 U/0.1 mL), as on the label.
DYSPORT_VIAL = Vial(
    product_id=2,
    lot_number=DYSPORT_LOT,
    expiry_date=date(2026, 11, 30),
    vial_units=300,
    reconstituted_at=utc(2026, 3, 3, 8, 40),
    diluent_kind=DiluentKind.SALINE_PRESERVATIVE_FREE,
    diluent_ml=2.5,
    id=12,
)

#: (zone, grid spacing cm, vial, units per point)
PLAN: tuple[tuple[Zone, float, Vial, float], ...] = (
    (Zone.FOREHEAD, 1.0, BOTOX_VIAL, 0.2),
    (Zone.CHEEK_RIGHT, 1.0, BOTOX_VIAL, 0.25),
    (Zone.CHEEK_LEFT, 1.0, BOTOX_VIAL, 0.25),
    (Zone.NOSE, 1.0, DYSPORT_VIAL, 0.6),
    (Zone.CHIN, 1.0, DYSPORT_VIAL, 0.6),
)


def make_points(plan: tuple[tuple[Zone, float, Vial, float], ...] = PLAN) -> tuple[InjectionPoint, ...]:
    points = []
    for zone, spacing, vial, units in plan:
        for x, y in facemap.grid_fill(zone, spacing):
            points.append(InjectionPoint.from_units(zone, x, y, vial, units))
    return tuple(points)


def make_record(points: tuple[InjectionPoint, ...] | None = None) -> SessionRecord:
    patient = Patient(
        first_name=PATIENT_FIRST,
        last_name=PATIENT_LAST,
        date_of_birth=date(1990, 5, 17),
        chart_number="CR-00421",
        sex=Sex.FEMALE,
        phone="+44 20 7946 0018",
        fitzpatrick_type=3,
        allergies="Penicillin (rash)",
        screening=SafetyScreening(recent_toxin=True, other="Ibuprofen taken this morning"),
        id=7,
    )
    injector = User("mlindqvist", "Maya Lindqvist", "RN, BSN", Role.INJECTOR, id=3)
    session = TreatmentSession(
        patient_id=7,
        performed_at=utc(2026, 3, 3, 9, 30),
        injector_id=3,
        consent=Consent("MB-CONSENT-1", utc(2026, 3, 3, 9, 5), "Maya Lindqvist, RN"),
        indications=frozenset({Indication.PORES, Indication.OIL, Indication.REDNESS}),
        prescriber="Dr. Aarav Menon, MD",
        order_reference="ORD-2026-0117",
        needle_gauge=32,
        depth=Depth.INTRADERMAL,
        notes="Patient tolerated well; wheals settled before leaving.",
        vial_ids=(11, 12),
        points=make_points() if points is None else points,
        baseline=Assessment(
            TimePoint.BASELINE,
            date(2026, 3, 3),
            pores=3,
            oil=3,
            redness=2,
            scale_version="CR-2026.1",
            sebum_ug_cm2=182.5,
            erythema_index=410.0,
            photos_taken=True,
            assessor_name="Maya Lindqvist",
        ),
        acknowledgements=(
            Acknowledgement(
                WarningKind.POSITIVE_SCREENING,
                "patient:7",
                "Last toxin (Xeomin, glabella) 14 weeks ago; prescriber agreed by phone.",
                3,
                utc(2026, 3, 3, 9, 20),
            ),
        ),
        status=SessionStatus.SIGNED,
        id=41,
        version=2,
        amends_id=40,
        amendment_reason=AMEND_REASON,
    )
    return SessionRecord(
        session=session,
        patient=patient,
        injector=injector,
        vials=(BOTOX_VIAL, DYSPORT_VIAL),
        products=(BOTOX, DYSPORT),
        signature=Signature("Maya Lindqvist", "RN, BSN", utc(2026, 3, 3, 10, 12)),
        amends=AmendmentInfo(40, "Maya Lindqvist", utc(2026, 3, 4, 8, 55), AMEND_REASON),
        adverse_events=(
            AdverseEvent(
                AdverseEventKind.BRUISING,
                date(2026, 3, 4),
                Severity.MILD,
                resolved_on=date(2026, 3, 11),
                resolution="Resolved without treatment",
                notes="Small bruise, left cheek",
            ),
        ),
        follow_ups=(
            Assessment(
                TimePoint.DAY_14,
                date(2026, 3, 17),
                pores=2,
                oil=1,
                redness=1,
                scale_version="CR-2026.1",
                sebum_ug_cm2=96.0,
                gais=Gais.MUCH_IMPROVED,
                satisfaction=4,
                touch_up_given=False,
                assessor_name="Maya Lindqvist",
            ),
        ),
    )


@pytest.fixture
def record() -> SessionRecord:
    return make_record()


@pytest.fixture
def big_record() -> SessionRecord:
    """120 points over forehead, cheeks and neck: the points table must span pages."""
    plan = ((Zone.FOREHEAD, 0.7, BOTOX_VIAL, 0.2), (Zone.NECK, 0.7, DYSPORT_VIAL, 0.6))
    points = make_points(plan)[:120]
    assert len(points) == 120
    return make_record(points)


@pytest.fixture
def draft_record(record: SessionRecord) -> SessionRecord:
    return dataclasses.replace(
        record,
        signature=None,
        amends=None,
        session=dataclasses.replace(
            record.session, status=SessionStatus.DRAFT, amends_id=None, amendment_reason=""
        ),
    )


@pytest.fixture
def clinic() -> ClinicSettings:
    return ClinicSettings(
        name="Lumen Skin Clinic",
        address="12 Harbour Street\nBristol BS1 4QA",
        phone="0117 496 0321",
        email="care@lumenskin.example",
        website="lumenskin.example",
        paper_size=PaperSize.A4,
        review_days=14,
    )


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)


def flat(text: str) -> str:
    """Extracted text with line breaks and runs of spaces collapsed (wrapping moves them)."""
    return " ".join(text.split())


PdfText = Callable[[Path], str]


@pytest.fixture
def read_pdf() -> PdfText:
    return lambda path: flat(pdf_text(path))
