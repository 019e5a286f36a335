"""saved report filter presets

A manager names the reports screen's filters ("Xeomin, nose, last 3 months") to choose them again.

Revision ID: 0013
Revises: 0008
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_presets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("filters", sa.Text(), nullable=False),
        sa.Column("saved_by", sa.Integer(), nullable=False),
        sa.Column("saved_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["saved_by"], ["users.id"], name=op.f("fk_report_presets_saved_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_presets")),
        sa.UniqueConstraint("name", name=op.f("uq_report_presets_name")),
    )


def downgrade() -> None:
    op.drop_table("report_presets")
