"""Dilution arithmetic: the core calculation of every dose (see DOMAIN.md, "Dilution arithmetic").

concentration (U/mL) = vial units / total volume (diluent + additives).
Clinicians think in units per 0.1 mL. A point's dose: units = concentration x volume, and back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: Rounding used when a derived quantity is stored: 1/10000 of a unit, 1/100000 mL (10 nL).
UNIT_DECIMALS = 4
VOLUME_DECIMALS = 5


@dataclass(frozen=True)
class Concentration:
    units_per_ml: float

    @classmethod
    def of(cls, vial_units: float, total_volume_ml: float) -> Concentration:
        if not (math.isfinite(vial_units) and vial_units > 0):
            raise ValueError("vial units must be a positive number")
        if not (math.isfinite(total_volume_ml) and total_volume_ml > 0):
            raise ValueError("total volume must be a positive number of mL")
        return cls(vial_units / total_volume_ml)

    @property
    def units_per_0_1_ml(self) -> float:
        return self.units_per_ml / 10.0

    def units_for(self, volume_ml: float) -> float:
        return round(self.units_per_ml * volume_ml, UNIT_DECIMALS)

    def volume_for(self, units: float) -> float:
        return round(units / self.units_per_ml, VOLUME_DECIMALS)

    def label(self) -> str:
        """'4 U/0.1 mL (40 U/mL)': the way a concentration is shown next to any dose."""
        return f"{fmt_number(self.units_per_0_1_ml)} U/0.1 mL ({fmt_number(self.units_per_ml)} U/mL)"


def concentration(vial_units: float, diluent_ml: float, additive_ml: float = 0.0) -> Concentration:
    """Concentration of a vial reconstituted with ``diluent_ml`` plus ``additive_ml`` of additives."""
    return Concentration.of(vial_units, diluent_ml + additive_ml)


def fmt_number(value: float, max_decimals: int = 3) -> str:
    """A clinician-friendly number: no trailing zeros, no float noise (4, 0.25, 12.5)."""
    text = f"{value:.{max_decimals}f}".rstrip("0").rstrip(".")
    return text if text not in ("-0", "") else "0"


def fmt_units(units: float) -> str:
    """Up to 3 decimals: Microbotox points are fractions of a unit (0.125 U)."""
    return f"{fmt_number(units, 3)} U"


def fmt_volume(volume_ml: float) -> str:
    """Up to 4 decimals: a 0.0125 mL microdroplet is shown as it is, not as 0.013 mL."""
    return f"{fmt_number(volume_ml, 4)} mL"


def fmt_dose(units: float, volume_ml: float, conc: Concentration) -> str:
    """A dose is never shown without its concentration."""
    return f"{fmt_units(units)} = {fmt_volume(volume_ml)} @ {conc.label()}"
