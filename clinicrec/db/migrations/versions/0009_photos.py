"""before and after photos: photo consents, photo records with thumbnails, image bytes on PostgreSQL

``photo_consents``: each recorded photo consent (scopes clinical, teaching, marketing), newest stands.
``photos``: a photo's record, its SHA-256, its thumbnail, landmarks and voiding. ``photo_blobs``: the
image bytes by SHA-256, used on PostgreSQL (a SQLite clinic keeps them as files beside the database).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "photo_consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("clinical", sa.Boolean(), nullable=False),
        sa.Column("teaching", sa.Boolean(), nullable=False),
        sa.Column("marketing", sa.Boolean(), nullable=False),
        sa.Column("given_on", sa.Date(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_photo_consents_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_photo_consents_recorded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photo_consents")),
    )
    op.create_index(op.f("ix_photo_consents_patient_id"), "photo_consents", ["patient_id"])
    op.create_table(
        "photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("view", sa.String(length=20), nullable=False),
        sa.Column("zone", sa.String(length=30), nullable=True),
        sa.Column("time_point", sa.String(length=20), nullable=False),
        sa.Column("other_date", sa.Date(), nullable=True),
        sa.Column("taken_at", sa.DateTime(), nullable=False),
        sa.Column("taken_by_id", sa.Integer(), nullable=False),
        sa.Column("device", sa.String(length=120), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("media_type", sa.String(length=30), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("thumbnail", sa.LargeBinary(), nullable=False),
        sa.Column("landmarks", sa.String(length=80), nullable=True),
        sa.Column("voided_at", sa.DateTime(), nullable=True),
        sa.Column("voided_by_id", sa.Integer(), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["patient_id"], ["patients.id"], name=op.f("fk_photos_patient_id_patients")),
        sa.ForeignKeyConstraint(
            ["session_id"], ["treatment_sessions.id"], name=op.f("fk_photos_session_id_treatment_sessions")
        ),
        sa.ForeignKeyConstraint(["taken_by_id"], ["users.id"], name=op.f("fk_photos_taken_by_id_users")),
        sa.ForeignKeyConstraint(["voided_by_id"], ["users.id"], name=op.f("fk_photos_voided_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photos")),
    )
    op.create_index(op.f("ix_photos_sha256"), "photos", ["sha256"])
    op.create_index("ix_photos_patient", "photos", ["patient_id", "time_point", "view"])
    op.create_table(
        "photo_blobs",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_photo_blobs")),
    )


def downgrade() -> None:
    op.drop_table("photo_blobs")
    op.drop_index("ix_photos_patient", table_name="photos")
    op.drop_index(op.f("ix_photos_sha256"), table_name="photos")
    op.drop_table("photos")
    op.drop_index(op.f("ix_photo_consents_patient_id"), table_name="photo_consents")
    op.drop_table("photo_consents")
