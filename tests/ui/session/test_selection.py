"""A nurse selects points and changes their dose: a plain click selects only the point clicked, Enter in
the dose box applies the dose, and the status bar always says how many points a change will touch."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from clinicrec.domain import facemap
from clinicrec.domain.enums import DoseBasis, Zone

from .conftest import click_map, db_points

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def _type_dose(qtbot, window, value: str) -> None:  # type: ignore[no-untyped-def]
    dose = window.ui.tools.selected_dose
    dose.basis.setCurrentIndex(dose.basis.findData(DoseBasis.UNITS))
    dose.value.setFocus()
    dose.value.selectAll()
    qtbot.keyClicks(dose.value, value)
    qtbot.keyClick(dose.value, Qt.Key.Key_Return)


def test_a_plain_click_on_one_point_of_a_grid_selects_only_that_point(window, services, qtbot) -> None:  # type: ignore[no-untyped-def]
    window.editor.grid_fill(Zone.FOREHEAD, 1.0)
    n = window.points_model.rowCount()
    assert n > 20 and len(window.map.selected_uids()) == n  # the fill leaves the whole grid selected
    status = window.selection_state
    assert status.text() == f"Apply dose changes {n} points"
    [target, *_] = window.map.dots()
    click_map(qtbot, window, target.x, target.y)
    assert window.map.selected_uids() == [target.uid]
    assert window.points_model.rowCount() == n  # a click on a point places nothing
    assert status.text() == "Apply dose changes 1 point"
    assert window.ui.tools.selection_label.text() == "1 point selected"

    _type_dose(qtbot, window, "0.6")  # Enter applies it: to the one point only
    window.controller.flush()
    units = [p[3] for p in db_points(services, window.session_id)]
    assert units.count(0.6) == 1 and units.count(0.4) == n - 1


def test_ctrl_click_adds_to_the_selection_and_the_status_bar_counts(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window.editor.grid_fill(Zone.CHIN, 1.0)
    a, b, *_ = window.map.dots()
    click_map(qtbot, window, a.x, a.y)
    click_map(qtbot, window, b.x, b.y, Qt.KeyboardModifier.ControlModifier)
    assert sorted(window.map.selected_uids()) == sorted([a.uid, b.uid])
    assert window.selection_state.text() == "Apply dose changes 2 points"
    window.map.set_selected_uids([])
    assert window.selection_state.text() == "No points selected: Apply dose changes none"
    _type_dose(qtbot, window, "0.9")  # nothing selected: Enter changes nothing
    assert {p.units for p in window.points_model.points()} == {0.4}


def test_dragging_a_selected_group_still_moves_the_whole_group(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window.editor.place(*facemap.zone_centroid(Zone.CHEEK_LEFT))
    window.editor.place(*facemap.zone_centroid(Zone.CHEEK_LEFT))
    first, second = window.points_model.points()
    window.map.set_selected_uids(window.points_model.uids())
    viewport = window.map.viewport()
    start = window.map.view_point(first.x, first.y)
    end = start + QPoint(0, 12)
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    QTest.mouseMove(viewport, start + QPoint(0, 6))
    QTest.mouseMove(viewport, end)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
    moved = window.points_model.points()
    assert all(m.y > p.y for m, p in zip(moved, (first, second), strict=True))
    assert len(window.map.selected_uids()) == 2
