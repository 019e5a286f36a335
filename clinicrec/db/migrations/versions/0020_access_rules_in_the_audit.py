"""a form's consent settings and the access tokens are part of the audited state; PostgreSQL's rules
for signing and for a session's own rows

No table changes. Until this version ``audit verify`` did not prove ``consent_settings`` or
``access_tokens``: a consent made optional for signing, or a revoked token un-revoked, made an
administrator's or given until 2099, by SQL behind the application went unnoticed, although the
neighbouring ``oversight_settings`` was proven. From this version their entries hold the rows' hashes
(services/audit_state.py), and the upgrade gives every such row the application had audited an entry
with its hash (services/audit_upgrade.py ``FIRST_PROVEN``).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """No table changes: the revision marks the new hashing for the upgrade's entries. On PostgreSQL the
    row rules are brought up to date (db/pg_roles.py): a draft may be signed by its writer (the rule for
    changing a draft was applied to the signed row too, so no one signed in with their own login role
    could sign), and a session's own rows (points, vial links, acknowledgements, screening, baseline)
    follow the session's rule: a signed chart's are never changed."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    from clinicrec.db.pg_roles import ACCESS_SQL, session_part_statements

    for stmt in ACCESS_SQL + session_part_statements():
        bind.exec_driver_sql(stmt)


def downgrade() -> None:
    """Nothing to undo."""
