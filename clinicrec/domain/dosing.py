"""Dose totals (safety rules: ``safety.py``). Units of different products are never added together."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .dilution import fmt_units
from .enums import Zone
from .models import InjectionPoint, TreatmentSession, Vial


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
