"""CSV columns shared by the outcome reports (summary and breakdowns): one block per outcome."""

from __future__ import annotations

from typing import Any

from ...domain.enums import TimePoint
from ...domain.report_stats import Estimate
from ...domain.report_types import GAIS_ORDER, MEASURES, Outcome, empty_outcome


def estimate_columns(prefix: str, e: Estimate) -> dict[str, Any]:
    return {
        f"{prefix}_n": e.n,
        f"{prefix}_mean": e.mean,
        f"{prefix}_sd": e.sd,
        f"{prefix}_ci95_low": e.low,
        f"{prefix}_ci95_high": e.high,
        f"{prefix}_reliability": e.reliability.value,
    }


def outcome_columns(o: Outcome) -> dict[str, Any]:
    out: dict[str, Any] = {"time_point": o.time_point.value, "followed_up": o.followed_up}
    for m in MEASURES:
        mc = o.measure(m)
        cols = estimate_columns(f"{m.value}_change", mc.change)
        cols[f"{m.value}_improved"] = mc.improved
        cols[f"{m.value}_improved_share"] = mc.improved_share
        out.update(cols)
    out["gais_n"] = o.gais.n
    out.update({f"gais_{g.value}": o.gais.count(g) for g in GAIS_ORDER})
    out.update(estimate_columns("satisfaction", o.satisfaction))
    return out


#: The names of an outcome's columns, in order.
OUTCOME_NAMES: tuple[str, ...] = tuple(outcome_columns(empty_outcome(TimePoint.WEEK_4)))
