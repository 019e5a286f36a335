"""The reports' derived tables (``report_session_use``, ``report_outcomes``): the statements that fill them.

Both hold per-session facts that the reports would otherwise gather from millions of rows at every run:

* ``report_session_use``: a session's points summed per (zone, vial), about 4 rows per session instead
  of about 60 points;
* ``report_outcomes``: per session version and follow-up time point, the latest follow-up on the chain's
  root (by date, then entry order) against the version's own baseline.

They hold every session (drafts and superseded versions too): the reports' cohort picks the signed,
current versions, exactly as it does from the clinical tables. So a session's rows change only when its
points, its baseline or its chain's follow-ups do, never when it is signed or amended.

``fill`` (re)computes the rows of some chains, or of all; the migration that creates the tables and the
demo builder call it for all, the services (``services/report_rollup.py``) for the chains a change
touched, inside the change's own transaction.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, cast

from sqlalchemy import Integer, Table, and_, bindparam, delete, exists, func, insert, or_, select, union_all
from sqlalchemy.orm import Session

from .models import AssessmentRow, PointRow, ReportOutcomeRow, ReportUseRow, SessionRow, SessionVialRow
from .pipeline import Precompiled, Statement

BASELINE = "baseline"
MEASURE_COLUMNS = ("pores", "oil", "redness")
#: Ids per statement (SQLite's bound-parameter limit is far above this).
CHUNK = 500


def _ids() -> Any:
    return bindparam("ids", expanding=True)


def use_select(restricted: bool = False) -> Any:
    """(session, zone, vial, units, points) from the points (``restricted``: of the sessions ``ids``)."""
    stmt = select(
        PointRow.session_id, PointRow.zone, PointRow.vial_id, func.sum(PointRow.units), func.count()
    ).group_by(PointRow.session_id, PointRow.zone, PointRow.vial_id)
    return stmt.where(PointRow.session_id.in_(_ids())) if restricted else stmt


def outcome_select(restricted: bool = False) -> Any:
    """(session, time point, change of each measure, GAIS, satisfaction) from the assessments
    (``restricted``: of the sessions ``ids``)."""
    s = SessionRow
    fu = AssessmentRow.__table__.alias("fu")
    base = AssessmentRow.__table__.alias("base")
    later = AssessmentRow.__table__.alias("later")
    newer = (
        select(later.c.id)
        .where(
            later.c.session_id == fu.c.session_id,
            later.c.time_point == fu.c.time_point,
            or_(
                later.c.assessed_on > fu.c.assessed_on,
                and_(later.c.assessed_on == fu.c.assessed_on, later.c.id > fu.c.id),
            ),
        )
        .exists()
    )
    stmt = (
        select(
            s.id,
            fu.c.time_point,
            *(fu.c[m] - base.c[m] for m in MEASURE_COLUMNS),
            fu.c.gais,
            fu.c.satisfaction,
        )
        .select_from(s)
        .join(fu, fu.c.session_id == func.coalesce(s.root_id, s.id))
        .outerjoin(base, and_(base.c.session_id == s.id, base.c.time_point == BASELINE))
        .where(fu.c.time_point != BASELINE, ~newer)
    )
    return stmt.where(s.id.in_(_ids())) if restricted else stmt


_USE = cast(Table, ReportUseRow.__table__)
_OUTCOMES = cast(Table, ReportOutcomeRow.__table__)
_USE_COLS = ("session_id", "zone", "vial_id", "units", "points")
_OUTCOME_COLS = ("session_id", "time_point", *MEASURE_COLUMNS, "gais", "satisfaction")
# Built once (a save refreshes its chain: building these each time cost more than running them).
_ROOTS = select(func.coalesce(SessionRow.root_id, SessionRow.id)).where(SessionRow.id.in_(_ids()))
_CHAIN = select(SessionRow.id).where(or_(SessionRow.root_id.in_(_ids()), SessionRow.id.in_(_ids())))
_REFILL = (
    delete(_USE).where(_USE.c.session_id.in_(_ids())),
    delete(_OUTCOMES).where(_OUTCOMES.c.session_id.in_(_ids())),
    insert(_USE).from_select(_USE_COLS, use_select(True)),
    insert(_OUTCOMES).from_select(_OUTCOME_COLS, outcome_select(True)),
)


def chains(conn: Any, session_ids: Collection[int]) -> set[int]:
    """The sessions of the chains the given sessions belong to (and the given ids, deleted or not)."""
    ids = set(session_ids)
    roots: set[int] = set()
    for part in _chunks(ids):
        roots |= {int(r) for r in conn.execute(_ROOTS, {"ids": part}).scalars()}
    for part in _chunks(roots):
        ids |= {int(r) for r in conn.execute(_CHAIN, {"ids": part}).scalars()}
    return ids


def _chunks(ids: Collection[int]) -> list[list[int]]:
    ordered = sorted(ids)
    return [ordered[i : i + CHUNK] for i in range(0, len(ordered), CHUNK)]


def fill(conn: Any, session_ids: Collection[int] | None = None) -> None:
    """Recompute the derived rows of the chains of ``session_ids`` (every session when None) on ``conn``
    (a Connection or an ORM Session), in its transaction."""
    if isinstance(conn, Session):
        conn = conn.connection()  # Core statements: the ORM's DML path costs ~2 ms a statement
    if session_ids is None:
        conn.execute(delete(_USE))
        conn.execute(delete(_OUTCOMES))
        conn.execute(insert(_USE).from_select(_USE_COLS, use_select()))
        conn.execute(insert(_OUTCOMES).from_select(_OUTCOME_COLS, outcome_select()))
        return
    fill_sessions(conn, chains(conn, session_ids))


def fill_sessions(conn: Any, session_ids: Collection[int]) -> None:
    """Recompute the derived rows of exactly ``session_ids`` (``chains`` found them) on a Connection."""
    for part in _chunks(session_ids):
        for stmt in _REFILL:
            conn.execute(stmt, {"ids": part})


def fill_own(
    conn: Any, session_id: int, *, use: bool, outcomes: bool, defer: list[Statement] | None = None
) -> None:
    """Recompute one session's own rows, not its chain's: its use rows (``use``: its points changed) and
    its outcome rows (``outcomes``: its baseline changed). Enough when nothing else of the chain changed
    (a draft saved: follow-ups, which every version of the chain reads, are not saved with it).
    ``defer``: PostgreSQL's use rows' upsert is added to it rather than run, for the caller to run in its
    transaction before it commits, with other statements (``pipeline.run_all``: no round trip of its own)."""
    delete_use, delete_outcomes, insert_use, insert_outcomes = _REFILL
    ids = {"ids": [session_id]}
    if use and conn.dialect.name == "postgresql":
        if defer is None:
            _use_upsert().execute(conn, {"sid": session_id})
        else:
            defer.append(_use_upsert().statement(conn, {"sid": session_id}))
        use = False
    for wanted, statements in (
        (use, (delete_use, insert_use)),
        (outcomes, (delete_outcomes, insert_outcomes)),
    ):
        if wanted:
            for stmt in statements:
                conn.execute(stmt, ids)


_USE_UPSERT: list[Precompiled] = []


def _use_upsert() -> Precompiled:
    """PostgreSQL: the use rows' delete and insert of ``fill_own`` as one statement (one round trip): the
    rows summed afresh are upserted, the session's rows of any other (zone, vial) deleted beside them
    (the two touch different rows, so together they do what the two did one after the other)."""
    if not _USE_UPSERT:
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        sid: Any = bindparam("sid", type_=Integer)
        fresh = use_select().where(PointRow.session_id == sid).cte("fresh_use")
        f = fresh.c
        stale = ~exists().where(
            f.session_id == _USE.c.session_id, f.zone == _USE.c.zone, f.vial_id == _USE.c.vial_id
        )
        stale_rows = delete(_USE).where(_USE.c.session_id == sid, stale)
        gone = stale_rows.returning(_USE.c.session_id).cte("gone_use")
        stmt = pg_insert(_USE).from_select(_USE_COLS, select(fresh)).add_cte(gone)
        key = ["session_id", "zone", "vial_id"]
        _USE_UPSERT.append(
            Precompiled(
                stmt.on_conflict_do_update(
                    index_elements=key, set_={n: stmt.excluded[n] for n in _USE_COLS if n not in key}
                )
            )
        )
    return _USE_UPSERT[0]


_VIALS = union_all(
    select(_USE.c.vial_id).where(_USE.c.session_id.in_(_ids())),
    select(SessionVialRow.vial_id).where(SessionVialRow.session_id.in_(_ids())),
)


def vials_of(conn: Any, session_ids: Collection[int]) -> set[int]:
    """The vials the sessions drew from (their derived rows) or link to."""
    found: set[int] = set()
    for part in _chunks(session_ids):
        found |= {int(v) for v in conn.execute(_VIALS, {"ids": part}).scalars()}
    return found
