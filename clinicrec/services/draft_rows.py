"""A new draft's rows written with plain statements built once (issue 17: saving a hundred-point session).

The ORM's unit of work for a new session row cost an insert, then an update of its ``root_id`` (an
original is its own chain's root, and its id is known only after the insert) checked and bumped as a
new version, and a flush each for its vial links and baseline. Here the session row is inserted with
its ``root_id`` in the same statement: its id is taken first, inside the statement, from the same source
the database would use (SQLite: one past the largest id, as SQLite picks a rowid for a table without
AUTOINCREMENT; PostgreSQL: the id column's own sequence), so every reader sees the same row as before:
``root_id`` equal to its id, version 1. The children go in with one statement each.

The rows written are the same as the ORM wrote (tests/services/test_charting_save.py compares a new
draft's rows, its entry and its state hash with those of the session read back).
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Integer, Table, bindparam, func, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql.dml import Insert

from ..db.models import AcknowledgementRow, AssessmentRow, SessionRow, SessionScreeningRow, SessionVialRow
from ..db.pipeline import Statement

SESSIONS = cast(Table, SessionRow.__table__)
LINKS = cast(Table, SessionVialRow.__table__)
ACKNOWLEDGEMENTS = cast(Table, AcknowledgementRow.__table__)
SCREENINGS = cast(Table, SessionScreeningRow.__table__)
ASSESSMENTS = cast(Table, AssessmentRow.__table__)
#: The session row's columns a new draft's insert binds (every one but its id and root_id).
ROW_COLUMNS = tuple(c.name for c in SESSIONS.columns if c.name not in ("id", "root_id"))

_ROW_STATEMENTS: dict[tuple[str, bool], Insert] = {}


def _next_id(dialect: str) -> Any:
    """The id the database would give the next session row, as a one-row select (``n``)."""
    if dialect == "postgresql":
        seq = func.pg_get_serial_sequence(SESSIONS.name, "id")
        return select(func.nextval(seq).label("n"))
    return select((func.coalesce(func.max(SESSIONS.c.id), 0) + 1).label("n"))


def _row_statement(dialect: str, own_root: bool) -> Insert:
    """The session row's insert, returning its id. ``own_root``: an original, its ``root_id`` its own id;
    else (an amendment) ``root_id`` is bound (``root``: the chain's root, the amended session's)."""
    key = (dialect, own_root)
    stmt = _ROW_STATEMENTS.get(key)
    if stmt is None:
        q = _next_id(dialect).subquery("next_id")
        root: Any = q.c.n if own_root else bindparam("root", type_=Integer)
        values = [bindparam("v_" + c, type_=SESSIONS.c[c].type) for c in ROW_COLUMNS]
        stmt = (
            insert(SESSIONS)
            .from_select(["id", "root_id", *ROW_COLUMNS], select(q.c.n, root, *values).select_from(q))
            .returning(SESSIONS.c.id)
        )
        _ROW_STATEMENTS[key] = stmt
    return stmt


def insert_session(conn: Connection, values: dict[str, Any], root_id: int | None, *, own_root: bool) -> int:
    """Insert a new session row of ``values`` (``ROW_COLUMNS``; a missing one is NULL) and return its id."""
    params: dict[str, Any] = {"v_" + c: values.get(c) for c in ROW_COLUMNS}
    if not own_root:
        params["root"] = root_id
    return int(conn.execute(_row_statement(conn.dialect.name, own_root), params).scalar_one())


_INSERT_LINKS = insert(LINKS)
_INSERT_ACKNOWLEDGEMENTS = insert(ACKNOWLEDGEMENTS)
_INSERT_SCREENING = insert(SCREENINGS)
_INSERT_ASSESSMENT = insert(ASSESSMENTS).returning(ASSESSMENTS.c.id)


def link_statements(mark: str, session_id: int, vial_ids: list[int]) -> list[Statement]:
    """``insert_links``' rows as the driver's statements (``mark``: its parameter mark), to be sent with
    others (``saved_drafts.write_points``' ``also``: on PostgreSQL in the points' round trip)."""
    sql = f"INSERT INTO {LINKS.name} (session_id, vial_id, seq) VALUES ({mark}, {mark}, {mark})"
    return [(sql, (session_id, v, i)) for i, v in enumerate(vial_ids)]


def insert_links(conn: Connection, session_id: int, vial_ids: list[int]) -> None:
    if vial_ids:
        conn.execute(
            _INSERT_LINKS,
            [{"session_id": session_id, "vial_id": v, "seq": i} for i, v in enumerate(vial_ids)],
        )


def insert_acknowledgements(conn: Connection, session_id: int, rows: list[dict[str, Any]]) -> None:
    """``rows``: each acknowledgement's columns but its id and session, in the order they are kept."""
    if rows:  # executed in order: their ids (the order they are read back in) follow the list's
        conn.execute(_INSERT_ACKNOWLEDGEMENTS, [{"session_id": session_id, **values} for values in rows])


def insert_screening(conn: Connection, session_id: int, values: dict[str, Any]) -> None:
    conn.execute(_INSERT_SCREENING, {"session_id": session_id, **values})


def insert_assessment(conn: Connection, values: dict[str, Any]) -> int:
    """Insert an assessment row (``values``: every column but its id) and return its id."""
    return int(conn.execute(_INSERT_ASSESSMENT, values).scalar_one())
