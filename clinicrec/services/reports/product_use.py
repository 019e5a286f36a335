"""Product use: units and vials per product and lot (never added across products), and waste.

A big clinic gives each vial its own lot (100,000 lots): the screen lists each product's first
``PAGE`` lots by units (and wasted lots by units wasted) and one 'other lots' row carrying the rest, the
meeting PDF the first ``MEETING_LOTS``; the CSV export writes every lot, read from the database as it is
written (``ReportService.product_use_rows``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ...domain.report_types import ProductUseReport
from .registry import ReportDefinition

if TYPE_CHECKING:
    from .service import ReportService

#: Lots listed per product on the screen (then 'Show more lots' lists as many again).
PAGE = 20
#: Lots listed per product in the meeting PDF.
MEETING_LOTS = 5


def _product_rows(report: ProductUseReport) -> list[dict[str, Any]]:
    return [
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


def _rows(report: ProductUseReport) -> list[dict[str, Any]]:
    """The rows of the result itself (a page: its 'other lots' rows say how many lots each stands for)."""
    rows = _product_rows(report)
    rows += [
        {
            "section": "lot",
            "product": u.brand,
            "lot_number": u.lot_number,
            "vials": u.vials,
            "sessions": u.sessions,
            "units": u.units,
            "lots": u.other_lots or None,
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
            "lots": w.other_lots or None,
        }
        for w in report.waste
    ]
    return rows


def _all_rows(reports: ReportService, report: ProductUseReport) -> Iterator[dict[str, Any]]:
    """Every lot and wasted lot of the report's filters, whatever page ``report`` holds."""
    yield from _product_rows(report)
    for section, row in reports.product_use_rows(report.filters):
        if section == "lot":
            brand, lot, vials, sessions, units = row
            yield {
                "section": "lot",
                "product": brand,
                "lot_number": lot,
                "vials": int(vials),
                "sessions": int(sessions),
                "units": round(float(units or 0.0), 4),
            }
        else:
            brand, lot, vials, vial_units, drawn, wasted = row
            yield {
                "section": "waste",
                "product": brand,
                "lot_number": lot,
                "vials": int(vials),
                "vial_units": round(float(vial_units or 0.0), 4),
                "units_drawn": round(float(drawn or 0.0), 4),
                "units_wasted": round(float(wasted or 0.0), 4),
            }


PRODUCT_USE = ReportDefinition(
    kind="product-use",
    title="Product use",
    tab_title="Product use",
    page="product-use",
    result_type=ProductUseReport,
    compute=lambda reports, request: reports.product_use(request.filters, request.limit),
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
    meeting=lambda reports, filters: (reports.product_use(filters, MEETING_LOTS),),
    page_size=PAGE,
    csv_all=_all_rows,
)
