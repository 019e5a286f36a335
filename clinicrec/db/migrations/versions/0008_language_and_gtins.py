"""patients' preferred language for printed material; products' carton GTINs for barcode scans

``patients.preferred_language`` ('en' or 'es', default 'en'): the handout and leaflet are printed in
it. ``products.gtins``: comma-separated 14-digit GTINs, so that a scanned vial carton (GS1 AI 01)
names its product. Both have server defaults, so existing rows read back as before.

Revision ID: 0008
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("preferred_language", sa.String(length=8), nullable=False, server_default="en")
        )
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("gtins", sa.String(length=300), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_column("gtins")
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.drop_column("preferred_language")
