"""A report's figures in ONE statement that finds its cohort ONCE (issue 17).

A breakdown used to run three statements (sessions, outcomes, adverse events), the safety report six, each
finding the report's sessions again: the cost of a report was a few times the cost of its cohort, which
grows with the clinic. Here the cohort is a ``MATERIALIZED`` common table expression (``base``: session,
chain root, injector, time), each breakdown's groups a second one derived from it (so a month's key, a
zone's join, a product's join are computed once per session, not once per figure), and every figure of
the report is one part of a ``UNION ALL`` over them, tagged, in one row layout:

    (part, key, label, n1, n2, ... n21)

``key`` is the group (NULL without one); ``label`` a text (the follow-up time point, the adverse event's
kind); the numbers are each part's own columns, padded with NULL. The parts are the very statements of
``queries`` (``sessions_stmt``, ``outcome_stmt``, ``events_stmt``, ``events_by_kind_stmt``) with their
columns laid out so; ``split`` hands each part's rows back in its statement's own columns, so the callers
read them exactly as before and the exact path (``rollup=False``) and the derived one stay comparable.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    CTE,
    BigInteger,
    ColumnElement,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from ...db.models import PointRow, ReportUseRow, SessionRow, SessionVialRow, VialRow
from ...domain.report_types import BreakdownBy, ReportFilters
from . import queries as q

#: Numbers per row: the widest part (an outcome: followed up, 4 per measure, GAIS counts, satisfaction).
WIDTH = 1 + 4 * 3 + 5 + 3


def base_cohort(f: ReportFilters, rollup: bool = True) -> CTE:
    """The report's sessions, once: (sid, rid, injector_id, performed_at)."""
    s = SessionRow
    stmt = select(
        s.id.label("sid"),
        func.coalesce(s.root_id, s.id).label("rid"),
        s.injector_id.label("injector_id"),
        s.performed_at.label("performed_at"),
    ).where(*q.cohort_conditions(f, s, rollup))
    return stmt.cte("cohort_base").prefix_with("MATERIALIZED")


def grouped_cohort(
    s: Session, base: CTE, f: ReportFilters, by: BreakdownBy, dialect: str, rollup: bool = True
) -> CTE:
    """(sid, rid, key) from ``base``: exactly one row per session and group it falls in (``queries.cohort``'s
    groups). ``s`` finds the months the sessions span (a month's key is then a comparison, not a call)."""
    b = base.c
    stmt: Select[Any]
    if by is BreakdownBy.INJECTOR:
        stmt = select(b.sid, b.rid, b.injector_id.label("key"))
    elif by is BreakdownBy.MONTH:
        stmt = select(b.sid, b.rid, _month(s, f, b.performed_at, dialect).label("key"))
    elif by is BreakdownBy.ZONE and rollup:
        stmt = (
            select(b.sid, b.rid, ReportUseRow.zone.label("key"))
            .join(ReportUseRow, ReportUseRow.session_id == b.sid)
            .distinct()
        )
    elif by is BreakdownBy.ZONE:
        stmt = (
            select(b.sid, b.rid, PointRow.zone.label("key"))
            .join(PointRow, PointRow.session_id == b.sid)
            .distinct()
        )
    elif by is BreakdownBy.PRODUCT:
        stmt = (
            select(b.sid, b.rid, VialRow.product_id.label("key"))
            .join(SessionVialRow, SessionVialRow.session_id == b.sid)
            .join(VialRow, VialRow.id == SessionVialRow.vial_id)
            .distinct()
        )
    else:  # dilution band of the first vial (seq 0)
        conc = q.vial_concentration()
        stmt = (
            select(b.sid, b.rid, q.band_case(conc.c.u01).label("key"))
            .join(SessionVialRow, and_(SessionVialRow.session_id == b.sid, SessionVialRow.seq == 0))
            .join(conc, conc.c.vial_id == SessionVialRow.vial_id)
        )
    return stmt.cte(f"cohort_{by.value}").prefix_with("MATERIALIZED")


def _month(s: Session, f: ReportFilters, at: Any, dialect: str) -> ColumnElement[Any]:
    """The clinic's month of ``at`` ('2026-03'). On SQLite a CASE over the UTC instants at which the
    clinic's months begin (from the time zone's rules, daylight saving included), newest first: the same
    key as ``queries.month_of``'s Python function, without calling Python for every session."""
    if dialect != "sqlite":
        return q.month_of(at, dialect, f.time_zone)
    first, last = _span(s, f)
    if first is None or last is None:
        return null()
    return month_case(at, first, last, f.time_zone)


