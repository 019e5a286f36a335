"""PostgreSQL: one login role per ClinicRec user, group roles per ClinicRec role, row rules

On PostgreSQL only (nothing changes on SQLite): the group roles clinicrec_injector, clinicrec_manager
and clinicrec_admin with exactly the table privileges of the role x action matrix; row-level security
on users (only one's own row, unless an administrator) and treatment_sessions (signed sessions never
change; injectors change only their own drafts); a trigger that refuses an audit entry written in
anyone's name but the writer's. See clinicrec/db/pg_roles.py and docs/postgresql.md. The schema
owner needs CREATEROLE to run it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    from clinicrec.db.pg_roles import ACCESS_SQL, group_statements

    tables = [
        r[0]
        for r in bind.exec_driver_sql(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        ).fetchall()
    ]
    for stmt in group_statements(tables=tables) + ACCESS_SQL:
        bind.exec_driver_sql(stmt)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for stmt in (
        "DROP TRIGGER IF EXISTS audit_log_identity ON audit_log",
        "ALTER TABLE users DISABLE ROW LEVEL SECURITY",
        "ALTER TABLE treatment_sessions DISABLE ROW LEVEL SECURITY",
    ):
        bind.exec_driver_sql(stmt)
