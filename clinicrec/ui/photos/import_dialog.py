"""Add photos from files: view, time point, session and note once for the batch, then import with progress.

The import runs on the worker (a batch of 24 MP photos takes seconds); each photo is its own
transaction, so a failure half-way keeps the ones already stored and says which file failed.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMetaObject, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...domain.enums import TimePoint, Zone
from ...domain.errors import ClinicRecError, ValidationError
from ...domain.photos import PHOTO_TIME_POINTS, Photo, PhotoDetails, PhotoView
from ...services.app import Services
from ..date_edit import DateEdit
from ..worker import Worker
from .strip import IMAGE_SUFFIXES

FILTER = "Images (" + " ".join(f"*{s}" for s in IMAGE_SUFFIXES) + ")"


def _named(widget: Any, name: str, accessible: str) -> Any:
    widget.setObjectName(name)
    widget.setAccessibleName(accessible)
    return widget


class PhotoImportDialog(QDialog):
    sig_progress = Signal(int, int)

    def __init__(
        self,
        services: Services,
        worker: Worker,
        patient_id: int,
        files: list[Path],
        session_id: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._services = services
        self._worker = worker
        self.patient_id = patient_id
        self.session_id = session_id
        self.files: list[Path] = list(files)
        self.imported: list[Photo] = []
        self.setWindowTitle("Add photos")
        self.setObjectName("photo_import_dialog")
        self._build_ui()
        self._connect_signals()
        self._refresh()

    def _build_ui(self) -> None:
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.view_box = _named(QComboBox(self), "photo_view", "View")
        for v in PhotoView:
            self.view_box.addItem(v.label, v)
        self.zone_box = _named(QComboBox(self), "photo_zone", "Zone of the close-up")
        for z in Zone:
            self.zone_box.addItem(z.label, z)
        self.time_point_box = _named(QComboBox(self), "photo_time_point", "Time point")
        for tp in PHOTO_TIME_POINTS:
            self.time_point_box.addItem(tp.label, tp)
        self.other_date = _named(DateEdit(self, label="Date of the photos"), "photo_other_date", "Other date")
        self.note = _named(QLineEdit(self), "photo_note", "Note")
        self.note.setMaxLength(500)
        session = f"session {self.session_id}" if self.session_id else "none (the patient's record)"
        form.addRow("View", self.view_box)
        form.addRow("Zone", self.zone_box)
        form.addRow("Time point", self.time_point_box)
        form.addRow("Date", self.other_date)
        form.addRow("Session", QLabel(session, self))
        form.addRow("Note", self.note)
        layout.addLayout(form)
        files_row = QHBoxLayout()
        self.file_list = _named(QListWidget(self), "photo_files", "Files to import")
        self.add_files_button = _named(
            QPushButton("Choose files…", self), "photo_choose_files", "Choose files"
        )
        files_row.addWidget(self.file_list, 1)
        files_row.addWidget(self.add_files_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(files_row)
        self.progress = _named(QProgressBar(self), "photo_import_progress", "Import progress")
        layout.addWidget(self.progress)
        self.message = QLabel(self)
        self.message.setObjectName("photo_import_message")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Import")
        self.ok_button.setObjectName("photo_import_ok")
        layout.addWidget(self.buttons)

    def _connect_signals(self) -> None:
        self.buttons.accepted.connect(self.start)
        self.buttons.rejected.connect(self.reject)
        self.add_files_button.clicked.connect(self._choose_files)
        self.view_box.currentIndexChanged.connect(self._refresh)
        self.time_point_box.currentIndexChanged.connect(self._refresh)
        self.sig_progress.connect(self._show_progress)

    def _refresh(self) -> None:
        self.zone_box.setEnabled(self.view_box.currentData() == PhotoView.CLOSE_UP)
        self.other_date.setEnabled(self.time_point_box.currentData() == TimePoint.OTHER)
        self.file_list.clear()
        self.file_list.addItems([f.name for f in self.files])
        self.progress.setRange(0, max(len(self.files), 1))
        self.ok_button.setEnabled(bool(self.files))

    def _choose_files(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, "Choose photos", "", FILTER)
        self.files += [Path(n) for n in names]
        self._refresh()

    def details(self) -> PhotoDetails:
        view = PhotoView(self.view_box.currentData())  # Qt hands an enum's plain string back
        tp = TimePoint(self.time_point_box.currentData())
        other: date | None = self.other_date.value() if tp == TimePoint.OTHER else None
        return PhotoDetails(
            patient_id=self.patient_id,
            view=view,
            time_point=tp,
            session_id=self.session_id,
            other_date=other,
            zone=Zone(self.zone_box.currentData()) if view == PhotoView.CLOSE_UP else None,
            note=self.note.text(),
        )

    @Slot()
    def start(self) -> None:
        """Import the files on the worker; the dialog closes when all are stored."""
        try:
            details = self.details()
            problems = details.problems()
            if problems:
                raise ValidationError(problems)
        except ClinicRecError as e:
            self.message.setText(str(e))
            return
        self.ok_button.setEnabled(False)
        self.message.setText(f"Importing {len(self.files)} photo(s)…")
        files = list(self.files)

        def job() -> list[Photo]:
            return self._services.photos.import_files(details, files, self.sig_progress.emit)

        self._worker.run(job, self._done, self._failed)

    @Slot(int, int)
    def _show_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)

    def _done(self, photos: list[Photo]) -> None:
        self.imported = photos
        self.message.setText(f"{len(photos)} photo(s) added.")
        QMetaObject.invokeMethod(self, "accept", Qt.ConnectionType.QueuedConnection)

    def _failed(self, error: Exception) -> None:
        self.ok_button.setEnabled(True)
        self.message.setText(str(error) if isinstance(error, ClinicRecError) else f"Import failed: {error}")

    @classmethod
    def ask(
        cls,
        parent: QWidget | None,
        services: Services,
        worker: Worker,
        patient_id: int,
        files: list[Path],
        session_id: int | None = None,
    ) -> list[Photo] | None:
        dialog = cls(services, worker, patient_id, files, session_id, parent)
        return dialog.imported if dialog.exec() == QDialog.DialogCode.Accepted else None
