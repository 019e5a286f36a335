"""Help: the keyboard shortcut sheet (F1, Ctrl+/) is generated from the windows' actions, and every tool
(tool button, toolbar action, push button) says what it does in a tooltip."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QAbstractButton, QToolBar, QToolButton, QWidget

from clinicrec.ui.shortcut_sheet import ShortcutSheet, shortcut_rows
from tests.conftest import World

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support (propagateSizeHints|raise)")


def _window(world: World, qtbot, prompts, worker, bus):  # type: ignore[no-untyped-def]
    from clinicrec.ui.main_window import MainWindow

    world.services.act_as(world.manager)
    window = MainWindow(world.services, bus, prompts, worker)
    qtbot.addWidget(window)
    return window


def _native(text: str) -> str:
    return QKeySequence(text).toString(QKeySequence.SequenceFormat.NativeText)


def test_shortcut_sheet_lists_every_shortcut_of_the_windows(
    world: World, qtbot, prompts, worker, bus
) -> None:  # type: ignore[no-untyped-def]
    window = _window(world, qtbot, prompts, worker, bus)
    help_ = window.clinic_actions.shortcut_help
    assert [k.toString() for k in help_.action.shortcuts()] == ["F1", "Ctrl+/"]
    help_menu = window.menuBar().actions()[-1].menu()
    assert help_.action in help_menu.actions()
    with qtbot.waitSignal(help_.sig_sheet_shown) as shown:
        help_.action.trigger()
    sheet: ShortcutSheet = shown.args[0]
    qtbot.addWidget(sheet)
    listed = {(r.what, r.keys) for r in sheet.rows}
    expected = {
        (
            a.text().replace("&", "").rstrip("…"),
            ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in a.shortcuts()),
        )
        for a in window.findChildren(QAction)
        if a.shortcuts() and a.text()
    }
    assert expected and expected <= listed
    assert ("Outcome reports", _native("Ctrl+R")) in listed and ("Lock screen", _native("Ctrl+L")) in listed
    assert ("Keyboard shortcuts", f"{_native('F1')}, {_native('Ctrl+/')}") in listed
    assert sheet.rows_model.rowCount() == len(sheet.rows)
    # generated, never written down: a shortcut added later is listed too
    extra = QAction("Something new", window)
    extra.setShortcut(QKeySequence("Ctrl+Shift+J"))
    window.addAction(extra)
    assert ("Something new", _native("Ctrl+Shift+J")) in {(r.what, r.keys) for r in shortcut_rows([window])}


def test_reports_screen_shortcuts_are_described(world: World, qtbot, prompts, worker, bus) -> None:  # type: ignore[no-untyped-def]
    window = _window(world, qtbot, prompts, worker, bus)
    screen = window.clinic_actions.open_reports()
    rows = shortcut_rows([screen])
    assert ("Compute the figures again", _native("F5")) in {(r.what, r.keys) for r in rows}
    assert all(r.where == "Outcome reports" for r in rows)
    assert "(no description)" not in {r.what for r in shortcut_rows([window, screen])}


#: Qt's own buttons inside its widgets (menu bar overflow, tab scrolling, calendar pop-ups).
QT_OWN = ("qt_", "ScrollLeftButton", "ScrollRightButton")


def _tools_without_tips(root: QWidget) -> list[str]:
    missing = []
    for bar in root.findChildren(QToolBar):
        for action in bar.actions():
            if action.isSeparator() or action.isVisible() is False:
                continue
            plain = action.text().replace("&", "")
            if not action.toolTip() or action.toolTip() == plain:
                missing.append(f"toolbar action {plain!r}")
    for button in root.findChildren(QAbstractButton):
        if button.objectName().startswith(QT_OWN):
            continue
        if isinstance(button, QToolButton) and button.defaultAction() is not None:
            continue  # a toolbar action: checked above
        if isinstance(button, QToolButton) and not button.toolTip():
            missing.append(f"tool button {button.objectName() or button.text()!r}")
    return missing


def test_every_tool_has_a_tooltip(world: World, qtbot, prompts, worker, bus) -> None:  # type: ignore[no-untyped-def]
    window = _window(world, qtbot, prompts, worker, bus)
    window.resize(1280, 800)
    screens = [window, window.clinic_actions.open_reports(), window.clinic_actions.open_audit()]
    missing = [f"{s.objectName()}: {m}" for s in screens for m in _tools_without_tips(s)]
    assert missing == []
