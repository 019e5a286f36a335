""" "Measure skin" on a stored photo: the overlays with their toggles, the figures per zone with their
quality, the landmarks to correct, and "Measure again".

Opened from the patient's photos (the photo panel, the comparison window). Measuring runs on the worker
pool with the engine's progress in a bar; a photo already measured shows its stored figures at once.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from clinicrec.analysis.figures import ZoneFigures
from clinicrec.services.analysis import AnalysedPhoto
from clinicrec.services.app import Services
from clinicrec.services.photos.measurements import MeasuredPhoto, Measurement
from clinicrec.ui.analysis.canvas import LandmarkCanvas, guessed_landmarks
from clinicrec.ui.analysis.measure_controller import MeasureSkinController
from clinicrec.ui.analysis.overlay import Layer, overlay_image
from clinicrec.ui.analysis.view import ZONE_COLUMNS, quality_text
from clinicrec.ui.changes import ChangeBus
from clinicrec.ui.date_format import wall_clock_text
from clinicrec.ui.rows_model import Column, RowsModel
from clinicrec.ui.worker import Worker

#: The overview's columns plus what each figure rests on: the zone's area and the pores counted.
MEASURE_COLUMNS: tuple[Column[ZoneFigures], ...] = (
    *ZONE_COLUMNS[:-1],
    Column(
        "Pores (n)",
        lambda z: "—" if z.pore_count is None else str(z.pore_count),
        sort=lambda z: z.pore_count,
        numeric=True,
        header_tip="Pores counted in the zone's measured skin",
    ),
    Column(
        "Area cm²",
        lambda z: f"{z.area_cm2:.1f}" if z.area_cm2 else "—",
        sort=lambda z: z.area_cm2,
        numeric=True,
        header_tip="The zone's area on the face",
    ),
    ZONE_COLUMNS[-1],
)


def measured_text(m: Measurement) -> str:
    face = m.analysis.landmarks
    where = f"landmarks {face.source.value}" if face is not None else "no landmarks"
    when = wall_clock_text(m.measured_at)
    return f"Measured {when} by {m.measured_by}\n{where.capitalize()} · engine {m.engine_version}"


class MeasureSkinWindow(QWidget):
    """One stored photo measured. ``start()`` shows the stored figures or measures."""

    def __init__(
        self,
        services: Services,
        worker: Worker,
        photo_id: int,
        bus: ChangeBus | None = None,
        parent: QWidget | None = None,
        *,
        title: str = "",
    ) -> None:
        super().__init__(parent)
        self.setObjectName("measure_skin_window")
        self.setWindowTitle(f"Measure skin – {title}" if title else f"Measure skin – photo {photo_id}")
        self.controller = MeasureSkinController(services, worker, photo_id, bus, self)
        self._photo: AnalysedPhoto | None = None
        self._build_ui()
        self._connect_signals()

    def _build_ui(self) -> None:
        self.layer_boxes: dict[Layer, QCheckBox] = {}
        toggles = QHBoxLayout()
        for layer in Layer:
            box = QCheckBox(layer.value, objectName=f"skinLayer{layer.name.title()}")
            box.setAccessibleName(f"Show {layer.value.lower()}")
            box.setChecked(True)
            self.layer_boxes[layer] = box
            toggles.addWidget(box)
        toggles.addStretch(1)
        self.canvas = LandmarkCanvas(self)
        self.hint = QLabel(
            "Drag a landmark (R, L: pupils; MR, ML: mouth corners) onto the face, then Measure again. "
            "Keyboard: N picks a landmark, the arrows move it (Shift: ten pixels).",
            self,
            objectName="skinLandmarkHint",
            wordWrap=True,
        )
        self.progress = QProgressBar(self, objectName="skinMeasureProgress")
        self.progress.setAccessibleName("Measuring progress")
        self.progress.setRange(0, 100)
        self.status = QLabel(self, objectName="skinMeasureStatus", wordWrap=True)
        self.status.setAccessibleName("Measuring status")
        self.measured = QLabel(self, objectName="skinMeasuredBy")
        self.measured.setAccessibleName("Who measured, when, with which landmarks")
        self.quality = QLabel(self, objectName="skinAnalysisQuality", wordWrap=True)
        self.quality.setAccessibleName("Photo quality")
        self.model: RowsModel[ZoneFigures] = RowsModel(MEASURE_COLUMNS, parent=self)
        self.table = QTableView(self, objectName="skinAnalysisFigures")
        self.table.setAccessibleName("Figures per zone")
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.measure_button = QPushButton("&Measure again", self, objectName="skinMeasureAgain")
        self.measure_button.setAccessibleName("Measure the photo again with the landmarks as placed")
        self.reset_button = QPushButton("&Reset landmarks", self, objectName="skinResetLandmarks")
        self.reset_button.setAccessibleName("Put the landmarks back where they were measured")
        buttons = QHBoxLayout()
        buttons.addWidget(self.reset_button)
        buttons.addStretch(1)
        buttons.addWidget(self.measure_button)
        left = QVBoxLayout()
        left.addLayout(toggles)
        left.addWidget(self.canvas, 1)
        left.addWidget(self.hint)
        right = QVBoxLayout()
        right.addWidget(self.progress)
        right.addWidget(self.status)
        right.addWidget(self.measured)
        right.addWidget(self.quality)
        right.addWidget(self.table, 1)
        right.addLayout(buttons)
        outer = QHBoxLayout(self)
        outer.addLayout(left, 1)
        outer.addLayout(right, 1)
        for label in (self.status, self.quality, self.hint):
            # Word-wrapped labels take the height their text needs, never squeezed by the table.
            label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.progress.hide()
        self.measure_button.setEnabled(self.controller.may_measure)
        if not self.controller.may_measure:
            self.measure_button.setToolTip("Measuring stores figures in the chart: an injector's right")

    def _connect_signals(self) -> None:
        c = self.controller
        for box in self.layer_boxes.values():
            box.toggled.connect(self._repaint)
        c.sig_stored.connect(self.show_figures)
        c.sig_shown.connect(self.show_measured)
        c.sig_progress.connect(self._progress)
        c.sig_failed.connect(self._failed)
        c.sig_busy_changed.connect(self._busy)
        self.measure_button.clicked.connect(self.measure_again)
        self.reset_button.clicked.connect(self.reset_landmarks)

    # -- what the controller says ----------------------------------------------------------------------
    def start(self) -> None:
        self.controller.open()

    def show_figures(self, m: Measurement) -> None:
        self.model.set_rows(m.analysis.zones)
        self.table.resizeColumnsToContents()
        self.measured.setText(measured_text(m))
        self.measured.setMinimumHeight(self.measured.sizeHint().height())  # two lines, never squeezed
        self.quality.setText(quality_text(m.analysis.quality))

    def show_measured(self, measured: MeasuredPhoto) -> None:
        m = measured.measurement
        self._photo = AnalysedPhoto(Path(f"photo-{m.photo_id}"), measured.rgb, m.analysis, measured.maps)
        self.show_figures(m)
        h, w = measured.rgb.shape[:2]
        self.canvas.photo_size = (w, h)
        self.reset_landmarks()
        self.status.setText("" if m.analysis.landmarks else "No face was found: place the landmarks by hand.")
        self._repaint()

    def _progress(self, fraction: float, text: str) -> None:
        self.progress.setValue(round(100 * fraction))
        self.status.setText(f"{text}…" if fraction < 1 else text)

    def _failed(self, message: str) -> None:
        self.status.setText(message)

    def _busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.measure_button.setEnabled(not busy and self.controller.may_measure)
        self.reset_button.setEnabled(not busy)

    # -- what the nurse does ---------------------------------------------------------------------------
    def layers(self) -> set[Layer]:
        return {layer for layer, box in self.layer_boxes.items() if box.isChecked()}

    def reset_landmarks(self) -> None:
        """The landmarks as measured (or, if none was found, where a face's usually are)."""
        if self._photo is None:
            return
        face = self._photo.analysis.landmarks
        w, h = self.canvas.photo_size
        self.canvas.set_landmarks(face.named() if face is not None else guessed_landmarks(w, h))

    def measure_again(self) -> None:
        """Measure with the landmarks as the nurse placed them (found again if none was moved)."""
        self.controller.measure(self.canvas.landmarks() if self.canvas.moved else None)

    def _repaint(self) -> None:
        if self._photo is None:
            return
        side = min(1600, round(max(self.canvas.width(), self.canvas.height()) * self.devicePixelRatioF()))
        h, w = self._photo.rgb.shape[:2]
        self.canvas.set_image(overlay_image(self._photo, self.layers(), longest_side=max(side, 320)), (w, h))

    def resizeEvent(self, event) -> None:  # type: ignore[no-untyped-def]  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._repaint()
