"""patient list index: name order with the chart number, for search as you type

The list is sorted by (last_key, first_key, id). With only single-column indexes SQLite had to
collect and sort every match of a broad search ("c" sorted all 100,000 patients of a large clinic).
The new index walks the list in order and holds every column the search checks, so a page is found
without reading the table. It starts with last_key, so it replaces ix_patients_last_key.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.create_index(
            "ix_patients_name", ["last_key", "first_key", "id", "chart_number"], unique=False
        )
        batch_op.drop_index(batch_op.f("ix_patients_last_key"))
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ANALYZE patients")  # so the planner knows the new index at once


def downgrade() -> None:
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_patients_last_key"), ["last_key"], unique=False)
        batch_op.drop_index("ix_patients_name")
