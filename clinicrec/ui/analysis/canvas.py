"""The measured photo with its overlays and the face's landmarks as handles the nurse drags.

The landmarks (both pupils, both mouth corners) place the face-map zones and set the scale; when the
detector missed or misplaced one, the nurse drags it onto the face (or, from the keyboard: Tab into the
photo, N / Shift+N to pick a landmark, the arrow keys to move it one photo pixel, Shift+arrow ten).
Positions are kept in the photo's own pixels, whatever size the picture is shown at.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from clinicrec.analysis.figures import FaceLandmarks, LandmarkSource, Pixel

#: The landmarks in the order N steps through them, with what the nurse reads.
LANDMARKS: dict[str, str] = {
    "right_pupil": "Patient's right pupil",
    "left_pupil": "Patient's left pupil",
    "mouth_right": "Patient's right mouth corner",
    "mouth_left": "Patient's left mouth corner",
}
HANDLE_RADIUS = 9.0
GRAB_RADIUS = 16.0
_SHORT = {"right_pupil": "R", "left_pupil": "L", "mouth_right": "MR", "mouth_left": "ML"}


def guessed_landmarks(width: int, height: int) -> dict[str, Pixel]:
    """Where a front photo's landmarks usually are: a start for the nurse when none was found."""
    return {
        "right_pupil": (0.40 * width, 0.42 * height),
        "left_pupil": (0.60 * width, 0.42 * height),
        "mouth_right": (0.43 * width, 0.68 * height),
        "mouth_left": (0.57 * width, 0.68 * height),
    }


class LandmarkCanvas(QWidget):
    """Shows an image (the photo with overlays, at any scale) and the landmarks over it."""

    sig_landmarks_moved = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("skinLandmarkCanvas")
        self.setAccessibleName("Photo with landmarks")
        self.setAccessibleDescription(
            "Drag a landmark onto the face. Keyboard: N picks the next landmark, arrows move it"
        )
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 320)
        self.image = QImage()
        self.photo_size = (0, 0)  # the full photo, in pixels
        self.points: dict[str, Pixel] = {}
        self.moved = False  # the nurse moved a landmark since they were set
        self.selected = "right_pupil"
        self._dragging: str | None = None

    # -- content ----------------------------------------------------------------------------------------
    def set_image(self, image: QImage, photo_size: tuple[int, int]) -> None:
        self.image, self.photo_size = image, photo_size
        self.update()

    def set_landmarks(self, points: dict[str, Pixel]) -> None:
        self.points = {k: points[k] for k in LANDMARKS if k in points}
        self.moved = False
        self.update()

    def landmarks(self) -> FaceLandmarks | None:
        """The landmarks as placed; the source says the nurse placed them when any was moved."""
        p = self.points
        if "right_pupil" not in p or "left_pupil" not in p:
            return None
        source = LandmarkSource.GIVEN if self.moved else LandmarkSource.DETECTED
        return FaceLandmarks(
            p["right_pupil"], p["left_pupil"], p.get("mouth_right"), p.get("mouth_left"), source
        )

    # -- geometry: photo pixels <-> widget -----------------------------------------------------------------
    def _frame(self) -> tuple[float, float, float]:
        """Scale (widget px per photo px) and the top-left of the photo in the widget."""
        pw, ph = self.photo_size
        if pw <= 0 or ph <= 0:
            return 1.0, 0.0, 0.0
        k = min(self.width() / pw, self.height() / ph)
        return k, (self.width() - pw * k) / 2, (self.height() - ph * k) / 2

    def to_widget(self, point: Pixel) -> QPointF:
        k, ox, oy = self._frame()
        return QPointF(ox + point[0] * k, oy + point[1] * k)

    def to_photo(self, pos: QPointF) -> Pixel:
        k, ox, oy = self._frame()
        pw, ph = self.photo_size
        x = min(max((pos.x() - ox) / k, 0.0), float(max(pw - 1, 0)))
        y = min(max((pos.y() - oy) / k, 0.0), float(max(ph - 1, 0)))
        return (x, y)

    def move_landmark(self, name: str, point: Pixel) -> None:
        self.points[name] = point
        self.moved = True
        self.update()
        self.sig_landmarks_moved.emit()

    # -- painting ------------------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        k, ox, oy = self._frame()
        pw, ph = self.photo_size
        if not self.image.isNull():
            p.drawImage(QRectF(ox, oy, pw * k, ph * k), self.image)
        for name, point in self.points.items():
            centre = self.to_widget(point)
            chosen = name == self.selected and self.hasFocus()
            p.setPen(QPen(QColor("#ffffff"), 3))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawEllipse(centre, HANDLE_RADIUS, HANDLE_RADIUS)
            p.setPen(QPen(QColor("#ffb000" if chosen else "#ff2fa0"), 2))
            p.drawEllipse(centre, HANDLE_RADIUS, HANDLE_RADIUS)
            p.drawLine(centre + QPointF(-4, 0), centre + QPointF(4, 0))
            p.drawLine(centre + QPointF(0, -4), centre + QPointF(0, 4))
            p.setPen(QPen(QColor("#ffffff")))
            p.drawText(centre + QPointF(HANDLE_RADIUS + 3, -HANDLE_RADIUS), _SHORT[name])
        p.end()

    # -- mouse ---------------------------------------------------------------------------------------------
    def landmark_at(self, pos: QPointF) -> str | None:
        best, best_d = None, GRAB_RADIUS
        for name, point in self.points.items():
            d = (self.to_widget(point) - pos).manhattanLength()
            if d <= best_d:
                best, best_d = name, d
        return best

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        name = self.landmark_at(event.position())
        if event.button() == Qt.MouseButton.LeftButton and name is not None:
            self._dragging = self.selected = name
            self.setFocus(Qt.FocusReason.MouseFocusReason)
            self.update()
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        if self._dragging is not None:
            self.move_landmark(self._dragging, self.to_photo(event.position()))
        else:
            super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        if self._dragging is not None:
            self.move_landmark(self._dragging, self.to_photo(event.position()))
            self._dragging = None
        else:
            super().mouseReleaseEvent(event)

    # -- keyboard ------------------------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        key = event.key()
        shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        names = [n for n in LANDMARKS if n in self.points]
        if key == Qt.Key.Key_N and names:
            i = names.index(self.selected) if self.selected in names else -1
            self.selected = names[(i + (-1 if shift else 1)) % len(names)]
            self.setAccessibleDescription(f"{LANDMARKS[self.selected]} chosen: the arrows move it")
            self.update()
            return
        steps = {
            Qt.Key.Key_Left: (-1, 0),
            Qt.Key.Key_Right: (1, 0),
            Qt.Key.Key_Up: (0, -1),
            Qt.Key.Key_Down: (0, 1),
        }
        if key in steps and self.selected in self.points:
            step = 10.0 if shift else 1.0
            x, y = self.points[self.selected]
            dx, dy = steps[key]  # type: ignore[index]
            pw, ph = self.photo_size
            self.move_landmark(
                self.selected,
                (min(max(x + dx * step, 0.0), pw - 1.0), min(max(y + dy * step, 0.0), ph - 1.0)),
            )
            return
        super().keyPressEvent(event)

    def focusInEvent(self, event) -> None:  # type: ignore[no-untyped-def]  # noqa: N802 - Qt's name
        super().focusInEvent(event)
        self.update()

    def focusOutEvent(self, event) -> None:  # type: ignore[no-untyped-def]  # noqa: N802 - Qt's name
        super().focusOutEvent(event)
        self.update()
