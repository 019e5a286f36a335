"""What a Microbotox chart holds, as plain dataclasses (no Qt, no SQLAlchemy).

Services take these as input and hand them back as read models; the database layer maps them
to tables. Times are timezone-aware UTC; dates are calendar dates in the clinic's time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from .date_text import DateOrder
from .dilution import Concentration, concentration
from .enums import (
    AdditiveKind,
    AdverseEventKind,
    AllergyStatus,
    Depth,
    DiluentKind,
    DoseBasis,
    Gais,
    Indication,
    Language,
    PaperSize,
    Role,
    SafetyLevel,
    ScreeningAnswer,
    SessionStatus,
    Severity,
    Sex,
    TimePoint,
    WarningKind,
    Zone,
)
from .figures_format import DEFAULT_UNITS_STEP


@dataclass(frozen=True)
class SafetyScreening:
    """Answers to the pre-treatment screening. Any 'yes' (or text in ``other``) is a positive screening."""

    pregnant_or_breastfeeding: bool = False
    neuromuscular_disorder: bool = False
    aminoglycosides: bool = False
    recent_toxin: bool = False
    active_skin_infection: bool = False
    milk_protein_allergy: bool = False
    other: str = ""

    QUESTIONS = {
        "pregnant_or_breastfeeding": "Pregnant or breastfeeding",
        "neuromuscular_disorder": "Neuromuscular disorder (myasthenia gravis, Lambert-Eaton, ALS)",
        "aminoglycosides": "Taking aminoglycosides or curare-like drugs",
        "recent_toxin": "Botulinum toxin within the last 3 months",
        "active_skin_infection": "Active skin infection at the treatment site",
        "milk_protein_allergy": "Allergy to cow's-milk protein",
    }

    def positives(self) -> list[str]:
        found = [label for name, label in self.QUESTIONS.items() if getattr(self, name)]
        if self.other.strip():
            found.append(f"Other: {self.other.strip()}")
        return found

    @property
    def is_positive(self) -> bool:
        return bool(self.positives())


@dataclass(frozen=True)
class ScreeningSnapshot:
    """The screening as confirmed at one session: each item yes / no / not asked, who asked, when."""

    answers: tuple[tuple[str, ScreeningAnswer], ...]
    other: str = ""
    allergy_status: AllergyStatus = AllergyStatus.NOT_RECORDED
    allergies: str = ""
    asked_by_id: int | None = None
    asked_by_name: str = ""
    asked_at: datetime | None = None

    def answer(self, item: str) -> ScreeningAnswer:
        return dict(self.answers).get(item, ScreeningAnswer.NOT_ASKED)

    def as_screening(self) -> SafetyScreening:
        """The 'yes' answers as the screening the safety rules read."""
        yes = {item: self.answer(item) == ScreeningAnswer.YES for item in SafetyScreening.QUESTIONS}
        return SafetyScreening(**yes, other=self.other)

    @classmethod
    def from_patient(cls, patient: Patient) -> ScreeningSnapshot:
        """A snapshot that starts from the patient's record (every item answered as recorded there)."""
        answers = tuple(
            (item, ScreeningAnswer.YES if getattr(patient.screening, item) else ScreeningAnswer.NO)
            for item in SafetyScreening.QUESTIONS
        )
        return cls(answers, patient.screening.other, patient.allergy_status, patient.allergies)


@dataclass(frozen=True)
class Patient:
    first_name: str
    last_name: str
    date_of_birth: date
    chart_number: str
    sex: Sex = Sex.UNSPECIFIED
    phone: str = ""
    email: str = ""
    address: str = ""
    fitzpatrick_type: int | None = None
    allergies: str = ""
    screening: SafetyScreening = field(default_factory=SafetyScreening)
    notes: str = ""
    #: The language of the handout and leaflet printed for this patient.
    preferred_language: Language = Language.ENGLISH
    id: int | None = None
    version: int = 0
    allergy_status: AllergyStatus = AllergyStatus.NOT_RECORDED

    @property
    def display_name(self) -> str:
        return f"{self.last_name}, {self.first_name}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(frozen=True)
class Product:
    brand: str
    generic_name: str
    vial_sizes: tuple[int, ...]
    in_use_hours: int
    max_dose_units: float | None = None
    #: The maximum is cumulative over this many days, or calendar months (the label's "3 months": the
    #: clinic's calendar dates); neither: it applies per session.
    max_dose_period_days: int | None = None
    max_dose_period_months: int | None = None
    ready_to_use_units_per_ml: float | None = None
    active: bool = True
    notes: str = ""
    #: GTINs (14 digits) printed on the product's cartons, so that a scanned code names the product.
    gtins: tuple[str, ...] = ()
    id: int | None = None
    version: int = 0  # as read: a stale edit from another workstation is refused

    @property
    def label(self) -> str:
        return f"{self.brand} ({self.generic_name})"


