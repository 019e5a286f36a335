"""PostgreSQL: after sign-in, the application's own connection is the signed-in user's login role, so the
server refuses whatever that user may not do, even when it is sent through the application's engine."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from clinicrec.cli.app import main
from clinicrec.domain.enums import Sex
from clinicrec.domain.errors import AuthenticationError
from clinicrec.domain.models import Patient
from clinicrec.services.app import Services
from clinicrec.services.auth import SIGN_IN_REFUSED
from clinicrec.services.pg_sign_in import sign_in_pg_role, signs_in_per_user
from tests.conftest import PASSWORD, World
from tests.db.test_pg_user_roles import roles, workstation_of  # noqa: F401 - the login roles, one per user

pytestmark = pytest.mark.postgres


@pytest.fixture
def workstation_url(roles: dict[str, Engine], db_url: str) -> Iterator[str]:  # noqa: F811
    """What a workstation holds: the server and the database, no user and no password."""
    url = workstation_of(db_url)
    assert signs_in_per_user(url) and not signs_in_per_user(db_url)
    yield url


def current_user(services: Services) -> str:
    with services.db.engine.connect() as conn:
        return str(conn.exec_driver_sql("SELECT current_user").scalar_one())


def refused(services: Services, sql: str) -> bool:
    with services.db.engine.connect() as conn:
        try:
            conn.execute(text(sql))
        except DBAPIError as e:
            return getattr(e.orig, "sqlstate", None) == "42501"
        finally:
            conn.rollback()
    return False


def test_the_application_connects_as_the_signed_in_users_own_role(world: World, workstation_url: str) -> None:
    nurse = sign_in_pg_role(workstation_url, "nurse", PASSWORD)
    try:
        assert current_user(nurse) == "cr_nurse"
        assert nurse.actor is not None and nurse.actor.username == "nurse"
        made = nurse.patients.create(Patient("Ada", "Quenby", date(1985, 3, 14), "PG-0001", Sex.FEMALE))
        assert [p.id for p in nurse.patients.search("Quenby")] == [made.id]  # the work goes on as usual
        # ...and nothing more, even sent through the application's own engine:
        assert refused(nurse, "UPDATE users SET role = 'admin' WHERE username = 'nurse'")
        assert refused(nurse, "SELECT username, at, changes FROM audit_log")  # who did what, when
        assert not refused(nurse, "SELECT row_hash FROM audit_log WHERE entity = 'session'")  # a save's check
        assert refused(nurse, "DELETE FROM audit_log")
    finally:
        nurse.db.dispose()
    manager = sign_in_pg_role(workstation_url, "manager", PASSWORD)
    try:
        assert current_user(manager) == "cr_manager"
        assert not refused(manager, "SELECT count(*) FROM audit_log")  # managers read the audit trail
        assert refused(manager, "UPDATE users SET role = 'admin' WHERE username = 'manager'")
    finally:
        manager.db.dispose()


def test_unknown_users_and_wrong_passwords_are_refused_alike(world: World, workstation_url: str) -> None:
    for username, password in (("nobody", PASSWORD), ("nurse", "not her password"), ("bad name!", "x")):
        with pytest.raises(AuthenticationError) as refusal:
            sign_in_pg_role(workstation_url, username, password)
        assert str(refusal.value) == SIGN_IN_REFUSED


def test_the_command_line_signs_in_as_the_users_own_role(
    world: World, workstation_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["--db", workstation_url, "audit", "verify", "--user", "manager", "--password-stdin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["--db", workstation_url, "audit", "verify", "--user", "nurse", "--password-stdin"]) == 2
    assert main(["--db", workstation_url, "audit", "verify"]) == 2  # no one: nothing to connect as
    assert "own PostgreSQL role" in capsys.readouterr().err


def test_every_table_has_its_grants_named() -> None:
    """A table the grants do not name is the administrators' alone: a nurse signed in as her own
    PostgreSQL role could not chart with it. Every table of the schema is named for some group."""
    from clinicrec.db.models import Base
    from clinicrec.db.pg_roles import TABLE_GRANTS

    named = set().union(*(set(tables) for tables in TABLE_GRANTS.values()))
    assert sorted(set(Base.metadata.tables) - named) == []
