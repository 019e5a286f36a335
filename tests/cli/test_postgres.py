"""On a PostgreSQL server: the owner sets up a new database; once it has accounts, everyone signs in."""

from __future__ import annotations

import os

import pytest

from clinicrec.db.migrations import HEAD
from tests.cli.conftest import Cli
from tests.conftest import PG_SKIP_REASON, PG_URL

pytestmark = pytest.mark.skipif(not PG_URL, reason=PG_SKIP_REASON)


@pytest.fixture
def server_db() -> str:  # type: ignore[misc]
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    assert PG_URL
    name = f"clinicrec_cli_{os.getpid()}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        c.exec_driver_sql(f"CREATE DATABASE {name}")
    yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as c:
        c.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.dispose()


def test_a_new_server_database_is_set_up_by_its_owner_then_needs_sign_in(cli: Cli, server_db: str) -> None:
    from clinicrec.domain.enums import Role
    from clinicrec.domain.models import User
    from clinicrec.services.app import open_services

    made = cli.run("migrate", "--db", server_db)
    assert made.code == 0 and made.out.strip() == f"Schema empty -> {HEAD}", made
    refused = cli.run("report", "--db", server_db)
    assert refused.code == 2 and "Sign in first" in refused.err
    services = open_services(server_db)
    services.auth.create_first_admin(User("boss", "Bo Boss", "MD", Role.ADMIN), "a long enough secret")
    services.db.dispose()
    again = cli.run("migrate", "--db", server_db)
    assert again.code == 2 and "Sign in first" in again.err
    signed = cli.run(
        "migrate", "--db", server_db, "--user", "boss", "--password-stdin", stdin="a long enough secret\n"
    )
    assert signed.code == 0 and signed.out.strip() == f"Schema {HEAD} -> {HEAD}", signed
