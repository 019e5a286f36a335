"""Follow-up gaps: signed sessions whose review has come with no follow-up assessment."""

from __future__ import annotations

from typing import Any

from ...domain.report_types import FollowUpGaps
from .registry import ReportDefinition


def _rows(report: FollowUpGaps) -> list[dict[str, Any]]:
    return [
        {
            "session_id": r.session_id,
            "chart_number": r.chart_number,
            "patient_name": r.patient_name,
            "phone": r.phone,
            "performed_on": r.performed_on,
            "injector": r.injector,
            "due_on": r.due_on,
            "days_past_due": r.days_past_due,
            "status": r.status,
        }
        for r in report.rows
    ]


GAPS = ReportDefinition(
    kind="gaps",
    title="Follow-up gaps",
    tab_title="Follow-up gaps",
    page="gaps",
    result_type=FollowUpGaps,
    compute=lambda reports, request: reports.follow_up_gaps(request.filters),
    csv_columns=(
        "session_id",
        "chart_number",
        "patient_name",
        "phone",
        "performed_on",
        "injector",
        "due_on",
        "days_past_due",
        "status",
    ),
    csv_rows=_rows,
    pdf_section="gaps",
)
