"""The strength hint under each new-password field follows the typing, with the services' own rules."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QLabel

from clinicrec.services.app import Services, open_services
from clinicrec.ui.admin.password_dialog import ChangePasswordDialog, ResetPasswordDialog
from clinicrec.ui.admin.users_screen import UserDialog
from clinicrec.ui.setup_dialog import SetupDialog
from tests.conftest import World

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def _typed(qtbot, edit, hint, text: str) -> str:  # type: ignore[no-untyped-def]
    edit.clear()
    qtbot.keyClicks(edit, text)
    return hint.text()


def test_change_password_hint_grades_each_keystroke(qtbot, world: World) -> None:  # type: ignore[no-untyped-def]
    world.as_(world.injector)
    dialog = ChangePasswordDialog(world.services)
    qtbot.addWidget(dialog)
    edit, hint = dialog.new_password, dialog.hints["password"]
    assert hint.text().startswith("At least 10 characters")
    qtbot.keyClicks(edit, "tulip")
    assert hint.text() == "Strength: Too short. At least 10 characters (5 so far)."
    for text, label in (
        ("aaaaaaaaaa", "Too easy to guess"),
        ("          ", "Too easy to guess"),
        ("password12", "Too easy to guess"),
        ("1234567890", "Too easy to guess"),
        ("Nina Nurse 2026", "Too easy to guess"),  # her own name
        ("testclinic99", "Too easy to guess"),  # the clinic's name
        ("tulip river moon", "Strong"),
    ):
        assert _typed(qtbot, edit, hint, text).startswith(f"Strength: {label}."), text
    assert "your name or the clinic's name" in _typed(qtbot, edit, hint, "Nina Nurse 2026")
    qtbot.keyClicks(dialog.old_password, "correct horse battery")
    qtbot.keyClicks(dialog.confirm, "Nina Nurse 2026")
    assert not dialog.save()
    assert "your name or the clinic's name" in dialog.error_for("password")


def test_reset_dialog_hint_uses_the_target_users_name(qtbot, world: World, prompts) -> None:  # type: ignore[no-untyped-def]
    world.as_(world.admin)
    nurse = next(u for u in world.services.auth.list_users() if u.username == "nurse2")
    dialog = ResetPasswordDialog(world.services, nurse, prompts)
    qtbot.addWidget(dialog)
    hint = dialog.hints["password"]
    assert _typed(qtbot, dialog.new_password, hint, "olga.other.1").startswith("Strength: Too easy")
    assert _typed(qtbot, dialog.new_password, hint, "bluehouse77") == "Strength: Good."
    qtbot.keyClicks(dialog.confirm, "bluehouse77")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.saved is True


def test_new_user_hint_follows_the_name_typed_in_the_same_form(qtbot, world: World, prompts) -> None:  # type: ignore[no-untyped-def]
    world.as_(world.admin)
    dialog = UserDialog(world.services, prompts)
    qtbot.addWidget(dialog)
    hint = dialog.hints["password"]
    assert _typed(qtbot, dialog.password, hint, "zanzibar-quill").startswith("Strength: Good")
    qtbot.keyClicks(dialog.full_name, "Zanzibar Quill")
    assert _typed(qtbot, dialog.password, hint, "zanzibar-quill").startswith("Strength: Too easy")


@pytest.fixture
def empty_services(tmp_path) -> Services:  # type: ignore[no-untyped-def]
    svc = open_services(f"sqlite:///{tmp_path / 'first.sqlite3'}", create=True)
    yield svc
    svc.db.dispose()


def test_setup_hint_and_refusal(qtbot, empty_services: Services) -> None:  # type: ignore[no-untyped-def]
    dialog = SetupDialog(empty_services)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.clinic_name, "Harbour Skin Clinic")
    qtbot.keyClicks(dialog.username, "nina")
    qtbot.keyClicks(dialog.full_name, "Nina Nurse")
    hint = dialog.password_hint
    assert _typed(qtbot, dialog.password, hint, "harbour skin 1").startswith("Strength: Too easy to guess.")
    dialog.password_again.setText("harbour skin 1")
    qtbot.mouseClick(dialog.finish_button, Qt.MouseButton.LeftButton)
    assert not empty_services.auth.has_users()
    assert _typed(qtbot, dialog.password, hint, "tulip river moon") == "Strength: Strong."


def test_setup_on_an_encrypted_database_shows_the_recovery_key_once(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from clinicrec.db import encryption

    path = tmp_path / "enc" / "clinicrec.sqlite3"
    key, first = encryption.create_encrypted(path)
    svc = open_services(f"sqlite:///{path}", key=key)
    try:
        dialog = SetupDialog(svc)
        qtbot.addWidget(dialog)
        qtbot.keyClicks(dialog.clinic_name, "Harbour Skin Clinic")
        qtbot.keyClicks(dialog.username, "nina")
        qtbot.keyClicks(dialog.full_name, "Nina Nurse")
        qtbot.keyClicks(dialog.password, "tulip river moon")
        qtbot.keyClicks(dialog.password_again, "tulip river moon")
        qtbot.mouseClick(dialog.finish_button, Qt.MouseButton.LeftButton)
        shown = dialog.findChild(QLabel, "recovery_key")
        assert shown is not None and shown.text() == dialog.recovery_key != first
        assert not dialog.result()  # still open until the user says the key is kept
        qtbot.mouseClick(dialog.finish_button, Qt.MouseButton.LeftButton)
        assert dialog.result() == QDialog.DialogCode.Accepted
        assert encryption.unlock_with_recovery(path, shown.text()) == key
        assert encryption.unlock(path, "nina", "tulip river moon") == key
    finally:
        svc.db.dispose()
