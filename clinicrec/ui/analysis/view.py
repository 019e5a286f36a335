"""The analysed photo beside its figures per zone, with the overlays as check boxes.

``SkinAnalysisView`` shows an ``AnalysedPhoto``; ``SkinAnalysisController`` analyses a photo file on
the worker (never on the GUI thread) and hands the result to the view.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from clinicrec.analysis.figures import FaceLandmarks, PhotoQuality, ZoneFigures
from clinicrec.services.analysis import AnalysedPhoto, analyse_photo_file
from clinicrec.ui.analysis.overlay import Layer, overlay_image
from clinicrec.ui.rows_model import Column, RowsModel
from clinicrec.ui.worker import Worker


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _number(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


ZONE_COLUMNS: tuple[Column[ZoneFigures], ...] = (
    Column("Zone", lambda z: z.zone.label),
    Column(
        "Measured",
        lambda z: _share(z.measured_share),
        sort=lambda z: z.measured_share,
        numeric=True,
        header_tip="Share of the zone measured as skin (not hair, brows, nostrils, shadow)",
    ),
    Column(
        "a*",
        lambda z: _number(z.redness_a_mean),
        sort=lambda z: z.redness_a_mean,
        numeric=True,
        header_tip="Mean CIELAB a* over skin, after colour normalisation",
    ),
    Column(
        "Red",
        lambda z: _share(z.red_share),
        sort=lambda z: z.red_share,
        numeric=True,
        header_tip="Share of skin with a* above the redness threshold",
    ),
    Column("Pores/cm²", lambda z: _number(z.pores_per_cm2), sort=lambda z: z.pores_per_cm2, numeric=True),
    Column("Pore area", lambda z: _share(z.pore_area_share), sort=lambda z: z.pore_area_share, numeric=True),
    Column(
        "Shine",
        lambda z: _share(z.shine_share),
        sort=lambda z: z.shine_share,
        numeric=True,
        header_tip="Share of skin in specular highlight",
    ),
    Column("Why not", lambda z: "; ".join(z.problems), tip=lambda z: "\n".join(z.problems) or None),
)


def quality_text(quality: PhotoQuality) -> str:
    if quality.problems:
        return "Not measured: " + "; ".join(quality.problems)
    return (
        f"{quality.px_per_mm:.1f} px/mm from the {quality.scale_source.value}; "
        f"colour from the {quality.colour_source.value}; blur {quality.blur:.2f}"
    )


class SkinAnalysisView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._photo: AnalysedPhoto | None = None
        self._build_ui()
        self._connect_signals()

    def _build_ui(self) -> None:
        self.picture = QLabel(objectName="skinAnalysisPicture")
        self.picture.setAccessibleName("Analysed photo")
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.picture.setMinimumSize(320, 320)
        self.layer_boxes: dict[Layer, QCheckBox] = {}
        toggles = QHBoxLayout()
        for layer in Layer:
            box = QCheckBox(layer.value, objectName=f"skinLayer{layer.name.title()}")
            box.setAccessibleName(f"Show {layer.value.lower()}")
            box.setChecked(True)
            self.layer_boxes[layer] = box
            toggles.addWidget(box)
        toggles.addStretch(1)
        self.quality = QLabel(objectName="skinAnalysisQuality", wordWrap=True)
        self.quality.setAccessibleName("Photo quality")
        self.model: RowsModel[ZoneFigures] = RowsModel(ZONE_COLUMNS, parent=self)
        self.table = QTableView(objectName="skinAnalysisFigures")
        self.table.setAccessibleName("Figures per zone")
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        left = QVBoxLayout()
        left.addLayout(toggles)
        left.addWidget(self.picture, 1)
        right = QVBoxLayout()
        right.addWidget(self.quality)
        right.addWidget(self.table, 1)
        outer = QHBoxLayout(self)
        outer.addLayout(left, 3)
        outer.addLayout(right, 2)

    def _connect_signals(self) -> None:
        for box in self.layer_boxes.values():
            box.toggled.connect(self._repaint)

    def layers(self) -> set[Layer]:
        return {layer for layer, box in self.layer_boxes.items() if box.isChecked()}

    def show_photo(self, photo: AnalysedPhoto) -> None:
        self._photo = photo
        self.model.set_rows(photo.analysis.zones)
        self.table.resizeColumnsToContents()
        self.quality.setText(quality_text(photo.analysis.quality))
        self._repaint()

    def show_failure(self, message: str) -> None:
        self._photo = None
        self.model.set_rows([])
        self.picture.clear()
        self.quality.setText(message)

    def _repaint(self) -> None:
        if self._photo is None:
            return
        side = max(self.picture.width(), self.picture.height(), 320)
        image = overlay_image(self._photo, self.layers(), longest_side=side)
        self.picture.setPixmap(
            QPixmap.fromImage(image).scaled(
                self.picture.size(),
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )

    def resizeEvent(self, event) -> None:  # type: ignore[no-untyped-def]  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._repaint()


class SkinAnalysisController(QObject):
    """Analyses a photo file on the worker and shows the result in the view."""

    sig_analysed = Signal(object)  # AnalysedPhoto
    sig_failed = Signal(str)

    def __init__(self, view: SkinAnalysisView, worker: Worker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.view = view
        self.worker = worker
        self.sig_analysed.connect(view.show_photo)
        self.sig_failed.connect(view.show_failure)

    def analyse(
        self, path: Path, face: FaceLandmarks | None = None, *, card_width_mm: float | None = None
    ) -> None:
        """Analyse on the worker; ``face``: the pupils as the nurse placed them (else found)."""
        self.view.quality.setText(f"Analysing {Path(path).name}…")
        self.worker.run(
            lambda: analyse_photo_file(Path(path), face, card_width_mm=card_width_mm),
            self.sig_analysed.emit,
            lambda e: self.sig_failed.emit(str(e)),
        )
