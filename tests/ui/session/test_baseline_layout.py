"""The Baseline tab fits its column at 1280x800: grades and their wording wrap, nothing is cut off on the
right, and moving through it with the keyboard never scrolls it sideways."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QLabel, QScrollArea, QWidget

from clinicrec.domain.enums import Measure

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def _outside(area: QScrollArea) -> list[str]:
    viewport = area.viewport()
    out = []
    for w in area.widget().findChildren(QWidget):
        if not w.isVisible() or w.width() == 0:
            continue
        left = w.mapTo(viewport, QPoint(0, 0)).x()
        right = w.mapTo(viewport, QPoint(w.width(), 0)).x()
        if left < 0 or right > viewport.width():
            out.append(f"{w.objectName() or type(w).__name__} {left}..{right} > {viewport.width()}")
    return out


def test_baseline_tab_fits_its_column_at_1280_by_800(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    ui = window.ui
    ui.left_tabs.setCurrentIndex(ui.left_tabs.indexOf(ui.left_tabs.widget(1)))
    area = ui.left_tabs.currentWidget()
    assert isinstance(area, QScrollArea) and area.objectName() == "session_baseline"
    for measure, grade in ((Measure.PORES, 4), (Measure.OIL, 3), (Measure.REDNESS, 2)):
        ui.baseline.pickers[measure].set_value(grade)  # the longest wordings
    qtbot.waitUntil(lambda: area.widget().width() <= area.viewport().width())
    assert _outside(area) == []
    version = ui.baseline.version_label
    assert version.wordWrap() and "CR-" in version.text()
    assert all(
        isinstance(p.anchor_label, QLabel) and p.anchor_label.wordWrap() for p in ui.baseline.pickers.values()
    )
    # Through the form with the keyboard: the column never scrolls sideways.
    ui.baseline.pickers[Measure.PORES].combo.setFocus()
    for _ in range(6):
        qtbot.keyClick(window.focusWidget(), Qt.Key.Key_Tab)
        assert area.horizontalScrollBar().value() == 0
        assert _outside(area) == []
