"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.String(length=40), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=True),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_patient_id"), ["patient_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_user_id"), ["user_id"], unique=False)

    op.create_table(
        "clinic",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("website", sa.String(length=200), nullable=False),
        sa.Column("paper_size", sa.String(length=10), nullable=False),
        sa.Column("review_days", sa.Integer(), nullable=False),
        sa.Column("logo_png", sa.LargeBinary(), nullable=True),
        sa.Column("consent_form_version", sa.String(length=40), nullable=False),
        sa.Column("idle_lock_minutes", sa.Integer(), nullable=False),
        sa.Column("backups_kept", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clinic")),
    )
    op.create_table(
        "failed_sign_ins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hour", sa.DateTime(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_failed_sign_ins")),
        sa.UniqueConstraint("hour", name=op.f("uq_failed_sign_ins_hour")),
    )
    op.create_table(
        "products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand", sa.String(length=100), nullable=False),
        sa.Column("generic_name", sa.String(length=100), nullable=False),
        sa.Column("vial_sizes", sa.String(length=100), nullable=False),
        sa.Column("in_use_hours", sa.Integer(), nullable=False),
        sa.Column("max_dose_units", sa.Double(), nullable=True),
        sa.Column("max_dose_period_days", sa.Integer(), nullable=True),
        sa.Column("ready_to_use_units_per_ml", sa.Double(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
        sa.UniqueConstraint("brand", name=op.f("uq_products_brand")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=40), nullable=False),
        sa.Column("full_name", sa.String(length=100), nullable=False),
        sa.Column("credentials", sa.String(length=40), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("password_changed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "patients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chart_number", sa.String(length=40), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("first_key", sa.String(length=100), nullable=False),
        sa.Column("last_key", sa.String(length=100), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("sex", sa.String(length=20), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("fitzpatrick_type", sa.Integer(), nullable=True),
        sa.Column("allergies", sa.Text(), nullable=False),
        sa.Column("scr_pregnant_or_breastfeeding", sa.Boolean(), nullable=False),
        sa.Column("scr_neuromuscular_disorder", sa.Boolean(), nullable=False),
        sa.Column("scr_aminoglycosides", sa.Boolean(), nullable=False),
        sa.Column("scr_recent_toxin", sa.Boolean(), nullable=False),
        sa.Column("scr_active_skin_infection", sa.Boolean(), nullable=False),
        sa.Column("scr_milk_protein_allergy", sa.Boolean(), nullable=False),
        sa.Column("scr_other", sa.String(length=200), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_patients_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_patients")),
        sa.UniqueConstraint("chart_number", name=op.f("uq_patients_chart_number")),
    )
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_patients_date_of_birth"), ["date_of_birth"], unique=False)
        batch_op.create_index(batch_op.f("ix_patients_first_key"), ["first_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_patients_last_key"), ["last_key"], unique=False)

    op.create_table(
        "vials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("lot_number", sa.String(length=40), nullable=False),
        sa.Column("expiry_date", sa.Date(), nullable=False),
        sa.Column("vial_units", sa.Double(), nullable=False),
        sa.Column("reconstituted_at", sa.DateTime(), nullable=False),
        sa.Column("diluent_kind", sa.String(length=40), nullable=False),
        sa.Column("diluent_ml", sa.Double(), nullable=False),
        sa.Column("opened_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["opened_by_id"], ["users.id"], name=op.f("fk_vials_opened_by_id_users")),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], name=op.f("fk_vials_product_id_products")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vials")),
    )
    with op.batch_alter_table("vials", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vials_lot_number"), ["lot_number"], unique=False)
        batch_op.create_index(batch_op.f("ix_vials_product_id"), ["product_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_vials_reconstituted_at"), ["reconstituted_at"], unique=False)

    op.create_table(
        "treatment_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("performed_at", sa.DateTime(), nullable=False),
        sa.Column("injector_id", sa.Integer(), nullable=False),
        sa.Column("prescriber", sa.String(length=100), nullable=False),
        sa.Column("order_reference", sa.String(length=40), nullable=False),
        sa.Column("consent_form_version", sa.String(length=40), nullable=True),
        sa.Column("consented_at", sa.DateTime(), nullable=True),
        sa.Column("consent_obtained_by", sa.String(length=100), nullable=True),
        sa.Column("indications", sa.String(length=200), nullable=False),
        sa.Column("needle_gauge", sa.Integer(), nullable=True),
        sa.Column("depth", sa.String(length=20), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("signed_at", sa.DateTime(), nullable=True),
        sa.Column("signed_by_id", sa.Integer(), nullable=True),
        sa.Column("signature_meaning", sa.String(length=100), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("touch_up_of_id", sa.Integer(), nullable=True),
        sa.Column("amends_id", sa.Integer(), nullable=True),
        sa.Column("amendment_reason", sa.Text(), nullable=False),
        sa.Column("root_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["amends_id"],
            ["treatment_sessions.id"],
            name=op.f("fk_treatment_sessions_amends_id_treatment_sessions"),
        ),
        sa.ForeignKeyConstraint(
            ["injector_id"], ["users.id"], name=op.f("fk_treatment_sessions_injector_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_treatment_sessions_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["root_id"],
            ["treatment_sessions.id"],
            name=op.f("fk_treatment_sessions_root_id_treatment_sessions"),
        ),
        sa.ForeignKeyConstraint(
            ["signed_by_id"], ["users.id"], name=op.f("fk_treatment_sessions_signed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["touch_up_of_id"],
            ["treatment_sessions.id"],
            name=op.f("fk_treatment_sessions_touch_up_of_id_treatment_sessions"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_treatment_sessions_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_treatment_sessions")),
    )
    with op.batch_alter_table("treatment_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_treatment_sessions_amends_id"), ["amends_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_treatment_sessions_injector_id"), ["injector_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_treatment_sessions_patient_id"), ["patient_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_treatment_sessions_performed_at"), ["performed_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_treatment_sessions_root_id"), ["root_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_treatment_sessions_status"), ["status"], unique=False)

    op.create_table(
        "vial_additives",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vial_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("volume_ml", sa.Double(), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["vial_id"], ["vials.id"], name=op.f("fk_vial_additives_vial_id_vials"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vial_additives")),
    )
    with op.batch_alter_table("vial_additives", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vial_additives_vial_id"), ["vial_id"], unique=False)

    op.create_table(
        "acknowledgements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("subject", sa.String(length=60), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["treatment_sessions.id"],
            name=op.f("fk_acknowledgements_session_id_treatment_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_acknowledgements_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_acknowledgements")),
    )
    with op.batch_alter_table("acknowledgements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_acknowledgements_session_id"), ["session_id"], unique=False)

    op.create_table(
        "adverse_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("onset", sa.Date(), nullable=False),
        sa.Column("severity", sa.String(length=20), nullable=False),
        sa.Column("resolved_on", sa.Date(), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_adverse_events_recorded_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["treatment_sessions.id"],
            name=op.f("fk_adverse_events_session_id_treatment_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_adverse_events")),
    )
    with op.batch_alter_table("adverse_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_adverse_events_session_id"), ["session_id"], unique=False)

    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("time_point", sa.String(length=20), nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("pores", sa.Integer(), nullable=True),
        sa.Column("oil", sa.Integer(), nullable=True),
        sa.Column("redness", sa.Integer(), nullable=True),
        sa.Column("scale_version", sa.String(length=40), nullable=False),
        sa.Column("sebum_ug_cm2", sa.Double(), nullable=True),
        sa.Column("erythema_index", sa.Double(), nullable=True),
        sa.Column("gais", sa.String(length=30), nullable=True),
        sa.Column("satisfaction", sa.Integer(), nullable=True),
        sa.Column("photos_taken", sa.Boolean(), nullable=False),
        sa.Column("touch_up_given", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("assessor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["assessor_id"], ["users.id"], name=op.f("fk_assessments_assessor_id_users")),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["treatment_sessions.id"],
            name=op.f("fk_assessments_session_id_treatment_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessments")),
    )
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assessments_session_id"), ["session_id"], unique=False)
        batch_op.create_index("ix_assessments_tp_session", ["time_point", "session_id"], unique=False)

    op.create_table(
        "injection_points",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("zone", sa.String(length=30), nullable=False),
        sa.Column("x", sa.Double(), nullable=False),
        sa.Column("y", sa.Double(), nullable=False),
        sa.Column("vial_id", sa.Integer(), nullable=False),
        sa.Column("units", sa.Double(), nullable=False),
        sa.Column("volume_ml", sa.Double(), nullable=False),
        sa.Column("basis", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["treatment_sessions.id"],
            name=op.f("fk_injection_points_session_id_treatment_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["vial_id"], ["vials.id"], name=op.f("fk_injection_points_vial_id_vials")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_injection_points")),
    )
    with op.batch_alter_table("injection_points", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_injection_points_session_id"), ["session_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_injection_points_vial_id"), ["vial_id"], unique=False)

    op.create_table(
        "session_vials",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("vial_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["treatment_sessions.id"],
            name=op.f("fk_session_vials_session_id_treatment_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["vial_id"], ["vials.id"], name=op.f("fk_session_vials_vial_id_vials")),
        sa.PrimaryKeyConstraint("session_id", "vial_id", name=op.f("pk_session_vials")),
    )
    with op.batch_alter_table("session_vials", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_session_vials_vial_id"), ["vial_id"], unique=False)

    _create_audit_guards()
    op.execute("INSERT INTO audit_head (id, last_id, last_hash) VALUES (1, 0, '%s')" % ("0" * 64))


_SQLITE_GUARDS = (
    """CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: entries cannot be changed'); END""",
    """CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
       BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: entries cannot be deleted'); END""",
)

_PG_GUARDS = (
    """CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'audit_log is append-only: entries cannot be changed or deleted'; END $$""",
    """CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
       FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()""",
    """CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
       FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()""",
)


def _create_audit_guards() -> None:
    """The database itself refuses to change or delete audit entries."""
    dialect = op.get_bind().dialect.name
    for stmt in _SQLITE_GUARDS if dialect == "sqlite" else _PG_GUARDS if dialect == "postgresql" else ():
        op.execute(stmt)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update ON audit_log")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_refuse_change()")
    with op.batch_alter_table("session_vials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_vials_vial_id"))

    op.drop_table("session_vials")
    with op.batch_alter_table("injection_points", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_injection_points_vial_id"))
        batch_op.drop_index(batch_op.f("ix_injection_points_session_id"))

    op.drop_table("injection_points")
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_index("ix_assessments_tp_session")
        batch_op.drop_index(batch_op.f("ix_assessments_session_id"))

    op.drop_table("assessments")
    with op.batch_alter_table("adverse_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_adverse_events_session_id"))

    op.drop_table("adverse_events")
    with op.batch_alter_table("acknowledgements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_acknowledgements_session_id"))

    op.drop_table("acknowledgements")
    with op.batch_alter_table("vial_additives", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vial_additives_vial_id"))

    op.drop_table("vial_additives")
    with op.batch_alter_table("treatment_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_treatment_sessions_status"))
        batch_op.drop_index(batch_op.f("ix_treatment_sessions_root_id"))
        batch_op.drop_index(batch_op.f("ix_treatment_sessions_performed_at"))
        batch_op.drop_index(batch_op.f("ix_treatment_sessions_patient_id"))
        batch_op.drop_index(batch_op.f("ix_treatment_sessions_injector_id"))
        batch_op.drop_index(batch_op.f("ix_treatment_sessions_amends_id"))

    op.drop_table("treatment_sessions")
    with op.batch_alter_table("vials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vials_reconstituted_at"))
        batch_op.drop_index(batch_op.f("ix_vials_product_id"))
        batch_op.drop_index(batch_op.f("ix_vials_lot_number"))

    op.drop_table("vials")
    with op.batch_alter_table("patients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_patients_last_key"))
        batch_op.drop_index(batch_op.f("ix_patients_first_key"))
        batch_op.drop_index(batch_op.f("ix_patients_date_of_birth"))

    op.drop_table("patients")
    op.drop_table("users")
    op.drop_table("products")
    op.drop_table("failed_sign_ins")
    op.drop_table("clinic")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_user_id"))
        batch_op.drop_index(batch_op.f("ix_audit_log_patient_id"))
        batch_op.drop_index(batch_op.f("ix_audit_log_at"))
        batch_op.drop_index(batch_op.f("ix_audit_log_action"))

    op.drop_table("audit_log")
    op.drop_table("audit_head")
