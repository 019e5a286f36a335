"""A dose as the nurse typed it, shown in either unit without ever changing it.

The number typed is kept exactly (its text and its value, at full precision) together with the unit
it was typed in; the other unit is derived from the concentration for display only. Switching the
display between U and mL any number of times therefore never changes the dose. Out-of-range input is
never clamped: it is refused with what is allowed, and the field keeps what was typed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .dilution import MAX_SHOWN_DECIMALS, Concentration, fmt_number
from .enums import DoseBasis
from .validation import POINT_UNITS_MAX, POINT_VOLUME_MAX_ML

#: Allowed per point: more than 0 and at most this much.
DOSE_LIMITS = {DoseBasis.UNITS: (POINT_UNITS_MAX, "U"), DoseBasis.VOLUME: (POINT_VOLUME_MAX_ML, "mL")}


@dataclass(frozen=True)
class DoseEntry:
    basis: DoseBasis
    value: float
    text: str

    @classmethod
    def of(cls, basis: DoseBasis, value: float) -> DoseEntry:
        return cls(basis, value, fmt_number(value, MAX_SHOWN_DECIMALS))

    def value_in(self, basis: DoseBasis, conc: Concentration) -> float:
        if basis == self.basis:
            return self.value
        if basis == DoseBasis.VOLUME:
            return conc.volume_for(self.value)
        return conc.units_for(self.value)

    def shown_in(self, basis: DoseBasis, conc: Concentration | None) -> str:
        """The text of the dose in ``basis``: exactly what was typed, or derived (6 decimals at most)."""
        if basis == self.basis:
            return self.text
        if conc is None:
            return ""
        return fmt_number(self.value_in(basis, conc), MAX_SHOWN_DECIMALS)


def parse_dose(text: str, basis: DoseBasis) -> DoseEntry | str:
    """The entry typed in ``basis``, or a message naming what is allowed (nothing is clamped)."""
    high, unit = DOSE_LIMITS[basis]
    allowed = f"more than 0 and at most {fmt_number(high)} {unit}"
    cleaned = text.strip().replace(",", ".")
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        return f"Dose must be a number, {allowed}" + (f" (got '{text.strip()}')" if text.strip() else "")
    value = float(number)
    if not math.isfinite(value):
        return f"Dose must be a real number, {allowed}"
    if not 0 < value <= high:
        return f"Dose must be {allowed} (got {text.strip()} {unit})"
    return DoseEntry(basis, value, text.strip())
