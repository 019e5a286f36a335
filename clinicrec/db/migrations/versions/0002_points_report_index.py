"""covering index on injection points for the outcome reports

The reports filter and group sessions by the zones they treated and sum units per vial; with the
plain session_id index SQLite reads every point row for that (about 4x slower on a 100k-patient
clinic). The new index starts with session_id, so it replaces ix_injection_points_session_id.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("injection_points", schema=None) as batch_op:
        batch_op.create_index(
            "ix_injection_points_session_zone", ["session_id", "zone", "vial_id", "units"], unique=False
        )
        batch_op.drop_index(batch_op.f("ix_injection_points_session_id"))
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ANALYZE injection_points")  # so the planner knows the new index at once


def downgrade() -> None:
    with op.batch_alter_table("injection_points", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_injection_points_session_id"), ["session_id"], unique=False)
        batch_op.drop_index("ix_injection_points_session_zone")
