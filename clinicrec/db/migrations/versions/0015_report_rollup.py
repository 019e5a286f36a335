"""the reports' derived tables: points per session, zone and vial; outcomes per session and follow-up

Reports at a million patients read a few rows per session instead of every point and assessment
(clinicrec/db/report_rollup.py). Created and filled here; kept by services/report_rollup.py.

Revision ID: 0015
Revises: 0016
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from clinicrec.db.report_rollup import fill

revision = "0015"
down_revision = "0016"  # 0010 on the branch; re-chained after 0016 when main was merged
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_session_use",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("zone", sa.String(length=30), nullable=False),
        sa.Column("vial_id", sa.Integer(), nullable=False),
        sa.Column("units", sa.Double(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("session_id", "zone", "vial_id", name=op.f("pk_report_session_use")),
    )
    op.create_index("ix_report_session_use_vial", "report_session_use", ["vial_id", "session_id", "units"])
    op.create_table(
        "report_outcomes",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("time_point", sa.String(length=20), nullable=False),
        sa.Column("pores", sa.Integer(), nullable=True),
        sa.Column("oil", sa.Integer(), nullable=True),
        sa.Column("redness", sa.Integer(), nullable=True),
        sa.Column("gais", sa.String(length=30), nullable=True),
        sa.Column("satisfaction", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("session_id", "time_point", name=op.f("pk_report_outcomes")),
    )
    fill(op.get_bind())


def downgrade() -> None:
    op.drop_table("report_outcomes")
    op.drop_index("ix_report_session_use_vial", table_name="report_session_use")
    op.drop_table("report_session_use")
