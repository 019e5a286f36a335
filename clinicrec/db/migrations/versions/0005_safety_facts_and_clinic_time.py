"""safety: acknowledgements bound to their facts, contraindications, screening snapshots, clinic time

- acknowledgements: fingerprint and facts of the warning acknowledged, prescriber (contraindications)
- clinic: time zone (IANA name) and the common acknowledgement reasons (JSON list)
- patients: allergy status (not recorded / no known allergies / listed); a patient with allergy text
  becomes 'listed', the others 'not recorded'
- vials: reason for a vial size not in the catalogue
- session_screenings: the screening confirmed at each session

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("acknowledgements", schema=None) as b:
        b.add_column(sa.Column("fingerprint", sa.String(length=64), nullable=False, server_default=""))
        b.add_column(sa.Column("facts", sa.Text(), nullable=False, server_default=""))
        b.add_column(sa.Column("prescriber", sa.String(length=100), nullable=False, server_default=""))
    with op.batch_alter_table("clinic", schema=None) as b:
        b.add_column(sa.Column("time_zone", sa.String(length=64), nullable=False, server_default="UTC"))
        b.add_column(sa.Column("common_reasons", sa.Text(), nullable=False, server_default="[]"))
    with op.batch_alter_table("patients", schema=None) as b:
        b.add_column(
            sa.Column("allergy_status", sa.String(length=20), nullable=False, server_default="not_recorded")
        )
    op.execute("UPDATE patients SET allergy_status = 'listed' WHERE allergies <> ''")
    with op.batch_alter_table("vials", schema=None) as b:
        b.add_column(sa.Column("other_size_reason", sa.Text(), nullable=False, server_default=""))
    op.create_table(
        "session_screenings",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.Column("other", sa.String(length=200), nullable=False),
        sa.Column("allergy_status", sa.String(length=20), nullable=False),
        sa.Column("allergies", sa.Text(), nullable=False),
        sa.Column("asked_by_id", sa.Integer(), nullable=True),
        sa.Column("asked_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["treatment_sessions.id"],
            name=op.f("fk_session_screenings_session_id_treatment_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["asked_by_id"], ["users.id"], name=op.f("fk_session_screenings_asked_by_id_users")
        ),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_session_screenings")),
    )


def downgrade() -> None:
    op.drop_table("session_screenings")
    with op.batch_alter_table("vials", schema=None) as b:
        b.drop_column("other_size_reason")
    with op.batch_alter_table("patients", schema=None) as b:
        b.drop_column("allergy_status")
    with op.batch_alter_table("clinic", schema=None) as b:
        b.drop_column("common_reasons")
        b.drop_column("time_zone")
    with op.batch_alter_table("acknowledgements", schema=None) as b:
        b.drop_column("prescriber")
        b.drop_column("facts")
        b.drop_column("fingerprint")
