"""The open main window locks, with the reason, when the signed-in user's account changes elsewhere."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from clinicrec.domain.enums import Role
from clinicrec.services.app import Services, open_services
from clinicrec.services.permissions import RightsChanged
from clinicrec.ui.app import _install_idle_lock
from clinicrec.ui.idle_lock import LOCKED_TITLE, IdleLock
from clinicrec.ui.main_window import MainWindow
from clinicrec.ui.style import apply_style
from tests.conftest import PASSWORD, World

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def other_workstation(world: World) -> Iterator[Services]:
    """An administrator at another workstation, on the same database file."""
    assert world.path is not None
    svc = open_services(f"sqlite:///{world.path}", migrate=False)
    svc.act_as(world.admin)
    yield svc
    svc.db.dispose()


@pytest.fixture
def manager_window(qtbot, world: World, bus, prompts, worker) -> Iterator[tuple[MainWindow, IdleLock]]:  # type: ignore[no-untyped-def]
    world.as_(world.manager)
    apply_style(QApplication.instance())  # type: ignore[arg-type]
    w = MainWindow(world.services, bus, prompts, worker)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    lock = _install_idle_lock(world.services, bus, w)
    w.show()
    qtbot.waitExposed(w)
    yield w, lock
    lock.stop()


def set_account(admin: Services, user_id: int, **values: object) -> None:
    admin.auth.update_user(replace(admin.auth.get_user(user_id), **values))  # type: ignore[arg-type]


def test_a_deactivated_users_window_locks_with_the_reason_and_stays_locked(
    qtbot, world: World, manager_window, other_workstation: Services
) -> None:  # type: ignore[no-untyped-def]
    window, lock = manager_window
    assert window.clinic_actions.audit_action.isVisible()
    set_account(other_workstation, world.manager.user_id, active=False)
    lock.set_rights_poll_ms(20)  # the poll notices without any action in this window
    with qtbot.waitSignal(lock.sig_locked, timeout=3000):
        pass
    overlay = lock.overlay_for(window)
    assert overlay is not None and overlay.isVisible()
    assert window.windowTitle() == LOCKED_TITLE
    assert overlay.heading.text() == "Your access has changed"
    assert "Morgan Manager's account was deactivated by an administrator" in overlay.note.text()
    qtbot.keyClicks(overlay.password, PASSWORD)
    qtbot.keyClick(overlay.password, Qt.Key.Key_Return)
    assert lock.is_locked  # even the right password does not reopen a deactivated account
    assert "deactivated" in overlay.error.text()


def test_a_demoted_managers_next_action_locks_the_window_and_the_password_takes_up_the_new_role(
    qtbot, world: World, manager_window, other_workstation: Services
) -> None:  # type: ignore[no-untyped-def]
    window, lock = manager_window
    set_account(other_workstation, world.manager.user_id, role=Role.INJECTOR)
    with qtbot.waitSignal(lock.sig_locked, timeout=3000), pytest.raises(RightsChanged):
        world.services.audit_log.newest_id()  # the next action, from any view of this window
    overlay = lock.overlay_for(window)
    assert overlay is not None
    assert "changed Morgan Manager's role from Manager to Injector" in overlay.note.text()
    with qtbot.waitSignal(lock.sig_unlocked, timeout=3000):
        qtbot.keyClicks(overlay.password, PASSWORD)
        qtbot.keyClick(overlay.password, Qt.Key.Key_Return)
    assert world.services.actor is not None and world.services.actor.role == Role.INJECTOR
    assert not window.clinic_actions.audit_action.isVisible()  # the menus follow the new role
    assert not window.clinic_actions.backup_action.isVisible()
    assert window.user_label.text().endswith("Injector")


def test_the_first_administrator_after_a_conversion_is_shown_a_new_recovery_key(
    qtbot, world: World, prompts, worker
) -> None:  # type: ignore[no-untyped-def]
    from clinicrec.db import encryption
    from clinicrec.ui.changes import ChangeBus

    assert world.path is not None
    world.services.db.dispose()
    done = encryption.encrypt_existing(world.path)
    svc = open_services(f"sqlite:///{world.path}", key=done.key, migrate=False)
    svc.act_as(world.admin)
    bus = ChangeBus()
    svc.subscribe(bus.publish)
    window = MainWindow(svc, bus, prompts, worker)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: any(kind == "info" for kind, _title, _text in prompts.shown))
    [(kind, title, text)] = prompts.shown
    recovery = text.rsplit("\n", 1)[-1]
    assert title == "Recovery key" and "shown only this once" in text
    assert encryption.unlock_with_recovery(world.path, recovery) == done.key
    window.offer_recovery_key()  # made once: not offered again
    assert len(prompts.shown) == 1
    svc.db.dispose()
