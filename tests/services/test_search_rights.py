"""The patient search checks the user's rights of now inside its own statements (``FoldedRights``).

On PostgreSQL a keystroke's search no longer runs a statement of its own to re-read the user's account:
the planning probe reads it, or, with no probe to run, the page is gated by it. The account is still read
at every keystroke, so a user deactivated or demoted at another workstation (another engine, another
connection pool, nothing shared but the database) is refused at their next keystroke, whichever way the
search runs, and the refusal is announced as before. On SQLite the check is the ordinary one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import event, insert

from clinicrec.db.models import PatientRow
from clinicrec.domain.enums import Role, Sex
from clinicrec.domain.errors import PermissionDenied
from clinicrec.domain.models import Patient
from clinicrec.services.app import Services, open_services
from clinicrec.services.base import Change, ChangeEntity
from clinicrec.services.mapping import patient_values
from clinicrec.services.permissions import RightsChanged
from clinicrec.services.rights import RIGHTS_CHANGED
from tests.conftest import World

#: Every way a search runs: the first page (no probe, the page gated), a page further down, a word with
#: many matches (ordered scan) and with few (candidates), two words, a birth date, no match at all,
#: the other sort orders, and the count.
SEARCHES: dict[str, Callable[[Services], object]] = {
    "first page": lambda s: s.patients.search(""),
    "first page by chart number": lambda s: s.patients.search("", sort="chart_number"),
    "page 2": lambda s: s.patients.search("", offset=20, limit=20),
    "a common letter": lambda s: s.patients.search("s"),
    "a rare name": lambda s: s.patients.search("zeller"),
    "two words": lambda s: s.patients.search("ann s"),
    "a birth date": lambda s: s.patients.search("1980-01-01"),
    "no match": lambda s: s.patients.search("qqq"),
    "by birth date, descending": lambda s: s.patients.search("a", sort="date_of_birth", descending=True),
    "count": lambda s: s.patients.count("s"),
    "count everyone": lambda s: s.patients.count(),
}


def _add_patients(world: World, n: int = 60) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [
        patient_values(
            Patient(
                first_name="Ann" if i % 3 else "Zoe",
                last_name=("Smith", "Adams", "Zeller", "Stone")[i % 4],
                date_of_birth=date(1980, 1, 1) if i % 5 == 0 else date(1990, 6, 1),
                chart_number=f"CR-{i:06d}",
                sex=Sex.FEMALE,
            )
        )
        | {"created_at": now, "updated_at": now, "version": 1}
        for i in range(n)
    ]
    with world.services.db.write() as s, s.begin():
        s.execute(insert(PatientRow), rows)


@pytest.fixture
def workstation(world: World, db_url: str) -> Iterator[Services]:
    """A second workstation: its own engine and pool over the same database, the nurse signed in there."""
    _add_patients(world)
    other = open_services(db_url)
    other.act_as(world.injector)
    try:
        yield other
    finally:
        other.db.dispose()


def _as_admin(world: World) -> Services:
    return world.as_(world.admin)


@pytest.mark.postgres
@pytest.mark.parametrize("how", SEARCHES, ids=str)
def test_a_user_deactivated_elsewhere_cannot_search_on(world: World, workstation: Services, how: str) -> None:
    search = SEARCHES[how]
    search(workstation)  # allowed, and the pool, the statements and any cache warm
    search(workstation)
    admin = _as_admin(world)
    admin.auth.update_user(replace(admin.auth.get_user(world.injector.user_id), active=False))
    heard: list[Change] = []
    workstation.subscribe(heard.append)
    with pytest.raises(RightsChanged, match="account was deactivated"):
        search(workstation)
    assert Change(ChangeEntity.USER, world.injector.user_id, RIGHTS_CHANGED) in heard
    with pytest.raises(RightsChanged):  # and at every keystroke after
        search(workstation)


@pytest.mark.postgres
@pytest.mark.parametrize("how", ["first page", "a common letter", "no match", "count"])
def test_a_role_changed_elsewhere_stops_the_search_until_the_password(
    world: World, workstation: Services, how: str
) -> None:
    search = SEARCHES[how]
    search(workstation)
    admin = _as_admin(world)
    admin.auth.update_user(replace(admin.auth.get_user(world.injector.user_id), role=Role.MANAGER))
    with pytest.raises(RightsChanged, match="from Injector to Manager"):
        search(workstation)


@pytest.mark.postgres
def test_a_user_deactivated_is_refused_even_when_no_patient_exists(world: World, db_url: str) -> None:
    """An empty answer proves nothing about the rights (the gated page returns no row either way)."""
    other = open_services(db_url)
    try:
        other.act_as(world.injector)
        assert other.patients.search("") == []
        admin = _as_admin(world)
        admin.auth.update_user(replace(admin.auth.get_user(world.injector.user_id), active=False))
        with pytest.raises(RightsChanged):
            other.patients.search("")
        with pytest.raises(RightsChanged):
            other.patients.search("smith")
    finally:
        other.db.dispose()


@pytest.mark.postgres
def test_a_role_that_may_not_view_patients_is_refused_as_before(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Folding the check changes nobody's rights: a signed-in role without the permission is refused."""
    from clinicrec.services import permissions

    allowed = permissions.PERMISSIONS[Role.INJECTOR] - {permissions.Action.VIEW_PATIENTS}
    monkeypatch.setitem(permissions.PERMISSIONS, Role.INJECTOR, allowed)
    with pytest.raises(PermissionDenied, match="may not view patients"):
        world.services.patients.search("a")
    with pytest.raises(PermissionDenied, match="may not view patients"):
        world.services.patients.search("")


