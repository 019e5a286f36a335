"""The reports from the day-keyed pre-aggregate (``db/report_days.py``): the same rows as ``one_pass.run``'s
parts and as ``queries.lot_use_stmt`` / ``waste_stmt``, summed from at most days x dimensions rows
instead of a few rows per session.

The tables are keyed by clinic day, injector and dilution band, so the date range, injector and
dilution filters are conditions on the key. A session's zones, products and indications are sets: the
outcome reports with a zone, product or indication filter, and product use with a zone or indication
filter, are not covered (``covers``) and take the per-session path (``one_pass``), which gives the same
figures more slowly.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, func, literal, or_, select
from sqlalchemy.orm import Session

from ...db.models import (
    DAY_OUTCOME_NUMBERS,
    ReportDayEvents,
    ReportDayGroups,
    ReportDayLots,
    ReportDayOutcomes,
    ReportDayVials,
)
from ...domain.clinic_time import local_date
from ...domain.enums import TimePoint
from ...domain.report_types import BreakdownBy, ReportFilters
from . import queries as q


def covers(f: ReportFilters) -> bool:
    """Whether the outcome reports (summary, breakdowns, safety) can be read from the day tables."""
    return f.zone is None and f.indication is None and f.product_id is None


def lots_cover(f: ReportFilters) -> bool:
    """Whether product use's units per lot can be (its waste always can)."""
    return f.zone is None and f.indication is None


def _where(t: Table, f: ReportFilters, opener: str = "injector_id") -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if f.start is not None:
        conds.append(t.c.day >= f.start.isoformat())
    if f.end is not None:
        conds.append(t.c.day <= f.end.isoformat())
    if f.injector_id is not None:
        conds.append(t.c[opener] == f.injector_id)
    if f.dilution is not None:
        conds.append(t.c.band == f.dilution.value)
    return conds


def _n(x: Any) -> Any:
    return func.coalesce(func.sum(x), 0)


def _group(t: Table, by: BreakdownBy | None) -> tuple[str, Any]:
    """(the group kind to read, the key column) of a breakdown (None: the whole report)."""
    if by is BreakdownBy.INJECTOR:
        return "all", t.c.injector_id
    if by is BreakdownBy.MONTH:
        return "all", func.substr(t.c.day, 1, 7)
    if by is None:
        return "all", literal(None)
    return by.value, t.c.gkey


def _key(by: BreakdownBy | None, value: Any) -> Any:
    return int(value) if by is BreakdownBy.PRODUCT else value


def _groups(s: Session, f: ReportFilters, by: BreakdownBy | None) -> list[tuple[Any, int, int, int]]:
    g = ReportDayGroups
    kind, key = _group(g, by)
    stmt = (
        select(key, _n(g.c.sessions), _n(g.c.events), _n(g.c.affected))
        .where(g.c.gkind == kind, *_where(g, f))
        .group_by(key)
    )
    return [(_key(by, k), int(n), int(e), int(a)) for k, n, e, a in s.execute(stmt).all()]


def _outcomes(
    s: Session, f: ReportFilters, by: BreakdownBy | None, time_point: TimePoint | None
) -> list[tuple[Any, ...]]:
    o = ReportDayOutcomes
    kind, key = _group(o, by)
    stmt = select(key, o.c.time_point, *(_n(o.c[n]) for n in DAY_OUTCOME_NUMBERS)).where(
        o.c.gkind == kind, *_where(o, f)
    )
    if time_point is not None:
        stmt = stmt.where(o.c.time_point == time_point.value)
    rows = s.execute(stmt.group_by(key, o.c.time_point)).all()
    if by is None:
        return [tuple(r[1:]) for r in rows]
    return [(_key(by, r[0]), *r[1:]) for r in rows]


def summary(s: Session, f: ReportFilters) -> dict[str, list[tuple[Any, ...]]]:
    """``ReportService.summary``'s parts: sessions, outcomes per time point."""
    sessions = sum(n for _, n, _, _ in _groups(s, f, None))
    return {"sessions": [(sessions,)], "outcomes": _outcomes(s, f, None, f.time_point)}


