"""PostgreSQL: the workstation connects as the person signing in, with their own login role.

A workstation's database URL names the server and the database but **no user**
(``postgresql+psycopg://clinic-server.lan/clinicrec?sslmode=verify-full``): it holds no credentials at
all. At sign-in, the user name and password typed open a connection as that user's login role
(``cr_`` + user name, SCRAM-SHA-256: docs/postgresql.md); the server checks the password, and from then
on every statement the application sends runs with exactly the privileges of the user's group role
(``clinicrec_injector``, ``clinicrec_manager``, ``clinicrec_admin``) and row rules. The application's
own sign-in then runs on that connection as on any database (lockout, rights as they are now).

Every refusal (an unknown name, a wrong password, a deactivated user's ``NOLOGIN`` role) is the same
``AuthenticationError(SIGN_IN_REFUSED)``. A refusal by the server cannot be written to the audit trail
(there is no connection to write it with): PostgreSQL's own log records it (``log_connections``).
The password stays in this process's memory only (the connection pool reconnects with it).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from ..db.migrate import stamped_revision
from ..db.migrations import HEAD
from ..db.pg_roles import login_role
from ..db.types import utcnow
from ..domain.errors import AuthenticationError
from .app import Services, open_services
from .auth import SIGN_IN_REFUSED
from .opening import DatabaseRefused

#: What the server says when it refuses a login (wrong password, no such role, NOLOGIN, no CONNECT).
_REFUSALS = (
    "password authentication failed",
    "does not exist",
    "not permitted to log in",
    "permission denied for database",
    "no password supplied",
    "no pg_hba.conf entry",
)


def signs_in_per_user(url: str) -> bool:
    """A PostgreSQL URL without a user name: each person connects as their own login role."""
    try:
        u = make_url(url)
    except ArgumentError:
        return False
    return u.get_backend_name() == "postgresql" and not u.username


def url_for(url: str, username: str, password: str) -> str:
    """``url`` with ``username``'s login role and ``password`` (kept in memory, never written)."""
    try:
        role = login_role(username)
    except ValueError:
        raise AuthenticationError(SIGN_IN_REFUSED) from None
    return make_url(url).set(username=role, password=password).render_as_string(hide_password=False)


def sign_in_pg_role(
    url: str, username: str, password: str, *, clock: Callable[[], datetime] = utcnow
) -> Services:
    """Connect to the PostgreSQL database at ``url`` as ``username``'s own login role and sign in."""
    try:
        services = open_services(url_for(url, username, password), clock=clock, migrate=False)
    except DatabaseRefused as e:
        if any(words in str(e) for words in _REFUSALS):
            raise AuthenticationError(SIGN_IN_REFUSED) from None
        raise
    try:
        if stamped_revision(services.db.engine) != HEAD:
            raise DatabaseRefused(
                "The database's tables are not this version's: the person who looks after the server "
                "runs 'clinicrec migrate' as the schema owner first (docs/postgresql.md)"
            )
        services.auth.sign_in(username, password)
    except BaseException:
        services.db.dispose()
        raise
    return services
