"""The session's date-and-time box takes one Tab press, not one per part of the date."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def test_one_tab_leaves_the_date_and_time_and_shift_tab_comes_back(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    d = window.ui.details
    window.activateWindow()
    d.performed_at.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(d.performed_at.hasFocus)
    qtbot.keyClick(d.performed_at, Qt.Key.Key_Tab)
    after = QApplication.focusWidget()
    assert after is not None and after is not d.performed_at and not d.performed_at.isAncestorOf(after)
    qtbot.keyClick(after, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    back = QApplication.focusWidget()
    assert back is d.performed_at or d.performed_at.isAncestorOf(back)


def test_the_arrow_keys_still_change_the_part_under_the_cursor(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    edit = window.ui.details.performed_at
    edit.setFocus()
    before = edit.dateTime()
    edit.setCurrentSection(edit.Section.DaySection)
    qtbot.keyClick(edit, Qt.Key.Key_Up)
    assert edit.dateTime() == before.addDays(1)
