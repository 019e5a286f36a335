"""The comparison view: two or four photos side by side, or one over the other (wipe or opacity).

Zoom and pan are one shared state, so every pane moves together. Each photo is decoded once, at most
``WORKING_PX`` on its longer side (Qt's JPEG reader decodes at reduced scale), and every frame draws
that cached image through one transform: never the full 24 MP image per frame.

Alignment: where both photos have their two landmarks marked, the later photo is drawn through the
similarity transform that puts its landmarks on the first photo's (domain/photos.py ``align``);
otherwise it is scaled to the first photo's width. "Mark landmarks" takes two clicks on each pane.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QImageReader,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from ...domain.errors import ClinicRecError
from ...domain.photos import Landmarks, Photo, Point, Similarity, align
from ...services.app import Services
from ..changes import ChangeBus
from ..date_format import date_text
from ..worker import Worker
from .compare_measured import CompareMeasured

WORKING_PX = 2048
MODES = ("side", "wipe", "overlay")


def decode_scaled(data: bytes, longest: int = WORKING_PX) -> tuple[QImage, float]:
    """The image at most ``longest`` px on its longer side, and its scale from the full image."""
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer)
    full = reader.size()
    factor = min(1.0, longest / max(full.width(), full.height(), 1))
    if factor < 1.0:
        reader.setScaledSize(QSize(round(full.width() * factor), round(full.height() * factor)))
    image = reader.read()
    if image.isNull():
        raise ClinicRecError(f"The photo could not be shown: {reader.errorString()}")
    return image.convertToFormat(QImage.Format.Format_RGB32), factor


@dataclass
class Shown:
    """One photo on screen: its record, the cached working image, and how it maps onto the reference."""

    photo: Photo
    image: QImage
    factor: float  # working px per full px
    to_reference: QTransform  # full px of this photo -> full px of the reference photo
    days: int | None = None

    @property
    def caption(self) -> str:
        days = "" if self.days is None else f" · day {self.days} after treatment"
        taken = date_text(self.photo.taken_at)
        return f"{self.photo.time_point_label} · {self.photo.view_label} · {taken}{days}"


def to_qtransform(t: Similarity) -> QTransform:
    m11, m12, m21, m22, dx, dy = t.affine()
    return QTransform(m11, m12, m21, m22, dx, dy)


def reference_transform(photo: Photo, reference: Photo) -> QTransform:
    if photo.id != reference.id and photo.landmarks and reference.landmarks:
        return to_qtransform(align(photo.landmarks, reference.landmarks))
    s = reference.width / max(photo.width, 1)
    return QTransform.fromScale(s, s)


class ViewState(QWidget):
    """Zoom and pan shared by every pane (a QObject with one signal; a QWidget so it has a parent)."""

    sig_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hide()
        self.zoom = 1.0  # 1.0: the reference photo fits the pane
        self.centre = QPointF(0.5, 0.5)  # the reference photo's point at the pane's centre (fractions)

    def set(self, zoom: float | None = None, centre: QPointF | None = None) -> None:
        if zoom is not None:
            self.zoom = min(max(zoom, 1.0), 40.0)
        if centre is not None:
            self.centre = QPointF(min(max(centre.x(), 0.0), 1.0), min(max(centre.y(), 0.0), 1.0))
        self.sig_changed.emit()


class ComparePane(QWidget):
    """Draws one photo, or two (wipe / opacity), through the shared zoom and pan."""

    sig_point_clicked = Signal(int, float, float)  # photo id, x, y in the photo's full pixels

    def __init__(
        self, shown: list[Shown], reference: Photo, state: ViewState, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.shown = shown
        self.reference = reference
        self.state = state
        self.mode = "side"
        self.wipe = 0.5
        self.opacity = 0.5
        self.marking = False
        self._drag: QPointF | None = None
        self.setMinimumSize(200, 200)
        self.setObjectName("compare_pane")
        self.setAccessibleName("Photo: " + " over ".join(s.caption for s in shown))
        state.sig_changed.connect(self.update)

    def view_transform(self) -> QTransform:
        """Reference full px -> pane px."""
        w, h = self.width(), self.height() - 24
        fit = min(w / self.reference.width, h / self.reference.height) * self.state.zoom
        cx = self.state.centre.x() * self.reference.width
        cy = self.state.centre.y() * self.reference.height
        t = QTransform()
        t.translate(w / 2, 24 + h / 2)
        t.scale(fit, fit)
        t.translate(-cx, -cy)
        return t

    def _draw(self, p: QPainter, s: Shown, view: QTransform) -> None:
        working_to_full = QTransform.fromScale(1 / s.factor, 1 / s.factor)
        p.setTransform(working_to_full * s.to_reference * view)
        p.drawImage(QPointF(0, 0), s.image)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#20252b"))
        view = self.view_transform()
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.state.zoom < 4)
        first = self.shown[0]
        self._draw(p, first, view)
        if len(self.shown) > 1 and self.mode in ("wipe", "overlay"):
            second = self.shown[1]
            p.resetTransform()
            if self.mode == "wipe":
                p.setClipRect(QRectF(self.width() * self.wipe, 0, self.width(), self.height()))
            else:
                p.setOpacity(self.opacity)
            self._draw(p, second, view)
            p.setClipping(False)
            p.setOpacity(1.0)
            p.resetTransform()
            if self.mode == "wipe":
                p.setPen(QColor("#ffffff"))
                p.drawLine(
                    QPointF(self.width() * self.wipe, 24), QPointF(self.width() * self.wipe, self.height())
                )
        p.resetTransform()
        for s in self.shown:
            if s.photo.landmarks and self.marking:
                self._draw_marks(p, s, view)
        p.fillRect(0, 0, self.width(), 24, QColor(0, 0, 0, 170))
        p.setPen(QColor("#ffffff"))
        caption = "  ⟷  ".join(s.caption for s in self.shown[: 2 if self.mode != "side" else 1])
        p.drawText(QRectF(6, 0, self.width() - 12, 24), Qt.AlignmentFlag.AlignVCenter, caption)
        p.end()

    def _draw_marks(self, p: QPainter, s: Shown, view: QTransform) -> None:
        assert s.photo.landmarks is not None
        t = s.to_reference * view
        p.setPen(QColor("#00e5ff"))
        for pt in (s.photo.landmarks.first, s.photo.landmarks.second):
            q = t.map(QPointF(pt.x, pt.y))
            p.drawEllipse(q, 6, 6)

    def pane_to_photo(self, pos: QPointF, s: Shown | None = None) -> QPointF:
        s = s or self.shown[0]
        inverse, ok = (s.to_reference * self.view_transform()).inverted()
        return inverse.map(pos)

    # -- mouse: wheel zooms about the pointer, drag pans, clicks mark landmarks -------------------------
    def wheelEvent(self, event: QWheelEvent) -> None:
        factor = 1.25 if event.angleDelta().y() > 0 else 0.8
        self.zoom_at(event.position(), self.state.zoom * factor)

    def zoom_at(self, pos: QPointF, zoom: float) -> None:
        inverse, _ = self.view_transform().inverted()
        before = inverse.map(pos)
        old = self.state.zoom
        self.state.zoom = min(max(zoom, 1.0), 40.0)
        inverse, _ = self.view_transform().inverted()
        after = inverse.map(pos)
        self.state.zoom = old
        c = self.state.centre
        self.state.set(
            zoom,
            QPointF(
                c.x() + (before.x() - after.x()) / self.reference.width,
                c.y() + (before.y() - after.y()) / self.reference.height,
            ),
        )

    def pan_by(self, dx: float, dy: float) -> None:
        fit = self.view_transform().m11()
        c = self.state.centre
        self.state.set(
            centre=QPointF(c.x() - dx / fit / self.reference.width, c.y() - dy / fit / self.reference.height)
        )

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.marking and self.mode == "side":
            q = self.pane_to_photo(event.position())
            self.sig_point_clicked.emit(self.shown[0].photo.id, q.x(), q.y())
            return
        self._drag = event.position()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag is not None:
            delta = event.position() - self._drag
            self._drag = event.position()
            self.pan_by(delta.x(), delta.y())

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._drag = None


class CompareView(QWidget):
    """Two or four photos: side by side (2×1 or 2×2), or wipe / opacity overlay of the first two."""

    sig_failed = Signal(str)

    def __init__(
        self,
        services: Services,
        photo_ids: list[int],
        parent: QWidget | None = None,
        *,
        worker: Worker | None = None,
        bus: ChangeBus | None = None,
    ) -> None:
        super().__init__(parent)
        self._services = services
        self.setObjectName("compare_view")
        self.setWindowTitle("Compare photos")
        self.state = ViewState(self)
        self._marks: dict[int, list[Point]] = {}
        self.shown = self._load(photo_ids)
        self.measuring = CompareMeasured(services, [s.photo for s in self.shown], worker, bus, self)
        self._build_ui()
        self._connect_signals()
        self.set_mode("side")
        self.measuring.refresh()

    def _load(self, ids: list[int]) -> list[Shown]:
        photos = [self._services.photos.get(i) for i in ids]
        days = self._services.photos.days_since_treatment(photos)
        reference = photos[0]
        out = []
        for photo in photos:
            image, factor = decode_scaled(self._services.photos.image(photo.id))
            out.append(Shown(photo, image, factor, reference_transform(photo, reference), days.get(photo.id)))
        return out

    def _build_ui(self) -> None:
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.mode_group = QButtonGroup(self)
        self.mode_buttons: dict[str, QRadioButton] = {}
        for mode, label in zip(MODES, ("Side by side", "Wipe", "Overlay"), strict=True):
            b = QRadioButton(label, self)
            b.setObjectName(f"compare_mode_{mode}")
            b.setAccessibleName(f"{label} comparison")
            self.mode_group.addButton(b)
            self.mode_buttons[mode] = b
            bar.addWidget(b)
        self.slider_label = QLabel("Wipe", self)
        bar.addWidget(self.slider_label)
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setObjectName("compare_slider")
        self.slider.setAccessibleName("Wipe position or overlay opacity")
        self.slider.setRange(0, 100)
        self.slider.setValue(50)
        bar.addWidget(self.slider, 1)
        self.mark_button = QPushButton("Mark landmarks", self)
        self.mark_button.setObjectName("compare_mark_landmarks")
        self.mark_button.setAccessibleName("Mark two landmarks on each photo")
        self.mark_button.setToolTip("Click the same two points (e.g. the pupils) on each photo to align them")
        self.mark_button.setCheckable(True)
        bar.addWidget(self.mark_button)
        bar.addWidget(self.measuring.button)
        layout.addLayout(bar)
        self.hint = QLabel("Wheel: zoom · drag: pan (all photos move together)", self)
        self.hint.setObjectName("compare_hint")
        layout.addWidget(self.hint)
        self.grid = QGridLayout()
        layout.addLayout(self.grid, 1)
        reference = self.shown[0].photo
        self.side_panes = [ComparePane([s], reference, self.state, self) for s in self.shown]
        self.overlay_pane = ComparePane(self.shown[:2], reference, self.state, self)
        cols = 2
        for i, pane in enumerate(self.side_panes):
            self.grid.addWidget(pane, i // cols, i % cols)
        self.grid.addWidget(self.overlay_pane, 0, 0, (len(self.shown) + 1) // cols, cols)
        layout.addWidget(self.measuring.panel)

    def _connect_signals(self) -> None:
        for mode, b in self.mode_buttons.items():
            b.toggled.connect(lambda on, m=mode: on and self.set_mode(m))
        self.slider.valueChanged.connect(self._slider_moved)
        self.mark_button.toggled.connect(self._marking)
        for pane in self.side_panes:
            pane.sig_point_clicked.connect(self._point_clicked)

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        self.mode_buttons[mode].setChecked(True)
        side = mode == "side"
        for pane in self.side_panes:
            pane.setVisible(side)
        self.overlay_pane.setVisible(not side)
        self.overlay_pane.mode = mode
        self.slider.setEnabled(not side)
        self.slider_label.setText("Opacity" if mode == "overlay" else "Wipe")
        self._slider_moved(self.slider.value())

    def _slider_moved(self, value: int) -> None:
        self.overlay_pane.wipe = value / 100
        self.overlay_pane.opacity = value / 100
        self.overlay_pane.update()

    def _marking(self, on: bool) -> None:
        if on:
            self.set_mode("side")
            self._marks = {}
            self.hint.setText(
                "Click the first landmark, then the second, on each photo (e.g. right then left pupil)"
            )
        for pane in self.side_panes:
            pane.marking = on
            pane.update()

    def _point_clicked(self, photo_id: int, x: float, y: float) -> None:
        marks = self._marks.setdefault(photo_id, [])
        marks.append(Point(x, y))
        if len(marks) == 2:
            self.save_landmarks(photo_id, Landmarks(marks[0], marks[1]))
            self._marks[photo_id] = []

    def save_landmarks(self, photo_id: int, landmarks: Landmarks) -> None:
        try:
            saved = self._services.photos.set_landmarks(photo_id, landmarks)
        except ClinicRecError as e:
            self.sig_failed.emit(str(e))
            return
        for s in self.shown:
            if s.photo.id == photo_id:
                s.photo = saved
        reference = self.shown[0].photo
        for s in self.shown:
            s.to_reference = reference_transform(s.photo, reference)
        for pane in (*self.side_panes, self.overlay_pane):
            pane.reference = reference
            pane.update()
