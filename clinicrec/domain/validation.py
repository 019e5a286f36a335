"""Input rules. Every rejection names the field and says what is allowed.

Validators collect all problems of a record at once (a form can show each next to its field) and
raise one ``ValidationError``. Nothing is silently trimmed or rounded: input is either rejected or
stored exactly as given.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from operator import attrgetter
from typing import Any, NamedTuple

from .dilution import VOLUME_DECIMALS
from .enums import AllergyStatus, DiluentKind, Language, Sex, TimePoint
from .errors import FieldError, ValidationError
from .gs1 import BarcodeError, normalise_gtin
from .models import (
    Additive,
    AdverseEvent,
    Assessment,
    ClinicSettings,
    Patient,
    Product,
    SafetyScreening,
    ScreeningSnapshot,
    TreatmentSession,
    User,
    Vial,
)

# Sane lengths for text fields.
NAME_MAX = 100
SHORT_MAX = 40
LINE_MAX = 200
ADDRESS_MAX = 300
TEXT_MAX = 4000
COMMON_REASONS_MAX = 30
#: A note on one injection point: a few words ("bled", "patient flinched").
POINT_NOTE_MAX = 120

# Sane ranges for quantities.
VIAL_UNITS_RANGE = (1.0, 1000.0)
DILUENT_ML_RANGE = (0.1, 20.0)  # ready-to-use vials record their supplied volume here
ADDITIVE_ML_MAX = 10.0
POINT_UNITS_MAX = 25.0
POINT_VOLUME_MAX_ML = 0.5
NEEDLE_GAUGE_RANGE = (25, 34)
RATING_RANGE = (0, 4)
SATISFACTION_RANGE = (1, 5)
SEBUM_RANGE = (0.0, 500.0)  # µg/cm², Sebumeter reads 0-350
ERYTHEMA_RANGE = (0.0, 999.0)
EARLIEST_BIRTH = date(1900, 1, 1)
#: Years a session, consent or reconstitution time may fall in (also keeps UTC conversion from overflowing).
MOMENT_YEARS = (2000, 2100)

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_SINGLE_LINE = re.compile(r"[\x00-\x1f\x7f]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^[0-9+()\-. /x]*$")
_CHART_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-/._]*$")


@dataclass
class Checker:
    """Accumulates field errors; ``prefix`` scopes field names ('points[3].')."""

    prefix: str = ""
    errors: list[FieldError] = field(default_factory=list)

    def fail(self, name: str, message: str) -> None:
        self.errors.append(FieldError(self.prefix + name, message))

    def scoped(self, prefix: str) -> Checker:
        return Checker(self.prefix + prefix, self.errors)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)

    # -- text -----------------------------------------------------------------------------------
    def text(
        self,
        name: str,
        label: str,
        value: object,
        *,
        max_len: int,
        required: bool = False,
        multiline: bool = False,
        pattern: re.Pattern[str] | None = None,
        pattern_hint: str = "",
    ) -> None:
        # The usual case first, in a few C calls (an import checks 100,000 rows): printable text holds
        # no control characters or line breaks, no unencodable surrogates, and no whitespace but " ".
        if (
            type(value) is str
            and value.isprintable()
            and len(value) <= max_len
            and (value[0] != " " and value[-1] != " " if value else not required)
        ):
            if value and pattern is not None and not pattern.match(value):
                self.fail(name, f"{label} {pattern_hint}")
            return
        if not isinstance(value, str):
            self.fail(name, f"{label} must be text")
            return
        if required and not value.strip():
            self.fail(name, f"{label} is required")
            return
        if len(value) > max_len:
            self.fail(name, f"{label} is too long: at most {max_len} characters (got {len(value)})")
            return
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            self.fail(name, f"{label} contains characters that cannot be stored")
            return
        bad = (_CONTROL if multiline else _CONTROL_SINGLE_LINE).search(value)
        if bad:
            what = "control characters" if multiline else "line breaks or control characters"
            self.fail(name, f"{label} must not contain {what}")
            return
        if value != value.strip() and not multiline:
            self.fail(name, f"{label} must not start or end with spaces")
            return
        if value and pattern is not None and not pattern.match(value):
            self.fail(name, f"{label} {pattern_hint}")

    # -- numbers --------------------------------------------------------------------------------
    def number(
        self,
        name: str,
        label: str,
        value: object,
        *,
        low: float,
        high: float,
        unit: str,
        low_exclusive: bool = False,
        optional: bool = False,
    ) -> bool:
        """Check a finite number within [low, high] (or (low, high] when ``low_exclusive``)."""
        if value is None and optional:
            return True
        if type(value) is float and (low < value if low_exclusive else low <= value) and value <= high:
            return True  # the usual case, first and without building the messages (a save checks 400)
        lower = f"more than {low:g}" if low_exclusive else f"at least {low:g}"
        allowed = f"{lower} and at most {high:g} {unit}"
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(name, f"{label} must be a number, {allowed}")
            return False
        if not math.isfinite(value):
            self.fail(name, f"{label} must be a real number, {allowed} (got {value})")
            return False
        too_low = value <= low if low_exclusive else value < low
        if too_low or value > high:
            self.fail(name, f"{label} must be {allowed} (got {value:g})")
            return False
        return True

    def moment(self, name: str, label: str, value: object) -> bool:
        """A date and time with its time zone, within the years a clinical record can have."""
        if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
            self.fail(name, f"{label} must be a date and time with its time zone")
            return False
        first, last = MOMENT_YEARS
        if not first <= value.year <= last:
            self.fail(name, f"{label} must be between {first} and {last} (got {value.year})")
            return False
        return True

    def integer(
        self, name: str, label: str, value: object, *, low: int, high: int, optional: bool = False
    ) -> None:
        if value is None and optional:
            return
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(name, f"{label} must be a whole number from {low} to {high}")
            return
        if not low <= value <= high:
            self.fail(name, f"{label} must be from {low} to {high} (got {value})")

    def choice(self, name: str, label: str, value: object, enum: type[Enum], optional: bool = False) -> None:
        if (value is None and optional) or isinstance(value, enum):
            return
        try:
            enum(value)
        except ValueError:
            allowed = ", ".join(m.value for m in enum)
            self.fail(name, f"{label} must be one of: {allowed} (got {value!r})")


# --------------------------------------------------------------------------------------------------
class _TextRule(NamedTuple):
    """One text field of a record, as ``Checker.text`` checks it."""

    name: str
    label: str
    read: Callable[[Any], Any]
    max_len: int
    required: bool = False
    multiline: bool = False
    pattern: re.Pattern[str] | None = None
    hint: str = ""

    def check(self, c: Checker, record: object) -> None:
        c.text(
            self.name,
            self.label,
            self.read(record),
            max_len=self.max_len,
            required=self.required,
            multiline=self.multiline,
            pattern=self.pattern,
            pattern_hint=self.hint,
        )


_EMAIL_HINT = "must look like name@example.com"
_screening_other = attrgetter("screening.other")
_PATIENT_TEXT = {
    r.name: r
    for r in (
        _TextRule("first_name", "First name", attrgetter("first_name"), NAME_MAX, required=True),
        _TextRule("last_name", "Last name", attrgetter("last_name"), NAME_MAX, required=True),
        _TextRule(
            "chart_number",
            "Chart number",
            attrgetter("chart_number"),
            SHORT_MAX,
            required=True,
            pattern=_CHART_NUMBER,
            hint="may use letters, digits and - / . _ only, starting with a letter or digit",
        ),
        _TextRule(
            "phone",
            "Phone",
            attrgetter("phone"),
            SHORT_MAX,
            pattern=_PHONE,
            hint="may use digits, spaces and + ( ) - . / x only",
        ),
        _TextRule("email", "Email", attrgetter("email"), 254, pattern=_EMAIL, hint=_EMAIL_HINT),
        _TextRule("address", "Address", attrgetter("address"), ADDRESS_MAX, multiline=True),
        _TextRule("allergies", "Allergies", attrgetter("allergies"), TEXT_MAX, multiline=True),
        _TextRule("screening.other", "Other screening finding", _screening_other, LINE_MAX, multiline=True),
        _TextRule("notes", "Notes", attrgetter("notes"), TEXT_MAX, multiline=True),
    )
}
#: Tabs and line breaks, which a multi-line text may hold: removed before asking ``str.isprintable``.
_LINE_BREAKS = str.maketrans("", "", "\t\n\r")
_USUAL_TEXT = tuple((r.read, r.max_len, r.required, r.multiline, r.pattern) for r in _PATIENT_TEXT.values())


def _usual_patient(p: Patient, today: date) -> bool:
    """True only for a patient ``validate_patient`` finds nothing wrong with, seen in a few C calls a
    field (an import checks 100,000 patients): each text of ``_PATIENT_TEXT`` printable (a multi-line one
    may also hold tabs and line breaks), within its length, without a space at either end (one line),
    present if required, matching its pattern; each choice a member of its enum; the date of birth a
    date from EARLIEST_BIRTH to today; the skin type absent or 1-6; the allergies as their status says.
    False sends the patient through the full checks, which name each problem (tests: True never
    accepts what the full checks refuse)."""
    for read, max_len, required, multiline, pattern in _USUAL_TEXT:
        v = read(p)
        if type(v) is not str or len(v) > max_len:
            return False
        if not v.isprintable() and not (multiline and v.translate(_LINE_BREAKS).isprintable()):
            return False
        if not v:
            if required:
                return False
        elif (not multiline and " " in (v[0], v[-1])) or (pattern and not pattern.match(v)):
            return False
    born, skin, status = p.date_of_birth, p.fitzpatrick_type, p.allergy_status
    listed = bool(p.allergies.strip())
    return (
        type(p.sex) is Sex
        and type(status) is AllergyStatus
        and type(p.preferred_language) is Language
        and type(born) is date
        and EARLIEST_BIRTH <= born <= today
        and (skin is None or (type(skin) is int and 1 <= skin <= 6))
        and (status is AllergyStatus.NOT_RECORDED or (status is AllergyStatus.LISTED) is listed)
    )


def validate_patient(p: Patient, *, today: date) -> None:
    if not _usual_patient(p, today):
        _check_patient_fully(p, today)


def _check_patient_fully(p: Patient, today: date) -> None:
    c = Checker()
    text = _PATIENT_TEXT
    for name in ("first_name", "last_name", "chart_number"):
        text[name].check(c, p)
    c.choice("sex", "Sex", p.sex, Sex)
    if not isinstance(p.date_of_birth, date) or isinstance(p.date_of_birth, datetime):
        c.fail("date_of_birth", "Date of birth must be a date")
    elif p.date_of_birth > today:
        c.fail("date_of_birth", f"Date of birth cannot be in the future (got {p.date_of_birth:%Y-%m-%d})")
    elif p.date_of_birth < EARLIEST_BIRTH:
        c.fail("date_of_birth", f"Date of birth must be on or after {EARLIEST_BIRTH:%Y-%m-%d}")
    for name in ("phone", "email", "address"):
        text[name].check(c, p)
    c.integer("fitzpatrick_type", "Fitzpatrick skin type", p.fitzpatrick_type, low=1, high=6, optional=True)
    text["allergies"].check(c, p)
    c.choice("allergy_status", "Allergy status", p.allergy_status, AllergyStatus)
    if p.allergy_status == AllergyStatus.NONE_KNOWN and isinstance(p.allergies, str) and p.allergies.strip():
        c.fail("allergies", "Allergies: 'no known allergies' is chosen, so the list must be empty")
    if p.allergy_status == AllergyStatus.LISTED and isinstance(p.allergies, str) and not p.allergies.strip():
        c.fail("allergies", "Allergies: list at least one allergy, or choose 'no known allergies'")
    text["screening.other"].check(c, p)
    text["notes"].check(c, p)
    c.choice("preferred_language", "Preferred language", p.preferred_language, Language)
    c.raise_if_any()


def validate_product(p: Product) -> None:
    c = Checker()
    c.text("brand", "Brand", p.brand, max_len=NAME_MAX, required=True)
    c.text("generic_name", "Generic name", p.generic_name, max_len=NAME_MAX, required=True)
    if not p.vial_sizes:
        c.fail("vial_sizes", "Vial sizes need at least one size in units")
    for i, size in enumerate(p.vial_sizes):
        c.number(
            f"vial_sizes[{i}]", "Vial size", size, low=VIAL_UNITS_RANGE[0], high=VIAL_UNITS_RANGE[1], unit="U"
        )
    c.integer("in_use_hours", "In-use window", p.in_use_hours, low=1, high=24 * 42)
    c.number(
        "max_dose_units",
        "Maximum dose",
        p.max_dose_units,
        low=0,
        high=5000,
        unit="U",
        low_exclusive=True,
        optional=True,
    )
    c.integer(
        "max_dose_period_days", "Maximum-dose period", p.max_dose_period_days, low=1, high=365, optional=True
    )
    c.integer(
        "max_dose_period_months",
        "Maximum-dose period in months",
        p.max_dose_period_months,
        low=1,
        high=12,
        optional=True,
    )
    if p.max_dose_period_days is not None and p.max_dose_period_months is not None:
        c.fail("max_dose_period_months", "Maximum-dose period: give it in days or in months, not both")
    c.number(
        "ready_to_use_units_per_ml",
        "Ready-to-use concentration",
        p.ready_to_use_units_per_ml,
        low=0,
        high=1000,
        unit="U/mL",
        low_exclusive=True,
        optional=True,
    )
    c.text("notes", "Notes", p.notes, max_len=TEXT_MAX, multiline=True)
    for i, gtin in enumerate(p.gtins):
        try:
            if normalise_gtin(gtin) != gtin:
                c.fail(f"gtins[{i}]", f"Carton GTIN {gtin} must be stored as 14 digits")
        except BarcodeError as e:
            c.fail(f"gtins[{i}]", f"Carton GTIN: {e}")
    if len(p.gtins) > 20:
        c.fail("gtins", "Carton GTINs: at most 20 per product")
    c.raise_if_any()


def parse_gtins(text: str) -> tuple[str, ...]:
    """Carton GTINs typed as a list ('00361234567890, 361234567890') as 14-digit GTINs.

    Raises ``ValidationError`` on field ``gtins`` naming the bad entry.
    """
    out: list[str] = []
    for part in re.split(r"[,;\s]+", text.strip()):
        if not part:
            continue
        try:
            gtin = normalise_gtin(part)
        except BarcodeError as e:
            raise ValidationError(FieldError("gtins", f"Carton GTINs: {e}")) from e
        if gtin not in out:
            out.append(gtin)
    return tuple(out)


def validate_vial(v: Vial) -> None:
    c = Checker()
    c.text("lot_number", "Lot number", v.lot_number, max_len=SHORT_MAX, required=True)
    c.text(
        "other_size_reason", "Reason for another size", v.other_size_reason, max_len=TEXT_MAX, multiline=True
    )
    c.number(
        "vial_units", "Vial units", v.vial_units, low=VIAL_UNITS_RANGE[0], high=VIAL_UNITS_RANGE[1], unit="U"
    )
    c.number(
        "diluent_ml",
        "Diluent volume",
        v.diluent_ml,
        low=DILUENT_ML_RANGE[0],
        high=DILUENT_ML_RANGE[1],
        unit="mL",
    )
    c.choice("diluent_kind", "Diluent", v.diluent_kind, DiluentKind)
    for i, a in enumerate(v.additives):
        _validate_additive(c.scoped(f"additives[{i}]."), a)
    c.moment("reconstituted_at", "Reconstitution time", v.reconstituted_at)
    # An expired lot is recorded as it is (recalls depend on the real lot): using it in a session is a
    # warning that needs a reason, not a reason to refuse the vial.
    if not isinstance(v.expiry_date, date) or isinstance(v.expiry_date, datetime):
        c.fail("expiry_date", "Expiry date must be a date")
    elif not date(MOMENT_YEARS[0], 1, 1) <= v.expiry_date <= date(MOMENT_YEARS[1], 12, 31):
        c.fail("expiry_date", f"Expiry date must be between {MOMENT_YEARS[0]} and {MOMENT_YEARS[1]}")
    if not c.errors and v.total_volume_ml > DILUENT_ML_RANGE[1]:
        c.fail(
            "additives", f"Total volume (diluent plus additives) must be at most {DILUENT_ML_RANGE[1]:g} mL"
        )
    c.raise_if_any()


def _validate_additive(c: Checker, a: Additive) -> None:
    from .enums import AdditiveKind

    c.choice("kind", "Additive", a.kind, AdditiveKind)
    c.number(
        "volume_ml",
        "Additive volume",
        a.volume_ml,
        low=0,
        high=ADDITIVE_ML_MAX,
        unit="mL",
        low_exclusive=True,
    )
    c.text("description", "Additive description", a.description, max_len=LINE_MAX)


def validate_points(session: TreatmentSession, vials: dict[int, Vial]) -> None:
    """Each point: a known zone, on the map, from a vial of this session, a sane positive dose."""
    from .enums import DoseBasis, Zone

    c = Checker()
    # Each vial's concentration once, not once per point (a vial with bad figures raises here as it would
    # at its first point: nothing is cached for it).
    concentrations = {}
    for vid, v in vials.items():
        with contextlib.suppress(ValueError):
            concentrations[vid] = v.concentration
    for i, p in enumerate(session.points):
        pc = c.scoped(f"points[{i}].")
        pc.choice("zone", "Zone", p.zone, Zone)
        pc.choice("basis", "Dose entry", p.basis, DoseBasis)
        pc.number("x", "Map position x", p.x, low=0.0, high=1.0, unit="(0 to 1)")
        pc.number("y", "Map position y", p.y, low=0.0, high=1.0, unit="(0 to 1)")
        pc.text("note", f"Note on point {i + 1}", p.note, max_len=POINT_NOTE_MAX)
        vial = vials.get(p.vial_id)
        if vial is None:
            pc.fail("vial_id", f"Point {i + 1} names a vial that is not part of this session")
            continue
        ok_units = pc.number(
            "units", "Dose", p.units, low=0, high=POINT_UNITS_MAX, unit="U", low_exclusive=True
        )
        ok_vol = pc.number(
            "volume_ml", "Volume", p.volume_ml, low=0, high=POINT_VOLUME_MAX_ML, unit="mL", low_exclusive=True
        )
        if ok_units and p.units > vial.vial_units:
            pc.fail(
                "units",
                f"Dose {p.units:g} U is more than vial {vial.lot_number} holds ({vial.vial_units:g} U)",
            )
        elif ok_vol and p.volume_ml > vial.total_volume_ml:
            pc.fail(
                "volume_ml",
                f"Volume {p.volume_ml:g} mL is more than vial {vial.lot_number} holds "
                f"({vial.total_volume_ml:g} mL)",
            )
        elif ok_units and ok_vol:
            conc = concentrations.get(p.vial_id) or vial.concentration
            expected = conc.units_for(p.volume_ml)
            # A volume derived from units is stored rounded to 10**-VOLUME_DECIMALS mL; allow that step.
            step = conc.units_per_ml * 10**-VOLUME_DECIMALS
            if not math.isclose(expected, p.units, rel_tol=1e-3, abs_tol=max(1e-3, step)):
                pc.fail(
                    "units",
                    f"Dose {p.units:g} U does not match {p.volume_ml:g} mL at "
                    f"{conc.label()} (expected {expected:g} U)",
                )
    c.raise_if_any()


def validate_session(s: TreatmentSession, vials: dict[int, Vial]) -> None:
    from .enums import Depth, Indication

    c = Checker()
    c.moment("performed_at", "Session date and time", s.performed_at)
    for ind in s.indications:
        c.choice("indications", "Indication", ind, Indication)
    c.text("prescriber", "Prescriber", s.prescriber, max_len=NAME_MAX)
    c.text("order_reference", "Order reference", s.order_reference, max_len=SHORT_MAX)
    c.integer(
        "needle_gauge",
        "Needle gauge",
        s.needle_gauge,
        low=NEEDLE_GAUGE_RANGE[0],
        high=NEEDLE_GAUGE_RANGE[1],
        optional=True,
    )
    c.choice("depth", "Depth", s.depth, Depth, optional=True)
    c.text("notes", "Notes", s.notes, max_len=TEXT_MAX, multiline=True)
    c.text("amendment_reason", "Amendment reason", s.amendment_reason, max_len=TEXT_MAX, multiline=True)
    if s.consent is not None:
        c.text(
            "consent.form_version",
            "Consent form version",
            s.consent.form_version,
            max_len=SHORT_MAX,
            required=True,
        )
        c.text(
            "consent.obtained_by",
            "Consent obtained by",
            s.consent.obtained_by,
            max_len=NAME_MAX,
            required=True,
        )
        c.moment("consent.consented_at", "Consent time", s.consent.consented_at)
    for i, ack in enumerate(s.acknowledgements):
        c.text(
            f"acknowledgements[{i}].reason",
            "Reason",
            ack.reason,
            max_len=TEXT_MAX,
            required=True,
            multiline=True,
        )
    if s.screening is not None:
        try:
            validate_screening(s.screening)
        except ValidationError as e:
            c.errors.extend(FieldError("screening." + fe.field, fe.message) for fe in e.errors)
    if s.baseline is not None:
        try:
            validate_assessment(s.baseline, baseline=True, session_date=None)
        except ValidationError as e:
            c.errors.extend(FieldError("baseline." + fe.field, fe.message) for fe in e.errors)
    c.raise_if_any()
    validate_points(s, vials)


def validate_screening(snap: ScreeningSnapshot, prefix: str = "") -> None:
    """A screening snapshot: a known answer per item, sane texts, allergies consistent with their status."""
    from .enums import AllergyStatus, ScreeningAnswer

    c = Checker(prefix)
    for item, answer in snap.answers:
        if item not in SafetyScreening.QUESTIONS:
            c.fail("answers", f"Unknown screening item {item!r}")
        c.choice(f"answers.{item}", "Screening answer", answer, ScreeningAnswer)
    c.text("other", "Other screening finding", snap.other, max_len=LINE_MAX, multiline=True)
    c.text("allergies", "Allergies", snap.allergies, max_len=TEXT_MAX, multiline=True)
    c.choice("allergy_status", "Allergy status", snap.allergy_status, AllergyStatus)
    if snap.allergy_status == AllergyStatus.NONE_KNOWN and snap.allergies.strip():
        c.fail("allergies", "Allergies: 'no known allergies' is chosen, so the list must be empty")
    if snap.allergy_status == AllergyStatus.LISTED and not snap.allergies.strip():
        c.fail("allergies", "Allergies: list at least one allergy, or choose 'no known allergies'")
    c.raise_if_any()


def validate_for_signing(s: TreatmentSession) -> None:
    """Signing needs a complete chart: consent, at least one point, baseline ratings."""
    c = Checker()
    if s.consent is None:
        c.fail("consent", "Consent must be recorded before signing")
    if not s.points:
        c.fail("points", "At least one injection point is needed before signing")
    if not s.indications:
        c.fail("indications", "Choose at least one indication before signing")
    if s.baseline is None or None in (s.baseline.pores, s.baseline.oil, s.baseline.redness):
        c.fail("baseline", "Baseline ratings for pores, oil and redness are needed before signing")
    c.raise_if_any()


def validate_assessment(
    a: Assessment, *, baseline: bool, session_date: date | None, today: date | None = None
) -> None:
    from .enums import Gais

    c = Checker()
    c.choice("time_point", "Time point", a.time_point, TimePoint)
    if baseline and a.time_point != TimePoint.BASELINE:
        c.fail("time_point", "A baseline assessment must have the time point 'baseline'")
    if not baseline and a.time_point == TimePoint.BASELINE:
        c.fail("time_point", "A follow-up needs a follow-up time point (day 14, week 4, ... or other date)")
    for name in ("pores", "oil", "redness"):
        c.integer(
            name,
            f"{name.capitalize()} rating",
            getattr(a, name),
            low=RATING_RANGE[0],
            high=RATING_RANGE[1],
            optional=True,
        )
    if not baseline and None in (a.pores, a.oil, a.redness):
        c.fail("ratings", "A follow-up needs ratings for pores, oil and redness (0 to 4)")
    c.text("scale_version", "Scale version", a.scale_version, max_len=SHORT_MAX, required=True)
    c.number(
        "sebum_ug_cm2",
        "Sebumeter reading",
        a.sebum_ug_cm2,
        low=SEBUM_RANGE[0],
        high=SEBUM_RANGE[1],
        unit="µg/cm²",
        optional=True,
    )
    c.number(
        "erythema_index",
        "Erythema index",
        a.erythema_index,
        low=ERYTHEMA_RANGE[0],
        high=ERYTHEMA_RANGE[1],
        unit="(EI units)",
        optional=True,
    )
    c.choice("gais", "GAIS", a.gais, Gais, optional=True)
    if baseline and a.gais is not None:
        c.fail("gais", "GAIS is rated at follow-up, not at baseline")
    c.integer(
        "satisfaction",
        "Patient satisfaction",
        a.satisfaction,
        low=SATISFACTION_RANGE[0],
        high=SATISFACTION_RANGE[1],
        optional=True,
    )
    c.text("notes", "Notes", a.notes, max_len=TEXT_MAX, multiline=True)
    if not isinstance(a.assessed_on, date):
        c.fail("assessed_on", "Assessment date must be a date")
    elif session_date is not None and a.assessed_on < session_date:
        c.fail("assessed_on", f"A follow-up cannot be dated before its session ({session_date:%Y-%m-%d})")
    elif today is not None and a.assessed_on > today:
        c.fail(
            "assessed_on",
            f"A follow-up cannot be dated in the future (got {a.assessed_on:%Y-%m-%d}; "
            f"today is {today:%Y-%m-%d})",
        )
    c.raise_if_any()


def follow_up_timing_warning(time_point: TimePoint, session_date: date, assessed_on: date) -> str | None:
    """A warning when a follow-up is far from its nominal time point (a 'day 14' on day 3).

    Allowed: a quarter of the interval either side, at least 3 days (day 14: 11-17; week 4: 21-35)."""
    nominal = TimePoint(time_point).days
    if nominal is None:
        return None
    actual = (assessed_on - session_date).days
    slack = max(3, nominal // 4)
    if abs(actual - nominal) <= slack:
        return None
    return (
        f"This '{TimePoint(time_point).label}' follow-up is on day {actual} after the session; "
        f"that time point is usually day {nominal - slack} to {nominal + slack}. Check the time point."
    )


def validate_adverse_event(e: AdverseEvent, *, session_date: date | None) -> None:
    from .enums import AdverseEventKind, Severity

    c = Checker()
    c.choice("kind", "Kind", e.kind, AdverseEventKind)
    c.choice("severity", "Severity", e.severity, Severity)
    if session_date is not None and e.onset < session_date:
        c.fail("onset", f"Onset cannot be before the session ({session_date:%Y-%m-%d})")
    if e.resolved_on is not None and e.resolved_on < e.onset:
        c.fail("resolved_on", f"Resolution date cannot be before the onset ({e.onset:%Y-%m-%d})")
    c.text("resolution", "Resolution", e.resolution, max_len=TEXT_MAX, multiline=True)
    c.text("notes", "Notes", e.notes, max_len=TEXT_MAX, multiline=True)
    c.raise_if_any()


def validate_user(u: User) -> None:
    from .enums import Role

    c = Checker()
    c.text(
        "username",
        "User name",
        u.username,
        max_len=SHORT_MAX,
        required=True,
        pattern=re.compile(r"^[A-Za-z0-9._@-]+$"),
        pattern_hint="may use letters, digits and . _ @ - only",
    )
    c.text("full_name", "Full name", u.full_name, max_len=NAME_MAX, required=True)
    c.text("credentials", "Credentials", u.credentials, max_len=SHORT_MAX)
    c.choice("role", "Role", u.role, Role)
    c.raise_if_any()


MIN_PASSWORD_LENGTH = 10


def validate_password(password: str) -> None:
    c = Checker()
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        c.fail("password", f"Password must be at least {MIN_PASSWORD_LENGTH} characters")
    elif len(password) > 256:
        c.fail("password", "Password must be at most 256 characters")
    c.raise_if_any()


def validate_clinic(s: ClinicSettings) -> None:
    c = Checker()
    c.text("name", "Clinic name", s.name, max_len=NAME_MAX, required=True)
    c.text("address", "Address", s.address, max_len=ADDRESS_MAX, multiline=True)
    c.text(
        "phone",
        "Phone",
        s.phone,
        max_len=SHORT_MAX,
        pattern=_PHONE,
        pattern_hint="may use digits, spaces and + ( ) - . / x only",
    )
    c.text(
        "email", "Email", s.email, max_len=254, pattern=_EMAIL, pattern_hint="must look like name@example.com"
    )
    c.text("website", "Website", s.website, max_len=LINE_MAX)
    c.integer("review_days", "Review after", s.review_days, low=1, high=120)
    c.integer("idle_lock_minutes", "Idle lock", s.idle_lock_minutes, low=1, high=240)
    c.integer("backups_kept", "Backups kept", s.backups_kept, low=1, high=365)
    c.text(
        "consent_form_version",
        "Consent form version",
        s.consent_form_version,
        max_len=SHORT_MAX,
        required=True,
    )
    from .clinic_time import is_known_zone

    if not isinstance(s.time_zone, str) or not is_known_zone(s.time_zone):
        c.fail("time_zone", f"Time zone must be a known zone name, e.g. Europe/London (got {s.time_zone!r})")
    if len(s.common_reasons) > COMMON_REASONS_MAX:
        c.fail("common_reasons", f"Common reasons: at most {COMMON_REASONS_MAX}, got {len(s.common_reasons)}")
    for i, reason in enumerate(s.common_reasons):
        c.text(f"common_reasons[{i}]", "Common reason", reason, max_len=LINE_MAX, required=True)
    if len(set(s.common_reasons)) != len(s.common_reasons):
        c.fail("common_reasons", "Common reasons: each reason once")
    if s.logo_png is not None and len(s.logo_png) > 2_000_000:
        c.fail("logo_png", "Logo must be at most 2 MB")
    from .date_text import DateOrder
    from .figures_format import UNITS_STEPS, step_label

    if s.date_order not in tuple(DateOrder):
        allowed = ", ".join(o.label for o in DateOrder)
        c.fail("date_order", f"Date format must be one of: {allowed} (got {s.date_order!r})")
    if not isinstance(s.units_step, int | float) or float(s.units_step) not in UNITS_STEPS:
        allowed = ", ".join(step_label(x) for x in UNITS_STEPS)
        c.fail("units_step", f"Dose precision must be one of {allowed} (got {s.units_step!r})")
    c.raise_if_any()


def require_reason(reason: str, what: str = "Reason") -> None:
    c = Checker()
    c.text("reason", what, reason, max_len=TEXT_MAX, required=True, multiline=True)
    c.raise_if_any()


def errors_for(errors: Iterable[FieldError], prefix: str) -> list[FieldError]:
    return [e for e in errors if e.field.startswith(prefix)]
