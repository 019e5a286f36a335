"""the clinic's date order and dose precision

``clinic.date_order`` ("iso", "dmy", "mdy"): how dates are typed and shown. ``clinic.units_step``: the
dose precision in units every units figure is written to. Existing clinics keep ISO dates and 0.1 U.

Revision ID: 0017
Revises: 0010
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0014"  # 0010 on its branch; re-chained after 0014 when merged
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clinic") as batch:
        batch.add_column(sa.Column("date_order", sa.String(length=3), server_default="iso", nullable=False))
        batch.add_column(sa.Column("units_step", sa.Double(), server_default="0.1", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("clinic") as batch:
        batch.drop_column("units_step")
        batch.drop_column("date_order")
