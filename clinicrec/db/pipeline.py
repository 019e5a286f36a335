"""Several statements sent together: one round trip to a PostgreSQL server instead of one each (issue 17:
a save's reads of the state it hashes were a round trip per table).

psycopg's pipeline mode sends every statement before it waits for any answer; the server runs them in
order, in the caller's transaction, as if they had been sent one by one (a later one sees what an
earlier one wrote). An error in one fails the block, and the transaction, as it would have failed it
statement by statement. SQLite runs in the process: there is no round trip to save, so the statements
run one after another on one cursor.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

#: One statement in the driver's own terms: its SQL (the driver's parameter marks) and its parameters (in
#: order, or by name for a statement of named marks: ``Precompiled.statement``).
Statement = tuple[str, Sequence[Any] | Mapping[str, Any]]


def run_all(dbapi_conn: Any, statements: Sequence[Statement]) -> list[list[tuple[Any, ...]]]:
    """Each statement's rows (empty for one that returns none), in order, on the driver connection
    ``dbapi_conn`` (``Connection.connection.driver_connection``: the caller's transaction)."""
    if getattr(dbapi_conn, "pipeline", None) is None:  # sqlite3, SQLCipher: in the process
        cur = dbapi_conn.cursor()
        try:
            out = []
            for sql, params in statements:
                cur.execute(sql, params)
                out.append(cur.fetchall() if cur.description else [])
            return out
        finally:
            cur.close()
    cursors = []
    try:
        with dbapi_conn.pipeline():  # leaving the block sends them and reads every answer: one round trip
            for sql, params in statements:
                cur = dbapi_conn.cursor()
                cursors.append(cur)
                cur.execute(sql, params)
        return [cur.fetchall() if cur.description else [] for cur in cursors]
    finally:
        for cur in cursors:
            cur.close()


class Precompiled:
    """A statement compiled once per dialect and run as the driver's SQL: for a statement SQLAlchemy does
    not cache (the PostgreSQL dialect's ``INSERT … ON CONFLICT`` was compiled afresh at every run, about
    2 ms of a save's processor time for two of them). Its parameters are passed as the driver takes them:
    a UTC column's time as naive UTC, as ``db/types.UTCDateTime`` would bind it; no expanding ``IN``."""

    def __init__(self, stmt: Any) -> None:
        self._stmt = stmt
        self._compiled: dict[str, Any] = {}

    def execute(self, conn: Any, values: dict[str, Any]) -> None:
        """Run it on the SQLAlchemy ``conn`` with ``values`` (by bind parameter name)."""
        conn.exec_driver_sql(*self.statement(conn, values))

    def statement(self, conn: Any, values: dict[str, Any]) -> tuple[str, Any]:
        """It with ``values`` as the driver's SQL and parameters (by name), for ``run_all`` or
        ``exec_driver_sql``: to run later, with other statements, in the same round trip."""
        compiled = self._compiled.get(conn.dialect.name)
        if compiled is None:
            compiled = self._compiled[conn.dialect.name] = self._stmt.compile(dialect=conn.dialect)
        return compiled.string, compiled.construct_params(values)
