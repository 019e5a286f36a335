"""signed consents, consent settings per form, prescriber orders, the chart review queue

``consents`` keeps the exact text signed, the signature (strokes and image, a typed name, or a scanned
paper form with its reason), the witness, time and workstation; it is never edited, only withdrawn or
superseded. ``consent_settings``: validity and rules per form. ``prescriber_orders``: what a nurse may
inject for a patient. ``chart_reviews`` and ``oversight_settings``: the medical director's queue. On
PostgreSQL the group roles are granted the new tables (clinicrec/db/pg_roles.py).

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("form_key", sa.String(length=60), nullable=False),
        sa.Column("form_kind", sa.String(length=20), nullable=False),
        sa.Column("form_version", sa.String(length=40), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_sha256", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.String(length=100), nullable=False),
        sa.Column("signature_kind", sa.String(length=10), nullable=False),
        sa.Column("strokes", sa.Text(), nullable=False),
        sa.Column("signature_png", sa.LargeBinary(), nullable=True),
        sa.Column("typed_name", sa.String(length=100), nullable=False),
        sa.Column("device", sa.String(length=20), nullable=False),
        sa.Column("scan", sa.LargeBinary(), nullable=True),
        sa.Column("scan_type", sa.String(length=40), nullable=False),
        sa.Column("paper_reason", sa.Text(), nullable=False),
        sa.Column("witness_id", sa.Integer(), nullable=False),
        sa.Column("signed_at", sa.DateTime(), nullable=False),
        sa.Column("workstation", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.Column("withdrawn_reason", sa.Text(), nullable=False),
        sa.Column("withdrawn_by_id", sa.Integer(), nullable=True),
        sa.Column("superseded_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_consents_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(["witness_id"], ["users.id"], name=op.f("fk_consents_witness_id_users")),
        sa.ForeignKeyConstraint(
            ["withdrawn_by_id"], ["users.id"], name=op.f("fk_consents_withdrawn_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["superseded_by_id"], ["consents.id"], name=op.f("fk_consents_superseded_by_id_consents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
    )
    op.create_index(op.f("ix_consents_patient_id"), "consents", ["patient_id"])
    op.create_index("ix_consents_patient_form", "consents", ["patient_id", "form_key", "status"])
    op.create_table(
        "consent_settings",
        sa.Column("form_key", sa.String(length=60), nullable=False),
        sa.Column("validity_months", sa.Integer(), nullable=False),
        sa.Column("required_for_signing", sa.Boolean(), nullable=False),
        sa.Column("typed_name_allowed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("form_key", name=op.f("pk_consent_settings")),
    )
    op.create_table(
        "prescriber_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("prescriber_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("areas", sa.String(length=300), nullable=False),
        sa.Column("max_units", sa.Double(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("signed_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.Column("withdrawn_reason", sa.Text(), nullable=False),
        sa.Column("withdrawn_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_prescriber_orders_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["prescriber_id"], ["users.id"], name=op.f("fk_prescriber_orders_prescriber_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_prescriber_orders_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["withdrawn_by_id"], ["users.id"], name=op.f("fk_prescriber_orders_withdrawn_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prescriber_orders")),
    )
    op.create_index(op.f("ix_prescriber_orders_patient_id"), "prescriber_orders", ["patient_id"])
    op.create_table(
        "chart_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("queued_at", sa.DateTime(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["treatment_sessions.id"],
            name=op.f("fk_chart_reviews_session_id_treatment_sessions"),
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"], ["users.id"], name=op.f("fk_chart_reviews_reviewer_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chart_reviews")),
        sa.UniqueConstraint("session_id", name=op.f("uq_chart_reviews_session_id")),
    )
    op.create_index(op.f("ix_chart_reviews_status"), "chart_reviews", ["status"])
    op.create_table(
        "oversight_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_share_percent", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oversight_settings")),
    )
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        from clinicrec.db.pg_roles import group_statements

        tables = [
            r[0]
            for r in bind.exec_driver_sql(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
            ).fetchall()
        ]
        for stmt in group_statements(tables=tables):
            bind.exec_driver_sql(stmt)


def downgrade() -> None:
    op.drop_table("oversight_settings")
    op.drop_index(op.f("ix_chart_reviews_status"), table_name="chart_reviews")
    op.drop_table("chart_reviews")
    op.drop_index(op.f("ix_prescriber_orders_patient_id"), table_name="prescriber_orders")
    op.drop_table("prescriber_orders")
    op.drop_table("consent_settings")
    op.drop_index("ix_consents_patient_form", table_name="consents")
    op.drop_index(op.f("ix_consents_patient_id"), table_name="consents")
    op.drop_table("consents")
