"""Follow-up gaps: signed sessions whose review has come with no follow-up assessment.

A big clinic has tens of thousands: the screen lists the ``PAGE`` most overdue and counts them all (then
'Show more' lists as many again); the meeting PDF prints only the counts per injector; the CSV export
writes every one, read from the database as it is written (``ReportService.follow_up_gap_rows``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ...domain.report_types import FollowUpGaps, GapRow
from .registry import ReportDefinition

if TYPE_CHECKING:
    from .service import ReportService

#: Sessions listed on the screen at first, and added by each 'Show more'.
PAGE = 200


def _rows(report: FollowUpGaps) -> Iterator[dict[str, Any]]:
    return _of(report.rows)


def _all_rows(reports: ReportService, report: FollowUpGaps) -> Iterator[dict[str, Any]]:
    return _of(reports.follow_up_gap_rows(report.filters))


def _of(rows: Iterable[GapRow]) -> Iterator[dict[str, Any]]:
    return (
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
        for r in rows
    )


GAPS = ReportDefinition(
    kind="gaps",
    title="Follow-up gaps",
    tab_title="Follow-up gaps",
    page="gaps",
    result_type=FollowUpGaps,
    compute=lambda reports, request: reports.follow_up_gaps(request.filters, request.limit),
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
    meeting=lambda reports, filters: (reports.follow_up_gaps(filters, 0),),  # counts per injector only
    page_size=PAGE,
    csv_all=_all_rows,
)
