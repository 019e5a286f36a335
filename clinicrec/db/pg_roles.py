"""PostgreSQL privileges: the application's everyday role may add audit entries but never change them.

The schema belongs to an owner role that runs the migrations. Workstations connect as an
application role granted exactly what charting needs: on ``audit_log`` only SELECT and INSERT, so
the database refuses UPDATE, DELETE and TRUNCATE of audit entries by privilege, on top of the
triggers (which an owner could drop; the application role cannot).
"""

from __future__ import annotations

import re

from sqlalchemy import Engine

from .models import AuditRow, Base

_ROLE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
READ_ONLY_TABLES = {"alembic_version"}
APPEND_ONLY_TABLES = {AuditRow.__tablename__}


def grant_statements(app_role: str, schema: str = "public") -> list[str]:
    """The GRANT/REVOKE statements for ``app_role`` over every ClinicRec table."""
    if not _ROLE.match(app_role):
        raise ValueError("role name must be lower-case letters, digits and underscores")
    out = [
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {app_role}",
        f"GRANT USAGE ON SCHEMA {schema} TO {app_role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {app_role}",
        f"GRANT SELECT ON alembic_version TO {app_role}",
    ]
    for table in Base.metadata.sorted_tables:
        if table.name in APPEND_ONLY_TABLES:
            out.append(f"GRANT SELECT, INSERT ON {table.name} TO {app_role}")
        elif table.name not in READ_ONLY_TABLES:
            out.append(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table.name} TO {app_role}")
    return out


def grant_app_role(engine: Engine, app_role: str) -> list[str]:
    """Apply the grants (run as the schema owner). Returns the statements run."""
    if engine.dialect.name != "postgresql":
        raise ValueError("roles and privileges apply to PostgreSQL only")
    statements = grant_statements(app_role)
    with engine.begin() as conn:
        for stmt in statements:
            conn.exec_driver_sql(stmt)
    return statements
