"""Dilution arithmetic: the core calculation of every dose (see DOMAIN.md, "Dilution arithmetic").

concentration (U/mL) = vial units / total volume (diluent + additives).
Clinicians think in units per 0.1 mL. A point's dose: units = concentration x volume, and back.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

#: Decimals of the stored-figure printouts (1/10000 U, 1/100000 mL); stored values are not rounded.
UNIT_DECIMALS = 4
VOLUME_DECIMALS = 5
#: The most decimals a dose is ever shown with: doses differing by less are the same dose.
MAX_SHOWN_DECIMALS = 6


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
        """Units in ``volume_ml``, at full precision (never rounded before it is stored)."""
        return self.units_per_ml * volume_ml

    def volume_for(self, units: float) -> float:
        """Volume holding ``units``, at full precision (never rounded before it is stored)."""
        return units / self.units_per_ml

    def label(self) -> str:
        """'4 U/0.1 mL (40 U/mL)': the way a concentration is shown next to any dose."""
        return f"{fmt_number(self.units_per_0_1_ml)} U/0.1 mL ({fmt_number(self.units_per_ml)} U/mL)"


def concentration(vial_units: float, diluent_ml: float, additive_ml: float = 0.0) -> Concentration:
    """Concentration of a vial reconstituted with ``diluent_ml`` plus ``additive_ml`` of additives."""
    return Concentration.of(vial_units, diluent_ml + additive_ml)


def round_half_away(value: float, decimals: int) -> Decimal:
    """``value`` rounded to ``decimals`` places, halves away from zero (0.0025 -> 0.003, -0.5 -> -1)."""
    return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def fmt_number(value: float, max_decimals: int = 3) -> str:
    """A clinician-friendly number: no trailing zeros, no float noise (4, 0.25, 12.5); halves away from 0."""
    if not math.isfinite(value):
        return str(value)
    text = f"{round_half_away(value, max_decimals):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text if text not in ("-0", "") else "0"


def decimals_needed(value: float, least: int, most: int = MAX_SHOWN_DECIMALS) -> int:
    """The fewest decimals (at least ``least``) that show ``value`` as it is to ``most`` decimals."""
    target = round_half_away(value, most)
    for d in range(least, most):
        if round_half_away(value, d) == target:
            return d
    return most


def column_decimals(values: Iterable[float], least: int, most: int = MAX_SHOWN_DECIMALS) -> int:
    """One number of decimals for a whole column: enough that no two different doses look the same.

    0.0025 U and 0.003 U in one column are shown as 0.0025 and 0.003 (never both as 0.003)."""
    return max((decimals_needed(v, least, most) for v in values), default=least)


def fmt_units(units: float, decimals: int | None = None) -> str:
    """At least 3 decimals where needed (0.125 U), more when the dose has them (0.0025 U), up to 6."""
    d = decimals if decimals is not None else decimals_needed(units, 3)
    return f"{fmt_number(units, d)} U"


def fmt_volume(volume_ml: float, decimals: int | None = None) -> str:
    """At least 4 decimals where needed: a 0.0125 mL microdroplet is shown as it is, not as 0.013 mL."""
    d = decimals if decimals is not None else decimals_needed(volume_ml, 4)
    return f"{fmt_number(volume_ml, d)} mL"


def fmt_dose(units: float, volume_ml: float, conc: Concentration) -> str:
    """A dose is never shown without its concentration."""
    return f"{fmt_units(units)} = {fmt_volume(volume_ml)} @ {conc.label()}"
