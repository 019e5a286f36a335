"""Measuring one stored photo on the worker pool, with the engine's progress, for the measure window.

A photo already measured shows its stored figures at once (``sig_stored``) while its pixels and overlay
maps are computed again in the background from the landmarks it was measured with; measuring (again)
stores a new measurement. Nothing here touches a widget: the window listens to the signals.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from clinicrec.analysis.figures import FaceLandmarks
from clinicrec.services.app import Services
from clinicrec.services.permissions import Action
from clinicrec.services.photos.measurements import MeasuredPhoto, Measurement
from clinicrec.ui.changes import ChangeBus
from clinicrec.ui.worker import Worker


class MeasureSkinController(QObject):
    sig_stored = Signal(object)  # Measurement: the stored figures, before the pixels arrive
    sig_shown = Signal(object)  # MeasuredPhoto: figures, pixels and maps (maps None: nothing to draw)
    sig_progress = Signal(float, str)  # 0..1 and what the engine is doing (emitted from the worker)
    sig_failed = Signal(str)
    sig_busy_changed = Signal(bool)

    def __init__(
        self,
        services: Services,
        worker: Worker,
        photo_id: int,
        bus: ChangeBus | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._services, self._worker, self._bus = services, worker, bus
        self.photo_id = photo_id
        self.busy = False
        self.measurement: Measurement | None = None

    @property
    def may_measure(self) -> bool:
        """Measuring stores figures in the chart: the right to chart sessions (a prescriber only reads)."""
        actor = self._services.actor
        return actor is not None and actor.can(Action.CHART)

    def open(self) -> None:
        """Show the stored figures at once if the photo was measured; else measure it."""
        try:
            stored = self._services.measurements.latest([self.photo_id]).get(self.photo_id)
        except Exception as e:  # noqa: BLE001 - a refused or failed read is said on the screen
            self.sig_failed.emit(str(e))
            return
        if stored is None:
            if self.may_measure:
                self.measure()
            else:
                self.sig_failed.emit(f"Not measured yet; measuring needs the right to {Action.CHART.value}.")
            return
        self.measurement = stored
        self.sig_stored.emit(stored)
        measurements = self._services.measurements
        self._run(lambda: measurements.redraw(stored, progress=self._report), "Drawing the overlays")

    def measure(self, face: FaceLandmarks | None = None) -> None:
        """Measure the photo (``face``: the landmarks as the nurse placed them; else found) and store it."""
        measurements, photo_id = self._services.measurements, self.photo_id

        def job() -> MeasuredPhoto:
            return measurements.measure(photo_id, face, progress=self._report)

        self._run(self._bus.call(self, job) if self._bus is not None else job, "Measuring")

    def _run(self, job: Callable[[], MeasuredPhoto], what: str) -> None:
        if self.busy:
            return
        self._set_busy(True)
        self.sig_progress.emit(0.0, what)
        self._worker.run(job, self._done, self._failed)

    def _report(self, fraction: float, text: str) -> None:
        self.sig_progress.emit(fraction, text)  # from the worker: queued to the GUI thread

    def _done(self, measured: MeasuredPhoto) -> None:
        self._set_busy(False)
        self.measurement = measured.measurement
        self.sig_shown.emit(measured)

    def _failed(self, error: Exception) -> None:
        self._set_busy(False)
        self.sig_failed.emit(str(error))

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.sig_busy_changed.emit(busy)
