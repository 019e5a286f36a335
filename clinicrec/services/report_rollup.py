"""Keeping the reports' derived tables true (``db/report_rollup.py`` says what they hold).

ONE call, inside the unit of work of every change that alters what they summarise, after the change:

    report_rollup.refresh(s, [session_id])

for a session's points or baseline saved (a draft, an amendment), a draft deleted, a follow-up added (any
session of the chain will do: the whole chain is recomputed). Signing changes nothing here (the reports
pick signed, current versions from the sessions themselves). The migration that made the tables and the
demo builder fill them with ``rebuild``. ``differences`` compares them with the clinical tables.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from ..db.models import PointRow, ReportOutcomeRow, ReportUseRow, SessionRow
from ..db.report_rollup import fill, outcome_select, use_select


def refresh(s: Session, session_ids: Iterable[int]) -> None:
    """Recompute the derived rows of the chains of ``session_ids`` in ``s``'s transaction."""
    s.flush()
    fill(s, set(session_ids))


def rebuild(s: Session | Connection) -> None:
    """Recompute every derived row (after a bulk load that bypassed ``refresh``)."""
    fill(s, None)


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
    return out


def _use_between(start: int, stop: int) -> Any:
    return use_select().where(PointRow.session_id.between(start, stop))


def _outcomes_between(start: int, stop: int) -> Any:
    return outcome_select().where(SessionRow.id.between(start, stop))


def _order(row: tuple[object, ...]) -> tuple[object, str]:
    return (row[0], str(row[1:]))  # by session, then the rest of the key


def _key(row: object) -> tuple[object, ...]:
    """A row with float sums rounded to the 1/10000 U the chart stores."""
    return tuple(round(v, 4) if isinstance(v, float) else v for v in row)  # type: ignore[attr-defined]
