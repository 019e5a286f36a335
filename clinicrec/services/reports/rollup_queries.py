"""The reports' statements over the derived tables (``db/report_rollup.py``): the same figures as the
exact statements in ``queries`` (which the tests compare them with), from a few rows per session instead
of every point and assessment."""

from __future__ import annotations

from typing import Any

from sqlalchemy import CTE, ScalarSelect, Select, Subquery, and_, case, func, select

from ...db.models import ReportOutcomeRow, ReportUseRow, SessionVialRow, VialRow
from ...domain.enums import TimePoint
from ...domain.report_types import GAIS_ORDER, MEASURES, ReportFilters
from ..queries import amended_ids

#: A report's sessions: a subquery, or a common table expression found once per statement (``one_pass``).
Cohort = Subquery | CTE


def _n(x: Any) -> Any:
    return func.coalesce(func.sum(x), 0)


def outcome_stmt(c: Cohort, time_point: TimePoint | None, keyed: bool) -> Select[Any]:
    """``queries.outcome_stmt``'s columns from ``report_outcomes``."""
    o = ReportOutcomeRow
    cols: list[Any] = [o.time_point.label("tp"), func.count().label("followed_up")]
    for m in MEASURES:
        d = getattr(o, m.value)
        cols += [func.count(d), _n(d), _n(d * d), _n(case((d <= -1, 1), else_=0))]
    cols += [_n(case((o.gais == g.value, 1), else_=0)) for g in GAIS_ORDER]
    cols += [func.count(o.satisfaction), _n(o.satisfaction), _n(o.satisfaction * o.satisfaction)]
    stmt = select(*([c.c.key] if keyed else []), *cols).select_from(c).join(o, o.session_id == c.c.sid)
    if time_point is not None:
        stmt = stmt.where(o.time_point == time_point.value)
    return stmt.group_by(*([c.c.key] if keyed else []), o.time_point)


def drawn_per_session_vial(c: Cohort, f: ReportFilters) -> Select[Any]:
    """``queries.drawn_per_session_vial`` from ``report_session_use``."""
    u = ReportUseRow
    stmt = select(
        u.session_id.label("sid"), u.vial_id.label("vial_id"), func.sum(u.units).label("units")
    ).where(u.session_id.in_(select(c.c.sid)))
    if f.zone is not None:
        stmt = stmt.where(u.zone == f.zone.value)
    if f.product_id is not None:
        stmt = stmt.where(u.vial_id.in_(select(VialRow.id).where(VialRow.product_id == f.product_id)))
    return stmt.group_by(u.session_id, u.vial_id)


def drawn_from_vial() -> ScalarSelect[Any]:
    """Units drawn from the outer query's vial by current session versions (signed or draft): the
    session-vial link's session is looked up among the amended ones (no read of the session itself)."""
    u = ReportUseRow
    return (
        select(func.coalesce(func.sum(u.units), 0.0))
        .select_from(SessionVialRow)
        .join(u, and_(u.session_id == SessionVialRow.session_id, u.vial_id == SessionVialRow.vial_id))
        .where(SessionVialRow.vial_id == VialRow.id, SessionVialRow.session_id.not_in(amended_ids()))
        .scalar_subquery()
    )
