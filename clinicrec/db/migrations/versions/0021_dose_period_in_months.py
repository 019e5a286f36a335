"""a product's maximum-dose period may be given in calendar months

``products.max_dose_period_months`` (nullable): the label's "400 U cumulative in 3 months" counted on the
clinic's calendar dates, as DOMAIN's rules are, rather than approximated as 90 days (a session on 1 March
and one on 31 May are 3 months apart but 91 days apart: the 90 days left the first out). A product has at
most one of ``max_dose_period_days`` and ``max_dose_period_months``.

The shipped Botox Cosmetic entry (400 U in 90 days, as the catalogue gave it) is moved to 3 months by the
upgrade's audited step (services/audit_upgrade.py ``correct_catalogue``), with an entry saying so; a
product a clinic gave another period is left as it is.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("max_dose_period_months", sa.Integer(), nullable=True))


def downgrade() -> None:
    """A period in months becomes the days it approximated before (3 months: 90 days)."""
    op.execute(
        "UPDATE products SET max_dose_period_days = 30 * max_dose_period_months "
        "WHERE max_dose_period_months IS NOT NULL"
    )
    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_column("max_dose_period_months")
