"""Placing points without the mouse: K on the map shows a cross-hair, the arrows move it, Enter places a
point under it (at the dose per new point, undoable), Esc ends; a signed session places nothing."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from clinicrec.domain import facemap
from clinicrec.domain.enums import Zone
from tests.conftest import PASSWORD

from .conftest import make_signable

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def _start(window, qtbot, zone: Zone = Zone.FOREHEAD):  # type: ignore[no-untyped-def]
    window.ui.tools.set_zone(zone)
    window.activateWindow()
    window.map.setFocus()
    qtbot.keyClick(window.map, Qt.Key.Key_K)
    placing = window.keyboard_placement
    assert placing.active and window.keyboard_place_action.isChecked()
    return placing


def test_arrows_move_the_cross_hair_and_enter_places_a_point_there(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    placing = _start(window, qtbot)
    start = placing.position()
    assert start == facemap.zone_centroid(Zone.FOREHEAD)
    assert "Forehead" in window.statusBar().currentMessage()
    qtbot.keyClick(window.map, Qt.Key.Key_Right)
    qtbot.keyClick(window.map, Qt.Key.Key_Right)
    qtbot.keyClick(window.map, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    x_cm, y_cm = facemap.to_cm(placing.position())
    x0_cm, y0_cm = facemap.to_cm(start)
    assert (round(x_cm - x0_cm, 6), round(y_cm - y0_cm, 6)) == (1.0, 0.1)
    qtbot.keyClick(window.map, Qt.Key.Key_Return)
    [point] = window.points_model.points()
    assert point.zone == Zone.FOREHEAD
    assert (point.x, point.y) == pytest.approx(placing.position())
    assert point.units == pytest.approx(window.editor.default_dose.value)
    qtbot.keyClick(window.map, Qt.Key.Key_Left)
    qtbot.keyClick(window.map, Qt.Key.Key_Space)
    assert len(window.points_model.points()) == 2
    window.undo_stack.undo()
    assert len(window.points_model.points()) == 1
    qtbot.keyClick(window.map, Qt.Key.Key_Escape)
    assert not placing.active and not window.keyboard_place_action.isChecked()
    # Out of the mode, the arrows are the map's again (they nudge the selected point).
    before = window.points_model.points()[0]
    window.map.set_selected_uids(window.points_model.uids())
    qtbot.keyClick(window.map, Qt.Key.Key_Right)
    assert window.points_model.points()[0].x > before.x


def test_the_menu_command_starts_it_and_a_signed_session_places_nothing(window, prompts, qtbot) -> None:  # type: ignore[no-untyped-def]
    make_signable(window)
    prompts.queue(PASSWORD)
    window.signing.sign()
    count = len(window.points_model.points())
    window.keyboard_place_action.trigger()
    placing = window.keyboard_placement
    assert placing.active
    qtbot.keyClick(window.map, Qt.Key.Key_Return)
    assert len(window.points_model.points()) == count
    window.keyboard_place_action.trigger()
    assert not placing.active
