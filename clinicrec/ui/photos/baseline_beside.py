"""For the follow-up dialog: each view's baseline photo beside the newest photo of that view."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QDialog, QGridLayout, QGroupBox, QLabel, QPushButton, QVBoxLayout, QWidget

from ...domain.enums import TimePoint
from ...domain.errors import ClinicRecError
from ...domain.photos import Photo
from ...services.app import Services
from ..analysis.measured_change import MeasuredChangePanel, session_rows
from ..date_format import date_text

SIDE_PX = 150


def pairs(photos: list[Photo], session_id: int | None) -> list[tuple[Photo, Photo | None]]:
    """(baseline, newest later photo or None) per view, the session's own baseline preferred."""
    out = []
    views = dict.fromkeys((p.view, p.zone) for p in photos)
    for view in views:
        same = [p for p in photos if (p.view, p.zone) == view]
        baselines = [p for p in same if p.time_point == TimePoint.BASELINE]
        if not baselines:
            continue
        own = [p for p in baselines if p.session_id == session_id]
        base = (own or baselines)[-1]
        later = [p for p in same if p.time_point != TimePoint.BASELINE and p.taken_at > base.taken_at]
        out.append((base, later[-1] if later else None))
    return out


class BaselineBeside(QGroupBox):
    def __init__(
        self, services: Services, patient_id: int, session_id: int | None, parent: QWidget | None = None
    ):
        super().__init__("Photos: baseline → now", parent)
        self.setObjectName("baseline_photos")
        self.setAccessibleName("Baseline photos beside the newest ones")
        self._services, self._patient_id, self._session_id = services, patient_id, session_id
        grid = QGridLayout(self)
        try:
            photos = services.photos.photos_of(patient_id)
            self.pairs = pairs(photos, session_id)
            thumbs = services.photos.thumbnails([p.id for pair in self.pairs for p in pair if p is not None])
        except ClinicRecError as e:
            self.pairs, thumbs = [], {}
            grid.addWidget(QLabel(str(e), self), 0, 0)
        if not self.pairs:
            grid.addWidget(QLabel("No baseline photos for this patient.", self), 0, 0)
        for col, (base, now) in enumerate(self.pairs):
            grid.addWidget(QLabel(base.view_label, self), 0, col * 2, 1, 2)
            for k, photo in enumerate((base, now)):
                label = QLabel(self)
                label.setAlignment(Qt.AlignmentFlag.AlignCenter)
                if photo is None:
                    label.setText("No photo\nat this visit yet")
                else:
                    image = QImage.fromData(thumbs.get(photo.id, b""))
                    label.setPixmap(
                        QPixmap.fromImage(image).scaled(
                            SIDE_PX, SIDE_PX, Qt.AspectRatioMode.KeepAspectRatio,
                            Qt.TransformationMode.SmoothTransformation,
                        )
                    )  # fmt: skip
                    label.setToolTip(f"{photo.time_point_label}, {date_text(photo.taken_at)}")
                label.setObjectName(f"baseline_photo_{col}_{'before' if k == 0 else 'now'}")
                grid.addWidget(label, 1, col * 2 + k)
        if session_id is not None and self.pairs:
            self.measured_button = QPushButton("Measured figures…", self)
            self.measured_button.setObjectName("baseline_measured_button")
            self.measured_button.setAccessibleName("Each zone's measured figures at baseline and now")
            self.measured_button.clicked.connect(self.show_measured)
            grid.addWidget(self.measured_button, 2, 0, 1, 2)

    def show_measured(self) -> QDialog:
        """The session's measured change per zone, beside the baseline ratings (returned, and shown)."""
        assert self._session_id is not None
        dialog = QDialog(self)
        dialog.setObjectName("baseline_measured_dialog")
        dialog.setWindowTitle("Measured on the photos")
        panel = MeasuredChangePanel(dialog)
        QVBoxLayout(dialog).addWidget(panel)
        try:
            rows, when = session_rows(self._services, self._patient_id, self._session_id)
            baseline = self._services.records.record(self._session_id).session.baseline
        except ClinicRecError as e:
            panel.show_rows([], f"Measured on the photos: {e}")
        else:
            caption = f"Measured on the photos: baseline → {when.label}" if when else "Measured on the photos"
            panel.show_rows(rows, caption, baseline, None)
        dialog.resize(900, 460)
        dialog.show()
        return dialog
