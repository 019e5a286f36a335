"""The report statistics: Student's t quantile against published values, intervals, flags, bands."""

from __future__ import annotations

import math
import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinicrec.domain.report_stats import (
    FEW_SESSIONS,
    Estimate,
    Reliability,
    betainc,
    fmt_estimate,
    fmt_rate,
    fmt_share,
    fmt_signed,
    rate_per_100,
    reliability_of,
    share,
    t_cdf,
    t_quantile,
)
from clinicrec.domain.report_types import DilutionBand

# Two-sided 95% critical values (0.975 quantile), from standard t tables (R: qt(0.975, df)).
T975 = {
    1: 12.7062047362,
    2: 4.3026527297,
    3: 3.1824463053,
    4: 2.7764451052,
    5: 2.5705818366,
    6: 2.4469118511,
    7: 2.3646242516,
    8: 2.3060041352,
    9: 2.2621571628,
    10: 2.2281388520,
    15: 2.1314495456,
    20: 2.0859634473,
    25: 2.0595385528,
    29: 2.0452296421,
    30: 2.0422724563,
    40: 2.0210753903,
    60: 2.0002978220,
    120: 1.9799304050,
    1000: 1.9623390808,
}


@pytest.mark.parametrize(("df", "expected"), sorted(T975.items()))
def test_t_quantile_matches_tables(df: int, expected: float) -> None:
    assert t_quantile(0.975, df) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize(
    ("p", "df", "expected"),
    [
        (0.95, 10, 1.8124611228),
        (0.995, 4, 4.6040948713),
        (0.9, 1, 3.0776835372),
        (0.025, 7, -2.3646242516),
        (0.5, 5, 0.0),
        (0.975, 10**9, 1.9599639845),
    ],
)
def test_t_quantile_other_levels(p: float, df: int, expected: float) -> None:
    assert t_quantile(p, df) == pytest.approx(expected, abs=1e-8)


def test_t_cdf_inverts_quantile_and_beta_edges() -> None:
    for df in (1, 3, 17, 250):
        for p in (0.6, 0.9, 0.975, 0.999):
            assert t_cdf(t_quantile(p, df), df) == pytest.approx(p, abs=1e-10)
    assert betainc(2, 3, 0) == 0 and betainc(2, 3, 1) == 1
    assert betainc(1, 1, 0.3) == pytest.approx(0.3)  # the uniform distribution
    with pytest.raises(ValueError):
        t_quantile(1.0, 3)
    with pytest.raises(ValueError):
        t_quantile(0.975, 0)


def test_estimate_from_known_values() -> None:
    e = Estimate.of([-2, 0, 0, -1])
    sd = statistics.stdev([-2, 0, 0, -1])
    half = T975[3] * sd / 2
    assert (e.n, e.mean, e.sd) == (4, -0.75, pytest.approx(sd))
    assert (e.low, e.high) == (pytest.approx(-0.75 - half), pytest.approx(-0.75 + half))
    assert e.reliability is Reliability.FEW and e.few


def test_estimate_small_n() -> None:
    assert Estimate.of([]) == Estimate(0, None) and Estimate.of([]).reliability is Reliability.NONE
    one = Estimate.of([-1])
    assert (one.n, one.mean, one.low, one.high) == (1, -1.0, None, None)
    assert fmt_estimate(one) == "\u22121.00 (no interval)"
    same = Estimate.of([2, 2, 2])
    assert (same.sd, same.low, same.high) == (0.0, 2.0, 2.0)


def test_reliability_threshold() -> None:
    assert FEW_SESSIONS == 10
    assert [reliability_of(n) for n in (0, 1, 9, 10, 500)] == [
        Reliability.NONE,
        Reliability.FEW,
        Reliability.FEW,
        Reliability.OK,
        Reliability.OK,
    ]


@given(st.lists(st.integers(min_value=-4, max_value=4), min_size=2, max_size=200))
def test_exact_sums_agree_with_statistics_module(values: list[int]) -> None:
    e = Estimate.from_sums(len(values), sum(values), sum(v * v for v in values))
    assert e.mean == pytest.approx(statistics.fmean(values), abs=1e-12)
    assert e.sd == pytest.approx(statistics.stdev(values), abs=1e-9)
    half = t_quantile(0.975, len(values) - 1) * statistics.stdev(values) / math.sqrt(len(values))
    assert e.low == pytest.approx(e.mean - half, abs=1e-9)  # type: ignore[operator]
    assert e.low <= e.mean <= e.high  # type: ignore[operator]


def test_shares_rates_and_formatting() -> None:
    assert share(3, 4) == 0.75 and share(1, 0) is None
    assert rate_per_100(3, 7) == pytest.approx(42.857142857) and rate_per_100(2, 0) is None
    assert fmt_signed(-0.854) == "\u22120.85" and fmt_signed(0.5) == "+0.50" and fmt_signed(-0.001) == "0.00"
    assert fmt_signed(None) == "—"
    assert fmt_estimate(Estimate(4, -0.75, 1.0, -2.34, 0.84)) == "\u22120.75 (\u22122.34 to +0.84)"
    assert fmt_estimate(Estimate(4, 4.5, 1.0, 3.7, 5.3), signed=False) == "4.50 (3.70 to 5.30)"
    assert fmt_share(0.755) == "76%" and fmt_share(None) == "—"
    assert fmt_rate(42.857) == "42.9" and fmt_rate(None) == "—"


@pytest.mark.parametrize(
    ("u01", "band"),
    [
        (0.5, DilutionBand.UP_TO_2),
        (2.0, DilutionBand.UP_TO_2),
        (2.0000001, DilutionBand.FROM_2_TO_4),
        (100 / 2.5 / 10, DilutionBand.FROM_2_TO_4),
        (4.0, DilutionBand.FROM_2_TO_4),
        (5.0, DilutionBand.FROM_4_TO_6),
        (6.0, DilutionBand.FROM_4_TO_6),
        (12.0, DilutionBand.OVER_6),
    ],
)
def test_dilution_bands(u01: float, band: DilutionBand) -> None:
    assert DilutionBand.of(u01) is band
