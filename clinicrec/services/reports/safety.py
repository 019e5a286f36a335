"""Safety: adverse events by kind, product and injector, with their rate per 100 signed sessions."""

from __future__ import annotations

from typing import Any

from ...domain.report_types import SafetyReport
from .registry import ReportDefinition


def _rows(report: SafetyReport) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {
            "section": "all",
            "key": "all",
            "label": "All sessions",
            "sessions": report.sessions,
            "events": report.events,
            "rate_per_100": report.rate,
        }
    ]
    rows += [
        {
            "section": "kind",
            "key": k.kind.value,
            "label": k.kind.label,
            "sessions": report.sessions,
            "events": k.events,
            "sessions_affected": k.sessions_affected,
            "severe": k.severe,
            "rate_per_100": k.rate,
        }
        for k in report.by_kind
    ]
    for section, groups in (("product", report.by_product), ("injector", report.by_injector)):
        rows += [
            {
                "section": section,
                "key": g.key,
                "label": g.label,
                "sessions": g.sessions,
                "events": g.events,
                "sessions_affected": g.sessions_affected,
                "rate_per_100": g.rate,
            }
            for g in groups
        ]
    return rows


SAFETY = ReportDefinition(
    kind="safety",
    title="Safety",
    tab_title="Safety",
    page="safety",
    result_type=SafetyReport,
    compute=lambda reports, request: reports.safety(request.filters),
    csv_columns=(
        "section",
        "key",
        "label",
        "sessions",
        "events",
        "sessions_affected",
        "severe",
        "rate_per_100",
    ),
    csv_rows=_rows,
    pdf_section="safety",
)