@dataclass(frozen=True)
class Additive:
    kind: AdditiveKind
    volume_ml: float
    description: str = ""


@dataclass(frozen=True)
class Vial:
    product_id: int
    lot_number: str
    expiry_date: date
    vial_units: float
    reconstituted_at: datetime
    diluent_kind: DiluentKind
    diluent_ml: float
    additives: tuple[Additive, ...] = ()
    id: int | None = None
    opened_by_id: int | None = None
    #: A vial size not in the product's catalogue entry is recorded only with a reason.
    other_size_reason: str = ""

    @property
    def additive_ml(self) -> float:
        return sum(a.volume_ml for a in self.additives)

    @property
    def total_volume_ml(self) -> float:
        return self.diluent_ml + self.additive_ml

    @property
    def concentration(self) -> Concentration:
        return concentration(self.vial_units, self.diluent_ml, self.additive_ml)

    def use_by(self, in_use_hours: int) -> datetime:
        return self.reconstituted_at + timedelta(hours=in_use_hours)

    def is_expired(self, on: date) -> bool:
        return on > self.expiry_date


@dataclass(frozen=True)
class Consent:
    form_version: str
    consented_at: datetime
    obtained_by: str


@dataclass(frozen=True)
class InjectionPoint:
    zone: Zone
    x: float
    y: float
    vial_id: int
    units: float
    volume_ml: float
    basis: DoseBasis = DoseBasis.UNITS
    id: int | None = None
    #: What happened at this point ("bled", "patient flinched"); "" when nothing was noted.
    note: str = ""

    @classmethod
    def from_units(cls, zone: Zone, x: float, y: float, vial: Vial, units: float) -> InjectionPoint:
        assert vial.id is not None
        return cls(zone, x, y, vial.id, units, vial.concentration.volume_for(units), DoseBasis.UNITS)

    @classmethod
    def from_volume(cls, zone: Zone, x: float, y: float, vial: Vial, volume_ml: float) -> InjectionPoint:
        assert vial.id is not None
        return cls(zone, x, y, vial.id, vial.concentration.units_for(volume_ml), volume_ml, DoseBasis.VOLUME)


@dataclass(frozen=True)
class Assessment:
    """Clinician ratings 0-4 for pores, oil and redness, with the scale version they were made on."""

    time_point: TimePoint
    assessed_on: date
    pores: int | None
    oil: int | None
    redness: int | None
    scale_version: str
    sebum_ug_cm2: float | None = None
    erythema_index: float | None = None
    gais: Gais | None = None
    satisfaction: int | None = None
    photos_taken: bool = False
    touch_up_given: bool = False
    notes: str = ""
    assessor_id: int | None = None
    assessor_name: str = ""
    id: int | None = None


@dataclass(frozen=True)
class AdverseEvent:
    kind: AdverseEventKind
    onset: date
    severity: Severity
    resolved_on: date | None = None
    resolution: str = ""
    notes: str = ""
    id: int | None = None
    session_id: int | None = None
    recorded_by_id: int | None = None
    version: int = 0  # as read: a stale edit from another workstation is refused


@dataclass(frozen=True)
class Acknowledgement:
    """A user's recorded reason for going ahead despite a safety warning.

    ``fingerprint`` binds it to the facts of the warning it answered (figures, screening items, lot,
    dates): when any of them changes the warning is open again. ``prescriber`` is needed for a
    contraindication."""

    kind: WarningKind
    subject: str
    reason: str
    by_user_id: int | None = None
    at: datetime | None = None
    fingerprint: str = ""
    facts: str = ""
    prescriber: str = ""


@dataclass(frozen=True)
class SafetyWarning:
    kind: WarningKind
    subject: str
    message: str
    #: What the warning is about, in words that change whenever it changes ("session_units=590").
    facts: tuple[str, ...] = ()
    level: SafetyLevel = SafetyLevel.WARNING

    @property
    def key(self) -> tuple[WarningKind, str]:
        """Which warning this is (the same across edits); ``fingerprint`` says what it says."""
        return (self.kind, self.subject)

    @property
    def facts_text(self) -> str:
        return "; ".join(self.facts)

    @property
    def fingerprint(self) -> str:
        import hashlib

        text = "\x1f".join([str(self.kind), self.subject, *self.facts])
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    @property
    def needs_acknowledgement(self) -> bool:
        return self.level != SafetyLevel.INFORMATION

    @property
    def needs_prescriber(self) -> bool:
        return self.level == SafetyLevel.CONTRAINDICATION


