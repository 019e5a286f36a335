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


# -- one PostgreSQL role per ClinicRec user (docs/postgresql.md) ------------------------------------------
#: ClinicRec's roles as PostgreSQL group roles; each includes the one before (admin ⊃ manager ⊃ injector).
GROUPS = {
    "injector": "clinicrec_injector",
    "manager": "clinicrec_manager",
    "admin": "clinicrec_admin",
    # A prescriber reads charts and writes orders and reviews: the injectors' tables (the services
    # enforce the finer matrix); their row rules treat a prescriber as an injector.
    "prescriber": "clinicrec_prescriber",
}
LOGIN_PREFIX = "cr_"

#: What anyone who charts may read of the audit trail (services/audit.py ``unaltered_parts``).
AUDIT_STATE_COLUMNS = "id, entity, entity_id, action, row_hash"

#: Table privileges per group, from the role x action matrix (services/permissions.py). A table not
#: named here (added later) is the administrators' alone until it is named.
TABLE_GRANTS: dict[str, dict[str, str]] = {
    "injector": {
        "clinic": "SELECT",
        "products": "SELECT",
        "alembic_version": "SELECT",
        "users": "SELECT",  # plus UPDATE of the sign-in columns of their own row (below)
        "patients": "SELECT, INSERT, UPDATE",  # edit patients
        "vials": "SELECT, INSERT, UPDATE",  # open vials
        "vial_additives": "SELECT, INSERT, UPDATE, DELETE",
        "treatment_sessions": "SELECT, INSERT, UPDATE, DELETE",  # chart (row policies below)
        "session_vials": "SELECT, INSERT, UPDATE, DELETE",
        "injection_points": "SELECT, INSERT, UPDATE, DELETE",
        "acknowledgements": "SELECT, INSERT, UPDATE, DELETE",
        "assessments": "SELECT, INSERT, UPDATE, DELETE",  # follow-ups
        "adverse_events": "SELECT, INSERT, UPDATE",
        # every action is audited; reading the trail (who did what, when) is a manager's right. A save's
        # check that the record is as its newest entry left it reads that entry's row hash: the columns
        # that find it, and the hash, and nothing of who, when or what
        "audit_log": f"INSERT, SELECT ({AUDIT_STATE_COLUMNS})",
        "audit_head": "SELECT, UPDATE",
        "failed_sign_ins": "SELECT, INSERT, UPDATE",
        "report_presets": "SELECT",  # choose a saved set of report filters
        # recorded, then withdrawn or superseded (those columns only; row rules below); never deleted
        "consents": "SELECT, INSERT, UPDATE (status, withdrawn_at, withdrawn_reason, withdrawn_by_id, "
        "superseded_by_id)",
        "consent_settings": "SELECT",
        # written and withdrawn by prescribers (row rules below)
        "prescriber_orders": "SELECT, INSERT, "
        "UPDATE (status, withdrawn_at, withdrawn_reason, withdrawn_by_id)",
        # queued at signing; decided by prescribers (row rules below)
        "chart_reviews": "SELECT, INSERT, UPDATE (status, reviewer_id, reviewed_at, comment)",
        "oversight_settings": "SELECT",
        "session_screenings": "SELECT, INSERT, UPDATE, DELETE",  # the screening asked at each visit
        "photos": "SELECT, INSERT, UPDATE",  # added and voided (never deleted)
        "photo_consents": "SELECT, INSERT",  # each change a new row
        "photo_blobs": "SELECT, INSERT",  # content-addressed image bytes: written once, never changed
        # the reports' derived rows, recomputed with each chart change (services/report_rollup.py)
        "report_session_use": "SELECT, INSERT, UPDATE, DELETE",
        "report_outcomes": "SELECT, INSERT, UPDATE, DELETE",
        # and their day-keyed sums (db/report_days.py), refilled for the days a chart change touches
        "report_day_groups": "SELECT, INSERT, UPDATE, DELETE",
        "report_day_outcomes": "SELECT, INSERT, UPDATE, DELETE",
        "report_day_events": "SELECT, INSERT, UPDATE, DELETE",
        "report_day_lots": "SELECT, INSERT, UPDATE, DELETE",
        "report_day_vials": "SELECT, INSERT, UPDATE, DELETE",
        "photo_measurements": "SELECT, INSERT",  # skin analysis: measuring again adds a row
        "photo_zone_figures": "SELECT, INSERT",
    },
    "manager": {
        "audit_log": "SELECT",
        "report_presets": "INSERT, UPDATE, DELETE",
        # audit verify proves each token's row (its role, expiry, revocation); the row holds the secret's
        # SHA-256 only, from which a 256-bit secret is not found
        "access_tokens": "SELECT",
    },  # see the audit trail (and, with the injectors', all reports)
    "admin": {
        "users": "INSERT, UPDATE",
        "products": "INSERT, UPDATE",
        "clinic": "INSERT, UPDATE",
        "consent_settings": "INSERT, UPDATE",
        "oversight_settings": "INSERT, UPDATE",
        "access_tokens": "SELECT, INSERT, UPDATE",  # made and revoked by administrators
    },
    "prescriber": {},
}
#: The columns an injector or manager may change in their own users row: signing in and their password.
OWN_USER_COLUMNS = "password_hash, password_changed_at, failed_attempts, locked_until"

