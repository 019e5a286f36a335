"""Measured skin change: pores, redness and shine read from the clinic's photos, per zone, beside the
dose per cm², dilution, injector and the rated change; and how well the ratings track the camera."""

from __future__ import annotations

from typing import Any

from ...domain.enums import Measure
from ...domain.report_stats import Estimate
from ...domain.skin_report import SkinChangeReport, SkinFigure, SkinZoneRow
from .registry import ReportDefinition


def _estimate_cells(prefix: str, e: Estimate, decimals: int) -> dict[str, Any]:
    def r(v: float | None) -> float | None:
        return None if v is None else round(v, decimals)

    return {
        f"{prefix}_n": e.n,
        f"{prefix}_mean": r(e.mean),
        f"{prefix}_ci_low": r(e.low),
        f"{prefix}_ci_high": r(e.high),
    }


def _zone_row(report: SkinChangeReport, row: SkinZoneRow) -> dict[str, Any]:
    out: dict[str, Any] = {
        "section": "zone",
        "grouped_by": report.by.value,
        "group": row.group,
        "zone": row.zone.value,
        "sessions": row.sessions,
        "injectors": row.injectors,
        **_estimate_cells("dose_u_per_cm2", row.dose_u_per_cm2, 3),
        "dilution_u_per_0_1_ml_mean": None if row.dilution_u_per_0_1_ml.mean is None
        else round(row.dilution_u_per_0_1_ml.mean, 2),
    }  # fmt: skip
    for fig, e in row.measured:
        out.update(_estimate_cells(f"measured_{fig.value}", e, 4))
    for m, e in row.rated:
        out.update(_estimate_cells(f"rated_{m.value}", e, 3))
    return out


def _rows(report: SkinChangeReport) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {
            "section": "agreement",
            "grouped_by": report.by.value,
            "figure": a.figure.value,
            "rated_measure": a.figure.rated_as.value,
            "spearman_n": a.correlation.n,
            "spearman_rho": None if a.correlation.rho is None else round(a.correlation.rho, 3),
            "spearman_ci_low": None if a.correlation.low is None else round(a.correlation.low, 3),
            "spearman_ci_high": None if a.correlation.high is None else round(a.correlation.high, 3),
        }
        for a in report.agreement
    ]
    return rows + [_zone_row(report, r) for r in report.rows]


def _estimate_columns(prefix: str) -> tuple[str, ...]:
    return (f"{prefix}_n", f"{prefix}_mean", f"{prefix}_ci_low", f"{prefix}_ci_high")


COLUMNS: tuple[str, ...] = (
    "section",
    "grouped_by",
    "group",
    "zone",
    "sessions",
    "injectors",
    *_estimate_columns("dose_u_per_cm2"),
    "dilution_u_per_0_1_ml_mean",
    *(c for f in SkinFigure for c in _estimate_columns(f"measured_{f.value}")),
    *(c for m in Measure for c in _estimate_columns(f"rated_{m.value}")),
    "figure",
    "rated_measure",
    "spearman_n",
    "spearman_rho",
    "spearman_ci_low",
    "spearman_ci_high",
)


def _compute(reports: Any, request: Any) -> SkinChangeReport:
    from .skin_change import skin_change  # SQLAlchemy only when computed (the registry loads none)

    return skin_change(reports, request.filters, request.by)


SKIN_CHANGE = ReportDefinition(
    kind="skin-change",
    title="Measured skin change",
    tab_title="Measured skin",
    page="skin-change",
    result_type=SkinChangeReport,
    compute=_compute,
    csv_columns=COLUMNS,
    csv_rows=_rows,
    pdf_section="skin-change",
    file_suffix=lambda r: f"by-{r.by.value}",
)
