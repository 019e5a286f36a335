"""The face map widget on its own: it asks (signals) and shows what it is given."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from clinicrec.domain import facemap
from clinicrec.domain.enums import Zone
from clinicrec.ui.session.facemap_widget import FaceMapView, MapDot

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def view(qtbot):  # type: ignore[no-untyped-def]
    v = FaceMapView()
    qtbot.addWidget(v)
    v.resize(500, 700)
    v.show()
    qtbot.waitExposed(v)
    return v


def test_click_asks_to_place_at_the_normalised_spot(view, qtbot) -> None:  # type: ignore[no-untyped-def]
    x, y = facemap.zone_centroid(Zone.CHIN)
    with qtbot.waitSignal(view.sig_place_requested) as blocker:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.view_point(x, y))
    px, py = blocker.args
    assert px == pytest.approx(x, abs=0.005) and py == pytest.approx(y, abs=0.005)


def test_dots_follow_set_dots_and_selection(view, qtbot) -> None:  # type: ignore[no-untyped-def]
    view.set_dots([MapDot(1, 0.5, 0.3, "#1C5FB8"), MapDot(2, 0.5, 0.4, "#1C5FB8")])
    with qtbot.waitSignal(view.sig_selection_changed) as blocker:
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.view_point(0.5, 0.3))
    assert blocker.args == [[1]]
    view.set_dots([MapDot(1, 0.5, 0.35, "#D9480F")])  # moved and recoloured: selection kept
    assert view.selected_uids() == [1]
    assert [d.uid for d in view.dots()] == [1]


def test_read_only_refuses_edits(view, qtbot) -> None:  # type: ignore[no-untyped-def]
    view.set_dots([MapDot(1, 0.5, 0.3, "#1C5FB8")])
    view.set_read_only(True)
    view.set_selected_uids([1])
    with qtbot.waitSignal(view.sig_edit_refused):
        qtbot.keyClick(view, Qt.Key.Key_Delete)
    with qtbot.assertNotEmitted(view.sig_place_requested):
        qtbot.mouseClick(
            view.viewport(), Qt.MouseButton.LeftButton, pos=view.view_point(*facemap.zone_centroid(Zone.NOSE))
        )


def test_ctrl_wheel_zooms_and_labels_toggle(view, qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent

    centre = QPointF(view.viewport().rect().center())
    event = QWheelEvent(
        centre,
        view.viewport().mapToGlobal(centre),
        QPoint(0, 0),
        QPoint(0, 120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.ControlModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    view.wheelEvent(event)
    assert view.zoom_factor() == pytest.approx(1.25)
    view.fit()
    assert view.zoom_factor() == 1.0
    view.set_labels_visible(False)
    assert not view.labels_visible()
