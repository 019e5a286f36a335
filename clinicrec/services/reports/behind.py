"""The sessions behind a report's row: what a manager sees on drilling down from a figure.

A row is described by what narrows the report's cohort (``queries.cohort``): a breakdown's or safety
table's group (``by`` and ``key``), a follow-up time point (a change-from-baseline row: the sessions with
a follow-up then), an adverse-event kind, or a lot (units per lot). Only signed, current session versions
in the report's filters are listed, as the figures count them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, String, cast, func, select
from sqlalchemy.orm import Session

from ...db.models import (
    AdverseEventRow,
    AssessmentRow,
    PatientRow,
    ProductRow,
    SessionRow,
    SessionVialRow,
    UserRow,
    VialRow,
)
from ...domain.enums import AdverseEventKind, TimePoint
from ...domain.report_types import BreakdownBy, ReportFilters, SessionBehind
from . import queries as q

#: At most this many sessions are listed (the count says how many there are).
LIMIT = 2000


@dataclass(frozen=True)
class RowKey:
    """What a report row stands for (every field optional; together they narrow the cohort)."""

    by: BreakdownBy | None = None
    key: str | None = None
    time_point: TimePoint | None = None
    event_kind: AdverseEventKind | None = None
    lot_number: str | None = None
    brand: str | None = None  # units per product: the sessions that drew from the product's vials


def _stmt(f: ReportFilters, row: RowKey, dialect: str, rollup: bool = True) -> Select[Any]:
    c = q.cohort(f, row.by, dialect, rollup)
    stmt = (
        select(
            SessionRow.id,
            PatientRow.id,
            PatientRow.chart_number,
            PatientRow.last_name,
            PatientRow.first_name,
            SessionRow.performed_at,
            UserRow.full_name,
        )
        .join(c, c.c.sid == SessionRow.id)
        .join(PatientRow, PatientRow.id == SessionRow.patient_id)
        .join(UserRow, UserRow.id == SessionRow.injector_id)
    )
    if row.by is not None and row.key is not None:
        stmt = stmt.where(cast(c.c.key, String) == row.key)
    if row.time_point is not None:
        stmt = stmt.where(
            select(AssessmentRow.id)
            .where(AssessmentRow.session_id == c.c.rid, AssessmentRow.time_point == row.time_point.value)
            .exists()
        )
    if row.event_kind is not None:
        stmt = stmt.where(
            select(AdverseEventRow.id)
            .where(AdverseEventRow.session_id == c.c.rid, AdverseEventRow.kind == row.event_kind.value)
            .exists()
        )
    if row.lot_number is not None:
        stmt = stmt.where(
            select(SessionVialRow.vial_id)
            .join(VialRow, VialRow.id == SessionVialRow.vial_id)
            .where(
                SessionVialRow.session_id == SessionRow.id,
                func.upper(VialRow.lot_number) == row.lot_number.upper(),
            )
            .exists()
        )
    if row.brand is not None:
        stmt = stmt.where(
            select(SessionVialRow.vial_id)
            .join(VialRow, VialRow.id == SessionVialRow.vial_id)
            .join(ProductRow, ProductRow.id == VialRow.product_id)
            .where(SessionVialRow.session_id == SessionRow.id, ProductRow.brand == row.brand)
            .exists()
        )
    return stmt.distinct().order_by(SessionRow.performed_at, SessionRow.id).limit(LIMIT)


def sessions_behind(
    s: Session, f: ReportFilters, row: RowKey, dialect: str, rollup: bool = True
) -> tuple[SessionBehind, ...]:
    return tuple(
        SessionBehind(sid, pid, chart, f"{last}, {first}", at, injector)
        for sid, pid, chart, last, first, at, injector in s.execute(_stmt(f, row, dialect, rollup)).all()
    )