#: Server-side rules beside the grants (PostgreSQL only; applied by migration 0007).
ACCESS_SQL = [
    # Which ClinicRec user is connected: the active users row whose login role this is.
    f"""CREATE OR REPLACE FUNCTION clinicrec_user_id() RETURNS integer
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
        SELECT id FROM users WHERE '{LOGIN_PREFIX}' || username = session_user AND active $$""",
    """CREATE OR REPLACE FUNCTION clinicrec_user_role() RETURNS text
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
        SELECT role FROM users WHERE id = clinicrec_user_id() $$""",
    # No entry in someone else's name: a login role may add entries only as itself (or, unsigned,
    # under its own user name: a wrong password at the lock). The schema owner (migrations, the
    # command line's owner jobs) is not a ClinicRec login role and is not checked.
    f"""CREATE OR REPLACE FUNCTION clinicrec_audit_identity() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
        DECLARE me integer; my_name text;
        BEGIN
          IF left(session_user, {len(LOGIN_PREFIX)}) <> '{LOGIN_PREFIX}' THEN RETURN NEW; END IF;
          me := clinicrec_user_id();
          IF me IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
              MESSAGE = 'ClinicRec: ' || session_user || ' is not an active ClinicRec user';
          END IF;
          SELECT username INTO my_name FROM users WHERE id = me;
          IF (NEW.user_id IS NOT NULL AND NEW.user_id <> me)
             OR (NEW.user_id IS NULL AND NEW.username <> my_name)
             OR (NEW.user_id = me AND NEW.username <> my_name) THEN
            RAISE EXCEPTION 'ClinicRec: an audit entry may be written only in the writer''s own name'
              USING ERRCODE = 'insufficient_privilege';
          END IF;
          RETURN NEW;
        END $$""",
    "DROP TRIGGER IF EXISTS audit_log_identity ON audit_log",
    """CREATE TRIGGER audit_log_identity BEFORE INSERT ON audit_log
        FOR EACH ROW EXECUTE FUNCTION clinicrec_audit_identity()""",
    # users: everyone reads the list; only administrators change other rows; the others their own.
    "ALTER TABLE users ENABLE ROW LEVEL SECURITY",
    "DROP POLICY IF EXISTS users_read ON users",
    "CREATE POLICY users_read ON users FOR SELECT USING (true)",
    "DROP POLICY IF EXISTS users_own_row ON users",
    "CREATE POLICY users_own_row ON users FOR UPDATE USING (id = clinicrec_user_id())",
    "DROP POLICY IF EXISTS users_admin ON users",
    """CREATE POLICY users_admin ON users FOR ALL TO clinicrec_admin
        USING (clinicrec_user_role() = 'admin') WITH CHECK (clinicrec_user_role() = 'admin')""",
    # treatment_sessions: read by all (the patient chart); a signed session is never changed or
    # removed; an injector changes only their own drafts, and charts only as themself.
    "ALTER TABLE treatment_sessions ENABLE ROW LEVEL SECURITY",
    "DROP POLICY IF EXISTS sessions_read ON treatment_sessions",
    "CREATE POLICY sessions_read ON treatment_sessions FOR SELECT USING (true)",
    "DROP POLICY IF EXISTS sessions_insert ON treatment_sessions",
    """CREATE POLICY sessions_insert ON treatment_sessions FOR INSERT WITH CHECK (
        injector_id = clinicrec_user_id() OR clinicrec_user_role() IN ('manager', 'admin'))""",
    "DROP POLICY IF EXISTS sessions_update ON treatment_sessions",
    # a draft is changed, or signed (the row after the change may be signed: without its own check
    # the rule for the row before, a draft, was applied to it too, and no one could sign)
    """CREATE POLICY sessions_update ON treatment_sessions FOR UPDATE USING (
        status = 'draft' AND (injector_id = clinicrec_user_id()
                              OR clinicrec_user_role() IN ('manager', 'admin')))
        WITH CHECK (status IN ('draft', 'signed') AND (injector_id = clinicrec_user_id()
                              OR clinicrec_user_role() IN ('manager', 'admin')))""",
    "DROP POLICY IF EXISTS sessions_delete ON treatment_sessions",
    """CREATE POLICY sessions_delete ON treatment_sessions FOR DELETE USING (
        status = 'draft' AND (injector_id = clinicrec_user_id()
                              OR clinicrec_user_role() IN ('manager', 'admin')))""",
]