def _statements(services: Services, work: Callable[[], object]) -> list[str]:
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if statement.strip().upper() not in ("BEGIN", "COMMIT", "ROLLBACK"):
            seen.append(statement)

    event.listen(services.db.engine, "before_cursor_execute", note)
    try:
        work()
    finally:
        event.remove(services.db.engine, "before_cursor_execute", note)
    return seen


@pytest.mark.postgres
def test_a_keystroke_is_at_most_two_statements_on_postgresql(world: World, backend: str) -> None:
    """The round trips a keystroke costs: the page alone, or a probe (with the rights) and the page; a
    count is one statement. On SQLite the rights are read beside (no round trip there)."""
    _add_patients(world)
    svc = world.services
    for q in ("", "s", "zeller", "ann s", "1980-01-01", "qqq"):
        statements = _statements(svc, lambda q=q: svc.patients.search(q))
        users = [st for st in statements if "users" in st]
        if backend == "postgresql":
            assert len(statements) == (1 if q == "" else 2), (q, statements)
            assert len(users) == 1 and users[0] == statements[0], q  # read first, in the first statement
        else:
            assert len(users) == 1, (q, statements)
    counted = _statements(svc, lambda: svc.patients.count("s"))
    assert len(counted) == (1 if backend == "postgresql" else 2)


@pytest.mark.postgres
def test_the_kept_statements_check_each_users_own_rights(world: World, db_url: str) -> None:
    """PostgreSQL keeps one statement per shape of page for every user: the user and the role it checks
    are its values, never the first user's. One workstation, two nurses in turn, one of them deactivated."""
    _add_patients(world)
    other = open_services(db_url)
    try:
        nurse, nurse2 = world.injector, world.injector2
        for actor in (nurse, nurse2):  # both search once: the statements are kept
            other.act_as(actor)
            assert other.patients.search("") and other.patients.search("s")
        admin = _as_admin(world)
        admin.auth.update_user(replace(admin.auth.get_user(nurse.user_id), active=False))
        for _ in range(2):
            other.act_as(nurse2)
            assert len(other.patients.search("")) == 60
            assert other.patients.search("s")
            other.act_as(nurse)
            with pytest.raises(RightsChanged, match="account was deactivated"):
                other.patients.search("")
            with pytest.raises(RightsChanged, match="account was deactivated"):
                other.patients.search("s")
    finally:
        other.db.dispose()
