"""The measured skin change report's types and its rank correlation (issue 19): plain, no database.

Kept beside ``report_types`` (not in it) because that module is being reworked at the same time; the
report reads like the others: ``Estimate``s with n, 95% intervals and the 'few' flag.

Definitions (the screen, the CSV and the PDF show exactly these):

* **Measured change** of a figure in a zone = its value on the latest measured follow-up photo minus its
  value on the baseline photo of the same session and view (front first), as ``services.measurements``
  pairs them. Negative is better for all four figures.
* **Rated change** = the clinician's follow-up rating minus the baseline rating (0-4) at the time point
  of that follow-up photo (else the session's latest follow-up), for the same sessions.
* **Dose per zone** = units placed in the zone (of the row's product, or all products of a session
  when grouped by dilution or injector: never added across products within a product row) ÷ the zone's
  area in cm² as measured on the baseline photo.
* **Agreement** = Spearman's rank correlation over sessions between the rated change of a measure and
  the measured change of its figure averaged over the session's measured treated zones, with n and an
  approximate 95% interval (Fisher z with the Bonett-Wright standard error √((1 + ρ²/2)/(n − 3))).
  A positive ρ means the ratings move with what the camera sees.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from .enums import LabelledEnum, Measure, Zone
from .report_kinds import BreakdownBy
from .report_stats import Estimate


class SkinFigure(LabelledEnum):
    PORES = "pores_per_cm2", "Pores per cm²"
    REDNESS = "redness_a_mean", "Redness (mean a*)"
    RED_SHARE = "red_share", "Red area share"
    SHINE = "shine_share", "Shine share"

    @property
    def rated_as(self) -> Measure:
        """The clinician's rating this figure measures."""
        return {"pores_per_cm2": Measure.PORES, "shine_share": Measure.OIL}.get(self.value, Measure.REDNESS)

    @property
    def decimals(self) -> int:
        return 3 if self.value.endswith("share") else 1


#: The groupings the report offers (a session's dilution is that of its first vial).
SKIN_GROUPINGS = (BreakdownBy.PRODUCT, BreakdownBy.DILUTION, BreakdownBy.INJECTOR)


@dataclass(frozen=True)
class SkinZoneRow:
    """One group (product, dilution band or injector) and one treated, measured zone."""

    group: str
    zone: Zone
    sessions: int
    dose_u_per_cm2: Estimate
    dilution_u_per_0_1_ml: Estimate  # the U/0.1 mL of the vials behind the row's doses
    injectors: str  # who injected, "Maria López, RN; Sam O'Neill, RN"
    measured: tuple[tuple[SkinFigure, Estimate], ...]
    rated: tuple[tuple[Measure, Estimate], ...]

    def figure(self, f: SkinFigure) -> Estimate:
        return dict(self.measured)[f]

    def rating(self, m: Measure) -> Estimate:
        return dict(self.rated)[m]


@dataclass(frozen=True)
class Correlation:
    """Spearman's ρ with n and an approximate 95% interval (None where n is too small)."""

    n: int
    rho: float | None
    low: float | None = None
    high: float | None = None

    @property
    def few(self) -> bool:
        return 0 < self.n < 10


@dataclass(frozen=True)
class SkinAgreement:
    figure: SkinFigure
    correlation: Correlation


@dataclass(frozen=True)
class SkinChangeReport:
    by: BreakdownBy
    sessions: int  # sessions of the report with a measured baseline and follow-up photo
    rows: tuple[SkinZoneRow, ...]
    agreement: tuple[SkinAgreement, ...]  # one per SkinFigure, always (n = 0 when nothing is measured)


def ranks(values: Sequence[float]) -> list[float]:
    """Ranks from 1, ties given their average rank."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    out = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            out[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return out


def spearman(xs: Sequence[float], ys: Sequence[float]) -> Correlation:
    """Spearman's ρ (Pearson's r of the ranks, so ties are handled) with its approximate 95% interval."""
    if len(xs) != len(ys):
        raise ValueError("spearman: the two lists differ in length")
    n = len(xs)
    if n < 3:
        return Correlation(n, None)
    rx, ry = ranks(xs), ranks(ys)
    mx, my = sum(rx) / n, sum(ry) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    sxx = sum((a - mx) ** 2 for a in rx)
    syy = sum((b - my) ** 2 for b in ry)
    if sxx == 0 or syy == 0:
        return Correlation(n, None)  # one side does not vary: no correlation to speak of
    rho = max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))
    if n < 4 or abs(rho) == 1.0:
        return Correlation(n, rho)
    z, se = math.atanh(rho), math.sqrt((1 + rho * rho / 2) / (n - 3))
    return Correlation(n, rho, math.tanh(z - 1.96 * se), math.tanh(z + 1.96 * se))


def fmt_correlation(c: Correlation) -> str:
    """'ρ 0.62 (0.31 to 0.81)', 'ρ 0.50 (no interval)', '—'."""
    if c.rho is None:
        return "—"
    rho = f"ρ {c.rho:.2f}".replace("-", "\u2212")
    if c.low is None or c.high is None:
        return f"{rho} (no interval)"
    return f"{rho} ({c.low:.2f} to {c.high:.2f})".replace("-", "\u2212")
