"""The comparison window's skin figures: each view's first photo against its last, and "Measure skin…"
for the photos shown that are not measured yet (each opens its measure window, where the nurse sees the
progress and can correct the landmarks). Refreshed when the change bus says a photo was measured.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QPushButton, QWidget

from ...domain.photos import Photo
from ...services.app import Services
from ...services.base import Change, ChangeEntity
from ..analysis.measured_change import MeasuredChangePanel, compared_rows
from ..changes import ChangeBus
from ..date_format import date_text
from ..worker import Worker
from .strip import group_of

if TYPE_CHECKING:  # the engine (OpenCV) loads when a photo is measured, not when a chart opens
    from ..analysis.measure_window import MeasureSkinWindow


class CompareMeasured(QObject):
    def __init__(
        self,
        services: Services,
        photos: list[Photo],
        worker: Worker | None,
        bus: ChangeBus | None,
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self._services, self._photos, self._bus = services, photos, bus
        self._worker = worker or Worker(self)
        self.windows: list[MeasureSkinWindow] = []
        self.panel = MeasuredChangePanel(parent)  # the skin figures measured on the photos, if any
        self.panel.setMaximumHeight(240)
        self.button = QPushButton("Measure skin…", parent)
        self.button.setObjectName("compare_measure_button")
        self.button.setAccessibleName("Measure the skin on the photos shown that are not measured yet")
        self.button.clicked.connect(self.measure_unmeasured)
        if bus is not None:
            bus.sig_changed.connect(self._on_change)

    def unmeasured(self) -> list[Photo]:
        measured = self._services.measurements.latest([p.id for p in self._photos])
        return [p for p in self._photos if p.id not in measured and not p.voided]

    def refresh(self) -> None:
        """Per view shown twice or more: the first photo's measured figures against the last one's."""
        rows = compared_rows(self._services, self._photos)
        self.panel.show_rows(rows, "Measured on the photos: first → last photo of each view")
        self.panel.setVisible(bool(rows))
        todo = self.unmeasured()
        self.button.setEnabled(bool(todo))
        self.button.setToolTip(
            f"Measure pores, redness and shine on the {len(todo)} photo(s) not measured yet"
            if todo
            else "Every photo shown is measured (measure one again from the photo strip)"
        )

    def measure_unmeasured(self) -> list[MeasureSkinWindow]:
        """A measure window for each photo shown that is not measured yet (returned, and shown)."""
        from ..analysis.measure_window import MeasureSkinWindow

        opened = []
        for photo in self.unmeasured():
            title = f"{group_of(photo)}, {date_text(photo.taken_at)}"
            window = MeasureSkinWindow(self._services, self._worker, photo.id, self._bus, title=title)
            window.resize(1280, 800)
            self.windows.append(window)
            window.show()
            window.start()
            opened.append(window)
        return opened

    def _on_change(self, change: Change) -> None:
        patients = {p.patient_id for p in self._photos}
        if change.entity == ChangeEntity.PHOTO_MEASUREMENT and change.patient_id in patients:
            self.refresh()
