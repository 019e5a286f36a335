"""Product use: units and vials per product and lot (never added across products), and waste."""

from __future__ import annotations

from typing import Any

from ...domain.report_types import ProductUseReport
from .registry import ReportDefinition


def _rows(report: ProductUseReport) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {
            "section": "product",
            "product": t.brand,
            "lots": t.lots,
            "vials": t.vials,
            "sessions": t.sessions,
            "units": t.units,
        }
        for t in report.products
    ]
    rows += [
        {
            "section": "lot",
            "product": u.brand,
            "lot_number": u.lot_number,
            "vials": u.vials,
            "sessions": u.sessions,
            "units": u.units,
        }
        for u in report.lots
    ]
    rows += [
        {
            "section": "waste",
            "product": w.brand,
            "lot_number": w.lot_number,
            "vials": w.vials,
            "vial_units": w.vial_units,
            "units_drawn": w.drawn,
            "units_wasted": w.wasted,
        }
        for w in report.waste
    ]
    return rows


PRODUCT_USE = ReportDefinition(
    kind="product-use",
    title="Product use",
    tab_title="Product use",
    page="product-use",
    result_type=ProductUseReport,
    compute=lambda reports, request: reports.product_use(request.filters),
    csv_columns=(
        "section",
        "product",
        "lot_number",
        "lots",
        "vials",
        "sessions",
        "units",
        "vial_units",
        "units_drawn",
        "units_wasted",
    ),
    csv_rows=_rows,
    pdf_section="product-use",
)
