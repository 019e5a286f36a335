"""On PostgreSQL, keep each ClinicRec user's login role in step with their account (docs/postgresql.md).

When the database has ClinicRec's group roles (migration 0007) and the connected role may manage
roles (the schema owner, or an administrator's own login role given CREATEROLE), adding a user
creates their login role, a new password sets its SCRAM-SHA-256 password, a change of role moves it
to the other group, and deactivation makes it NOLOGIN; in the same transaction as the change to the
users table, so the two never disagree. Everyone may change their own role's password. A clinic
still on the shared application role (which may not manage roles) is left as it is.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..db import pg_roles


def _applies(s: Session) -> tuple[bool, bool]:
    """(the database uses per-user roles, the connected role may manage roles)."""
    if s.get_bind().dialect.name != "postgresql":
        return False, False
    row = (
        s.connection()
        .exec_driver_sql(
            "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'clinicrec_injector'),"
            " (SELECT rolcreaterole OR rolsuper FROM pg_roles WHERE rolname = current_user)"
        )
        .one()
    )
    return bool(row[0]), bool(row[1])


def sync_login_role(
    s: Session, username: str, role: str, *, active: bool, password: str | None = None
) -> None:
    """Create or update ``username``'s login role (see the module's docstring)."""
    per_user, may_manage = _applies(s)
    if not per_user:
        return
    conn = s.connection()
    if may_manage:
        for stmt in pg_roles.login_role_statements(username, role, password=None, active=active):
            conn.exec_driver_sql(stmt)
    if password is not None and (may_manage or _is_me(s, username)):
        _set_password(s, username, password)


def _is_me(s: Session, username: str) -> bool:
    me = s.connection().exec_driver_sql("SELECT session_user").scalar_one()
    return bool(me == pg_roles.login_role(username))


def _set_password(s: Session, username: str, password: str) -> None:
    """The password goes to the server already SCRAM-hashed: never in clear to its log."""
    from psycopg import sql

    raw = s.connection().connection.driver_connection
    login = pg_roles.login_role(username)
    scram = raw.pgconn.encrypt_password(password.encode(), login.encode(), b"scram-sha-256")  # type: ignore[union-attr]
    statement = sql.SQL("ALTER ROLE {} PASSWORD {}").format(
        sql.Identifier(login), sql.Literal(scram.decode())
    )
    s.connection().exec_driver_sql(statement.as_string(raw))