@dataclass(frozen=True)
class TreatmentSession:
    patient_id: int
    performed_at: datetime
    injector_id: int
    consent: Consent | None = None
    indications: frozenset[Indication] = frozenset()
    prescriber: str = ""
    order_reference: str = ""
    needle_gauge: int | None = None
    depth: Depth | None = None
    notes: str = ""
    vial_ids: tuple[int, ...] = ()
    points: tuple[InjectionPoint, ...] = ()
    baseline: Assessment | None = None
    acknowledgements: tuple[Acknowledgement, ...] = ()
    touch_up_of_id: int | None = None
    status: SessionStatus = SessionStatus.DRAFT
    id: int | None = None
    version: int = 0
    amends_id: int | None = None
    amendment_reason: str = ""
    #: The screening as confirmed at this session (None until it is confirmed).
    screening: ScreeningSnapshot | None = None

    @property
    def all_vial_ids(self) -> tuple[int, ...]:
        """Vials named for the session plus any a point was drawn from, in first-use order."""
        seen: dict[int, None] = dict.fromkeys(self.vial_ids)
        for p in self.points:
            seen.setdefault(p.vial_id, None)
        return tuple(seen)


def name_with_credentials(full_name: str, credentials: str) -> str:
    """'Maria López, RN': how an injector is named wherever the record shows who did what (charts,
    handouts, signatures, the window's title and lock screen). The one place this is spelled out."""
    return f"{full_name}, {credentials}" if credentials else full_name


@dataclass(frozen=True)
class User:
    username: str
    full_name: str
    credentials: str
    role: Role
    active: bool = True
    id: int | None = None
    version: int = 0  # as read: a stale edit from another workstation is refused

    @property
    def signature_name(self) -> str:
        return name_with_credentials(self.full_name, self.credentials)


@dataclass(frozen=True)
class ClinicSettings:
    name: str
    address: str = ""
    phone: str = ""
    email: str = ""
    website: str = ""
    paper_size: PaperSize = PaperSize.A4
    review_days: int = 14
    logo_png: bytes | None = None
    consent_form_version: str = "MB-CONSENT-1"
    idle_lock_minutes: int = 10
    backups_kept: int = 14
    #: IANA zone of the clinic: every calendar date (expiry, onset, handout, reports) is its local date.
    time_zone: str = "UTC"
    #: The clinic's common reasons for going ahead despite a warning (offered as a pick-list).
    common_reasons: tuple[str, ...] = ()
    #: How dates are typed and shown (ISO, day first, month first): never guessed from the workstation.
    date_order: DateOrder = DateOrder.ISO
    #: The dose precision in units (0.1 U, 0.5 U, 1 U …): every units figure is written to it.
    units_step: float = DEFAULT_UNITS_STEP
    version: int = 0  # as read: a stale edit from another workstation is refused


@dataclass(frozen=True)
class Signature:
    signer_name: str
    credentials: str
    signed_at: datetime
    meaning: str = "signed as administering injector"

    @property
    def signer(self) -> str:
        return name_with_credentials(self.signer_name, self.credentials)

    def describe(self, zone_name: str = "UTC") -> str:
        from .clinic_time import format_local

        return f"{self.signer}, {format_local(self.signed_at, zone_name)} ({self.meaning})"


@dataclass(frozen=True)
class AmendmentInfo:
    session_id: int
    author_name: str
    at: datetime
    reason: str


@dataclass(frozen=True)
class SessionRecord:
    """Everything about one session, resolved for display and printing (charts, handouts)."""

    session: TreatmentSession
    patient: Patient
    injector: User
    vials: tuple[Vial, ...]
    products: tuple[Product, ...]
    signature: Signature | None = None
    amended_by: tuple[AmendmentInfo, ...] = ()
    amends: AmendmentInfo | None = None
    adverse_events: tuple[AdverseEvent, ...] = ()
    follow_ups: tuple[Assessment, ...] = ()
    #: The clinic's IANA zone: printed dates and times are its local ones, with the zone named.
    time_zone: str = "UTC"
    #: How the clinic writes dates (printed dates follow it).
    date_order: DateOrder = DateOrder.ISO

    @property
    def local_day(self) -> date:
        """The session's calendar date in the clinic."""
        from .clinic_time import local_date

        return local_date(self.session.performed_at, self.time_zone)

    def vial(self, vial_id: int) -> Vial:
        for v in self.vials:
            if v.id == vial_id:
                return v
        raise KeyError(vial_id)

    def product(self, product_id: int) -> Product:
        for p in self.products:
            if p.id == product_id:
                return p
        raise KeyError(product_id)

    def product_of_vial(self, vial_id: int) -> Product:
        return self.product(self.vial(vial_id).product_id)
