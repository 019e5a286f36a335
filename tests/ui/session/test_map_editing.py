"""Placing, filling, moving, deleting and dosing points on the face map; all of it lands in the DB."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from clinicrec.domain import facemap
from clinicrec.domain.enums import DoseBasis, Zone
from clinicrec.ui.figures import plain

from .conftest import click_map, db_points

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


def test_click_places_a_point_in_the_zone_under_it(window, services, qtbot) -> None:  # type: ignore[no-untyped-def]
    x, y = facemap.zone_centroid(Zone.CHEEK_LEFT)
    click_map(qtbot, window, x, y)
    window.controller.flush()
    [(zone, px, py, units, volume, basis)] = db_points(services, window.session_id)
    assert zone == "cheek_left"
    assert px == pytest.approx(x, abs=0.01) and py == pytest.approx(y, abs=0.01)
    assert (units, volume, basis) == (0.4, 0.01, "units")  # 0.4 U at 4 U/0.1 mL


def test_click_outside_every_zone_places_nothing(window, services, qtbot) -> None:  # type: ignore[no-untyped-def]
    click_map(qtbot, window, 0.03, 0.03)  # background, top-left corner
    x, y = facemap.ZONE_LABEL_POS[Zone.NOSE]
    eye = (x + 3.12 / facemap.MAP_WIDTH_CM, 12.05 / facemap.MAP_HEIGHT_CM)  # the patient's left iris
    assert facemap.zone_at(*eye) is None
    click_map(qtbot, window, *eye)
    assert window.points_model.rowCount() == 0
    assert "outside every zone" in window.statusBar().currentMessage()
    window.controller.flush()
    assert window.session_id is None or db_points(services, window.session_id) == []


@pytest.mark.parametrize("spacing", [1.0, 0.5])
def test_grid_fill_a_cheek(window, services, qtbot, spacing) -> None:  # type: ignore[no-untyped-def]
    tools = window.ui.tools
    tools.set_zone(Zone.CHEEK_RIGHT)
    tools.spacing.setValue(spacing)
    qtbot.mouseClick(tools.fill_button, Qt.MouseButton.LeftButton)
    window.controller.flush()
    expected = facemap.grid_fill(Zone.CHEEK_RIGHT, spacing)
    stored = db_points(services, window.session_id)
    assert len(stored) == len(expected) > 1
    assert {p[0] for p in stored} == {"cheek_right"}
    assert [(p[1], p[2]) for p in stored] == [pytest.approx(e) for e in expected]


def test_grid_fill_again_replaces_the_zone(window, services) -> None:  # type: ignore[no-untyped-def]
    window.editor.grid_fill(Zone.CHEEK_LEFT, 1.0)
    window.editor.grid_fill(Zone.NOSE, 1.0)
    window.editor.grid_fill(Zone.CHEEK_LEFT, 0.5)
    window.controller.flush()
    zones = [p[0] for p in db_points(services, window.session_id)]
    assert zones.count("cheek_left") == len(facemap.grid_fill(Zone.CHEEK_LEFT, 0.5))
    assert zones.count("nose") == len(facemap.grid_fill(Zone.NOSE, 1.0))


def test_drag_moves_a_point_and_updates_its_zone(window, services, qtbot) -> None:  # type: ignore[no-untyped-def]
    start = facemap.zone_centroid(Zone.CHEEK_LEFT)
    end = facemap.zone_centroid(Zone.NOSE)
    window.editor.place(*start)
    viewport = window.map.viewport()
    a, b = window.map.view_point(*start), window.map.view_point(*end)
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
    QTest.mouseMove(viewport, (a + b) / 2)
    QTest.mouseMove(viewport, b)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b)
    window.controller.flush()
    [(zone, x, y, *_)] = db_points(services, window.session_id)
    assert zone == "nose"
    assert (x, y) == (pytest.approx(end[0], abs=0.01), pytest.approx(end[1], abs=0.01))


def test_drag_out_of_every_zone_is_refused(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    start = facemap.zone_centroid(Zone.FOREHEAD)
    window.editor.place(*start)
    viewport = window.map.viewport()
    a, b = window.map.view_point(*start), window.map.view_point(0.03, 0.03)
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
    QTest.mouseMove(viewport, b)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b)
    [p] = window.points_model.points()
    assert (p.zone, p.x, p.y) == (Zone.FOREHEAD, *start)
    [dot] = window.map.dots()
    assert window.map.view_point(dot.x, dot.y) == a


def test_delete_key_removes_selected_points(window, services, qtbot) -> None:  # type: ignore[no-untyped-def]
    window.editor.grid_fill(Zone.NOSE, 1.0)
    window.controller.flush()
    first = window.points_model.uids()[0]
    window.map.set_selected_uids([first])
    window.map.setFocus()
    qtbot.keyClick(window.map, Qt.Key.Key_Delete)
    window.controller.flush()
    assert len(db_points(services, window.session_id)) == len(facemap.grid_fill(Zone.NOSE, 1.0)) - 1


def test_rubber_band_selects_and_delete_button_removes(window, services, qtbot) -> None:  # type: ignore[no-untyped-def]
    window.editor.grid_fill(Zone.CHEEK_LEFT, 1.0)
    window.editor.place(*facemap.zone_centroid(Zone.FOREHEAD))
    window.map.set_selected_uids([])
    xs = [x for x, _ in facemap.ZONE_POLYGONS[Zone.CHEEK_LEFT]]
    ys = [y for _, y in facemap.ZONE_POLYGONS[Zone.CHEEK_LEFT]]
    viewport = window.map.viewport()
    a = window.map.view_point(min(xs) - 0.01, min(ys) - 0.01)
    b = window.map.view_point(max(xs) + 0.01, max(ys) + 0.01)
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
    QTest.mouseMove(viewport, a + QPoint(20, 20))
    QTest.mouseMove(viewport, b)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b)
    assert len(window.map.selected_uids()) == len(facemap.grid_fill(Zone.CHEEK_LEFT, 1.0))
    qtbot.mouseClick(window.ui.tools.delete_button, Qt.MouseButton.LeftButton)
    window.controller.flush()
    assert [p[0] for p in db_points(services, window.session_id)] == ["forehead"]


def test_undo_and_redo_with_the_keyboard(window, services, qtbot) -> None:  # type: ignore[no-untyped-def]
    window.activateWindow()
    qtbot.waitActive(window)
    window.editor.grid_fill(Zone.NOSE, 1.0)
    window.editor.place(*facemap.zone_centroid(Zone.CHIN))
    n = len(facemap.grid_fill(Zone.NOSE, 1.0))
    window.map.setFocus()
    qtbot.keyClick(window.map, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.points_model.rowCount() == n
    qtbot.keyClick(window.map, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.points_model.rowCount() == 0
    qtbot.keyClick(
        window.map, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    window.controller.flush()
    assert len(db_points(services, window.session_id)) == n


def test_arrow_keys_move_the_selected_point_and_insert_adds_at_zone_centre(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window.ui.tools.set_zone(Zone.FOREHEAD)
    window.map.setFocus()
    qtbot.keyClick(window.map, Qt.Key.Key_Insert)
    [p] = window.points_model.points()
    assert (p.x, p.y) == facemap.zone_centroid(Zone.FOREHEAD)
    assert window.map.selected_uids() == window.points_model.uids()
    for _ in range(3):
        qtbot.keyClick(window.map, Qt.Key.Key_Right)
    [moved] = window.points_model.points()
    assert facemap.distance_cm((p.x, p.y), (moved.x, moved.y)) == pytest.approx(0.3)
    assert moved.zone == Zone.FOREHEAD
    window.undo_stack.undo()  # three presses merge into one step
    assert window.points_model.points()[0].x == p.x


def test_dose_entered_in_units_derives_volume_and_back(window, services, qtbot) -> None:  # type: ignore[no-untyped-def]
    window.editor.place(*facemap.zone_centroid(Zone.CHIN))
    window.editor.place(*facemap.zone_centroid(Zone.NOSE))
    dose = window.ui.tools.selected_dose
    uids = window.points_model.uids()
    window.map.set_selected_uids(uids[:1])
    dose.basis.setCurrentIndex(dose.basis.findData(DoseBasis.UNITS))
    dose.value.clear()
    qtbot.keyClicks(dose.value, "0.5")
    # shown exactly as stored (a figure and its unit joined by a no-break space)
    assert plain(dose.derived.text()) == "= 0.0125 mL at 4 U/0.1 mL"
    qtbot.mouseClick(window.ui.tools.apply_dose_button, Qt.MouseButton.LeftButton)
    window.map.set_selected_uids(uids[1:])
    dose.basis.setCurrentIndex(dose.basis.findData(DoseBasis.VOLUME))
    dose.value.clear()
    qtbot.keyClicks(dose.value, "0.02")
    assert plain(dose.derived.text()) == "= 0.8 U at 4 U/0.1 mL"
    qtbot.mouseClick(window.ui.tools.apply_dose_button, Qt.MouseButton.LeftButton)
    window.controller.flush()
    [chin, nose] = db_points(services, window.session_id)
    assert chin[3:] == (0.5, 0.0125, "units")
    assert nose[3:] == (0.8, 0.02, "volume")


def test_default_dose_in_volume_is_used_for_new_points(window, services, qtbot) -> None:  # type: ignore[no-untyped-def]
    dose = window.ui.vial_panel.default_dose
    dose.basis.setCurrentIndex(dose.basis.findData(DoseBasis.VOLUME))  # 0.4 U is shown as 0.01 mL
    assert dose.value.text() == "0.01"
    dose.value.clear()
    qtbot.keyClicks(dose.value, "0.015")
    window.editor.place(*facemap.zone_centroid(Zone.FOREHEAD))
    window.controller.flush()
    [(zone, _x, _y, units, volume, basis)] = db_points(services, window.session_id)
    assert (units, volume, basis) == (0.6, 0.015, "volume")


def test_points_keep_their_place_at_any_window_size(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    x, y = facemap.zone_centroid(Zone.NOSE)
    window.editor.place(x, y)
    window.map.set_selected_uids([])
    window.resize(1000, 700)
    qtbot.waitUntil(lambda: window.map.viewport().height() < 600)
    click_map(qtbot, window, x, y)  # a click on the dot selects it: it is where the map says
    assert window.map.selected_uids() == window.points_model.uids()
    assert window.points_model.rowCount() == 1


def test_zoom_buttons_and_fit(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(window.ui.zoom_in, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(window.ui.zoom_in, Qt.MouseButton.LeftButton)
    assert window.map.zoom_factor() == pytest.approx(1.25**2)
    qtbot.mouseClick(window.ui.zoom_out, Qt.MouseButton.LeftButton)
    assert window.map.zoom_factor() == pytest.approx(1.25)
    qtbot.mouseClick(window.ui.zoom_fit, Qt.MouseButton.LeftButton)
    assert window.map.zoom_factor() == 1.0


def test_three_hundred_points_stay_in_step(window) -> None:  # type: ignore[no-untyped-def]
    for zone in (Zone.FOREHEAD, Zone.CHEEK_LEFT, Zone.CHEEK_RIGHT, Zone.NOSE):
        window.editor.grid_fill(zone, 0.5)
    n = window.points_model.rowCount()
    assert n >= 300
    assert len(window.map.dots()) == n
