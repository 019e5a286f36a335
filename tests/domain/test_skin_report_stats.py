"""Spearman's rank correlation of the measured skin change report (domain/skin_report.py), checked
against SciPy's and against hand-worked values."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from clinicrec.domain.skin_report import Correlation, fmt_correlation, ranks, spearman


def test_ranks_give_ties_their_average() -> None:
    assert ranks([10.0, 20.0, 20.0, 5.0]) == [2.0, 3.5, 3.5, 1.0]


def test_a_hand_worked_example() -> None:
    # ranks x: 1 2 3 4 5, ranks y: 2 1 4 3 5 -> d^2 = 1+1+1+1+0 = 4; rho = 1 - 6*4/(5*24) = 0.8
    c = spearman([1, 2, 3, 4, 5], [2.0, 1.0, 4.0, 3.0, 5.0])
    assert c.n == 5 and c.rho == pytest.approx(0.8)
    se = math.sqrt((1 + 0.8**2 / 2) / 2)
    assert c.low == pytest.approx(math.tanh(math.atanh(0.8) - 1.96 * se))
    assert c.high == pytest.approx(math.tanh(math.atanh(0.8) + 1.96 * se))
    assert fmt_correlation(c).startswith("ρ 0.80 (")


def test_too_few_or_no_spread_gives_no_figure() -> None:
    assert spearman([1, 2], [2, 1]) == Correlation(2, None)
    assert spearman([1, 1, 1, 1], [1, 2, 3, 4]).rho is None
    assert fmt_correlation(Correlation(0, None)) == "—"
    with pytest.raises(ValueError, match="differ in length"):
        spearman([1, 2, 3], [1, 2])


@given(st.lists(st.tuples(st.integers(-4, 4), st.floats(-50, 50, allow_nan=False)), min_size=4, max_size=40))
def test_agrees_with_scipy(pairs: list[tuple[int, float]]) -> None:
    xs, ys = [float(a) for a, _ in pairs], [b for _, b in pairs]
    ours = spearman(xs, ys)
    if len(set(xs)) < 2 or len(set(ys)) < 2:
        assert ours.rho is None
        return
    assert ours.rho == pytest.approx(stats.spearmanr(xs, ys).statistic, abs=1e-9)
    if ours.low is not None and ours.high is not None:
        assert ours.low <= ours.rho <= ours.high
