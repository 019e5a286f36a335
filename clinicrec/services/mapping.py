"""Converting between ORM rows and domain dataclasses (both directions), in one place."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from operator import attrgetter
from typing import Any

from ..db.models import (
    AdverseEventRow,
    AssessmentRow,
    ClinicRow,
    PatientRow,
    PointRow,
    ProductRow,
    SessionRow,
    SessionScreeningRow,
    UserRow,
    VialAdditiveRow,
    VialRow,
)
from ..domain.date_text import DateOrder
from ..domain.enums import (
    AdditiveKind,
    AdverseEventKind,
    AllergyStatus,
    Depth,
    DiluentKind,
    DoseBasis,
    Gais,
    Indication,
    LabelledEnum,
    Language,
    PaperSize,
    Role,
    ScreeningAnswer,
    SessionStatus,
    Severity,
    Sex,
    TimePoint,
    WarningKind,
    Zone,
)
from ..domain.figures_format import DEFAULT_UNITS_STEP
from ..domain.models import (
    Acknowledgement,
    Additive,
    AdverseEvent,
    Assessment,
    ClinicSettings,
    Consent,
    InjectionPoint,
    Patient,
    Product,
    SafetyScreening,
    ScreeningSnapshot,
    TreatmentSession,
    User,
    Vial,
)
from ..text import fold

SCREENING_FIELDS = tuple(SafetyScreening.QUESTIONS)


# -- patients --------------------------------------------------------------------------------------
#: Length of the patients.first_key / last_key columns. Folding can lengthen a name ("ß" -> "ss",
#: "ﬃ" -> "ffi"), and PostgreSQL refuses a value longer than its column; the key is only for prefix search.
SEARCH_KEY_LENGTH = 100


def _search_key(name: str) -> str:
    return fold(name)[:SEARCH_KEY_LENGTH]


def patient_values(p: Patient, keys: tuple[str, str] | None = None) -> dict[str, Any]:
    """Column values; ``keys`` are the search keys when the caller has folded the names already."""
    first_key, last_key = keys or (_search_key(p.first_name), _search_key(p.last_name))
    v: dict[str, Any] = {
        "chart_number": p.chart_number,
        "first_name": p.first_name,
        "last_name": p.last_name,
        "first_key": first_key,
        "last_key": last_key,
        "date_of_birth": p.date_of_birth,
        "sex": _choice(Sex, p.sex),
        "phone": p.phone,
        "email": p.email,
        "address": p.address,
        "fitzpatrick_type": p.fitzpatrick_type,
        "allergies": p.allergies,
        "allergy_status": _choice(AllergyStatus, p.allergy_status),
        "notes": p.notes,
        "preferred_language": _choice(Language, p.preferred_language),
        "scr_other": p.screening.other,
    }
    v.update(zip(_SCREENING_COLUMNS, map(bool, _screening_answers(p.screening)), strict=True))
    return v


_SCREENING_COLUMNS = tuple("scr_" + f for f in SCREENING_FIELDS)
_screening_answers = attrgetter(*SCREENING_FIELDS)


def _choice(enum: type[LabelledEnum], value: Any) -> str:
    """``enum(value).value``: a member of ``enum`` gives its value without a call to the constructor
    (an import maps 100,000 patients, three choices each)."""
    return value._value_ if type(value) is enum else enum(value).value


def to_patient(r: PatientRow) -> Patient:
    screening = SafetyScreening(**{f: getattr(r, "scr_" + f) for f in SCREENING_FIELDS}, other=r.scr_other)
    return Patient(
        first_name=r.first_name,
        last_name=r.last_name,
        date_of_birth=r.date_of_birth,
        chart_number=r.chart_number,
        sex=Sex(r.sex),
        phone=r.phone,
        email=r.email,
        address=r.address,
        fitzpatrick_type=r.fitzpatrick_type,
        allergies=r.allergies,
        screening=screening,
        notes=r.notes,
        preferred_language=Language(r.preferred_language),
        id=r.id,
        version=r.version,
        allergy_status=AllergyStatus(r.allergy_status),
    )


def audit_view_patient(r: PatientRow) -> dict[str, Any]:
    return {k: v for k, v in patient_values(to_patient(r)).items() if not k.endswith("_key")}


# -- users, clinic, products -----------------------------------------------------------------------
def to_user(r: UserRow) -> User:
    return User(r.username, r.full_name, r.credentials, Role(r.role), r.active, r.id, r.version or 1)


def to_clinic(r: ClinicRow) -> ClinicSettings:
    return ClinicSettings(
        name=r.name,
        address=r.address,
        phone=r.phone,
        email=r.email,
        website=r.website,
        paper_size=PaperSize(r.paper_size),
        review_days=r.review_days,
        logo_png=r.logo_png,
        consent_form_version=r.consent_form_version,
        idle_lock_minutes=r.idle_lock_minutes,
        backups_kept=r.backups_kept,
        time_zone=r.time_zone,
        common_reasons=tuple(json.loads(r.common_reasons or "[]")),
        date_order=DateOrder(r.date_order or DateOrder.ISO.value),
        units_step=r.units_step or DEFAULT_UNITS_STEP,
        version=r.version or 1,
    )


def clinic_values(c: ClinicSettings) -> dict[str, Any]:
    return {
        "name": c.name,
        "address": c.address,
        "phone": c.phone,
        "email": c.email,
        "website": c.website,
        "paper_size": PaperSize(c.paper_size).value,
        "review_days": c.review_days,
        "logo_png": c.logo_png,
        "consent_form_version": c.consent_form_version,
        "idle_lock_minutes": c.idle_lock_minutes,
        "backups_kept": c.backups_kept,
        "time_zone": c.time_zone,
        "common_reasons": json.dumps(list(c.common_reasons), ensure_ascii=False),
        "date_order": DateOrder(c.date_order).value,
        "units_step": float(c.units_step),
    }


def to_product(r: ProductRow) -> Product:
    sizes = tuple(int(x) for x in r.vial_sizes.split(",") if x)
    return Product(
        brand=r.brand,
        generic_name=r.generic_name,
        vial_sizes=sizes,
        in_use_hours=r.in_use_hours,
        max_dose_units=r.max_dose_units,
        max_dose_period_days=r.max_dose_period_days,
        max_dose_period_months=r.max_dose_period_months,
        ready_to_use_units_per_ml=r.ready_to_use_units_per_ml,
        active=r.active,
        notes=r.notes,
        gtins=tuple(x for x in r.gtins.split(",") if x),
        id=r.id,
        version=r.version or 1,
    )


def product_values(p: Product) -> dict[str, Any]:
    return {
        "brand": p.brand,
        "generic_name": p.generic_name,
        "vial_sizes": ",".join(str(int(s)) for s in p.vial_sizes),
        "in_use_hours": p.in_use_hours,
        "max_dose_units": p.max_dose_units,
        "max_dose_period_days": p.max_dose_period_days,
        "max_dose_period_months": p.max_dose_period_months,
        "ready_to_use_units_per_ml": p.ready_to_use_units_per_ml,
        "active": p.active,
        "notes": p.notes,
        "gtins": ",".join(p.gtins),
    }


# -- vials -------------------------------------------------------------------------------------------
def to_vial(r: VialRow) -> Vial:
    return Vial(
        product_id=r.product_id,
        lot_number=r.lot_number,
        expiry_date=r.expiry_date,
        vial_units=r.vial_units,
        reconstituted_at=r.reconstituted_at,
        diluent_kind=DiluentKind(r.diluent_kind),
        diluent_ml=r.diluent_ml,
        additives=tuple(Additive(AdditiveKind(a.kind), a.volume_ml, a.description) for a in r.additives),
        id=r.id,
        opened_by_id=r.opened_by_id,
        other_size_reason=r.other_size_reason,
    )


#: A vial's columns ``vials_from`` reads (every one ``to_vial`` uses), and its additives'.
VIAL_COLUMNS = (
    "id", "product_id", "lot_number", "expiry_date", "vial_units", "reconstituted_at", "diluent_kind",
    "diluent_ml", "opened_by_id", "other_size_reason",
)  # fmt: skip
ADDITIVE_COLUMNS = ("vial_id", "kind", "volume_ml", "description")


def vials_from(rows: Iterable[Any], additives: Iterable[Any]) -> dict[int, Vial]:
    """``to_vial`` of plain rows (``VIAL_COLUMNS``) and their additives' (``ADDITIVE_COLUMNS``, in id
    order), by id: a save reads its vials without building ORM objects (issue 17)."""
    extra: dict[int, list[Additive]] = {}
    for vial_id, kind, volume_ml, description in additives:
        extra.setdefault(vial_id, []).append(Additive(AdditiveKind(kind), volume_ml, description))
    return {
        r[0]: Vial(
            product_id=r[1],
            lot_number=r[2],
            expiry_date=r[3],
            vial_units=r[4],
            reconstituted_at=r[5],
            diluent_kind=DiluentKind(r[6]),
            diluent_ml=r[7],
            additives=tuple(extra.get(r[0], ())),
            id=r[0],
            opened_by_id=r[8],
            other_size_reason=r[9],
        )
        for r in rows
    }


def vial_row(v: Vial, opened_by_id: int | None) -> VialRow:
    return VialRow(
        product_id=v.product_id,
        lot_number=v.lot_number,
        expiry_date=v.expiry_date,
        vial_units=v.vial_units,
        reconstituted_at=v.reconstituted_at,
        diluent_kind=DiluentKind(v.diluent_kind).value,
        diluent_ml=v.diluent_ml,
        opened_by_id=opened_by_id,
        other_size_reason=v.other_size_reason,
        additives=[
            VialAdditiveRow(kind=AdditiveKind(a.kind).value, volume_ml=a.volume_ml, description=a.description)
            for a in v.additives
        ],
    )


def vial_audit(v: Vial) -> dict[str, Any]:
    return {
        "product_id": v.product_id,
        "lot_number": v.lot_number,
        "expiry_date": v.expiry_date,
        "vial_units": v.vial_units,
        "reconstituted_at": v.reconstituted_at,
        "diluent_kind": str(v.diluent_kind),
        "diluent_ml": v.diluent_ml,
        "additives": [[str(a.kind), a.volume_ml, a.description] for a in v.additives],
        "other_size_reason": v.other_size_reason,
    }


# -- sessions ----------------------------------------------------------------------------------------
def to_point(r: PointRow) -> InjectionPoint:
    return InjectionPoint(
        Zone(r.zone), r.x, r.y, r.vial_id, r.units, r.volume_ml, DoseBasis(r.basis), r.id, r.note or ""
    )


#: A point's columns in the order ``points_from`` reads them (``InjectionPoint``'s fields).
POINT_COLUMNS = ("zone", "x", "y", "vial_id", "units", "volume_ml", "basis", "id", "note")


def points_from(rows: Iterable[Sequence[Any]]) -> tuple[InjectionPoint, ...]:
    """Points from plain rows of ``POINT_COLUMNS``: a session's hundred points without building a
    hundred ORM objects (a save reads them back; tests/services/test_charting_save.py keeps the two
    readings equal)."""
    return tuple(
        InjectionPoint(Zone(zone), x, y, vial_id, units, volume_ml, DoseBasis(basis), point_id, note or "")
        for zone, x, y, vial_id, units, volume_ml, basis, point_id, note in rows
    )


def as_stored(p: InjectionPoint, point_id: int | None) -> InjectionPoint:
    """``p`` as ``points_from`` reads it back once stored with ``point_id``: the driver returns the
    coordinates and doses as floats (an ``int`` 1 comes back as 1.0) and the choices as their enums, so a
    save returns (and remembers) what a reading would, without the reading. A point already so (the
    save's own result handed back by the next save) is returned as it is."""
    if (
        type(p.x) is float
        and type(p.y) is float
        and type(p.units) is float
        and type(p.volume_ml) is float
        and type(p.zone) is Zone
        and type(p.basis) is DoseBasis
        and type(p.note) is str
    ):
        if p.id == point_id:
            return p
        # as read back but for its id (a new point): nothing to convert
        return InjectionPoint(p.zone, p.x, p.y, p.vial_id, p.units, p.volume_ml, p.basis, point_id, p.note)
    return InjectionPoint(
        Zone(p.zone),
        float(p.x),
        float(p.y),
        p.vial_id,
        float(p.units),
        float(p.volume_ml),
        DoseBasis(p.basis),
        point_id,
        p.note or "",
    )


def point_values(p: InjectionPoint, seq: int) -> dict[str, Any]:
    """A point's columns but its id and session: for a ``PointRow``, or a session's points written with
    one executemany (services/charting.py)."""
    return {
        "seq": seq,
        "zone": Zone(p.zone).value,
        "x": p.x,
        "y": p.y,
        "vial_id": p.vial_id,
        "units": p.units,
        "volume_ml": p.volume_ml,
        "basis": DoseBasis(p.basis).value,
        "note": p.note,
    }


def point_row(p: InjectionPoint, seq: int) -> PointRow:
    return PointRow(**point_values(p, seq))


def to_assessment(r: AssessmentRow, assessor_name: str = "") -> Assessment:
    return Assessment(
        time_point=TimePoint(r.time_point),
        assessed_on=r.assessed_on,
        pores=r.pores,
        oil=r.oil,
        redness=r.redness,
        scale_version=r.scale_version,
        sebum_ug_cm2=r.sebum_ug_cm2,
        erythema_index=r.erythema_index,
        gais=Gais(r.gais) if r.gais else None,
        satisfaction=r.satisfaction,
        photos_taken=r.photos_taken,
        touch_up_given=r.touch_up_given,
        notes=r.notes,
        assessor_id=r.assessor_id,
        assessor_name=assessor_name,
        id=r.id,
    )


def assessment_as_stored(a: Assessment, assessment_id: int | None, assessor_id: int | None) -> Assessment:
    """``a`` as ``to_assessment`` reads it back once stored with ``assessment_id`` and ``assessor_id``: the
    driver returns the instrument readings as floats and the flags as booleans (a save remembers it)."""
    return Assessment(
        time_point=TimePoint(a.time_point),
        assessed_on=a.assessed_on,
        pores=a.pores,
        oil=a.oil,
        redness=a.redness,
        scale_version=a.scale_version,
        sebum_ug_cm2=None if a.sebum_ug_cm2 is None else float(a.sebum_ug_cm2),
        erythema_index=None if a.erythema_index is None else float(a.erythema_index),
        gais=Gais(a.gais) if a.gais else None,
        satisfaction=a.satisfaction,
        photos_taken=bool(a.photos_taken),
        touch_up_given=bool(a.touch_up_given),
        notes=a.notes,
        assessor_id=assessor_id,
        id=assessment_id,
    )


def assessment_values(a: Assessment) -> dict[str, Any]:
    return {
        "time_point": TimePoint(a.time_point).value,
        "assessed_on": a.assessed_on,
        "pores": a.pores,
        "oil": a.oil,
        "redness": a.redness,
        "scale_version": a.scale_version,
        "sebum_ug_cm2": a.sebum_ug_cm2,
        "erythema_index": a.erythema_index,
        "gais": Gais(a.gais).value if a.gais else None,
        "satisfaction": a.satisfaction,
        "photos_taken": a.photos_taken,
        "touch_up_given": a.touch_up_given,
        "notes": a.notes,
    }


def to_adverse_event(r: AdverseEventRow) -> AdverseEvent:
    return AdverseEvent(
        kind=AdverseEventKind(r.kind),
        onset=r.onset,
        severity=Severity(r.severity),
        resolved_on=r.resolved_on,
        resolution=r.resolution,
        notes=r.notes,
        id=r.id,
        session_id=r.session_id,
        recorded_by_id=r.recorded_by_id,
        version=r.version,
    )


def adverse_event_values(e: AdverseEvent) -> dict[str, Any]:
    return {
        "kind": AdverseEventKind(e.kind).value,
        "onset": e.onset,
        "severity": Severity(e.severity).value,
        "resolved_on": e.resolved_on,
        "resolution": e.resolution,
        "notes": e.notes,
    }


def session_values(s: TreatmentSession) -> dict[str, Any]:
    """Scalar columns of a session (not points, vials, baseline or acknowledgements)."""
    c = s.consent
    return {
        "patient_id": s.patient_id,
        "performed_at": s.performed_at,
        "injector_id": s.injector_id,
        "prescriber": s.prescriber,
        "order_reference": s.order_reference,
        "consent_form_version": c.form_version if c else None,
        "consented_at": c.consented_at if c else None,
        "consent_obtained_by": c.obtained_by if c else None,
        "indications": ",".join(sorted(Indication(i).value for i in s.indications)),
        "needle_gauge": s.needle_gauge,
        "depth": Depth(s.depth).value if s.depth else None,
        "notes": s.notes,
        "touch_up_of_id": s.touch_up_of_id,
    }


def to_session(
    r: SessionRow, baseline: Assessment | None, points: tuple[InjectionPoint, ...] | None = None
) -> TreatmentSession:
    """``points``: the session's points when read apart (plain rows), so ``r.points`` is not loaded."""
    consent = None
    if r.consent_form_version is not None and r.consented_at is not None:
        consent = Consent(r.consent_form_version, r.consented_at, r.consent_obtained_by or "")
    return TreatmentSession(
        patient_id=r.patient_id,
        performed_at=r.performed_at,
        injector_id=r.injector_id,
        consent=consent,
        indications=frozenset(Indication(i) for i in r.indications.split(",") if i),
        prescriber=r.prescriber,
        order_reference=r.order_reference,
        needle_gauge=r.needle_gauge,
        depth=Depth(r.depth) if r.depth else None,
        notes=r.notes,
        vial_ids=tuple(link.vial_id for link in r.vial_links),
        points=tuple(to_point(p) for p in r.points) if points is None else points,
        baseline=baseline,
        acknowledgements=tuple(
            Acknowledgement(
                WarningKind(a.kind),
                a.subject,
                a.reason,
                a.user_id,
                a.at,
                a.fingerprint,
                a.facts,
                a.prescriber,
            )
            for a in r.acknowledgements
        ),
        touch_up_of_id=r.touch_up_of_id,
        status=SessionStatus(r.status),
        id=r.id,
        version=r.version,
        amends_id=r.amends_id,
        amendment_reason=r.amendment_reason,
        screening=to_screening(r.screening) if r.screening is not None else None,
    )


def to_screening(r: SessionScreeningRow, asked_by_name: str = "") -> ScreeningSnapshot:
    answers = json.loads(r.answers or "{}")
    return ScreeningSnapshot(
        answers=tuple(
            (item, ScreeningAnswer(answers.get(item, ScreeningAnswer.NOT_ASKED.value)))
            for item in SafetyScreening.QUESTIONS
        ),
        other=r.other,
        allergy_status=AllergyStatus(r.allergy_status),
        allergies=r.allergies,
        asked_by_id=r.asked_by_id,
        asked_by_name=asked_by_name,
        asked_at=r.asked_at,
    )


def screening_values(snap: ScreeningSnapshot) -> dict[str, Any]:
    return {
        "answers": json.dumps({item: ScreeningAnswer(a).value for item, a in snap.answers}, sort_keys=True),
        "other": snap.other,
        "allergy_status": AllergyStatus(snap.allergy_status).value,
        "allergies": snap.allergies,
        "asked_by_id": snap.asked_by_id,
        "asked_at": snap.asked_at,
    }


def point_audit(points: tuple[InjectionPoint, ...] | list[InjectionPoint]) -> list[list[Any]]:
    """A point as its audit entries show it; its note only when it has one (so entries written before
    notes existed read the same)."""
    return [
        [str(p.zone), p.x, p.y, p.vial_id, p.units, p.volume_ml, str(p.basis), *([p.note] if p.note else [])]
        for p in points
    ]
