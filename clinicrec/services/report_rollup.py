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

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from ..db.models import ReportOutcomeRow, ReportUseRow
from ..db.report_rollup import fill, outcome_select, use_select


def refresh(s: Session, session_ids: Iterable[int]) -> None:
    """Recompute the derived rows of the chains of ``session_ids`` in ``s``'s transaction."""
    s.flush()
    fill(s, set(session_ids))


def rebuild(s: Session | Connection) -> None:
    """Recompute every derived row (after a bulk load that bypassed ``refresh``)."""
    fill(s, None)


def differences(s: Session) -> list[str]:
    """What the derived tables say that the clinical tables do not (empty when they agree)."""
    out: list[str] = []
    pairs = (
        ("report_session_use", select(*ReportUseRow.__table__.c), use_select()),
        ("report_outcomes", select(*ReportOutcomeRow.__table__.c), outcome_select()),
    )
    for name, stored_stmt, fresh_stmt in pairs:
        stored = {_key(r) for r in s.execute(stored_stmt).all()}
        fresh = {_key(r) for r in s.execute(fresh_stmt).all()}
        out += [f"{name}: stale {r}" for r in sorted(stored - fresh, key=str)[:20]]
        out += [f"{name}: missing {r}" for r in sorted(fresh - stored, key=str)[:20]]
    return out


def _key(row: object) -> tuple[object, ...]:
    """A row with float sums rounded to the 1/10000 U the chart stores."""
    return tuple(round(v, 4) if isinstance(v, float) else v for v in row)  # type: ignore[attr-defined]
