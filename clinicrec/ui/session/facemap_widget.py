"""The face map: a drawn front view of face and neck on which injection points are placed.

A ``QGraphicsView`` over a scene whose rectangle keeps ``MAP_ASPECT``; points are stored in
normalised coordinates (0-1, y down) and mapped to the scene, so they keep their place at any window
size or zoom. Dots ignore the view transform (a constant on-screen size), so 300 points stay crisp.

The view knows geometry, not the chart: it *asks* for changes through signals (place, move, nudge,
delete, insert) and the owner decides, then hands back the dots with ``set_dots``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QApplication, QGraphicsScene, QGraphicsView, QWidget

from ...domain import facemap
from ...domain.enums import Zone
from ..style import Scheme, follow_scheme
from .map_items import (
    DOT_CM,
    DOT_MAX_PX,
    DOT_MIN_PX,
    MAX_ZOOM,
    MIN_ZOOM,
    SCENE_H,
    SCENE_W,
    ZOOM_STEP,
    DotItem,
    FaceItem,
    LabelItem,
    MapDot,
    ZoneItem,
    from_scene,
    to_scene,
)

__all__ = ["FaceMapView", "MapDot", "from_scene", "to_scene", "SCENE_H", "SCENE_W"]


@dataclass
class _Drag:
    start: QPointF
    origins: dict[DotItem, QPointF]
    pressed: DotItem
    moved: bool = False


class FaceMapView(QGraphicsView):
    """The interactive face map. Emits requests; the owner applies them and calls ``set_dots``."""

    sig_place_requested = Signal(float, float)  # x, y normalised
    sig_points_moved = Signal(object)  # {uid: (x, y)}
    sig_nudge_requested = Signal(object, float, float)  # uids, dx cm, dy cm
    sig_delete_requested = Signal(object)  # uids
    sig_insert_requested = Signal()
    sig_selection_changed = Signal(object)  # uids
    sig_edit_refused = Signal()
    sig_hover_zone = Signal(object)  # Zone | None
    sig_zoom_changed = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._scene = QGraphicsScene(QRectF(0, 0, SCENE_W, SCENE_H), self)
        self.setScene(self._scene)
        self._dots: dict[int, DotItem] = {}
        self._zones: dict[Zone, ZoneItem] = {}
        self._labels: list[LabelItem] = []
        self._hover: Zone | None = None
        self._read_only = False
        self._fit = True
        self._zoom = 1.0
        self._drag: _Drag | None = None
        self._press: QPoint | None = None
        self._syncing = False
        self._build_scene()
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setRubberBandSelectionMode(Qt.ItemSelectionMode.IntersectsItemShape)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        follow_scheme(self, self._restyle)  # the paper behind the face: light, or a dark grey in the dark
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setMinimumSize(260, 300)
        self.setObjectName("face_map")
        self.setAccessibleName("Face map")
        self.setAccessibleDescription(
            "Click inside a zone to place a point; drag to move; Delete removes the selected points; "
            "arrow keys move them; Insert adds a point at the centre of the chosen zone; Ctrl+wheel zooms; "
            "K places points with the keyboard (a cross-hair: arrows move it, Enter places, Esc ends)."
        )
        self._scene.selectionChanged.connect(self._on_selection_changed)

    def _restyle(self, c: Scheme) -> None:
        self.setBackgroundBrush(QColor("#FBFAF8" if c.name == "light" else c.surface))

    def _build_scene(self) -> None:
        self._scene.addItem(FaceItem())
        for zone in Zone:
            item = ZoneItem(zone)
            item.setZValue(1)
            self._scene.addItem(item)
            self._zones[zone] = item
        font = QFont(self.font())
        font.setPointSizeF(max(6.5, font.pointSizeF() * 0.82) if font.pointSizeF() > 0 else 7.5)
        for zone, (x, y) in facemap.ZONE_LABEL_POS.items():
            label = LabelItem(zone.label, font)
            label.setPos(to_scene(x, y))
            label.setZValue(5)
            self._scene.addItem(label)
            self._labels.append(label)

    # -- what the owner sets -------------------------------------------------------------------------
    def set_dots(self, dots: Sequence[MapDot]) -> None:
        """Show exactly these dots (matched by uid, so selection survives an update)."""
        self._syncing = True
        try:
            wanted = {d.uid: d for d in dots}
            for uid in [u for u in self._dots if u not in wanted]:
                self._scene.removeItem(self._dots.pop(uid))
            for i, dot in enumerate(dots):
                item = self._dots.get(dot.uid)
                if item is None:
                    item = DotItem(dot)
                    item.set_radius(self._dot_radius())
                    self._scene.addItem(item)
                    self._dots[dot.uid] = item
                elif item.dot != dot or item.pos() != to_scene(dot.x, dot.y):
                    item.update_dot(dot)
                item.setZValue(10 + i * 1e-4)
        finally:
            self._syncing = False
        self._on_selection_changed()

    def dots(self) -> list[MapDot]:
        return [item.dot for item in self._dots.values()]

    def set_treated_zones(self, zones: Iterable[Zone]) -> None:
        treated = set(zones)
        for zone, item in self._zones.items():
            item.set_state(treated=zone in treated)

    def set_labels_visible(self, visible: bool) -> None:
        for label in self._labels:
            label.setVisible(visible)

    def labels_visible(self) -> bool:
        return bool(self._labels) and self._labels[0].isVisible()

    def set_read_only(self, read_only: bool) -> None:
        self._read_only = read_only
        self._drag = None

    def selected_uids(self) -> list[int]:
        return sorted(item.uid for item in self._dots.values() if item.isSelected())

    def set_selected_uids(self, uids: Iterable[int]) -> None:
        wanted = set(uids)
        self._syncing = True
        try:
            for uid, item in self._dots.items():
                item.setSelected(uid in wanted)
        finally:
            self._syncing = False
        self._on_selection_changed()

    def select_all(self) -> None:
        self.set_selected_uids(self._dots)

    # -- zoom ----------------------------------------------------------------------------------------
    def zoom_factor(self) -> float:
        """1.0 = the whole map fits the view."""
        return self._zoom

    def fit(self) -> None:
        self._fit = True
        self._zoom = 1.0
        self._refit()
        self.sig_zoom_changed.emit(self._zoom)

    def zoom_in(self) -> None:
        self.zoom_by(ZOOM_STEP)

    def zoom_out(self) -> None:
        self.zoom_by(1 / ZOOM_STEP)

    def zoom_by(self, factor: float) -> None:
        target = min(MAX_ZOOM, max(MIN_ZOOM, self._zoom * factor))
        if abs(target - 1.0) < 1e-6:
            self.fit()
            return
        if abs(target - self._zoom) < 1e-9:
            return
        self.scale(target / self._zoom, target / self._zoom)
        self._zoom = target
        self._fit = False
        self._update_dot_radius()
        self.sig_zoom_changed.emit(self._zoom)

    def _refit(self) -> None:
        self.resetTransform()
        rect = self._scene.sceneRect().adjusted(-8, -8, 8, 8)
        if self.viewport().width() > 0 and self.viewport().height() > 0:
            self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
            if not self._fit:
                self.scale(self._zoom, self._zoom)
        self._update_dot_radius()

    def _dot_radius(self) -> float:
        px_per_cm = self.transform().m11() * SCENE_W / facemap.MAP_WIDTH_CM
        return min(DOT_MAX_PX, max(DOT_MIN_PX, DOT_CM * px_per_cm))

    def _update_dot_radius(self) -> None:
        radius = self._dot_radius()
        for item in self._dots.values():
            item.set_radius(radius)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._refit()

    def view_point(self, x: float, y: float) -> QPoint:
        """Viewport position of a normalised map point (for tests and keyboard helpers)."""
        return self.mapFromScene(to_scene(x, y))

    # -- mouse -----------------------------------------------------------------------------------------
    def _dot_at(self, pos: QPoint) -> DotItem | None:
        for item in self.items(pos):
            if isinstance(item, DotItem):
                return item
        return None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        pos = event.position().toPoint()
        dot = self._dot_at(pos)
        if dot is not None:
            if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                dot.setSelected(not dot.isSelected())
            else:
                if not dot.isSelected():
                    self._scene.clearSelection()
                    dot.setSelected(True)
                selected = [i for i in self._dots.values() if i.isSelected()]
                self._drag = _Drag(self.mapToScene(pos), {i: i.pos() for i in selected}, dot)
            event.accept()
            return
        self._press = pos
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position().toPoint()
        drag = self._drag
        if drag is not None:
            delta = self.mapToScene(pos) - drag.start
            if not drag.moved and (abs(delta.x()) + abs(delta.y())) * self.transform().m11() < (
                QApplication.startDragDistance()
            ):
                return
            if self._read_only:
                self._drag = None
                self.sig_edit_refused.emit()
                return
            drag.moved = True
            bounds = self._scene.sceneRect()
            for item, origin in drag.origins.items():
                p = origin + delta
                item.setPos(
                    min(max(p.x(), bounds.left()), bounds.right()),
                    min(max(p.y(), bounds.top()), bounds.bottom()),
                )
            return
        self._update_hover(pos)
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            super().mouseReleaseEvent(event)
            return
        drag, self._drag = self._drag, None
        if drag is not None:
            if drag.moved:
                self.sig_points_moved.emit({item.uid: from_scene(item.pos()) for item in drag.origins})
            elif len(drag.origins) > 1:  # a plain click (not a drag) on one point of a selection: that point
                self._scene.clearSelection()
                drag.pressed.setSelected(True)
            event.accept()
            return
        press, self._press = self._press, None
        super().mouseReleaseEvent(event)
        event.accept()  # the view handles every left click (placing or rubber band)
        pos = event.position().toPoint()
        if press is not None and (pos - press).manhattanLength() < QApplication.startDragDistance():
            if self._read_only:
                self.sig_edit_refused.emit()
                return
            scene_pos = self.mapToScene(pos)
            if self._scene.sceneRect().contains(scene_pos):
                x, y = from_scene(scene_pos)
                self.sig_place_requested.emit(x, y)

    def leaveEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        self._set_hover(None)
        super().leaveEvent(event)

    def _update_hover(self, pos: QPoint) -> None:
        x, y = from_scene(self.mapToScene(pos))
        zone = facemap.zone_at(x, y)
        if self._dot_at(pos) is not None:
            self.viewport().setCursor(
                Qt.CursorShape.SizeAllCursor if not self._read_only else Qt.CursorShape.PointingHandCursor
            )
        elif zone is not None and not self._read_only:
            self.viewport().setCursor(Qt.CursorShape.CrossCursor)
        else:
            self.viewport().setCursor(Qt.CursorShape.ArrowCursor)
        self._set_hover(zone)

    def _set_hover(self, zone: Zone | None) -> None:
        if zone == self._hover:
            return
        if self._hover is not None:
            self._zones[self._hover].set_state(hovered=False)
        self._hover = zone
        if zone is not None and not self._read_only:
            self._zones[zone].set_state(hovered=True)
        self.sig_hover_zone.emit(zone)

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            steps = event.angleDelta().y() / 120
            if steps:
                self.zoom_by(ZOOM_STEP**steps)
            event.accept()
            return
        super().wheelEvent(event)

    # -- keyboard --------------------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = Qt.Key(event.key())
        uids = self.selected_uids()
        arrows = {
            Qt.Key.Key_Left: (-1, 0),
            Qt.Key.Key_Right: (1, 0),
            Qt.Key.Key_Up: (0, -1),
            Qt.Key.Key_Down: (0, 1),
        }
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            if uids:
                self._request(lambda: self.sig_delete_requested.emit(uids))
        elif key in arrows:
            if uids:
                step = 0.5 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 0.1
                dx, dy = arrows[key]
                self._request(lambda: self.sig_nudge_requested.emit(uids, dx * step, dy * step))
        elif key == Qt.Key.Key_Insert:
            self._request(self.sig_insert_requested.emit)
        elif key == Qt.Key.Key_Escape:
            self._scene.clearSelection()
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_in()
        elif key == Qt.Key.Key_Minus:
            self.zoom_out()
        elif key == Qt.Key.Key_0:
            self.fit()
        elif event.matches(QKeySequence.StandardKey.SelectAll):
            self.select_all()
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def _request(self, emit) -> None:  # type: ignore[no-untyped-def]
        if self._read_only:
            self.sig_edit_refused.emit()
        else:
            emit()

    def _on_selection_changed(self) -> None:
        if not self._syncing:
            self.sig_selection_changed.emit(self.selected_uids())
