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

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    Table,
    and_,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    tuple_,
    union_all,
)
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
from . import ranking


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


def _lot_conds(f: ReportFilters) -> list[ColumnElement[bool]]:
    t = ReportDayLots
    conds = _where(t, f)
    if f.product_id is not None:
        conds.append(t.c.product_id == f.product_id)
    return conds


def lots_stmt(f: ReportFilters) -> Select[Any]:
    """(product, lot, vials, sessions, units, the product's sessions counted on these rows) of every lot,
    in product and lot order."""
    t = ReportDayLots
    return (
        select(
            t.c.product_id,
            t.c.lot_number,
            func.count(func.distinct(t.c.vial_id)).label("vials"),
            _n(t.c.lot_sessions).label("sessions"),
            func.sum(t.c.units).label("units"),
            _n(t.c.product_sessions).label("product_sessions"),
        )
        .where(*_lot_conds(f))
        .group_by(t.c.product_id, t.c.lot_number)
        .order_by(t.c.product_id, t.c.lot_number)
    )


def _ranked(
    s: Session,
    grouped: Select[Any],
    products: Iterable[int],
    limit: int,
    by: int,
    also: Sequence[tuple[int, str]] = (),
) -> tuple[dict[tuple[int, str], tuple[Any, ...]], ranking.Totals]:
    """From ``grouped`` (product, lot, *numbers, one row per lot), in ONE statement: each product's first
    ``limit`` lots by the number ``by`` (``ranking.order_key``'s order), the lots ``also``, and per product
    its lot count and the sums of every number. The lots are grouped once (a materialized CTE); a
    product's first lots are a bounded sort of it, not a sort of 100,000 rows in SQL (a window) or a
    report row built for each in Python (issue 17)."""
    g = grouped.cte("lots").prefix_with("MATERIALIZED")
    cols = list(g.c)
    figure = cols[2 + by]
    rounded = ranking.rounded(figure, s.get_bind().dialect.name)  # sums' last bits must not reorder
    numbers = cols[2:]
    zero = cast(literal(0), Integer)
    parts: list[Select[Any]] = [
        select(
            g.c.product_id,
            cast(null(), String).label("lot"),
            func.count().label("n"),
            *(func.sum(c) for c in numbers),
        ).group_by(g.c.product_id)
    ]
    for pid in sorted(set(products)):
        top = select(*cols).where(g.c.product_id == pid).order_by(rounded.desc(), g.c.lot_number).limit(limit)
        sub = top.subquery()
        parts.append(select(sub.c[0], sub.c[1], zero, *list(sub.c)[2:]))
    if also:
        parts.append(select(cols[0], cols[1], zero, *numbers).where(tuple_(cols[0], cols[1]).in_(list(also))))
    found: dict[tuple[int, str], tuple[Any, ...]] = {}
    totals: ranking.Totals = {}
    for r in s.execute(union_all(*parts)).all():
        if r[1] is None:
            totals[r[0]] = [int(r[2]), *r[3:]]
        else:
            found[(r[0], r[1])] = (r[0], r[1], *r[3:])
    return found, totals


def lot_use(
    s: Session, f: ReportFilters, limit: int | None = None, products: Iterable[int] = ()
) -> tuple[list[tuple[Any, ...]], dict[int, int]]:
    """(``queries.lot_use_stmt``'s rows: (product, lot or None for the product's total, vials, sessions,
    units); lots per product). ``limit``: only each product's first ``limit`` lots by units, of the
    ``products`` (the catalogue's ids).

    ONE pass over the day rows, grouped by lot: a product's total is the sum of its lots (a vial is of one
    lot; its sessions are summed from the rows' own count of them)."""
    grouped = lots_stmt(f).order_by(None)
    if limit is None:
        listed, totals = ranking.top_per_product(s.execute(grouped).all(), None, 2)
    else:
        pids = [f.product_id] if f.product_id is not None else list(products)
        found, totals = _ranked(s, grouped, pids, limit, 2)
        listed = list(found.values())
    rows = [tuple(r[:5]) for r in listed]
    rows += [
        (pid, None, vials, product_sessions, units)
        for pid, (_n, vials, _s, units, product_sessions) in totals.items()
    ]
    return rows, {pid: int(t[0]) for pid, t in totals.items()}


def waste(
    s: Session,
    f: ReportFilters,
    as_of: datetime,
    as_of_day: date,
    in_use_hours: dict[int, int],
    limit: int | None = None,
) -> tuple[list[tuple[Any, ...]], ranking.Totals]:
    """(``queries.waste_stmt``'s rows; per product its lots and their sums, ``ranking.Totals``). A day every
    vial of which was past its product's in-use window at ``as_of`` is read from ``report_day_vials`` (all
    its vials count, whatever their expiry); the days after it, vial by vial, by ``waste_stmt`` itself.

    ``limit``: each product's first ``limit`` lots by units wasted, the sums over all. The summed days give
    their first ``limit`` lots and the recent vials' lots (``_ranked``): no other lot can rank above them,
    as the recent vials only add to a lot."""
    # the last whole day before the window's start: every vial reconstituted by its end has timed out
    done = {
        pid: local_date(as_of - timedelta(hours=h), f.time_zone) - timedelta(days=1)
        for pid, h in in_use_hours.items()
    }
    t = ReportDayVials
    conds = _where(t, f, opener="opened_by_id")
    if f.product_id is not None:
        conds.append(t.c.product_id == f.product_id)
    since = {p: q.day_start(d + timedelta(days=1), f.time_zone) for p, d in done.items()}
    # the recent vials are few: their lots are added to the summed days' rows as they are met
    recent = {
        (r[0], r[1]): tuple(r)
        for r in s.execute(q.waste_stmt(f, as_of, as_of_day, in_use_hours, True, since=since))
    }
    grouped = (
        select(
            t.c.product_id,
            t.c.lot_number,
            _n(t.c.vials).label("vials"),
            _n(t.c.vial_units).label("vial_units"),
            _n(t.c.drawn).label("drawn"),
            _n(t.c.wasted).label("wasted"),
        )
        .where(
            or_(*(and_(t.c.product_id == p, t.c.day <= d.isoformat()) for p, d in done.items())),
            *conds,
        )
        .group_by(t.c.product_id, t.c.lot_number)
    )
    whole: dict[tuple[int, str], tuple[Any, ...]] = {}
    totals: ranking.Totals = {}
    if done and limit is None:
        whole = {(r[0], r[1]): tuple(r) for r in s.execute(grouped)}
    elif done and limit is not None:
        pids = [f.product_id] if f.product_id is not None else list(done)
        whole, totals = _ranked(s, grouped, pids, limit, 3, also=list(recent))
    for key, extra in recent.items():
        row = whole.get(key)
        if row is None:  # a lot of recent vials only
            whole[key] = extra
            if limit is not None:
                acc = totals.setdefault(key[0], [0, 0, 0, 0, 0])
                acc[0] += 1
                acc[1:] = [a + (b or 0) for a, b in zip(acc[1:], extra[2:], strict=True)]
            continue
        whole[key] = (*key, *(a + (b or 0) for a, b in zip(row[2:], extra[2:], strict=True)))
        if limit is not None:  # the summed days' sums miss the recent vials
            acc = totals[key[0]]
            acc[1:] = [a + (b or 0) for a, b in zip(acc[1:], extra[2:], strict=True)]
    listed, all_totals = ranking.top_per_product(whole.values(), limit, 3)
    return listed, (all_totals if limit is None else totals)
