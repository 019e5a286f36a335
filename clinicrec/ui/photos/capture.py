"""Capture from a camera on the workstation: live preview, the earlier photo ghosted over it, guides.

Frames come from a ``FrameSource``: ``CameraSource`` (Qt Multimedia: ``QCamera`` →
``QMediaCaptureSession`` → ``QVideoSink``) or, in tests and demonstrations, ``StillSource`` (a fixed
image). The earlier photo of the same view is drawn over the preview at an adjustable opacity, with a
centre line and an eye line, so every visit is framed alike. "Take photo" stores the current frame
through the same import as a file (consent checked, hashed, thumbnail, audited).

Where Qt Multimedia cannot load or no camera is attached, ``camera_problem()`` says so in words and the
capture button says it instead of doing nothing.
"""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget

from ...domain.enums import TimePoint
from ...domain.errors import ClinicRecError
from ...domain.photos import PHOTO_TIME_POINTS, Photo, PhotoDetails, PhotoView
from ...services.app import Services
from .compare import decode_scaled

EYE_LINE = 0.42  # the eye line's height in the frame (a third of the way down, a little lower)


def camera_problem() -> str | None:
    """Why the camera cannot be used here, or None when one is attached."""
    try:
        from PySide6.QtMultimedia import QMediaDevices
    except ImportError as e:
        return f"No camera: Qt Multimedia could not be loaded on this workstation ({e})."
    if not QMediaDevices.videoInputs():
        return "No camera is attached to this workstation. Connect one, or add photos from files."
    return None


class FrameSource(QObject):
    """Delivers preview frames (QImage) and names the device."""

    sig_frame = Signal(QImage)

    @property
    def device(self) -> str:
        return ""

    def start(self) -> None:
        return

    def stop(self) -> None:
        return


