"""skin analysis figures stored with the photo they were measured on

``photo_measurements``: one measurement of one photo (quality checks, landmarks used, engine version);
measuring again adds a row, the newest counts. ``photo_zone_figures``: that measurement's figures per
face-map zone (redness, pores, shine), NULL where a figure could not be measured.

Revision ID: 0016
Revises: 0010
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "photo_measurements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("photo_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("measured_at", sa.DateTime(), nullable=False),
        sa.Column("measured_by_id", sa.Integer(), nullable=False),
        sa.Column("engine_version", sa.String(length=20), nullable=False),
        sa.Column("landmarks", sa.Text(), nullable=False),
        sa.Column("px_per_mm", sa.Double(), nullable=False),
        sa.Column("scale_source", sa.String(length=20), nullable=False),
        sa.Column("colour_source", sa.String(length=20), nullable=False),
        sa.Column("skin_median_luma", sa.Double(), nullable=False),
        sa.Column("clipped_share", sa.Double(), nullable=False),
        sa.Column("blur", sa.Double(), nullable=False),
        sa.Column("problems", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["photo_id"], ["photos.id"], name=op.f("fk_photo_measurements_photo_id_photos")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_photo_measurements_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["measured_by_id"], ["users.id"], name=op.f("fk_photo_measurements_measured_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photo_measurements")),
    )
    op.create_index(op.f("ix_photo_measurements_photo_id"), "photo_measurements", ["photo_id"])
    op.create_index(op.f("ix_photo_measurements_patient_id"), "photo_measurements", ["patient_id"])
    op.create_table(
        "photo_zone_figures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("measurement_id", sa.Integer(), nullable=False),
        sa.Column("zone", sa.String(length=30), nullable=False),
        sa.Column("area_cm2", sa.Double(), nullable=False),
        sa.Column("measured_share", sa.Double(), nullable=False),
        sa.Column("redness_a_mean", sa.Double(), nullable=True),
        sa.Column("red_share", sa.Double(), nullable=True),
        sa.Column("pores_per_cm2", sa.Double(), nullable=True),
        sa.Column("pore_area_share", sa.Double(), nullable=True),
        sa.Column("pore_count", sa.Integer(), nullable=True),
        sa.Column("shine_share", sa.Double(), nullable=True),
        sa.Column("problems", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["measurement_id"],
            ["photo_measurements.id"],
            name=op.f("fk_photo_zone_figures_measurement_id_photo_measurements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photo_zone_figures")),
    )
    op.create_index(op.f("ix_photo_zone_figures_measurement_id"), "photo_zone_figures", ["measurement_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_photo_zone_figures_measurement_id"), table_name="photo_zone_figures")
    op.drop_table("photo_zone_figures")
    op.drop_index(op.f("ix_photo_measurements_patient_id"), table_name="photo_measurements")
    op.drop_index(op.f("ix_photo_measurements_photo_id"), table_name="photo_measurements")
    op.drop_table("photo_measurements")
