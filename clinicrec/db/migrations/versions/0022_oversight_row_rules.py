"""PostgreSQL: row rules on consents, prescriber orders and chart reviews

No table changes; nothing changes on SQLite. With a user's own login role, the server now refuses what
only the application refused before (db/pg_roles.py ``OVERSIGHT_RULES``): a withdrawn or superseded
consent, a withdrawn order or a decided review changed again; an order written or withdrawn by anyone
but a prescriber in their own name; a review decided by its own injector, by a non-prescriber or in
someone else's name, or queued already decided. Only the columns a withdrawal, a supersession or a
decision changes may be updated at all.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    from clinicrec.db.pg_roles import (
        ACCESS_SQL,
        group_statements,
        oversight_statements,
        session_part_statements,
    )

    tables = [
        r[0]
        for r in bind.exec_driver_sql(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        ).fetchall()
    ]
    for stmt in (
        group_statements(tables=tables) + ACCESS_SQL + session_part_statements() + oversight_statements()
    ):
        bind.exec_driver_sql(stmt)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for table in ("consents", "prescriber_orders", "chart_reviews"):
        bind.exec_driver_sql(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
