"""a note per injection point

``injection_points.note`` (at most 120 characters, default ''): what happened at that point ("bled",
"patient flinched"), entered on the face map, saved and audited with the draft, read-only once signed.
Existing points read back with no note. The column changes the stored form of every session with
points, so the upgrade records itself on those sessions (services/audit_upgrade.py).

Revision ID: 0014
Revises: 0010
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0015"  # 0010 on its branch; re-chained after 0015 when merged
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("injection_points", schema=None) as batch_op:
        batch_op.add_column(sa.Column("note", sa.String(length=120), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("injection_points", schema=None) as batch_op:
        batch_op.drop_column("note")
