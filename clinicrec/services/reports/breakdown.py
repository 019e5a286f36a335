"""Breakdowns: the outcome at one time point, sessions and adverse events per product, dilution band,
zone, injector or month."""

from __future__ import annotations

from typing import Any

from ...domain.report_kinds import BreakdownBy
from ...domain.report_types import Breakdown
from .outcome_columns import OUTCOME_NAMES, outcome_columns
from .registry import ReportDefinition

#: The breakdowns the meeting PDF prints, in order.
MEETING_BREAKDOWNS = (BreakdownBy.PRODUCT, BreakdownBy.DILUTION, BreakdownBy.INJECTOR, BreakdownBy.MONTH)


def _rows(report: Breakdown) -> list[dict[str, Any]]:
    return [
        {
            "by": report.by.value,
            "group": r.key,
            "group_label": r.label,
            "sessions": r.sessions,
            **outcome_columns(r.outcome),
            "adverse_events": r.adverse_events,
            "adverse_events_per_100": r.ae_rate,
        }
        for r in report.rows
    ]


BREAKDOWN = ReportDefinition(
    kind="breakdown",
    title="Breakdown",
    tab_title="Breakdowns",
    page="breakdown",
    result_type=Breakdown,
    compute=lambda reports, request: reports.breakdown(request.filters, request.by),
    csv_columns=(
        "by",
        "group",
        "group_label",
        "sessions",
        *OUTCOME_NAMES,
        "adverse_events",
        "adverse_events_per_100",
    ),
    csv_rows=_rows,
    pdf_section="breakdown",
    meeting=lambda reports, filters: tuple(reports.breakdown(filters, by) for by in MEETING_BREAKDOWNS),
    file_suffix=lambda report: report.by.value,
)