#: A session's own rows as treatment_sessions' rule has it: written only while the session is a draft its
#: writer may change; a signed chart's points, vial links, acknowledgements, screening and baseline are
#: never changed, added to or removed. Follow-up ratings are added to signed sessions by whoever assesses.
_DRAFT_OF_WRITER = """EXISTS (SELECT 1 FROM treatment_sessions t
        WHERE t.id = session_id AND t.status = 'draft'
        AND (t.injector_id = clinicrec_user_id() OR clinicrec_user_role() IN ('manager', 'admin')))"""
SESSION_PART_RULES = {
    "injection_points": _DRAFT_OF_WRITER,
    "session_vials": _DRAFT_OF_WRITER,
    "acknowledgements": _DRAFT_OF_WRITER,
    "session_screenings": _DRAFT_OF_WRITER,
    "assessments": f"(time_point <> 'baseline' OR {_DRAFT_OF_WRITER})",
}


#: Consents, prescriber orders and chart reviews (migration 0022), per command: a withdrawn or superseded
#: consent, a withdrawn order and a decided review are never changed again; an order is written and
#: withdrawn only by a prescriber in their own name; a review is decided only by a prescriber who did not
#: give the treatment, in their own name, and queued only undecided. The columns that may change at all are
#: the grants' (``TABLE_GRANTS``). The schema owner (migrations, the demo) is not held by them.
_PRESCRIBER_ME = "clinicrec_user_role() = 'prescriber'"
OVERSIGHT_RULES: dict[str, dict[str, tuple[str | None, str | None]]] = {
    "consents": {
        "INSERT": (None, "status = 'in_force' AND witness_id = clinicrec_user_id()"),
        "UPDATE": (
            "status = 'in_force'",
            "(status = 'withdrawn' AND withdrawn_by_id = clinicrec_user_id()) "
            "OR (status = 'superseded' AND superseded_by_id IS NOT NULL)",
        ),
    },
    "prescriber_orders": {
        "INSERT": (None, f"status = 'in_force' AND prescriber_id = clinicrec_user_id() AND {_PRESCRIBER_ME}"),
        "UPDATE": (
            "status = 'in_force'",
            f"status = 'withdrawn' AND withdrawn_by_id = clinicrec_user_id() AND {_PRESCRIBER_ME}",
        ),
    },
    "chart_reviews": {
        "INSERT": (None, "status = 'pending' AND reviewer_id IS NULL AND reviewed_at IS NULL"),
        "UPDATE": (
            "status = 'pending'",
            f"status IN ('co_signed', 'returned') AND reviewer_id = clinicrec_user_id() AND {_PRESCRIBER_ME} "
            "AND NOT EXISTS (SELECT 1 FROM treatment_sessions t WHERE t.id = session_id "
            "AND t.injector_id = clinicrec_user_id())",
        ),
    },
}


def oversight_statements() -> list[str]:
    """Row rules on consents, orders and reviews (``OVERSIGHT_RULES``): read by all. Idempotent."""
    out: list[str] = []
    for table, rules in OVERSIGHT_RULES.items():
        out += [
            f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
            f"DROP POLICY IF EXISTS {table}_read ON {table}",
            f"CREATE POLICY {table}_read ON {table} FOR SELECT USING (true)",
        ]
        for command, (using, check) in rules.items():
            name = f"{table}_{command.lower()}"
            clauses = (f" USING ({using})" if using else "") + (f" WITH CHECK ({check})" if check else "")
            out += [
                f"DROP POLICY IF EXISTS {name} ON {table}",
                f"CREATE POLICY {name} ON {table} FOR {command}{clauses}",
            ]
    return out


