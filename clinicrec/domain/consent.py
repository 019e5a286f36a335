"""Signed consent: the forms, the signature, and whether a consent is in force on a given day.

A consent is never edited. It is *in force* from the moment it is signed until it is withdrawn (dated,
with a reason), superseded by a newer signature of the same form, or older than the clinic's validity
for that form (for example 12 months for repeat treatments). The exact text the patient read is kept
with it, so a later change of the form's wording never changes what a patient signed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime

from .clinic_time import add_months, local_date
from .enums import LabelledEnum
from .errors import FieldError, ValidationError


class ConsentFormKind(LabelledEnum):
    TREATMENT = "treatment", "Treatment consent"
    PHOTO = "photo", "Photo consent"


class PhotoScope(LabelledEnum):
    """What the patient's photographs may be used for; each given or refused on its own."""

    CLINICAL = "clinical", "Clinical record"
    TEACHING = "teaching", "Teaching"
    MARKETING = "marketing", "Marketing"


class SignatureKind(LabelledEnum):
    DRAWN = "drawn", "Signed on the pad"
    TYPED = "typed", "Typed name"
    PAPER = "paper", "Paper form, scanned"


class ConsentStatus(LabelledEnum):
    IN_FORCE = "in_force", "In force"
    WITHDRAWN = "withdrawn", "Withdrawn"
    SUPERSEDED = "superseded", "Superseded"


#: The main treatment form's key (its file is resources/consents/<key>.txt).
TREATMENT_FORM = "microbotox_treatment"
PHOTO_FORM = "photo"
DEFAULT_VALIDITY_MONTHS = 12
#: A scanned paper form: the formats accepted, by their first bytes.
SCAN_SIGNATURES = {
    b"%PDF-": "application/pdf",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
}
MAX_SCAN_BYTES = 20 * 1024 * 1024
MAX_STROKE_POINTS = 20_000


@dataclass(frozen=True)
class StrokePoint:
    """One sample of the pen: position in the pad's own units (0..1 across, 0..height/width down),
    pressure 0..1 (1.0 for a mouse or a finger), milliseconds since the stroke began."""

    x: float
    y: float
    pressure: float = 1.0
    t_ms: int = 0


Stroke = tuple[StrokePoint, ...]


@dataclass(frozen=True)
class ConsentSignature:
    kind: SignatureKind
    strokes: tuple[Stroke, ...] = ()
    typed_name: str = ""
    #: Paper: the scan of the signed form and why it is a paper form.
    scan: bytes = b""
    scan_type: str = ""
    reason: str = ""
    #: Which input the strokes came from ("mouse", "tablet", "touch"), for the record.
    device: str = ""


@dataclass(frozen=True)
class ConsentSettings:
    """The clinic's rules for one form."""

    form_key: str
    validity_months: int = DEFAULT_VALIDITY_MONTHS
    #: Signing a session needs this form in force (the treatment form).
    required_for_signing: bool = False
    typed_name_allowed: bool = True


@dataclass(frozen=True)
class ConsentRecord:
    patient_id: int
    form_key: str
    form_version: str
    language: str
    title: str
    text: str  # the exact text signed (the filled template)
    text_sha256: str
    signature: ConsentSignature
    witness_id: int
    witness_name: str
    signed_at: datetime
    workstation: str
    scopes: frozenset[PhotoScope] = frozenset()
    signature_png: bytes = b""
    status: ConsentStatus = ConsentStatus.IN_FORCE
    withdrawn_at: datetime | None = None
    withdrawn_reason: str = ""
    withdrawn_by: str = ""
    superseded_by_id: int | None = None
    id: int | None = None
    patient_name: str = ""
    kind: ConsentFormKind = ConsentFormKind.TREATMENT

    def expires_on(self, validity_months: int, zone_name: str) -> date:
        return add_months(local_date(self.signed_at, zone_name), validity_months)

    def in_force_on(self, when: datetime, validity_months: int, zone_name: str) -> bool:
        """In force at ``when``: signed before it, not withdrawn or superseded, not past its validity."""
        if self.status is not ConsentStatus.IN_FORCE or self.signed_at > when:
            return False
        return local_date(when, zone_name) <= self.expires_on(validity_months, zone_name)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def scan_type_of(data: bytes) -> str | None:
    for magic, kind in SCAN_SIGNATURES.items():
        if data.startswith(magic):
            return kind
    return None


def check_signature(signature: ConsentSignature, settings: ConsentSettings) -> None:
    """Every problem of a signature, each naming its field, or nothing."""
    errors: list[FieldError] = []
    if signature.kind is SignatureKind.DRAWN:
        points = sum(len(s) for s in signature.strokes)
        if not signature.strokes or points < 2:
            errors.append(
                FieldError("signature", "The patient has not signed: draw the signature on the pad")
            )
        elif points > MAX_STROKE_POINTS:
            errors.append(FieldError("signature", f"The signature has more than {MAX_STROKE_POINTS} points"))
        for stroke in signature.strokes:
            for p in stroke:
                if not (0.0 <= p.x <= 1.0 and 0.0 <= p.y <= 1.0 and 0.0 <= p.pressure <= 1.0):
                    errors.append(
                        FieldError("signature", "A signature point lies outside the pad (0 to 1 allowed)")
                    )
                    break
    elif signature.kind is SignatureKind.TYPED:
        if not settings.typed_name_allowed:
            errors.append(FieldError("signature", "The clinic does not accept a typed name for this form"))
        if len(signature.typed_name.strip()) < 2:
            errors.append(FieldError("typed_name", "Type the patient's full name (2 to 100 characters)"))
        elif len(signature.typed_name) > 100:
            errors.append(FieldError("typed_name", "The typed name is longer than 100 characters"))
    else:
        if len(signature.reason.strip()) < 5:
            errors.append(FieldError("reason", "Say why the consent is on paper (at least 5 characters)"))
        if not signature.scan:
            errors.append(FieldError("scan", "Attach the scan of the signed paper form (PDF, PNG or JPEG)"))
        elif len(signature.scan) > MAX_SCAN_BYTES:
            errors.append(FieldError("scan", "The scan is larger than 20 MB"))
        elif scan_type_of(signature.scan) is None:
            errors.append(FieldError("scan", "The scan must be a PDF, PNG or JPEG file"))
    if errors:
        raise ValidationError(errors)
