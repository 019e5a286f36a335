"""The idle lock: covers every window after the idle time, keeps what was typed, needs the password."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QFormLayout, QLineEdit, QMainWindow, QVBoxLayout, QWidget
from sqlalchemy import select

from clinicrec.db.models import AuditRow
from clinicrec.ui.idle_lock import LOCKED_TITLE, MAX_UNLOCK_FAILURES, IdleLock
from tests.conftest import PASSWORD, World

pytestmark = pytest.mark.qt_log_ignore(
    "This plugin does not support propagateSizeHints"
)  # offscreen platform
TYPED = "Glabella 4 U × 5, patient tolerated well"


class ChartWindow(QMainWindow):
    """A stand-in for a charting window: a form with typed text and a shortcut."""

    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("Session · Lovelace, Ada · 2026-03-10 (draft)")
        body = QWidget(self)
        form = QFormLayout(body)
        self.notes = QLineEdit(body)
        self.notes.setObjectName("notes")
        self.notes.setAccessibleName("Notes")
        self.prescriber = QLineEdit(body)
        self.prescriber.setObjectName("prescriber")
        self.prescriber.setAccessibleName("Prescriber")
        form.addRow("Notes", self.notes)
        form.addRow("Prescriber", self.prescriber)
        self.setCentralWidget(body)
        self.save_action = QAction("Save", self)
        self.save_action.setShortcut(QKeySequence("Ctrl+S"))
        self.addAction(self.save_action)
        self.saves = 0
        self.save_action.triggered.connect(self._save)
        self.resize(900, 600)

    def _save(self) -> None:
        self.saves += 1


@pytest.fixture
def window(qtbot) -> ChartWindow:  # type: ignore[no-untyped-def]
    w = ChartWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    return w


@pytest.fixture
def idle(world: World, window: ChartWindow):  # type: ignore[no-untyped-def]
    world.as_(world.injector)
    lock = IdleLock(world.services, [window], parent=window)
    yield lock
    lock.stop()


def audit_actions(world: World, after: int = 0) -> list[tuple[str, str]]:
    with world.services.db.read() as s:
        rows = s.execute(select(AuditRow).where(AuditRow.id > after).order_by(AuditRow.id)).scalars()
        return [(r.action, json.loads(r.changes).get("reason", [None, ""])[1] or "") for r in rows]


def newest(world: World) -> int:
    with world.services.db.read() as s:
        return max(s.execute(select(AuditRow.id)).scalars())


def unlock_with(qtbot, idle: IdleLock, window: QWidget, password: str) -> None:  # type: ignore[no-untyped-def]
    overlay = idle.overlay_for(window)
    assert overlay is not None
    qtbot.keyClicks(overlay.password, password)
    qtbot.keyClick(overlay.password, Qt.Key.Key_Return)


def test_the_idle_time_comes_from_the_clinic_settings(world: World, window: ChartWindow, bus) -> None:  # type: ignore[no-untyped-def]
    lock = IdleLock(world.services, [window], parent=window)
    assert lock.interval_ms == 10 * 60_000  # ClinicSettings default
    bus.sig_changed.connect(lock.on_change)
    admin = world.as_(world.admin)
    admin.clinic.update(replace(admin.clinic.get(), idle_lock_minutes=3))
    assert lock.interval_ms == 3 * 60_000


def test_locks_after_the_idle_interval_and_covers_the_window(
    qtbot,
    world: World,
    window: ChartWindow,  # type: ignore[no-untyped-def]
    idle: IdleLock,
) -> None:
    mark = newest(world)
    idle.set_interval_ms(60)
    with qtbot.waitSignal(idle.sig_locked, timeout=3000):
        idle.start()
    overlay = idle.overlay_for(window)
    assert idle.is_locked and overlay is not None and overlay.isVisible()
    assert overlay.geometry() == window.rect()
    assert overlay.message.text() == "Locked — Nina Nurse, RN — enter your password"
    assert window.windowTitle() == LOCKED_TITLE  # the title named the patient
    assert overlay.password.hasFocus()
    window.resize(1100, 700)
    qtbot.waitUntil(lambda: overlay.geometry() == window.rect())
    assert audit_actions(world, mark) == [("lock", "")]


def test_activity_postpones_the_lock(qtbot, window: ChartWindow, idle: IdleLock) -> None:  # type: ignore[no-untyped-def]
    idle.set_interval_ms(60_000)
    idle.start()
    qtbot.waitUntil(lambda: idle.idle_ms >= 30)
    qtbot.keyClick(window.notes, Qt.Key.Key_A)
    assert idle.idle_ms < 30
    qtbot.waitUntil(lambda: idle.idle_ms >= 30)
    qtbot.mouseClick(window.prescriber, Qt.MouseButton.LeftButton)
    assert idle.idle_ms < 30 and not idle.is_locked


def test_typed_text_survives_lock_and_unlock(
    qtbot,
    world: World,
    window: ChartWindow,  # type: ignore[no-untyped-def]
    idle: IdleLock,
) -> None:
    mark = newest(world)
    window.notes.setFocus()
    qtbot.keyClicks(window.notes, TYPED)
    window.notes.setCursorPosition(7)
    qtbot.keyClick(window.notes, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert window.saves == 1  # the shortcut works while unlocked
    idle.start()
    idle.lock()
    qtbot.keyClicks(window.notes, "typed while locked")  # dropped: the form is covered
    qtbot.keyClick(window.notes, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)  # shortcuts too
    assert window.notes.text() == TYPED and window.saves == 1

    with qtbot.waitSignal(idle.sig_unlocked, timeout=3000):
        unlock_with(qtbot, idle, window, PASSWORD)
    assert not idle.is_locked and idle.overlay_for(window) is None
    assert window.notes.text() == TYPED and window.notes.cursorPosition() == 7
    assert window.notes.hasFocus()  # back where the user was typing
    assert window.windowTitle() == "Session · Lovelace, Ada · 2026-03-10 (draft)"
    assert audit_actions(world, mark) == [("lock", ""), ("unlock", "")]


def test_a_wrong_password_is_refused_in_place(
    qtbot,
    world: World,
    window: ChartWindow,  # type: ignore[no-untyped-def]
    idle: IdleLock,
) -> None:
    mark = newest(world)
    idle.lock()
    overlay = idle.overlay_for(window)
    assert overlay is not None
    unlock_with(qtbot, idle, window, "not my password")
    assert idle.is_locked and overlay.isVisible()
    assert overlay.error.isVisible() and overlay.error.text() == "That password is not correct."
    assert overlay.password.text() == ""
    qtbot.keyClick(overlay.password, Qt.Key.Key_Return)  # empty
    assert overlay.error.text() == "Enter your password."
    unlock_with(qtbot, idle, window, PASSWORD)
    assert not idle.is_locked
    assert audit_actions(world, mark) == [
        ("lock", ""),
        ("sign_in_failed", "wrong password at the idle lock"),
        ("unlock", ""),
    ]


def test_every_open_window_is_covered(qtbot, window: ChartWindow, idle: IdleLock) -> None:  # type: ignore[no-untyped-def]
    dialog = QDialog(window)
    dialog.setWindowTitle("Follow-up · Lovelace, Ada")
    field = QLineEdit(dialog)
    field.setObjectName("dialog_field")
    QVBoxLayout(dialog).addWidget(field)
    dialog.resize(480, 360)
    dialog.open()  # window-modal, as the app's dialogs are
    qtbot.waitExposed(dialog)
    qtbot.keyClicks(field, "2 weeks")
    idle.lock()
    assert {w for w in (window, dialog) if idle.overlay_for(w) is not None} == {window, dialog}
    assert dialog.windowTitle() == LOCKED_TITLE
    unlock_with(qtbot, idle, dialog, PASSWORD)
    assert not idle.is_locked and field.text() == "2 weeks"
    assert dialog.windowTitle() == "Follow-up · Lovelace, Ada"
    dialog.close()


def test_a_title_set_while_locked_is_kept_for_later(window: ChartWindow, idle: IdleLock, qtbot) -> None:  # type: ignore[no-untyped-def]
    idle.lock()
    window.setWindowTitle("Session · Lovelace, Ada · 2026-03-10 (signed)")
    assert window.windowTitle() == LOCKED_TITLE
    unlock_with(qtbot, idle, window, PASSWORD)
    assert window.windowTitle() == "Session · Lovelace, Ada · 2026-03-10 (signed)"


def test_too_many_wrong_passwords_ask_for_sign_out(qtbot, window: ChartWindow, idle: IdleLock) -> None:  # type: ignore[no-untyped-def]
    asked: list[bool] = []
    idle.sig_sign_out_requested.connect(lambda: asked.append(True))
    idle.lock()
    overlay = idle.overlay_for(window)
    assert overlay is not None and overlay.sign_out_button.isVisibleTo(overlay)
    for _ in range(MAX_UNLOCK_FAILURES):
        unlock_with(qtbot, idle, window, "guessing")
    assert asked == [True] and idle.is_locked
    idle.release()  # what the caller does once it has signed the user out
    assert not idle.is_locked


def test_without_sign_out_wired_entry_pauses_after_too_many_failures(
    qtbot,
    window: ChartWindow,  # type: ignore[no-untyped-def]
    idle: IdleLock,
) -> None:
    idle.lock()
    overlay = idle.overlay_for(window)
    assert overlay is not None and not overlay.sign_out_button.isVisibleTo(overlay)
    for _ in range(MAX_UNLOCK_FAILURES):
        unlock_with(qtbot, idle, window, "guessing")
    assert not overlay.password.isEnabled() and "Too many wrong passwords" in overlay.error.text()


def test_nobody_signed_in_means_no_lock(qtbot, world: World, window: ChartWindow, idle: IdleLock) -> None:  # type: ignore[no-untyped-def]
    world.services.act_as(None)
    idle.lock()
    assert not idle.is_locked
