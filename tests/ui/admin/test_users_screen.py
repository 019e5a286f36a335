"""Users screen and password dialogs: add, edit, reset, change own password; errors beside the fields."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from clinicrec.db.models import UserRow
from clinicrec.domain.enums import Role
from clinicrec.domain.errors import AuthenticationError
from clinicrec.domain.models import User
from clinicrec.services.mapping import to_user
from clinicrec.ui.admin import users_screen as users_module
from clinicrec.ui.admin.models import users_model
from clinicrec.ui.admin.password_dialog import ChangePasswordDialog, ResetPasswordDialog
from clinicrec.ui.admin.users_screen import UserDialog, UsersScreen, role_summary
from tests.conftest import PASSWORD, World

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
NEW_PASSWORD = "a brand new passphrase"


def user_named(world: World, username: str) -> User:
    """The user as stored (read directly: the staff list is not for every role)."""
    with world.services.db.read() as s:
        return to_user(s.execute(select(UserRow).where(UserRow.username == username)).scalar_one())


@pytest.fixture
def screen(qtbot, world: World, prompts, bus) -> UsersScreen:  # type: ignore[no-untyped-def]
    world.as_(world.admin)
    s = UsersScreen(world.services, prompts, bus=bus)
    qtbot.addWidget(s)
    return s


def test_model_passes_the_model_tester(qtmodeltester, world: World) -> None:  # type: ignore[no-untyped-def]
    model = users_model()
    model.set_rows(world.as_(world.admin).auth.list_users())
    qtmodeltester.check(model, force_py=True)


def test_lists_users_with_role_credentials_and_status(screen: UsersScreen, world: World) -> None:
    m = screen.model
    rows = [[m.data(m.index(r, c)) for c in range(m.columnCount())] for r in range(m.rowCount())]
    assert ["Nina Nurse", "nurse", "Injector", "RN", "Active"] in rows
    assert ["Morgan Manager", "manager", "Manager", "NP", "Active"] in rows
    assert screen.add_button.isEnabled() and not screen.banner.isVisibleTo(screen)


def test_role_summaries_come_from_the_permission_table() -> None:
    assert role_summary(Role.INJECTOR).startswith("view patients, edit patients, chart sessions")
    assert role_summary(Role.MANAGER).startswith("everything an injector may, and: ")
    assert "see the audit trail" in role_summary(Role.MANAGER)
    assert role_summary(Role.ADMIN).startswith("everything a manager may, and: manage users")


def test_add_user_explains_each_problem_beside_its_field(qtbot, world: World, prompts) -> None:  # type: ignore[no-untyped-def]
    world.as_(world.admin)
    dialog = UserDialog(world.services, prompts)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.username, "nurse")  # taken
    qtbot.keyClicks(dialog.full_name, "Noor Hassan")
    qtbot.keyClicks(dialog.password, "short")
    qtbot.keyClicks(dialog.confirm, "short")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.saved is None and dialog.error_for("password").startswith("Password must be at least")
    dialog.password.setText(NEW_PASSWORD)
    dialog.confirm.setText(NEW_PASSWORD + "!")
    assert not dialog.save()
    assert dialog.error_for("confirm") == "The two passwords are not the same."
    dialog.confirm.setText(NEW_PASSWORD)
    assert not dialog.save()
    assert dialog.error_for("username") == "User name 'nurse' is already taken"
    dialog.username.setText("noor")
    dialog.credentials.setText("RN")
    dialog.role.setCurrentIndex(dialog.role.findData(Role.MANAGER))
    assert dialog.save()
    assert dialog.saved.username == "noor" and dialog.saved.role == Role.MANAGER
    assert world.services.auth.sign_in("noor", NEW_PASSWORD).role == Role.MANAGER


def test_edit_role_credentials_and_active(qtbot, world: World, prompts) -> None:  # type: ignore[no-untyped-def]
    world.as_(world.admin)
    dialog = UserDialog(world.services, prompts, user_named(world, "nurse2"))
    qtbot.addWidget(dialog)
    assert dialog.username.isReadOnly() and not hasattr(dialog, "password")
    dialog.credentials.setText("NP")
    dialog.role.setCurrentIndex(dialog.role.findData(Role.MANAGER))
    dialog.active.setChecked(False)
    assert dialog.save()
    saved = user_named(world, "nurse2")
    assert (saved.credentials, saved.role, saved.active) == ("NP", Role.MANAGER, False)
    with pytest.raises(AuthenticationError):
        world.services.auth.sign_in("nurse2", PASSWORD)


def test_an_admin_cannot_lock_themself_out(qtbot, world: World, prompts) -> None:  # type: ignore[no-untyped-def]
    world.as_(world.admin)
    dialog = UserDialog(world.services, prompts, user_named(world, "admin"))
    qtbot.addWidget(dialog)
    dialog.role.setCurrentIndex(dialog.role.findData(Role.INJECTOR))
    dialog.active.setChecked(False)
    assert not dialog.save()
    assert "your own administrator role" in dialog.error_for("role")
    assert dialog.error_for("active") == "You cannot deactivate your own account."
    assert user_named(world, "admin").role == Role.ADMIN


def test_adding_from_the_screen_lists_and_selects_the_user(screen: UsersScreen, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def fake_ask(parent, services, prompts, user=None):  # type: ignore[no-untyped-def]
        return services.auth.create_user(User("keiko", "Keiko Tanaka", "NP", Role.INJECTOR), NEW_PASSWORD)

    monkeypatch.setattr(users_module.UserDialog, "ask", staticmethod(fake_ask))
    screen.add_button.click()
    assert screen.selected().username == "keiko"  # type: ignore[union-attr]
    assert screen.model.rowCount() == 5


def test_list_follows_changes_made_elsewhere(screen: UsersScreen, world: World) -> None:
    world.services.auth.create_user(User("omar", "Omar Ahmed", "RN", Role.INJECTOR), NEW_PASSWORD)
    assert "omar" in [u.username for u in screen.model.rows()]


def test_reset_password(qtbot, world: World, prompts) -> None:  # type: ignore[no-untyped-def]
    world.as_(world.admin)
    dialog = ResetPasswordDialog(world.services, user_named(world, "nurse"), prompts)
    qtbot.addWidget(dialog)
    assert dialog.heading.text() == "Reset password for Nina Nurse"
    qtbot.keyClicks(dialog.new_password, NEW_PASSWORD)
    qtbot.keyClicks(dialog.confirm, NEW_PASSWORD)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.saved is True
    assert world.services.auth.sign_in("nurse", NEW_PASSWORD).username == "nurse"


def test_change_own_password(qtbot, world: World) -> None:  # type: ignore[no-untyped-def]
    world.as_(world.injector)
    dialog = ChangePasswordDialog(world.services)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.old_password, "not my password")
    qtbot.keyClicks(dialog.new_password, NEW_PASSWORD)
    qtbot.keyClicks(dialog.confirm, NEW_PASSWORD)
    assert not dialog.save()
    assert dialog.error_for("old_password") == "Current password is not correct"
    assert dialog.old_password.text() == dialog.new_password.text() == ""  # nothing typed is left behind
    dialog.old_password.setText(PASSWORD)
    dialog.new_password.setText(NEW_PASSWORD)
    dialog.confirm.setText("something else entirely")
    assert not dialog.save() and dialog.error_for("confirm") == "The two new passwords are not the same."
    for edit, text in (
        (dialog.old_password, PASSWORD),
        (dialog.new_password, NEW_PASSWORD),
        (dialog.confirm, NEW_PASSWORD),
    ):
        edit.setText(text)
    assert dialog.save() and dialog.saved is True
    world.services.auth.sign_out()
    assert world.services.auth.sign_in("nurse", NEW_PASSWORD).username == "nurse"


def test_an_injector_is_told_plainly_and_the_service_refuses(qtbot, world: World, prompts) -> None:  # type: ignore[no-untyped-def]
    world.as_(world.injector)
    screen = UsersScreen(world.services, prompts)
    qtbot.addWidget(screen)
    assert "Nina Nurse (Injector) may not manage users" in screen.banner.text()
    assert not screen.add_button.isEnabled() and not screen.reset_button.isEnabled()
    dialog = UserDialog(world.services, prompts, user_named(world, "nurse2"))
    qtbot.addWidget(dialog)
    assert not dialog.save_button.isEnabled()
    dialog.credentials.setText("MD")
    assert not dialog.save()  # even if the button were reachable, the service says no
    assert dialog.banner.text().startswith("Not saved. Nina Nurse (Injector) may not manage users")
    assert user_named(world, "nurse2").credentials == "RN"