def breakdown(
    s: Session, f: ReportFilters, by: BreakdownBy, tp: TimePoint
) -> dict[str, list[tuple[Any, ...]]]:
    """``ReportService.breakdown``'s parts: sessions, outcomes at ``tp`` and adverse events per group."""
    groups = _groups(s, f, by)
    return {
        "sessions": [(k, n) for k, n, _, _ in groups],
        "outcomes": _outcomes(s, f, by, tp),
        "events": [(k, e, a) for k, _, e, a in groups if e],
    }


def safety(s: Session, f: ReportFilters) -> dict[str, list[tuple[Any, ...]]]:
    """``ReportService.safety``'s parts: sessions, events per kind, sessions and events per product and
    per injector."""
    e = ReportDayEvents
    kinds = s.execute(
        select(e.c.kind, _n(e.c.events), _n(e.c.affected), _n(e.c.severe))
        .where(*_where(e, f))
        .group_by(e.c.kind)
    ).all()
    out: dict[str, list[tuple[Any, ...]]] = {
        "sessions": [(sum(n for _, n, _, _ in _groups(s, f, None)),)],
        "kinds": [tuple(r) for r in kinds],
    }
    for by in (BreakdownBy.PRODUCT, BreakdownBy.INJECTOR):
        groups = _groups(s, f, by)
        out[f"{by.value} sessions"] = [(k, n) for k, n, _, _ in groups]
        out[f"{by.value} events"] = [(k, ev, a) for k, _, ev, a in groups if ev]
    return out


def lot_use(s: Session, f: ReportFilters) -> list[tuple[Any, ...]]:
    """``queries.lot_use_stmt``'s rows: (product, lot or None for the product's total, vials, sessions,
    units)."""
    t = ReportDayLots
    conds = _where(t, f)
    if f.product_id is not None:
        conds.append(t.c.product_id == f.product_id)
    vials = func.count(func.distinct(t.c.vial_id))
    by_lot = (
        select(t.c.product_id, t.c.lot_number, vials, _n(t.c.lot_sessions), func.sum(t.c.units))
        .where(*conds)
        .group_by(t.c.product_id, t.c.lot_number)
    )
    by_product = (
        select(t.c.product_id, literal(None), vials, _n(t.c.product_sessions), func.sum(t.c.units))
        .where(*conds)
        .group_by(t.c.product_id)
    )
    return [tuple(r) for r in s.execute(by_lot).all()] + [tuple(r) for r in s.execute(by_product).all()]


def waste(
    s: Session, f: ReportFilters, as_of: datetime, as_of_day: date, in_use_hours: dict[int, int]
) -> list[tuple[Any, ...]]:
    """``queries.waste_stmt``'s rows. A day every vial of which was past its product's in-use window at
    ``as_of`` is read from ``report_day_vials`` (all its vials count, whatever their expiry); the days
    after it, vial by vial, by ``waste_stmt`` itself."""
    # the last whole day before the window's start: every vial reconstituted by its end has timed out
    done = {
        pid: local_date(as_of - timedelta(hours=h), f.time_zone) - timedelta(days=1)
        for pid, h in in_use_hours.items()
    }
    t = ReportDayVials
    conds = _where(t, f, opener="opened_by_id")
    if f.product_id is not None:
        conds.append(t.c.product_id == f.product_id)
    whole: Sequence[Any] = (
        s.execute(
            select(
                t.c.product_id,
                t.c.lot_number,
                _n(t.c.vials),
                _n(t.c.vial_units),
                _n(t.c.drawn),
                _n(t.c.wasted),
            )
            .where(
                or_(*(and_(t.c.product_id == p, t.c.day <= d.isoformat()) for p, d in done.items())),
                *conds,
            )
            .group_by(t.c.product_id, t.c.lot_number)
        ).all()
        if done
        else []
    )
    since = {p: q.day_start(d + timedelta(days=1), f.time_zone) for p, d in done.items()}
    # the recent vials are few: their lots are added to the summed days' rows as they are met
    recent = {
        (r[0], r[1]): r for r in s.execute(q.waste_stmt(f, as_of, as_of_day, in_use_hours, True, since=since))
    }
    out: list[tuple[Any, ...]] = []
    for row in whole:
        extra = recent.pop((row[0], row[1]), None)
        out.append(
            tuple(row)
            if extra is None
            else (row[0], row[1], *(a + (b or 0) for a, b in zip(row[2:], extra[2:], strict=True)))
        )
    return out + [tuple(r) for r in recent.values()]
