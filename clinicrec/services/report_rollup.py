"""Keeping the reports' derived tables true (``db/report_rollup.py`` and ``db/report_days.py`` say what
they hold).

ONE call, inside the unit of work of every change that alters what they summarise, after the change:

    report_rollup.refresh(s, [session_id])

for a session's points or baseline saved (a draft, an amendment), a draft deleted, a follow-up added (any
session of the chain will do: the whole chain is recomputed); a draft's later saves call ``refresh_draft``
with what they changed. Then the day-keyed pre-aggregate of the
days and vials those chains touch. A change that alters only who is in a report, or an adverse event, or
a vial, calls ``touch`` with the sessions or vials it changed: signing, an adverse event added or
edited, a vial opened. A change of the clinic's time zone moves every day: ``rebuild_days``. The
migrations that made the tables and the demo builder fill them with ``rebuild``. ``differences``
compares them with what they summarise.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, Table, func, select
from sqlalchemy.orm import Session

from ..db import report_days
from ..db.models import (
    PointRow,
    ReportDayVials,
    ReportOutcomeRow,
    ReportUseRow,
    SessionRow,
    SessionVialRow,
)
from ..db.pipeline import Statement
from ..db.report_rollup import chains, fill, fill_own, fill_sessions, outcome_select, use_select, vials_of


def refresh(s: Session, session_ids: Iterable[int]) -> None:
    """Recompute the derived rows of the chains of ``session_ids`` in ``s``'s transaction, then the days
    they fall on and the days of the vials they drew from before and after the change."""
    ids = set(session_ids)
    conn = s.connection()  # Core statements: no autoflush, so a session being deleted is still found
    before = chains(conn, ids)
    vials = vials_of(conn, before)
    s.flush()
    chain = before | chains(conn, ids)
    fill_sessions(conn, chain)
    _refill(conn, chain, vials | vials_of(conn, chain))


def refresh_draft(
    s: Session,
    session_id: int,
    *,
    points: bool,
    baseline: bool,
    vials: Iterable[int],
    known: Mapping[int, report_days.VialKey] | None = None,
    zone: str | None = None,
    defer: list[Statement] | None = None,
) -> None:
    """``refresh`` for a draft saved (not an amendment's first save, which takes its original out of the
    sums, nor a deletion): what such a save can change, and only what it did change.

    A draft is in no day's session sums (they count signed current versions), and its save changes
    neither its chain, its status nor the follow-ups on its chain's root. So it changes only its own
    use rows, when its points' units per zone and vial changed (``points``), its own outcome rows, when
    its baseline changed (``baseline``), and, through its units drawn, the waste rows of its vials' day and
    lot (``vials``: those it linked to before or after the save, when its points or links changed).
    The tests compare the result with the exact path after each kind of draft save.

    ``known`` and ``zone``: the vials' key columns and the clinic's time zone as the save read them
    (``report_days.refill_lots_of``). ``defer``: on PostgreSQL the upserts are added to it, not run: the
    caller runs them in this transaction, before it commits, in the round trip of its last reads (their
    work on the server then costs no round trip of its own)."""
    conn = s.connection()
    fill_own(conn, session_id, use=points, outcomes=baseline, defer=defer)
    wanted = set(vials)
    if wanted:
        report_days.refill_lots_of(conn, wanted, known=known, zone=zone, defer=defer)


def touch(s: Session, session_ids: Iterable[int] = (), vial_ids: Iterable[int] = ()) -> None:
    """Recompute the days of the chains of ``session_ids`` and of the vials ``vial_ids`` (and of the
    sessions that use them): after a change that leaves the per-session rows as they are."""
    s.flush()
    conn = s.connection()
    vials = set(vial_ids)
    users: set[int] = set()
    for v in sorted(vials):
        users |= {
            int(i)
            for i in conn.execute(
                select(SessionVialRow.session_id).where(SessionVialRow.vial_id == v)
            ).scalars()
        }
    _refill(conn, chains(conn, set(session_ids) | users) if session_ids or users else set(), vials)


def _refill(conn: Any, sessions: set[int], vials: set[int]) -> None:
    session_days, vial_days = report_days.days_of(conn, sessions, vials)
    report_days.refill_some(conn, session_days, vial_days)


def rebuild(s: Session | Connection) -> None:
    """Recompute every derived row (after a bulk load that bypassed ``refresh``)."""
    fill(s, None)
    report_days.rebuild(s)


def rebuild_days(s: Session | Connection) -> None:
    """Recompute the day-keyed tables (the clinic's time zone changed: every day moved)."""
    if isinstance(s, Session):
        s.flush()
    report_days.rebuild(s)


#: Sessions compared at a time by ``differences`` (memory stays flat at a million patients).
SPAN = 20_000


def differences(s: Session, limit: int = 20) -> list[str]:
    """What the derived tables say that the clinical tables do not (empty when they agree): up to ``limit``
    stale and ``limit`` missing rows per table, each naming the table and the row's key, in session order
    (so the first line of a table is its first differing key)."""
    out: list[str] = []
    low, high = s.execute(select(func.min(SessionRow.id), func.max(SessionRow.id))).one()
    for name, table, fresh_of in (
        ("report_session_use", ReportUseRow.__table__, _use_between),
        ("report_outcomes", ReportOutcomeRow.__table__, _outcomes_between),
    ):
        stale: list[str] = []
        missing: list[str] = []
        stored_low, stored_high = s.execute(
            select(func.min(table.c.session_id), func.max(table.c.session_id))
        ).one()
        lows = [v for v in (low, stored_low) if v is not None]
        highs = [v for v in (high, stored_high) if v is not None]
        start, end = (min(lows), max(highs)) if lows else (1, 0)
        while start <= end and (len(stale) < limit or len(missing) < limit):
            stop = start + SPAN - 1
            stored_stmt = select(*table.c).where(table.c.session_id.between(start, stop))
            stored = {_key(r) for r in s.execute(stored_stmt).all()}
            fresh = {_key(r) for r in s.execute(fresh_of(start, stop)).all()}
            stale += [f"{name}: stale {r}" for r in sorted(stored - fresh, key=_order)]
            missing += [f"{name}: missing {r}" for r in sorted(fresh - stored, key=_order)]
            start = stop + 1
        out += stale[:limit] + missing[:limit]
    return out + day_differences(s, limit)


def day_differences(s: Session, limit: int = 20) -> list[str]:
    """``differences`` for the day-keyed tables: their rows against the same sums computed afresh from the
    clinical tables (not from the per-session tables, whose own drift is named above), in key order."""
    conn = s.connection()
    dialect, zone_name = conn.dialect.name, report_days.zone_of(conn)
    use = _named(use_select(), ("session_id", "zone", "vial_id", "units", "points"), "fresh_use")
    names = ("session_id", "time_point", "pores", "oil", "redness", "gais", "satisfaction")
    outcomes = _named(outcome_select(), names, "fresh_outcomes")
    fresh_of: dict[Table, Any] = dict(report_days.session_selects(dialect, zone_name, None, use, outcomes))
    fresh_of[ReportDayVials] = report_days.vial_select(dialect, zone_name, None, use)
    out: list[str] = []
    for table, stmt in fresh_of.items():
        stored = {_key(r) for r in s.execute(select(*table.c)).all()}
        fresh = {_key(r) for r in s.execute(stmt).all()}
        out += [f"{table.name}: stale {r}" for r in sorted(stored - fresh, key=str)[:limit]]
        out += [f"{table.name}: missing {r}" for r in sorted(fresh - stored, key=str)[:limit]]
    return out


def _named(stmt: Any, names: tuple[str, ...], name: str) -> Any:
    """``stmt`` as a subquery whose columns are called ``names`` (a derived table's own)."""
    sub = stmt.subquery()
    return select(*(c.label(n) for c, n in zip(sub.c, names, strict=True))).subquery(name)


def _use_between(start: int, stop: int) -> Any:
    return use_select().where(PointRow.session_id.between(start, stop))


def _outcomes_between(start: int, stop: int) -> Any:
    return outcome_select().where(SessionRow.id.between(start, stop))


def _order(row: tuple[object, ...]) -> tuple[object, str]:
    return (row[0], str(row[1:]))  # by session, then the rest of the key


def _key(row: object) -> tuple[object, ...]:
    """A row with float sums rounded to the 1/10000 U the chart stores."""
    return tuple(round(v, 4) if isinstance(v, float) else v for v in row)  # type: ignore[attr-defined]
