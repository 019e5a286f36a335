"""On PostgreSQL the application's role may add audit entries but the database refuses, by privilege,
to change, delete or truncate them, even with the triggers gone."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from clinicrec.db.engine import Database, make_engine
from clinicrec.db.pg_roles import grant_app_role, grant_statements
from clinicrec.services.app import Services
from clinicrec.services.auth import AuthService
from clinicrec.services.base import Context
from tests.conftest import PASSWORD, Clock, World, make_patient

pytestmark = pytest.mark.postgres


def test_grant_statements_keep_audit_append_only() -> None:
    stmts = grant_statements("clinic_app")
    assert "GRANT SELECT, INSERT ON audit_log TO clinic_app" in stmts
    assert not any("audit_log" in s and ("UPDATE" in s or "DELETE" in s) for s in stmts)
    assert "GRANT SELECT, INSERT, UPDATE, DELETE ON treatment_sessions TO clinic_app" in stmts
    with pytest.raises(ValueError):
        grant_statements("bad; DROP TABLE patients")


def test_app_role_cannot_change_audit_entries(world: World, backend: str, db_url: str) -> None:
    if backend != "postgresql":
        pytest.skip(
            "privileges are a PostgreSQL matter; SQLite relies on its triggers (tests/db/test_migrations.py)"
        )
    role = f"clinicrec_app_{uuid.uuid4().hex[:8]}"
    owner = create_engine(db_url, isolation_level="AUTOCOMMIT")
    with owner.connect() as c:
        c.exec_driver_sql(f"CREATE ROLE {role} LOGIN")
        db_name = make_url(db_url).database
        c.exec_driver_sql(f"GRANT CONNECT ON DATABASE {db_name} TO {role}")
    grant_app_role(make_engine(db_url), role)
    with owner.connect() as c:  # an intruder with the owner's rights removes the triggers first
        c.exec_driver_sql("DROP TRIGGER audit_log_no_update ON audit_log")
        c.exec_driver_sql("DROP TRIGGER audit_log_no_truncate ON audit_log")
    app_url = make_url(db_url).set(username=role, password=None).render_as_string(hide_password=False)
    try:
        # Everyday work as the application role: sign in, add a patient (audited).
        app_db = Database(make_engine(app_url))
        services = Services(Context(app_db, Clock()))
        services.act_as(AuthService(services.ctx).sign_in("nurse", PASSWORD))
        make_patient(services)
        with app_db.engine.connect() as conn:
            for stmt in (
                "UPDATE audit_log SET username = 'x'",
                "DELETE FROM audit_log",
                "TRUNCATE audit_log",
            ):
                with pytest.raises(ProgrammingError, match="permission denied"):
                    conn.execute(text(stmt))
                conn.rollback()
            assert (
                conn.execute(text("SELECT count(*) FROM audit_log WHERE action = 'create'")).scalar_one() > 0
            )
        app_db.dispose()
    finally:
        with owner.connect() as c:
            c.exec_driver_sql(f"DROP OWNED BY {role}")
            c.exec_driver_sql(f"DROP ROLE {role}")
        owner.dispose()
