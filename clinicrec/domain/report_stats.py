"""The statistics behind the outcome reports: pure arithmetic, no database, no Qt.

Definitions (the reports screen, the PDF and the CSV all show exactly these):

* **Change** of a rating (pores, oil, redness; 0-4) for one session at one follow-up time point =
  follow-up rating - baseline rating. Negative is an improvement (a grade lower is better on all three).
* **Mean** = the arithmetic mean of the changes; **n** = the number of sessions behind it (sessions with
  both a baseline and a follow-up rating of that measure at that time point).
* **95% confidence interval** = mean +/- t(0.975, n - 1) x s / sqrt(n), where s is the sample standard
  deviation (divisor n - 1) and t is Student's t quantile, computed here (``t_quantile``) by inverting
  the t distribution's CDF (the regularised incomplete beta function), so no SciPy is needed.
* **Reliability**: n = 0 -> no figure; n < 2 -> a mean but no interval; n < ``FEW_SESSIONS`` (10) ->
  the figure and its interval are shown but flagged ``few`` everywhere (table, chart, CSV, PDF).
* **Improved** = sessions whose change is -1 or less (at least one grade better); share = improved / n.
* **Rate per 100 sessions** = events / signed sessions x 100.

Sums are passed in as integers (ratings are whole grades), so the variance is computed exactly
from n, sum and sum of squares: var = (n * sum_sq - sum^2) / (n * (n - 1)).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

#: Below this many sessions a figure is flagged "few": shown, but not to be over-read.
FEW_SESSIONS = 10
#: Below this many sessions there is no interval (a single value has no spread).
MIN_FOR_INTERVAL = 2
CONFIDENCE = 0.95


class Reliability(StrEnum):
    NONE = "none"  # no sessions: nothing to show
    FEW = "few"  # fewer than FEW_SESSIONS: shown and flagged
    OK = "ok"


def reliability_of(n: int) -> Reliability:
    if n <= 0:
        return Reliability.NONE
    return Reliability.FEW if n < FEW_SESSIONS else Reliability.OK


# -- Student's t ----------------------------------------------------------------------------------------
def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz's method)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 400):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c if abs(1.0 + aa / c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c if abs(1.0 + aa / c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return h


def betainc(a: float, b: float, x: float) -> float:
    """The regularised incomplete beta function I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    ln_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    front = math.exp(ln_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def t_cdf(t: float, df: float) -> float:
    """P(T <= t) for Student's t with ``df`` degrees of freedom."""
    if df <= 0:
        raise ValueError("degrees of freedom must be positive")
    tail = 0.5 * betainc(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t >= 0 else tail


def normal_quantile(p: float) -> float:
    """The standard normal quantile (bisection on erf; used for very large df)."""
    lo, hi = -40.0, 40.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if 0.5 * math.erfc(-mid / math.sqrt(2)) < p:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


@lru_cache(maxsize=4096)
def t_quantile(p: float, df: float) -> float:
    """The ``p`` quantile of Student's t with ``df`` degrees of freedom: t_quantile(0.975, 9) = 2.262."""
    if not 0.0 < p < 1.0:
        raise ValueError("p must be between 0 and 1")
    if df <= 0:
        raise ValueError("degrees of freedom must be positive")
    if p < 0.5:
        return -t_quantile(1.0 - p, df)
    if p == 0.5:
        return 0.0
    if df == 1:
        return math.tan(math.pi * (p - 0.5))
    if df == 2:
        return (2 * p - 1) * math.sqrt(2.0 / (4 * p * (1 - p)))
    if df > 1e7:
        return normal_quantile(p)
    lo, hi = 0.0, 2.0
    while t_cdf(hi, df) < p:
        lo, hi = hi, hi * 2
    for _ in range(200):  # bisection: slow but sure, and cached
        mid = (lo + hi) / 2
        if t_cdf(mid, df) < p:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-13:
            break
    return (lo + hi) / 2


# -- estimates ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Estimate:
    """A mean with its n, standard deviation and 95% interval (None where it cannot be given)."""

    n: int
    mean: float | None
    sd: float | None = None
    low: float | None = None
    high: float | None = None

    @property
    def reliability(self) -> Reliability:
        return reliability_of(self.n)

    @property
    def few(self) -> bool:
        return self.reliability is Reliability.FEW

    @classmethod
    def empty(cls) -> Estimate:
        return cls(0, None)

    @classmethod
    def from_sums(cls, n: int, total: float, total_sq: float) -> Estimate:
        """From n, the sum and the sum of squares (integers for ratings, so the variance is exact)."""
        n = int(n or 0)
        if n <= 0:
            return cls.empty()
        mean = total / n
        if n < MIN_FOR_INTERVAL:
            return cls(n, mean)
        numerator = n * total_sq - total * total
        var = max(0.0, numerator / (n * (n - 1)))
        sd = math.sqrt(var)
        half = t_quantile(0.5 + CONFIDENCE / 2, n - 1) * sd / math.sqrt(n)
        return cls(n, mean, sd, mean - half, mean + half)

    @classmethod
    def of(cls, values: list[float] | tuple[float, ...]) -> Estimate:
        """From raw values (tests and small lists)."""
        return cls.from_sums(len(values), sum(values), sum(v * v for v in values))


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def rate_per_100(events: int, sessions: int) -> float | None:
    return 100.0 * events / sessions if sessions else None


def fmt_signed(value: float | None, decimals: int = 2) -> str:
    """'−0.85' with a true minus sign; '—' for no value."""
    if value is None:
        return "—"
    text = f"{value:+.{decimals}f}"
    if text.lstrip("+-").strip("0.") == "":
        return f"{0:.{decimals}f}"
    return text.replace("-", "\u2212")


def fmt_estimate(e: Estimate, decimals: int = 2, *, signed: bool = True) -> str:
    """'−0.85 (−1.02 to −0.68)', '−1.00 (no interval)', '—'; the n and the 'few' flag are shown beside it."""
    if e.mean is None:
        return "—"
    num = (lambda v: fmt_signed(v, decimals)) if signed else (lambda v: f"{v:.{decimals}f}")
    if e.low is None or e.high is None:
        return f"{num(e.mean)} (no interval)"
    return f"{num(e.mean)} ({num(e.low)} to {num(e.high)})"


def fmt_share(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f}%"


def fmt_rate(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


#: The value axis of every chart of change from baseline (screen and PDF): lower grades are better, so a
#: fall is an improvement; the arrows run down the axis to "better" and up to "worse".
CHANGE_AXIS_TITLE = "\u2190 better \u00b7 change \u00b7 worse \u2192"
