"""How much of a vial is left, counting signed sessions (authoritative) and open drafts (shown, named).

Only signed draws decide whether a session may be signed; drafts never block one another from being
saved, but every draft shows live what the others would take.
"""

from __future__ import annotations

from dataclasses import dataclass

from .dilution import fmt_units
from .models import Vial

#: Below this share of the vial left (after every draw), the draft says the vial is nearly empty.
NEARLY_EMPTY_SHARE = 0.1


@dataclass(frozen=True)
class DraftDraw:
    """Units an open draft (another session, not yet signed) takes from a vial."""

    session_id: int
    patient_name: str
    injector_name: str
    units: float

    def describe(self) -> str:
        return f"{fmt_units(self.units)} in the draft for {self.patient_name} by {self.injector_name}"


@dataclass(frozen=True)
class VialDraw:
    vial: Vial
    brand: str
    signed_units: float
    drafts: tuple[DraftDraw, ...]
    this_session_units: float

    @property
    def draft_units(self) -> float:
        return sum(d.units for d in self.drafts)

    @property
    def left_after_signed(self) -> float:
        """What is left counting signed sessions and this one (decides signing)."""
        return self.vial.vial_units - self.signed_units - self.this_session_units

    @property
    def left_after_all(self) -> float:
        """What is left if every open draft is signed too."""
        return self.left_after_signed - self.draft_units

    @property
    def warning(self) -> str | None:
        v = self.vial
        head = (
            f"{self.brand} lot {v.lot_number} ({fmt_units(v.vial_units)}): signed sessions drew "
            f"{fmt_units(self.signed_units)}, this session {fmt_units(self.this_session_units)}"
        )
        others = "; ".join(d.describe() for d in self.drafts)
        if self.left_after_signed < -1e-9:
            return (
                f"{head}: {fmt_units(-self.left_after_signed)} more than the vial holds; signing is refused"
            )
        if self.left_after_all < -1e-9:
            return (
                f"{head}; open drafts: {others}. If they are all signed the vial is "
                f"{fmt_units(-self.left_after_all)} short: the first signed is the one recorded"
            )
        if self.left_after_all < v.vial_units * NEARLY_EMPTY_SHARE - 1e-9:
            tail = f"; open drafts: {others}" if others else ""
            return f"{head}{tail}. Nearly empty: {fmt_units(self.left_after_all)} left"
        return None
