"""One way to write each kind of figure, on every screen, table and PDF.

- Units: to the dose precision the clinic sets (0.1 U, 0.5 U, 1 U …), with a fixed number of decimals so
  that one column never shows "16 U" beside "15.6 U"; a figure that has finer digits than the precision
  shows them (a dose is never rounded into another dose).
- Millilitres: to what the syringe can measure (a 1 mL syringe is marked in 0.01 mL), finer digits shown
  when the figure has them (a 0.0125 mL microdroplet).
- Concentrations: as clinicians think of them, "4 U/0.1 mL".
- Vial sizes: the vial's name on the carton, "100 U" (a size, not a dose: no decimals).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from .dilution import Concentration, column_decimals, fmt_number, round_half_away

#: The dose precisions a clinic can choose (units): what a nurse can draw and chart.
UNITS_STEPS: tuple[float, ...] = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0)
DEFAULT_UNITS_STEP = 0.1
#: The finest mark on the syringes used (1 mL insulin/tuberculin syringes: 0.01 mL).
SYRINGE_STEP_ML = 0.01
#: Beyond this many decimals two figures are the same figure.
MOST_DECIMALS = 6


def step_decimals(step: float) -> int:
    """Decimals needed to write ``step`` (0.1 -> 1, 0.25 -> 2, 1 -> 0)."""
    exponent = Decimal(repr(float(step))).normalize().as_tuple().exponent
    return max(0, -int(exponent))


def step_label(step: float) -> str:
    return f"{fmt_number(step, 3)} U"


def units_decimals(values: Iterable[float], step: float = DEFAULT_UNITS_STEP) -> int:
    """One number of decimals for a column of units: the precision's, more only if a figure needs it."""
    return column_decimals(values, step_decimals(step), MOST_DECIMALS)


def volume_decimals(values: Iterable[float], step_ml: float = SYRINGE_STEP_ML) -> int:
    """One number of decimals for a column of millilitres: the syringe's, more only if a figure needs it."""
    return column_decimals(values, step_decimals(step_ml), MOST_DECIMALS)


def _fixed(value: float, decimals: int) -> str:
    """``value`` with exactly ``decimals`` decimals, halves away from zero, never '-0.0'."""
    text = f"{round_half_away(value, decimals):f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.") else text


def fixed_number(value: float, decimals: int) -> str:
    """``value`` with exactly ``decimals`` decimals ('120.0' beside '95.5'), halves away from zero."""
    return _fixed(value, decimals)


def units_text(units: float, step: float = DEFAULT_UNITS_STEP, *, decimals: int | None = None) -> str:
    """'15.6 U', '16.0 U' (0.1 U precision); '0.25 U' (0.25 U). ``decimals`` fixes a column's decimals."""
    d = units_decimals([units], step) if decimals is None else decimals
    return f"{_fixed(units, d)} U"


def units_summary_text(units: float, step: float = DEFAULT_UNITS_STEP) -> str:
    """Units summed over many sessions (reports): to the clinic's precision, thousands grouped, so a
    whole column reads alike ('1,234.5 U', '16.0 U'). Never used for a dose charted on a patient."""
    return f"{round_half_away(units, step_decimals(step)):,f} U"


def volume_text(volume_ml: float, step_ml: float = SYRINGE_STEP_ML, *, decimals: int | None = None) -> str:
    """'0.60 mL', '0.0125 mL': to the syringe's marks, finer digits only where the figure has them."""
    d = volume_decimals([volume_ml], step_ml) if decimals is None else decimals
    return f"{_fixed(volume_ml, d)} mL"


def concentration_text(conc: Concentration) -> str:
    """'4 U/0.1 mL': the concentration as clinicians think of it."""
    return f"{fmt_number(conc.units_per_0_1_ml)} U/0.1 mL"


def vial_size_text(vial_units: float) -> str:
    """'100 U', '12.5 U': a vial's size as the carton names it (no float noise, no padding decimals)."""
    return f"{fmt_number(vial_units, MOST_DECIMALS)} U"


def points_text(count: int) -> str:
    """'1 point', '46 points': a count never runs into the dose beside it."""
    return "1 point" if count == 1 else f"{count} points"
