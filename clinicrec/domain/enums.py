"""Closed vocabularies of the chart. Values are stored in the database: never rename a value."""

from __future__ import annotations

from enum import StrEnum


class LabelledEnum(StrEnum):
    """A string enum whose members carry a human label (``member.label``)."""

    label: str

    def __new__(cls, value: str, label: str | None = None) -> LabelledEnum:
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.label = label or value.replace("_", " ").capitalize()
        return obj


class Sex(LabelledEnum):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    INTERSEX = "intersex", "Intersex"
    UNSPECIFIED = "unspecified", "Not stated"


class Language(LabelledEnum):
    """The language of the printed material a patient receives (handout, leaflet)."""

    ENGLISH = "en", "English"
    SPANISH = "es", "Spanish (Español)"


class Role(LabelledEnum):
    INJECTOR = "injector", "Injector"
    MANAGER = "manager", "Manager"
    ADMIN = "admin", "Administrator"
    PRESCRIBER = "prescriber", "Prescriber / medical director"


class Zone(LabelledEnum):
    FOREHEAD = "forehead", "Forehead"
    GLABELLA = "glabella", "Glabella"
    PERIORBITAL_LEFT = "periorbital_left", "Periorbital (L)"
    PERIORBITAL_RIGHT = "periorbital_right", "Periorbital (R)"
    NOSE = "nose", "Nose"
    CHEEK_LEFT = "cheek_left", "Cheek (L)"
    CHEEK_RIGHT = "cheek_right", "Cheek (R)"
    PERIORAL = "perioral", "Perioral"
    CHIN = "chin", "Chin"
    JAWLINE_LEFT = "jawline_left", "Jawline (L)"
    JAWLINE_RIGHT = "jawline_right", "Jawline (R)"
    NECK = "neck", "Neck"
    DECOLLETAGE = "decolletage", "Décolletage"


class Indication(LabelledEnum):
    PORES = "pores", "Pores"
    OIL = "oil", "Oil"
    REDNESS = "redness", "Redness / rosacea"
    FINE_LINES = "fine_lines", "Fine lines"
    TEXTURE = "texture", "Texture"
    ACNE = "acne", "Acne"


class DiluentKind(LabelledEnum):
    SALINE_PRESERVED = "saline_preserved", "Bacteriostatic saline 0.9% (preserved)"
    SALINE_PRESERVATIVE_FREE = "saline_preservative_free", "Sterile saline 0.9% (preservative-free)"
    SUPPLIED = "supplied", "Ready-to-use (no diluent added)"


class AdditiveKind(LabelledEnum):
    LIDOCAINE = "lidocaine", "Lidocaine"
    HYALURONIC_ACID = "hyaluronic_acid", "Hyaluronic acid (non-cross-linked)"
    OTHER = "other", "Other"


class Depth(LabelledEnum):
    INTRADERMAL = "intradermal", "Intradermal (wheal)"
    DEEP_DERMAL = "deep_dermal", "Deep dermal"
    SUBCUTANEOUS = "subcutaneous", "Subcutaneous"
    INTRAMUSCULAR = "intramuscular", "Intramuscular"


class SessionStatus(LabelledEnum):
    DRAFT = "draft", "Draft"
    SIGNED = "signed", "Signed"


class DoseBasis(LabelledEnum):
    """How the injector entered a point's dose; the other quantity is derived."""

    UNITS = "units", "Units"
    VOLUME = "volume", "Volume (mL)"


class Measure(LabelledEnum):
    PORES = "pores", "Pores"
    OIL = "oil", "Oil"
    REDNESS = "redness", "Redness"


class TimePoint(LabelledEnum):
    BASELINE = "baseline", "Baseline"
    DAY_14 = "day_14", "Day 14"
    WEEK_4 = "week_4", "Week 4"
    WEEK_8 = "week_8", "Week 8"
    WEEK_12 = "week_12", "Week 12"
    WEEK_16 = "week_16", "Week 16"
    OTHER = "other", "Other date"

    @property
    def days(self) -> int | None:
        """Nominal days after the session (None for baseline/other)."""
        return _TIMEPOINT_DAYS.get(self.value)


