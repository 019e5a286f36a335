"""Rights as they are now: a deactivation or a change of role holds from the user's next service call.

The acting user keeps the ``Actor`` of their sign-in (as an open window does); an administrator then
changes their account. Every action must be refused with the reason, leave no trace in the audit
trail, and announce the change so that the application can lock the user's windows.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import event

from clinicrec.domain.enums import Role
from clinicrec.domain.errors import PermissionDenied
from clinicrec.services.base import Change, ChangeEntity
from clinicrec.services.permissions import PERMISSIONS, Action, Actor, RightsChanged
from clinicrec.services.rights import RIGHTS_CHANGED, rights_problem
from tests.conftest import PASSWORD, World
from tests.services.test_access import CASES, newest_audit_id


def change_account(world: World, actor: Actor, **values: object) -> None:
    admin = world.as_(world.admin)
    user = admin.auth.get_user(actor.user_id)
    admin.auth.update_user(replace(user, **values))  # type: ignore[arg-type]
    world.as_(actor)  # the user's window still holds the actor of their sign-in


def heard(world: World) -> list[Change]:
    changes: list[Change] = []
    world.services.subscribe(changes.append)
    return changes


@pytest.mark.parametrize("action", sorted(PERMISSIONS[Role.INJECTOR]), ids=str)
def test_a_deactivated_users_next_action_is_refused(world: World, tmp_path: Path, action: Action) -> None:
    """Create patient, open vial, save draft, print, reports ... every action an injector had."""
    nurse = world.injector
    act = CASES[action](world, nurse, tmp_path)
    change_account(world, nurse, active=False)
    changes = heard(world)
    before = newest_audit_id(world)
    with pytest.raises(RightsChanged, match="account was deactivated by an administrator"):
        act()
    assert newest_audit_id(world) == before  # nothing done, nothing recorded
    assert Change(ChangeEntity.USER, nurse.user_id, RIGHTS_CHANGED) in changes


@pytest.mark.parametrize("action", [Action.VIEW_AUDIT, Action.VIEW_ALL_REPORTS, Action.BACKUP, Action.EXPORT])
def test_a_demoted_manager_loses_the_managers_rights_at_once(
    world: World, tmp_path: Path, action: Action
) -> None:
    """The audit trail, the clinic-wide recall, backups: refused the moment the role changes."""
    manager = world.manager
    act = CASES[action](world, manager, tmp_path)
    world.as_(manager)
    act()  # allowed while a manager
    change_account(world, manager, role=Role.INJECTOR)
    with pytest.raises(RightsChanged, match="from Manager to Injector"):
        act()
    # Their password at the lock takes up the new role: now refused as an injector, for good.
    assert world.services.auth.verify_password(PASSWORD)
    assert world.services.actor is not None and world.services.actor.role == Role.INJECTOR
    with pytest.raises(PermissionDenied, match=r"\(Injector\) may not") as refused:
        act()
    assert not isinstance(refused.value, RightsChanged)


def test_after_a_change_of_role_the_new_rights_apply_once_the_password_is_given(world: World) -> None:
    nurse = world.injector
    change_account(world, nurse, role=Role.MANAGER)
    svc = world.services
    with pytest.raises(RightsChanged):
        svc.patients.count("")  # even an action both roles may take: the user is told first
    assert svc.auth.check_rights() is not None
    assert not svc.auth.verify_password("not the password")
    assert svc.actor is not None and svc.actor.role == Role.INJECTOR  # a wrong password changes nothing
    assert svc.auth.verify_password(PASSWORD)
    assert svc.auth.check_rights() is None
    svc.audit_log.count(_all_entries())  # a manager's right


def test_a_deactivated_user_cannot_unlock_whatever_the_password(world: World) -> None:
    nurse = world.injector
    change_account(world, nurse, active=False)
    with pytest.raises(RightsChanged, match="deactivated"):
        world.services.auth.verify_password(PASSWORD)
    assert "deactivated" in (world.services.auth.check_rights() or "")


def test_signing_is_refused_after_deactivation_before_the_password_is_checked(world: World) -> None:
    nurse = world.injector
    draft_factory = CASES[Action.SIGN](world, nurse, Path("."))
    change_account(world, nurse, active=False)
    with pytest.raises(RightsChanged):
        draft_factory()


def test_the_check_is_one_small_query(world: World) -> None:
    statements: list[str] = []
    engine = world.services.db.engine

    def count(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert rights_problem(world.services.ctx, world.injector) is None
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 1 and "WHERE users.id =" in statements[0]


def _all_entries():  # type: ignore[no-untyped-def]
    from clinicrec.services.audit_log import AuditFilters

    return AuditFilters()
