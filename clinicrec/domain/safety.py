"""Safety rules of a session, their levels, and whether each has been acknowledged.

Levels (README, "Safety rules"): a *contraindication* needs the prescriber's name and a reason; a
*warning* needs a reason; *information* is shown and needs nothing. Every warning carries its facts
(the figures, screening items, lot and dates it is about); an acknowledgement covers exactly those
facts, so that raising 410 U to 590 U, ticking another screening item or changing the lot opens the
warning again. Dates are the clinic's calendar dates (``zone_name``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from .clinic_time import add_months, age_on, format_local, local_date
from .contraindications import find_contraindications
from .dilution import fmt_units
from .dosing import totals_by_product
from .enums import AllergyStatus, SafetyLevel, WarningKind
from .models import (
    Acknowledgement,
    Patient,
    Product,
    SafetyScreening,
    SafetyWarning,
    ScreeningSnapshot,
    TreatmentSession,
    Vial,
)

ADULT_AGE = 18
#: Below this age 'pregnant or breastfeeding' is recorded only after a question (patient editor).
PREGNANCY_QUESTION_AGE = 12
RECENT_TOXIN_MONTHS = 3
#: Screening items that are warnings (the others are contraindications, see below).
WARNING_ITEMS = ("pregnant_or_breastfeeding", "neuromuscular_disorder", "aminoglycosides", "recent_toxin")


@dataclass(frozen=True)
class EarlierToxin:
    """A signed session of the clinic's own records in which the patient received toxin: before this
    session, or after it (a visit charted late, or a later draft signed first)."""

    session_id: int
    day: date  # the clinic's calendar date of that session
    brand: str
    units: float


def dose_period(prod: Product) -> str | None:
    """The maximum-dose period in words ("3 months", "90 days"); None: the maximum is per session."""
    if prod.max_dose_period_months:
        n = prod.max_dose_period_months
        return f"{n} month" if n == 1 else f"{n} months"
    if prod.max_dose_period_days:
        n = prod.max_dose_period_days
        return f"{n} day" if n == 1 else f"{n} days"
    return None


def period_end(prod: Product, first: date) -> date:
    """The last clinic day of the product's maximum-dose period that begins on ``first`` (both days in it:
    3 months from 1 March run to 1 June, as the 3-month toxin rule counts them)."""
    if prod.max_dose_period_months:
        return add_months(first, prod.max_dose_period_months)
    return first + timedelta(days=prod.max_dose_period_days or 0)


def period_start(prod: Product, last: date) -> date:
    """The earliest clinic day whose period (``period_end``) may reach ``last``: a bound for reading."""
    if prod.max_dose_period_months:
        return add_months(last, -prod.max_dose_period_months)
    return last - timedelta(days=prod.max_dose_period_days or 0)


def most_in_a_period(
    day: date, others: Iterable[tuple[date, float]], end_of: Callable[[date], date]
) -> float:
    """The most units ``others`` (clinic day, units) put into one period (from a day to ``end_of`` it) that
    also holds the session of ``day``: a cumulative limit ("400 U in 3 months") holds in every such period,
    so sessions after this one count as much as those before it (a visit charted late, a later draft
    signed first)."""
    near = [(d, u) for d, u in others if (end_of(d) >= day if d <= day else d <= end_of(day))]
    # A period holding ``day`` holds no more than the one that begins on its first session's day (or on
    # ``day``): that one begins no earlier, so it ends no earlier.
    starts = [day, *(d for d, _ in near if d <= day)]
    return max((sum(u for d, u in near if first <= d <= end_of(first)) for first in starts), default=0.0)


def _num(x: float) -> str:
    return f"{x:.6f}"


def safety_warnings(
    session: TreatmentSession,
    patient: Patient,
    vials: Mapping[int, Vial],
    products: Mapping[int, Product],
    *,
    prior_units: Mapping[int, float] | None = None,
    zone_name: str = "UTC",
    earlier_toxins: Iterable[EarlierToxin] = (),
) -> list[SafetyWarning]:
    """Every safety rule that applies to the session as it stands, contraindications first.

    ``prior_units``: units of each product the patient received in other signed sessions inside one
    maximum-dose period with this one (``most_in_a_period``; for cumulative limits such as Botox
    Cosmetic's 400 U / 3 months); for a limit per session (Xeomin's 400 U), in the other sessions of
    the same clinic day (one treatment charted as two sessions is one dose to the patient).
    ``earlier_toxins``: the patient's other signed sessions (any product), for the 3-month rule: those
    within 3 months before or after this one.
    """
    prior_units = prior_units or {}
    when = session.performed_at
    day = local_date(when, zone_name)
    screening, allergy_status, allergies = _screening_of(session, patient)
    used = [vials[v] for v in session.all_vial_ids]
    out: list[SafetyWarning] = []

    for c in find_contraindications(allergies, screening.milk_protein_allergy, used, dict(products)):
        out.append(
            SafetyWarning(
                WarningKind.CONTRAINDICATION,
                c.subject,
                f"Contraindicated: {c.what}; {c.because}",
                (c.what, c.because),
                SafetyLevel.CONTRAINDICATION,
            )
        )
    if screening.active_skin_infection and used:
        out.append(
            SafetyWarning(
                WarningKind.CONTRAINDICATION,
                "screening:active_skin_infection",
                "Contraindicated: active skin infection at the treatment site (screening)",
                ("active_skin_infection=yes",),
                SafetyLevel.CONTRAINDICATION,
            )
        )

    for vial_id in session.all_vial_ids:
        v = vials[vial_id]
        prod = products[v.product_id]
        if v.is_expired(day):
            out.append(
                SafetyWarning(
                    WarningKind.EXPIRED_LOT,
                    f"vial:{vial_id}",
                    f"{prod.brand} lot {v.lot_number} expired on {v.expiry_date:%Y-%m-%d}",
                    (f"lot={v.lot_number}", f"expiry={v.expiry_date.isoformat()}", f"session_day={day}"),
                )
            )
        use_by = v.use_by(prod.in_use_hours)
        if when > use_by:
            age_h = (when - v.reconstituted_at).total_seconds() / 3600
            out.append(
                SafetyWarning(
                    WarningKind.OLD_RECONSTITUTION,
                    f"vial:{vial_id}",
                    f"{prod.brand} lot {v.lot_number} was reconstituted {age_h:.0f} h before the session; "
                    f"the in-use window is {prod.in_use_hours} h (use by {format_local(use_by, zone_name)})",
                    (
                        f"lot={v.lot_number}",
                        f"reconstituted_at={v.reconstituted_at.isoformat()}",
                        f"in_use_hours={prod.in_use_hours}",
                        f"performed_at={when.isoformat()}",
                    ),
                )
            )
    for pid, total in totals_by_product(session.points, vials).items():
        prod = products[pid]
        if prod.max_dose_units is None:
            continue
        prior = prior_units.get(pid, 0.0)
        if total.units + prior > prod.max_dose_units + 1e-9:
            words = dose_period(prod)
            period = f"in {words}" if words else "per session"
            others = "other sessions" if words else "other sessions the same day"
            earlier = f" plus {fmt_units(prior)} in {others}" if prior else ""
            out.append(
                SafetyWarning(
                    WarningKind.OVER_MAX_DOSE,
                    f"product:{pid}",
                    f"{prod.brand}: {fmt_units(total.units)} this session{earlier} is above the maximum of "
                    f"{fmt_units(prod.max_dose_units)} {period}",
                    (
                        f"session_units={_num(total.units)}",
                        f"earlier_units={_num(prior)}",
                        f"maximum={_num(prod.max_dose_units)}",
                        f"period_days={prod.max_dose_period_days}",
                        *(
                            [f"period_months={prod.max_dose_period_months}"]
                            if prod.max_dose_period_months
                            else []
                        ),
                    ),
                )
            )

    positives = [SafetyScreening.QUESTIONS[i] for i in WARNING_ITEMS if getattr(screening, i)]
    if screening.other.strip():
        positives.append(f"Other: {screening.other.strip()}")
    if positives:
        out.append(
            SafetyWarning(
                WarningKind.POSITIVE_SCREENING,
                f"patient:{patient.id}",
                "Positive safety screening: " + "; ".join(positives),
                tuple(positives),
            )
        )

    since, until = add_months(day, -RECENT_TOXIN_MONTHS), add_months(day, RECENT_TOXIN_MONTHS)
    recent = sorted(
        (e for e in earlier_toxins if since <= e.day <= until and e.session_id != session.id),
        key=lambda e: (e.day, e.session_id),
    )
    if recent:
        listed = [
            f"{e.brand} {fmt_units(e.units)} on {e.day:%Y-%m-%d}"
            + (" (after this session)" if e.day > day else "")
            for e in recent
        ]
        within = "the last 3 months" if all(e.day <= day for e in recent) else "3 months of this session"
        out.append(
            SafetyWarning(
                WarningKind.RECENT_TOXIN,
                f"patient:{patient.id}",
                f"Botulinum toxin within {within} in this clinic's records: " + "; ".join(listed),
                tuple(f"session={e.session_id}:{e.day}:{e.brand}:{_num(e.units)}" for e in recent),
            )
        )

    age = age_on(patient.date_of_birth, day)
    if age < ADULT_AGE:
        out.append(
            SafetyWarning(
                WarningKind.MINOR,
                f"patient:{patient.id}",
                f"Patient is {age} (under {ADULT_AGE}): the cosmetic labels are for adults; safety and "
                "effectiveness below 18 are not established",
                (f"date_of_birth={patient.date_of_birth.isoformat()}", f"session_day={day}"),
            )
        )
    if session.screening is None:
        out.append(
            SafetyWarning(
                WarningKind.SCREENING_NOT_CONFIRMED,
                f"patient:{patient.id}",
                "The screening has not been confirmed at this session (the patient's record is used)",
                (),
                SafetyLevel.INFORMATION,
            )
        )
    if allergy_status == AllergyStatus.NOT_RECORDED and not allergies.strip():
        out.append(
            SafetyWarning(
                WarningKind.ALLERGIES_NOT_RECORDED,
                f"patient:{patient.id}",
                "Allergies are not recorded: record 'no known allergies' or the list",
                (),
                SafetyLevel.INFORMATION,
            )
        )
    return out


def pregnancy_needs_a_question(date_of_birth: date, today: date) -> bool:
    """'Pregnant or breastfeeding' for a young child is far more likely a slip than a fact: ask first."""
    return age_on(date_of_birth, today) < PREGNANCY_QUESTION_AGE


def _screening_of(session: TreatmentSession, patient: Patient) -> tuple[SafetyScreening, AllergyStatus, str]:
    """The session's confirmed screening if there is one, else the patient's record."""
    snap: ScreeningSnapshot | None = session.screening
    if snap is not None:
        return snap.as_screening(), snap.allergy_status, snap.allergies
    return patient.screening, patient.allergy_status, patient.allergies


def covers(ack: Acknowledgement, warning: SafetyWarning) -> bool:
    """Whether ``ack`` answers ``warning`` exactly as it stands now."""
    return (
        ack.kind == warning.kind
        and ack.subject == warning.subject
        and ack.fingerprint == warning.fingerprint
        and bool(ack.reason.strip())
        and (not warning.needs_prescriber or bool(ack.prescriber.strip()))
    )


def acknowledgement_for(
    warning: SafetyWarning, acknowledgements: Iterable[Acknowledgement]
) -> Acknowledgement | None:
    """The acknowledgement that covers ``warning`` as it stands, if any."""
    return next((a for a in acknowledgements if covers(a, warning)), None)


def unacknowledged(session: TreatmentSession, warnings: Iterable[SafetyWarning]) -> list[SafetyWarning]:
    """Warnings that still need a reason (or a prescriber and a reason) before signing."""
    return [
        w
        for w in warnings
        if w.needs_acknowledgement and acknowledgement_for(w, session.acknowledgements) is None
    ]