_TIMEPOINT_DAYS = {"day_14": 14, "week_4": 28, "week_8": 56, "week_12": 84, "week_16": 112}


class Gais(LabelledEnum):
    """Global Aesthetic Improvement Scale. Stored as the word, not a number (papers number it differently)."""

    VERY_MUCH_IMPROVED = "very_much_improved", "Very much improved"
    MUCH_IMPROVED = "much_improved", "Much improved"
    IMPROVED = "improved", "Improved"
    NO_CHANGE = "no_change", "No change"
    WORSE = "worse", "Worse"


class AdverseEventKind(LabelledEnum):
    BRUISING = "bruising", "Bruising"
    PERSISTENT_WHEALS = "persistent_wheals", "Persistent wheals"
    SWELLING = "swelling", "Swelling"
    PAIN = "pain", "Pain"
    REDNESS = "redness", "Redness"
    HEADACHE = "headache", "Headache"
    EYELID_DROOP = "eyelid_droop", "Eyelid droop (ptosis)"
    ASYMMETRY = "asymmetry", "Facial or smile asymmetry"
    INFECTION = "infection", "Infection"
    ALLERGIC_REACTION = "allergic_reaction", "Allergic reaction"
    OTHER = "other", "Other"


class Severity(LabelledEnum):
    MILD = "mild", "Mild"
    MODERATE = "moderate", "Moderate"
    SEVERE = "severe", "Severe"


class WarningKind(LabelledEnum):
    """Safety warnings the user must acknowledge, with a recorded reason, before signing."""

    EXPIRED_LOT = "expired_lot", "Expired lot"
    OLD_RECONSTITUTION = "old_reconstitution", "Reconstitution older than the product's in-use window"
    OVER_MAX_DOSE = "over_max_dose", "Session total above the product's maximum dose"
    POSITIVE_SCREENING = "positive_screening", "Positive safety screening"
    CONTRAINDICATION = "contraindication", "Contraindication"
    RECENT_TOXIN = "recent_toxin", "Botulinum toxin within 3 months of the session (clinic records)"
    MINOR = "minor", "Patient under 18"
    ALLERGIES_NOT_RECORDED = "allergies_not_recorded", "Allergies not recorded"
    SCREENING_NOT_CONFIRMED = "screening_not_confirmed", "Screening not confirmed at this session"
    PRESCRIBER_ORDER = "prescriber_order", "Outside the prescriber's order"


class SafetyLevel(LabelledEnum):
    """How strongly a safety rule stops the chart (README, "Safety rules")."""

    CONTRAINDICATION = "contraindication", "Contraindication"  # prescriber's name and a reason
    WARNING = "warning", "Warning"  # a recorded reason
    INFORMATION = "information", "Information"  # shown; nothing to acknowledge


class AllergyStatus(LabelledEnum):
    """Allergies are 'not recorded' until someone records 'no known allergies' or a list."""

    NOT_RECORDED = "not_recorded", "Not recorded"
    NONE_KNOWN = "none_known", "No known allergies"
    LISTED = "listed", "Allergies listed"


class ScreeningAnswer(LabelledEnum):
    YES = "yes", "Yes"
    NO = "no", "No"
    NOT_ASKED = "not_asked", "Not asked"


class PaperSize(LabelledEnum):
    A4 = "A4", "A4"
    LETTER = "letter", "US Letter"


class AuditAction(LabelledEnum):
    CREATE = "create", "Create"
    UPDATE = "update", "Update"
    DELETE = "delete", "Delete"
    SIGN = "sign", "Sign"
    AMEND = "amend", "Amend"
    ACKNOWLEDGE = "acknowledge", "Acknowledge warning"
    SIGN_IN = "sign_in", "Sign in"
    SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
    SIGN_OUT = "sign_out", "Sign out"
    VIEW = "view", "View"
    PRINT = "print", "Print"
    EXPORT = "export", "Export"
    BACKUP = "backup", "Back up"
    RESTORE = "restore", "Restore"
    LOCK = "lock", "Screen locked"
    UNLOCK = "unlock", "Screen unlocked"
    WITHDRAW = "withdraw", "Withdraw"
    REVIEW = "review", "Review chart"
