"""The outcome summary: mean change from baseline per measure at each follow-up, GAIS, satisfaction."""

from __future__ import annotations

from typing import Any

from ...domain.report_types import OutcomeSummary
from .outcome_columns import OUTCOME_NAMES, outcome_columns
from .registry import ReportDefinition


def _rows(report: OutcomeSummary) -> list[dict[str, Any]]:
    return [{"sessions": report.sessions, **outcome_columns(o)} for o in report.outcomes]


SUMMARY = ReportDefinition(
    kind="summary",
    title="Outcome summary",
    tab_title="Outcomes",
    page="outcomes",
    result_type=OutcomeSummary,
    compute=lambda reports, request: reports.summary(request.filters),
    csv_columns=("sessions", *OUTCOME_NAMES),
    csv_rows=_rows,
    pdf_section="outcomes",
)