def session_part_statements() -> list[str]:
    """Row rules on the session's own rows (``SESSION_PART_RULES``; migration 0020): read by all, written
    by the rule. Idempotent."""
    out: list[str] = []
    for table, rule in SESSION_PART_RULES.items():
        out += [
            f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
            f"DROP POLICY IF EXISTS {table}_read ON {table}",
            f"CREATE POLICY {table}_read ON {table} FOR SELECT USING (true)",
            f"DROP POLICY IF EXISTS {table}_write ON {table}",
            f"CREATE POLICY {table}_write ON {table} FOR ALL USING ({rule}) WITH CHECK ({rule})",
        ]
    return out


_USERNAME = re.compile(r"^[A-Za-z0-9._@-]{1,40}$")


def login_role(username: str) -> str:
    """The PostgreSQL login role of a ClinicRec user (quoted where used: user names may hold . @ -)."""
    if not _USERNAME.match(username):
        raise ValueError("a ClinicRec user name has letters, digits and . _ @ - only")
    return LOGIN_PREFIX + username


def _q(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def group_statements(schema: str = "public", tables: list[str] | None = None) -> list[str]:
    """Create the group roles (if missing) and grant each exactly its table privileges."""
    names = (
        tables if tables is not None else [t.name for t in Base.metadata.sorted_tables] + ["alembic_version"]
    )
    out = [
        "DO $$ BEGIN "
        + " ".join(
            f"IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{g}') THEN "
            f"CREATE ROLE {g} NOLOGIN; END IF;"
            for g in GROUPS.values()
        )
        + " END $$",
        f"GRANT {GROUPS['injector']} TO {GROUPS['manager']}",
        f"GRANT {GROUPS['manager']} TO {GROUPS['admin']}",
        f"GRANT {GROUPS['injector']} TO {GROUPS['prescriber']}",
    ]
    for group in GROUPS.values():
        out += [
            f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {group}",
            f"GRANT USAGE ON SCHEMA {schema} TO {group}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {group}",
        ]
    named = set().union(*TABLE_GRANTS.values())
    for role, grants in TABLE_GRANTS.items():
        for table, privileges in grants.items():
            if table in names:
                out.append(f"GRANT {privileges} ON {table} TO {GROUPS[role]}")
    out.append(f"GRANT UPDATE ({OWN_USER_COLUMNS}) ON users TO {GROUPS['injector']}")
    for table in names:
        if table not in named:
            out.append(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {GROUPS['admin']}")
    out.append(f"REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM {', '.join(GROUPS.values())}")
    return out


def apply_access_control(engine: Engine) -> None:
    """Group roles, grants and row rules (as the schema owner, who needs CREATEROLE)."""
    if engine.dialect.name != "postgresql":
        raise ValueError("roles and privileges apply to PostgreSQL only")
    with engine.begin() as conn:
        for stmt in group_statements() + ACCESS_SQL + session_part_statements() + oversight_statements():
            conn.exec_driver_sql(stmt)


def login_role_statements(
    username: str, role: str, *, password: str | None, active: bool = True
) -> list[str]:
    """Create or update a user's login role: SCRAM password, LOGIN while active, one group."""
    login = login_role(username)
    name = _q(login)
    out = [
        f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{login}')"
        f" THEN CREATE ROLE {name} NOLOGIN; END IF; END $$",
        f"ALTER ROLE {name} {'LOGIN' if active else 'NOLOGIN'}",
    ]
    for other, group in GROUPS.items():
        out.append(
            f"{'GRANT' if other == role else 'REVOKE'} {group} {'TO' if other == role else 'FROM'} {name}"
        )
    return out


def set_login_role(
    engine: Engine, username: str, role: str, *, password: str | None = None, active: bool = True
) -> None:
    """Apply ``login_role_statements``; the password is sent SCRAM-hashed (never in clear to the log)."""
    with engine.begin() as conn:
        for stmt in login_role_statements(username, role, password=password, active=active):
            conn.exec_driver_sql(stmt)
        if password is not None:
            raw = conn.connection.driver_connection
            assert raw is not None
            from psycopg import sql

            login = login_role(username)
            scram = raw.pgconn.encrypt_password(password.encode(), login.encode(), b"scram-sha-256")
            statement = sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                sql.Identifier(login), sql.Literal(scram.decode())
            )
            conn.exec_driver_sql(statement.as_string(raw))
