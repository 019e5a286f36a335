"""The figures of the charting window and the admin screens, in the clinic's formats (issue 14).

One format per kind of figure, the same as the printed chart (``domain.figures_format``): units to the
clinic's dose precision with fixed decimals per column ('16.0 U' beside '15.6 U', never '16 U'), mL to
what the syringe measures, concentrations as '4 U/0.1 mL'. The precision is the clinic's, read from the
running application (:func:`~clinicrec.ui.date_format.clinic_units_step`) unless a step is given.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..domain.dilution import Concentration, column_decimals
from ..domain.figures_format import (
    concentration_text,
    fixed_number,
    points_text,
    units_decimals,
    units_text,
    vial_size_text,
    volume_decimals,
    volume_text,
)
from .date_format import clinic_units_step


def units(value: float, *, decimals: int | None = None, step: float | None = None) -> str:
    """'15.5 U', '16.0 U' (0.5 U precision); ``decimals`` fixes a column's decimals."""
    return units_text(value, step or clinic_units_step(), decimals=decimals)


def volume(value_ml: float, *, decimals: int | None = None) -> str:
    """'0.60 mL', '0.0125 mL': to the syringe's marks, finer digits only where the figure has them."""
    return volume_text(value_ml, decimals=decimals)


def concentration(conc: Concentration) -> str:
    """'4 U/0.1 mL'."""
    return concentration_text(conc)


def units_column(values: Iterable[float], step: float | None = None) -> int:
    """The decimals of a column of units: the clinic's precision, more only where a dose needs them."""
    return units_decimals(values, step or clinic_units_step())


def volume_column(values: Iterable[float]) -> int:
    """The decimals of a column of millilitres: the syringe's, more only where a figure needs them."""
    return volume_decimals(values)


def dose_total(brand: str, units_total: float, volume_total_ml: float, points: int) -> str:
    """'Botox: 24.0 U · 0.60 mL in 60 points': one product's total, never summed across products."""
    return f"{brand}: {units(units_total)} · {volume(volume_total_ml)} in {points_text(points)}"


def vial_size(vial_units: float) -> str:
    """'100 U': a vial's size as the carton names it."""
    return vial_size_text(vial_units)


def readings(*values: float | None) -> tuple[str, ...]:
    """Instrument readings compared side by side ('120.0' → '95.5') with one number of decimals, the
    fewest that show each as measured (up to 3); '—' for none."""
    decimals = column_decimals((v for v in values if v is not None), 0, 3)
    return tuple("—" if v is None else fixed_number(v, decimals) for v in values)


_FIGURE_SPACE = re.compile(r"(?<=\d) (?=U\b|mL\b)")  # '20 U', '0.1 mL': a figure and its unit
_PER = re.compile(r"(?<=U)/(?=[\d.]|mL)")  # 'U/0.1 mL', 'U/mL'


def nobreak_figures(text: str) -> str:
    """``text`` for a word-wrapped label: a line may break between words, never inside a figure
    ('20 U/0.1 mL', '(40 U/mL)' stay whole: no-break spaces, a word joiner after the slash)."""
    return _PER.sub("/\u2060", _FIGURE_SPACE.sub("\u00a0", text))


def plain(text: str) -> str:
    """A label's text as written (``nobreak_figures`` undone)."""
    return text.replace("\u00a0", " ").replace("\u2060", "")
