"""Dose totals and safety warnings. Units of different products are never added together."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from .dilution import fmt_units
from .enums import WarningKind, Zone
from .models import InjectionPoint, Patient, Product, SafetyWarning, TreatmentSession, Vial


@dataclass(frozen=True)
class DoseTotal:
    units: float = 0.0
    volume_ml: float = 0.0
    points: int = 0

    def add(self, p: InjectionPoint) -> DoseTotal:
        return DoseTotal(self.units + p.units, self.volume_ml + p.volume_ml, self.points + 1)


def totals_by_product(points: Iterable[InjectionPoint], vials: Mapping[int, Vial]) -> dict[int, DoseTotal]:
    """Totals keyed by product id: one figure per product, never one figure across products."""
    out: dict[int, DoseTotal] = {}
    for p in points:
        pid = vials[p.vial_id].product_id
        out[pid] = out.get(pid, DoseTotal()).add(p)
    return out


def totals_by_zone(
    points: Iterable[InjectionPoint], vials: Mapping[int, Vial]
) -> dict[tuple[Zone, int], DoseTotal]:
    """Totals keyed by (zone, product id)."""
    out: dict[tuple[Zone, int], DoseTotal] = {}
    for p in points:
        key = (Zone(p.zone), vials[p.vial_id].product_id)
        out[key] = out.get(key, DoseTotal()).add(p)
    return out


def units_by_vial(points: Iterable[InjectionPoint]) -> dict[int, float]:
    out: dict[int, float] = {}
    for p in points:
        out[p.vial_id] = out.get(p.vial_id, 0.0) + p.units
    return out


@dataclass(frozen=True)
class VialShortfall:
    vial_id: int
    lot_number: str
    remaining_units: float
    wanted_units: float

    @property
    def message(self) -> str:
        return (
            f"Vial {self.lot_number} has {fmt_units(self.remaining_units)} left but this session draws "
            f"{fmt_units(self.wanted_units)}"
        )


def vial_shortfalls(
    session: TreatmentSession, vials: Mapping[int, Vial], drawn_elsewhere: Mapping[int, float]
) -> list[VialShortfall]:
    """Vials this session would overdraw, given units drawn from them by other sessions."""
    out = []
    for vial_id, wanted in units_by_vial(session.points).items():
        v = vials[vial_id]
        remaining = v.vial_units - drawn_elsewhere.get(vial_id, 0.0)
        if wanted > remaining + 1e-9:
            out.append(VialShortfall(vial_id, v.lot_number, remaining, wanted))
    return out


def safety_warnings(
    session: TreatmentSession,
    patient: Patient,
    vials: Mapping[int, Vial],
    products: Mapping[int, Product],
    *,
    prior_units: Mapping[int, float] | None = None,
) -> list[SafetyWarning]:
    """Warnings that must be acknowledged with a reason before the session is signed.

    ``prior_units``: units of each product the patient received in earlier sessions inside that
    product's maximum-dose period (for cumulative limits such as Botox Cosmetic's 400 U / 3 months).
    """
    prior_units = prior_units or {}
    when = session.performed_at
    day: date = when.date()
    warnings: list[SafetyWarning] = []
    for vial_id in session.all_vial_ids:
        v = vials[vial_id]
        prod = products[v.product_id]
        if v.is_expired(day):
            warnings.append(
                SafetyWarning(
                    WarningKind.EXPIRED_LOT,
                    f"vial:{vial_id}",
                    f"{prod.brand} lot {v.lot_number} expired on {v.expiry_date:%Y-%m-%d}",
                )
            )
        use_by = v.use_by(prod.in_use_hours)
        if when > use_by:
            age_h = (when - v.reconstituted_at).total_seconds() / 3600
            warnings.append(
                SafetyWarning(
                    WarningKind.OLD_RECONSTITUTION,
                    f"vial:{vial_id}",
                    f"{prod.brand} lot {v.lot_number} was reconstituted {age_h:.0f} h before the session; "
                    f"the in-use window is {prod.in_use_hours} h (use by {use_by:%Y-%m-%d %H:%M} UTC)",
                )
            )
    for pid, total in totals_by_product(session.points, vials).items():
        prod = products[pid]
        if prod.max_dose_units is None:
            continue
        prior = prior_units.get(pid, 0.0) if prod.max_dose_period_days else 0.0
        if total.units + prior > prod.max_dose_units + 1e-9:
            period = f"in {prod.max_dose_period_days} days" if prod.max_dose_period_days else "per session"
            earlier = f" plus {fmt_units(prior)} earlier" if prior else ""
            warnings.append(
                SafetyWarning(
                    WarningKind.OVER_MAX_DOSE,
                    f"product:{pid}",
                    f"{prod.brand}: {fmt_units(total.units)} this session{earlier} is above the maximum of "
                    f"{fmt_units(prod.max_dose_units)} {period}",
                )
            )
    if patient.screening.is_positive:
        warnings.append(
            SafetyWarning(
                WarningKind.POSITIVE_SCREENING,
                f"patient:{patient.id}",
                "Positive safety screening: " + "; ".join(patient.screening.positives()),
            )
        )
    return warnings


def unacknowledged(session: TreatmentSession, warnings: Iterable[SafetyWarning]) -> list[SafetyWarning]:
    acked = {(a.kind, a.subject) for a in session.acknowledgements if a.reason.strip()}
    return [w for w in warnings if w.key not in acked]
