"""audit entries prove each record's state; adverse events carry a version

- ``audit_log.row_hash``: the hash of the audited record as the entry left it, so ``audit verify``
  proves every patient, session, vial, follow-up, adverse event, user, product and the clinic settings
  (an edit made behind the application no longer matches its newest entry).
- ``ix_audit_log_entity``: the newest entry of one record, found without scanning the trail.
- ``adverse_events.version``: a stale edit from another workstation is refused.

The columns are added with ALTER TABLE ADD COLUMN (no table copy), so the append-only triggers on
``audit_log`` stay in place.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A SQLite database downgraded from 0004 kept the column (see downgrade): add it only when missing.
    if "row_hash" not in {c["name"] for c in sa.inspect(op.get_bind()).get_columns("audit_log")}:
        op.add_column("audit_log", sa.Column("row_hash", sa.String(length=64), nullable=True))
    op.create_index("ix_audit_log_entity", "audit_log", ["entity", "entity_id", "id"], unique=False)
    op.add_column("adverse_events", sa.Column("version", sa.Integer(), server_default="1", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("adverse_events", schema=None) as batch_op:
        batch_op.drop_column("version")
    op.drop_index("ix_audit_log_entity", table_name="audit_log")
    # audit_log keeps row_hash: the entries' hashes cover it, so dropping it would break the chain (and on
    # SQLite dropping a column copies the table, losing the append-only triggers). upgrade() reuses it.
