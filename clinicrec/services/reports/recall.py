"""Lot recall: every patient and session that received a lot, with contact details (over all time)."""

from __future__ import annotations

from typing import Any

from ...domain.report_types import RecallReport
from ..permissions import Action
from .registry import ReportDefinition


def _rows(report: RecallReport) -> list[dict[str, Any]]:
    return [
        {
            "lot_number": r.lot_number,
            "product": r.brand,
            "expiry_date": r.expiry_date,
            "chart_number": r.chart_number,
            "patient_name": r.patient_name,
            "date_of_birth": r.date_of_birth,
            "phone": r.phone,
            "email": r.email,
            "address": r.address.replace("\n", ", "),
            "session_id": r.session_id,
            "performed_at_utc": r.performed_at,
            "status": r.status,
            "injector": r.injector,
            "units": r.units,
        }
        for r in report.rows
    ]


RECALL = ReportDefinition(
    kind="recall",
    title="Lot recall",
    tab_title="Lot recall",
    page="recall",
    result_type=RecallReport,
    compute=lambda reports, request: reports.recall(request.lot),
    csv_columns=(
        "lot_number",
        "product",
        "expiry_date",
        "chart_number",
        "patient_name",
        "date_of_birth",
        "phone",
        "email",
        "address",
        "session_id",
        "performed_at_utc",
        "status",
        "injector",
        "units",
    ),
    csv_rows=_rows,
    pdf_left_out="patient names and contact details stay out of a meeting handout",
    requires=("lot",),
    uses_filters=False,
    on_request=True,
    permission=Action.VIEW_ALL_REPORTS,
    export_name=lambda report: f"recall lot {report.lot_number}",
)
