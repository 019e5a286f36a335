"""Many rows into one table at once, already as the driver takes them: the demo build's millions of
points, an import's patients, their audit entries.

SQLite takes them with the driver's ``executemany`` (one prepared statement, stepped per row, in
process). PostgreSQL takes them with ``COPY ... FROM STDIN``: one stream, parsed by the server as a
file, where ``executemany`` makes it plan, execute and answer one INSERT per row (the 100k demo's 2.3
million points took ten times as long; benchmarks/bench_scale.py's "PG 100k demo build" row). Both run
in the caller's transaction, and both fire the table's triggers and check its constraints as an INSERT
does: a row refused rolls the whole statement back with the server's message.

PostgreSQL refuses COPY into a table whose row rules (row-level security) apply to the writer. The
application copies only into the patients and the audit trail, which have none, under the signed-in
user's own login role (tests/db/test_pg_user_roles.py); the demo build copies into the session tables,
which have rules, as their owner, to whom the rules do not apply. A table given row rules later must not
be written here by a user's role.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

#: Rows handed to the driver per ``executemany`` (SQLite) or per COPY (PostgreSQL).
BATCH = 50_000


def insert_rows(
    conn: Connection, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], *, batch: int = BATCH
) -> None:
    """``rows`` (each a value per column of ``columns``, bound as the driver takes them: plain numbers,
    strings, times) into ``table``, in ``conn``'s transaction."""
    if not rows:
        return
    driver = driver_of(conn)
    names = ", ".join(columns)
    cursor = driver.cursor()
    try:
        if conn.dialect.name == "postgresql":
            for start in range(0, len(rows), batch):
                with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows[start : start + batch]:
                        copy.write_row(row)
            return
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join([mark] * len(columns))})"
        for start in range(0, len(rows), batch):
            cursor.executemany(sql, rows[start : start + batch])
    finally:
        cursor.close()


def driver_of(conn: Connection) -> Any:
    """The driver's own connection under ``conn`` (sqlite3's, SQLCipher's or psycopg's)."""
    driver = conn.connection.driver_connection
    if driver is None:  # only a pooled connection that was closed has none
        raise RuntimeError("the database connection is closed")
    return driver
