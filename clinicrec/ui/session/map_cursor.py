"""Placing points without the mouse: a cross-hair on the face map moved with the arrow keys.

K on the map (or Edit ▸ Place points with the keyboard, Ctrl+K) starts it at the centre of the zone chosen
for grid fill. The arrows move the cross-hair 0.5 cm (with Shift 0.1 cm), Enter or Space places a point
under it (at the dose per new point, exactly as a click would), Esc or K again ends it. The status line
says which zone the cross-hair is in and where.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from ...domain import facemap
from ...domain.enums import Zone
from .facemap_widget import FaceMapView
from .map_items import to_scene

STEP_CM = 0.5
FINE_STEP_CM = 0.1
CROSS = QColor("#0B5CAD")
_ARROWS = {
    Qt.Key.Key_Left: (-1, 0),
    Qt.Key.Key_Right: (1, 0),
    Qt.Key.Key_Up: (0, -1),
    Qt.Key.Key_Down: (0, 1),
}


class CrossHair(QGraphicsItem):
    """A cross-hair of constant on-screen size (it ignores the map's zoom)."""

    HALF = 11.0

    def __init__(self) -> None:
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
        self.setZValue(50)

    def boundingRect(self) -> QRectF:
        return QRectF(-self.HALF - 2, -self.HALF - 2, 2 * self.HALF + 4, 2 * self.HALF + 4)

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        h = self.HALF
        for colour, width in ((QColor("white"), 4.0), (CROSS, 2.0)):
            painter.setPen(QPen(colour, width))
            painter.drawLine(int(-h), 0, (-4), 0)
            painter.drawLine(4, 0, int(h), 0)
            painter.drawLine(0, int(-h), 0, -4)
            painter.drawLine(0, 4, 0, int(h))
            painter.drawEllipse(QRectF(-4, -4, 8, 8))


class KeyboardPlacement(QObject):
    """The keyboard mode of one face map. ``start_zone`` says where the cross-hair first appears."""

    sig_active_changed = Signal(bool)
    sig_message = Signal(str)

    def __init__(
        self, view: FaceMapView, start_zone: Callable[[], Zone], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._view = view
        self._start_zone = start_zone
        self._cross = CrossHair()
        self._cross.hide()
        view.scene().addItem(self._cross)
        self._active = False
        self._x, self._y = facemap.zone_centroid(start_zone())
        view.installEventFilter(self)

    @property
    def active(self) -> bool:
        return self._active

    def position(self) -> tuple[float, float]:
        """The cross-hair's normalised position on the map."""
        return self._x, self._y

    def set_active(self, active: bool) -> None:
        if active == self._active:
            return
        self._active = active
        if active:
            self._x, self._y = facemap.zone_centroid(self._start_zone())
            self._cross.show()
            self._view.setFocus(Qt.FocusReason.ShortcutFocusReason)
            self._moved()
        else:
            self._cross.hide()
            self.sig_message.emit("Keyboard placing ended.")
        self.sig_active_changed.emit(active)

    def toggle(self) -> None:
        self.set_active(not self._active)

    def move_cm(self, dx_cm: float, dy_cm: float) -> None:
        x_cm, y_cm = facemap.to_cm((self._x, self._y))
        x, y = facemap.from_cm((x_cm + dx_cm, y_cm + dy_cm))
        self._x, self._y = min(1.0, max(0.0, x)), min(1.0, max(0.0, y))
        self._moved()

    def place(self) -> None:
        """A point under the cross-hair, through the map's own request (the editor checks the rest)."""
        self._view.sig_place_requested.emit(self._x, self._y)

    def _moved(self) -> None:
        self._cross.setPos(to_scene(self._x, self._y))
        self._view.ensureVisible(self._cross.mapRectToScene(self._cross.boundingRect()), 40, 40)
        zone = facemap.zone_at(self._x, self._y)
        x_cm, y_cm = facemap.to_cm((self._x, self._y))
        where = zone.label if zone is not None else "outside the treatment zones"
        self.sig_message.emit(
            f"Keyboard placing: {where} ({x_cm:.1f}, {y_cm:.1f} cm). Arrows move (Shift: finer), "
            "Enter places a point, Esc ends."
        )

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is not self._view or event.type() != QEvent.Type.KeyPress:
            return False
        assert isinstance(event, QKeyEvent)
        key = Qt.Key(event.key())
        plain = (
            not event.modifiers() & ~Qt.KeyboardModifier.ShiftModifier & ~Qt.KeyboardModifier.KeypadModifier
        )
        if key == Qt.Key.Key_K and plain:
            self.toggle()
            return True
        if not self._active:
            return False
        if key in _ARROWS and plain:
            step = FINE_STEP_CM if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else STEP_CM
            dx, dy = _ARROWS[key]
            self.move_cm(dx * step, dy * step)
            return True
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.place()
            return True
        if key == Qt.Key.Key_Escape:
            self.set_active(False)
            return True
        return False