def month_case(at: Any, first: date, last: date, zone_name: str) -> ColumnElement[Any]:
    """'YYYY-MM' of the clinic's month ``at`` (a stored UTC time) falls in, for times from the month of
    ``first`` to that of ``last`` (NULL outside): a CASE over when each month begins, newest first."""
    months: list[tuple[str, datetime]] = []
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        months.append((f"{y:04d}-{m:02d}", q.day_start(date(y, m, 1), zone_name)))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    if not months:
        return null()
    later = q.day_start(date(y, m, 1), zone_name)  # when the month after ``last`` begins
    whens = [(at >= start, key) for key, start in reversed(months)]
    return case((at >= later, null()), *whens, else_=null())


def _span(s: Session, f: ReportFilters) -> tuple[date | None, date | None]:
    """The first and last dates of the sessions stored within the filters' dates (min and max over the
    date index), widened by a month either side: a session near midnight at a month's edge, in the
    clinic's zone, is never outside the CASE."""
    at = SessionRow.performed_at
    stmt = select(func.min(at), func.max(at))
    if f.start is not None:
        stmt = stmt.where(at >= q.day_start(f.start, f.time_zone))
    if f.end is not None:
        stmt = stmt.where(at < q.day_start(f.end + timedelta(days=1), f.time_zone))
    lo, hi = s.execute(stmt).one()
    if lo is None or hi is None:
        return None, None
    return _shift(lo.date(), -1), _shift(hi.date(), 1)


def _shift(d: date, months: int) -> date:
    y, m = divmod(d.year * 12 + d.month - 1 + months, 12)
    return date(y, m + 1, min(d.day, calendar.monthrange(y, m + 1)[1]))


# -- the one statement ---------------------------------------------------------------------------------
def tagged(part: str, stmt: Select[Any], keyed: bool, labelled: bool = False) -> Select[Any]:
    """``stmt``'s columns in the common layout: (part, key, label, numbers..., NULL padding)."""
    cols = list(stmt.selected_columns)
    key = cols.pop(0) if keyed else null()  # ``run`` puts keyed parts first: PostgreSQL types it so
    label = cols.pop(0) if labelled else cast(null(), String)
    if len(cols) > WIDTH:
        raise ValueError(f"part {part} has {len(cols)} numbers, the layout {WIDTH}")
    return stmt.with_only_columns(
        literal(part).label("part"),
        key.label("key"),
        label.label("label"),
        *(c.label(f"n{i}") for i, c in enumerate(cols)),
        *(cast(null(), BigInteger).label(f"n{i}") for i in range(len(cols), WIDTH)),
        maintain_column_froms=True,
    )


def split(rows: Sequence[Any], widths: dict[str, tuple[bool, bool, int]]) -> dict[str, list[tuple[Any, ...]]]:
    """Each part's rows back in its statement's own columns: ``widths[part]`` = (keyed, labelled, numbers)."""
    out: dict[str, list[tuple[Any, ...]]] = {part: [] for part in widths}
    for r in rows:
        keyed, labelled, n = widths[r[0]]
        out[r[0]].append((*([r[1]] if keyed else []), *([r[2]] if labelled else []), *r[3 : 3 + n]))
    return out


def numbers(stmt: Select[Any], keyed: bool, labelled: bool = False) -> int:
    return len(stmt.selected_columns) - int(keyed) - int(labelled)


#: A part of the statement: (its statement, keyed by a group, labelled by a text).
Part = tuple[Select[Any], bool, bool]


def run(s: Session, parts: dict[str, Part]) -> dict[str, list[tuple[Any, ...]]]:
    """Every part in one statement; each part's rows in its own statement's columns."""
    # PostgreSQL types a UNION's column from its parts in order (NULL with NULL is text): keyed parts first
    order = sorted(parts, key=lambda name: not parts[name][1])
    stmt = union_all(*(tagged(name, *parts[name]) for name in order))
    rows = s.execute(stmt).all()
    return split(
        rows, {name: (keyed, lab, numbers(st, keyed, lab)) for name, (st, keyed, lab) in parts.items()}
    )
