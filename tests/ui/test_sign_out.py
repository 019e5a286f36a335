"""Lock, Sign out and Switch user: three menu commands; signing out (from the menu or the lock screen) comes
back to the sign-in screen instead of quitting; a lock asked for by hand does not blame idleness."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from clinicrec.ui.app import _install_idle_lock
from clinicrec.ui.login_dialog import LoginDialog
from clinicrec.ui.main_window import MainWindow
from tests.conftest import PASSWORD, World
from tests.ui.test_startup import _drive, _fill_and_sign_in, _visible
from tests.ui.test_startup import unfrozen as unfrozen  # a fixture


@pytest.fixture
def shell(qtbot, world: World, bus, prompts, worker):  # type: ignore[no-untyped-def]
    world.services.act_as(world.services.auth.sign_in("nurse", PASSWORD))
    window = MainWindow(world.services, bus, prompts, worker)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    lock = _install_idle_lock(world.services, bus, window)
    window.show()
    qtbot.waitExposed(window)
    yield window, lock
    lock.stop()


def test_the_file_menu_offers_lock_switch_user_and_sign_out(shell) -> None:  # type: ignore[no-untyped-def]
    window, _lock = shell
    texts = [a.text().replace("&", "") for a in window.menuBar().actions()[0].menu().actions()]
    assert {"Lock screen", "Switch user…", "Sign out", "Quit"} <= set(texts)


def test_locking_by_hand_does_not_speak_of_inactivity(shell, qtbot) -> None:  # type: ignore[no-untyped-def]
    window, lock = shell
    window.clinic_actions.lock_action.trigger()
    overlay = lock.overlay_for(window)
    assert lock.is_locked and overlay is not None
    assert "without activity" not in overlay.note.text() and "Locked at" in overlay.note.text()
    overlay.password.setText(PASSWORD)
    qtbot.keyClick(overlay.password, Qt.Key.Key_Return)
    assert not lock.is_locked
    lock.lock()  # the idle timer's lock still says why
    assert "without activity" in lock.overlay_for(window).note.text()  # type: ignore[union-attr]


def test_sign_out_on_the_lock_screen_signs_out_for_the_next_sign_in(shell, world: World, qtbot) -> None:  # type: ignore[no-untyped-def]
    window, lock = shell
    lock.lock_by_hand()
    overlay = lock.overlay_for(window)
    assert overlay is not None and overlay.sign_out_button.isVisibleTo(overlay)
    qtbot.mouseClick(overlay.sign_out_button, Qt.MouseButton.LeftButton)
    assert world.services.actor is None
    assert not window.isVisible() and not lock.is_locked
    assert window.sign_in_again == "Nina Nurse, RN signed out."


def test_sign_out_comes_back_to_sign_in_and_another_user_carries_on(  # type: ignore[no-untyped-def]
    world: World,
    qapp,
    prompts,
    unfrozen,  # noqa: F811 - the fixture imported above
) -> None:
    from clinicrec.ui.startup import run

    world.services.act_as(None)
    world.services.db.dispose()
    seen: dict = {}  # type: ignore[type-arg]

    def sign_out(window) -> None:  # type: ignore[no-untyped-def]
        seen["first"] = window.user_label.text()
        window.clinic_actions.switch_user_action.trigger()

    def second_sign_in(dialog) -> None:  # type: ignore[no-untyped-def]
        seen["notice"] = dialog.notice_label.text() if dialog.notice_label.isVisible() else ""
        _fill_and_sign_in("manager", PASSWORD)(dialog)

    def second_window(window) -> None:  # type: ignore[no-untyped-def]
        seen["second"] = window.user_label.text()
        window.clinic_actions.sign_out_action.trigger()

    def quit_at_sign_in(dialog) -> None:  # type: ignore[no-untyped-def]
        seen["last_notice"] = dialog.notice_label.text()
        dialog.cancel_button.click()

    first_window = _visible(MainWindow, "main_window")
    done = _drive(
        qapp,
        [
            ("sign-in", _visible(LoginDialog, "login_dialog"), _fill_and_sign_in("nurse", PASSWORD)),
            ("nurse's window", first_window, sign_out),
            ("sign-in again", _visible(LoginDialog, "login_dialog"), second_sign_in),
            ("manager's window", _visible(MainWindow, "main_window"), second_window),
            ("sign-in once more", _visible(LoginDialog, "login_dialog"), quit_at_sign_in),
        ],
    )
    assert world.path is not None
    assert run(f"sqlite:///{world.path}", prompts=prompts) == 0
    assert done == ["sign-in", "nurse's window", "sign-in again", "manager's window", "sign-in once more"]
    assert "Nina Nurse" in seen["first"] and "Morgan Manager" in seen["second"]
    assert seen["notice"] == "Nina Nurse, RN signed out. Sign in as yourself to carry on."
    assert seen["last_notice"] == "Morgan Manager, NP signed out."
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