class StillSource(FrameSource):
    """A test image source: the same picture as every frame (``push`` sends it again)."""

    def __init__(
        self, image: QImage, device: str = "Test image source", parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.image = image
        self._device = device

    @property
    def device(self) -> str:
        return self._device

    def start(self) -> None:
        self.push()

    def push(self) -> None:
        self.sig_frame.emit(self.image)


class CameraSource(
    FrameSource
):  # pragma: no cover - needs a camera; the capture path is tested with StillSource
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        from PySide6.QtMultimedia import QCamera, QMediaCaptureSession, QMediaDevices, QVideoSink

        self._description = QMediaDevices.defaultVideoInput().description()
        self.camera = QCamera(QMediaDevices.defaultVideoInput(), self)
        self.session = QMediaCaptureSession(self)
        self.sink = QVideoSink(self)
        self.session.setCamera(self.camera)
        self.session.setVideoSink(self.sink)
        self.sink.videoFrameChanged.connect(lambda frame: self.sig_frame.emit(frame.toImage()))

    @property
    def device(self) -> str:
        return self._description

    def start(self) -> None:
        self.camera.start()

    def stop(self) -> None:
        self.camera.stop()


class PreviewWithGhost(QWidget):
    """The live frame, the ghost of the earlier photo, the centre and eye-line guides."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("capture_preview")
        self.setAccessibleName("Camera preview with the earlier photo ghosted over it")
        self.setMinimumSize(480, 360)
        self.frame: QImage | None = None
        self.ghost: QImage | None = None
        self.ghost_opacity = 0.35
        self.message = ""

    def _fit(self, image: QImage) -> QRectF:
        w, h = self.width(), self.height()
        s = min(w / image.width(), h / image.height())
        return QRectF(
            (w - image.width() * s) / 2, (h - image.height() * s) / 2, image.width() * s, image.height() * s
        )

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#15191d"))
        area = QRectF(self.rect())
        if self.frame is not None:
            area = self._fit(self.frame)
            p.drawImage(area, self.frame)
        if self.ghost is not None:
            p.setOpacity(self.ghost_opacity)
            p.drawImage(self._fit(self.ghost) if self.frame is None else area, self.ghost)
            p.setOpacity(1.0)
        pen = QPen(QColor(0, 229, 255, 200), 1, Qt.PenStyle.DashLine)
        p.setPen(pen)
        cx = area.center().x()
        eye = area.top() + area.height() * EYE_LINE
        p.drawLine(QPointF(cx, area.top()), QPointF(cx, area.bottom()))
        p.drawLine(QPointF(area.left(), eye), QPointF(area.right(), eye))
        p.drawText(QPointF(area.left() + 6, eye - 6), "eye line")
        if self.message:
            p.setPen(QColor("#ffffff"))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.message)
        p.end()


class CaptureView(QWidget):
    """Take a photo of the patient for one view and time point, framed like the earlier one."""

    sig_captured = Signal(object)  # Photo
    sig_failed = Signal(str)

    def __init__(
        self,
        services: Services,
        patient_id: int,
        session_id: int | None = None,
        source: FrameSource | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._services = services
        self.patient_id = patient_id
        self.session_id = session_id
        self.setObjectName("capture_view")
        self.setWindowTitle("Take photos")
        problem = None if source is not None else camera_problem()
        self.source = source if source is not None else (None if problem else CameraSource(self))
        self._build_ui()
        self._connect_signals()
        self.preview.message = problem or ""
        self.take_button.setEnabled(self.source is not None)
        self.take_button.setText("Take photo" if self.source is not None else "No camera")
        self.take_button.setToolTip(problem or "Store the current frame as this view's photo")
        self._pick_ghost()
        if self.source is not None:
            self.source.start()

    def _build_ui(self) -> None:
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.view_box = QComboBox(self)
        self.view_box.setObjectName("capture_view_box")
        self.view_box.setAccessibleName("View")
        for v in PhotoView:
            if v != PhotoView.CLOSE_UP:
                self.view_box.addItem(v.label, v)
        self.time_point_box = QComboBox(self)
        self.time_point_box.setObjectName("capture_time_point")
        self.time_point_box.setAccessibleName("Time point")
        for tp in PHOTO_TIME_POINTS:
            if tp != TimePoint.OTHER:
                self.time_point_box.addItem(tp.label, tp)
        self.opacity = QSlider(Qt.Orientation.Horizontal, self)
        self.opacity.setObjectName("capture_ghost_opacity")
        self.opacity.setAccessibleName("Opacity of the earlier photo")
        self.opacity.setRange(0, 100)
        self.opacity.setValue(35)
        self.take_button = QPushButton("Take photo", self)
        self.take_button.setObjectName("capture_take_button")
        self.take_button.setAccessibleName("Take photo")
        for w in (QLabel("View", self), self.view_box, QLabel("Time point", self), self.time_point_box):
            bar.addWidget(w)
        bar.addWidget(QLabel("Earlier photo", self))
        bar.addWidget(self.opacity, 1)
        bar.addWidget(self.take_button)
        layout.addLayout(bar)
        self.preview = PreviewWithGhost(self)
        layout.addWidget(self.preview, 1)
        self.status = QLabel(self)
        self.status.setObjectName("capture_status")
        layout.addWidget(self.status)

    def _connect_signals(self) -> None:
        if self.source is not None:
            self.source.sig_frame.connect(self._frame)
        self.view_box.currentIndexChanged.connect(self._pick_ghost)
        self.opacity.valueChanged.connect(self._opacity)
        self.take_button.clicked.connect(self.take)

    def _frame(self, image: QImage) -> None:
        self.preview.frame = image
        self.preview.update()

    def _opacity(self, value: int) -> None:
        self.preview.ghost_opacity = value / 100
        self.preview.update()

    def _pick_ghost(self) -> None:
        """The newest earlier photo of the chosen view (its working copy, not the full image)."""
        view = PhotoView(self.view_box.currentData())
        self.ghost_photo: Photo | None = None
        self.preview.ghost = None
        try:
            same = [p for p in self._services.photos.photos_of(self.patient_id) if p.view == view]
            if same:
                self.ghost_photo = same[-1]
                self.preview.ghost, _ = decode_scaled(self._services.photos.image(same[-1].id), 1600)
        except ClinicRecError as e:
            self.status.setText(str(e))
        self.preview.update()

    def take(self) -> Photo | None:
        frame = self.preview.frame
        if self.source is None or frame is None:
            self.status.setText(camera_problem() or "No picture from the camera yet.")
            return None
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        frame.save(buffer, "JPEG", 95)
        details = PhotoDetails(
            self.patient_id,
            PhotoView(self.view_box.currentData()),
            TimePoint(self.time_point_box.currentData()),
            session_id=self.session_id,
        )
        try:
            photo = self._services.photos.import_photo(
                details, bytes(data.data()), "the camera's picture", device=self.source.device
            )
        except ClinicRecError as e:
            self.status.setText(str(e))
            self.sig_failed.emit(str(e))
            return None
        self.status.setText(f"Stored: {photo.view_label}, {photo.time_point_label}.")
        self.sig_captured.emit(photo)
        self._pick_ghost()
        return photo

    def closeEvent(self, event: object) -> None:
        if self.source is not None:
            self.source.stop()
        super().closeEvent(event)  # type: ignore[arg-type]
