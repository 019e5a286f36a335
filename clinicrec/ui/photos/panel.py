"""The photo strip with what it opens: the import dialog, the photo consent, comparison windows.

One line hooks it into a screen (the patient chart, the session window): ``PhotoPanel(...)`` and
``set_patient(patient_id, session_id)``.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ...domain.errors import ClinicRecError
from ...domain.photos import ConsentScope
from ...services.app import Services
from ...services.permissions import Action
from ..changes import ChangeBus
from ..date_format import date_text
from ..prompts import Prompts
from ..style import set_role
from ..worker import Worker
from .strip import PhotoStrip, group_of
from .watch import ImportFolderWatcher, save_folder

if TYPE_CHECKING:  # the engine (OpenCV) loads when a photo is measured, not when a chart opens
    from ..analysis.measure_window import MeasureSkinWindow
    from .export_dialog import PhotoExportDialog
# What the panel opens (capture, comparison, its dialogs) is imported when first opened: the patient
# chart, which holds a panel, is built on the way to the first rows, and those modules are not (~40 ms).


class PhotoPanel(QWidget):
    def __init__(
        self,
        services: Services,
        bus: ChangeBus | None,
        worker: Worker | None = None,
        parent: QWidget | None = None,
        *,
        session_scoped: bool = False,
        watch_folder: Path | None = None,
        prompts: Prompts | None = None,
    ) -> None:
        super().__init__(parent)
        self._prompts = prompts or Prompts()
        self._services = services
        self._bus = bus
        self._worker = worker or Worker(self)
        self._reader = worker  # reads the consent when the panel was given the application's worker
        self.session_scoped = session_scoped
        self.patient_id: int | None = None
        self.session_id: int | None = None
        self.compare_windows: list[QWidget] = []  # open comparison and capture windows
        self.setObjectName("photo_panel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.strip = PhotoStrip(services, bus, self, reader=worker)
        layout.addWidget(self.strip)
        # Two rows, so the buttons keep their labels in a half-width pane at 1280 px: the consent (what
        # may be done) with its own buttons, then what to do with the photos.
        consent_row = QHBoxLayout()
        self.consent_label = set_role(QLabel(self), "muted")
        self.consent_label.setObjectName("photo_consent_label")
        self.consent_label.setWordWrap(True)
        consent_row.addWidget(self.consent_label, 1)
        layout.addLayout(consent_row)
        row = QHBoxLayout()
        self.capture_button = QPushButton("Take photos…", self)
        self.capture_button.setObjectName("photo_capture_button")
        self.capture_button.setAccessibleName("Take photos with the camera")
        row.addWidget(self.capture_button)
        self.void_button = QPushButton("Void photo…", self)
        self.void_button.setObjectName("photo_void_button")
        self.void_button.setAccessibleName("Void the selected photo, with a reason")
        row.addWidget(self.void_button)
        self.measure_button = QPushButton("Measure skin…", self)
        self.measure_button.setObjectName("photo_measure_button")
        self.measure_button.setAccessibleName("Measure pores, redness and shine on the selected photo")
        self.measure_button.setToolTip("Pores, redness and shine per zone, measured on the selected photo")
        row.addWidget(self.measure_button)
        self.progress_button = QPushButton("Progress sheet…", self)
        self.progress_button.setObjectName("photo_progress_button")
        self.progress_button.setAccessibleName("Save the patient's progress sheet as a PDF")
        row.addWidget(self.progress_button)
        self.export_button = QPushButton("Export…", self)
        self.export_button.setObjectName("photo_export_open")
        self.export_button.setAccessibleName("Export the selected photos as files")
        self.export_button.setToolTip("Export the selected photos as image files (audited)")
        row.addWidget(self.export_button)
        self.consent_button = QPushButton("Photo consent…", self)
        self.consent_button.setObjectName("photo_consent_button")
        self.consent_button.setAccessibleName("Record the patient's photo consent")
        consent_row.addWidget(self.consent_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.offer_label = QLabel(self)
        self.offer_label.setObjectName("photo_offer_label")
        self.offer_button = QPushButton("Add them…", self)
        self.offer_button.setObjectName("photo_offer_button")
        self.offer_button.setAccessibleName("Add the new photos from the import folder")
        offer = QHBoxLayout()
        offer.addWidget(self.offer_label, 1)
        offer.addWidget(self.offer_button)
        layout.addLayout(offer)
        self.watcher = ImportFolderWatcher(watch_folder, self) if watch_folder else None
        self._show_offer([])
        if self.watcher is not None:
            self.watcher.sig_new_files.connect(self._show_offer)
        self.offer_button.clicked.connect(self.add_offered)
        self.folder_button = QPushButton("Import folder…", self)
        self.folder_button.setObjectName("photo_import_folder_button")
        self.folder_button.setAccessibleName("Choose this workstation's watched import folder")
        self.folder_button.setToolTip(
            "The folder a tethered camera or phone drops photos into: new files are offered here"
        )
        consent_row.addWidget(self.folder_button)
        self.folder_button.clicked.connect(self.choose_folder)
        self.strip.sig_import_requested.connect(self.import_files)
        self.strip.sig_compare_requested.connect(self.compare)
        self.strip.sig_load_failed.connect(self.consent_label.setText)
        self.consent_button.clicked.connect(self.ask_consent)
        self.capture_button.clicked.connect(self.capture)
        self.void_button.clicked.connect(self.void_selected)
        self.measure_button.clicked.connect(self.measure_selected)
        self.export_button.clicked.connect(self.export_selected)
        self.progress_button.clicked.connect(self.save_progress_sheet)
        self.strip.view.selectionModel().selectionChanged.connect(self._update_buttons)
        self.strip.model.modelReset.connect(self._update_buttons)
        # Qt Multimedia is loaded (and the camera looked for) only when asked: opening a chart stays fast.
        self.capture_button.setToolTip("Take photos with the camera on this workstation (says so if none)")

    def set_patient(self, patient_id: int | None, session_id: int | None = None) -> None:
        self.patient_id, self.session_id = patient_id, session_id
        self.strip.set_patient(patient_id, session_id if self.session_scoped else None)
        self._show_consent()
        self._update_buttons()

    def _update_buttons(self) -> None:
        chosen = self.strip.selected_ids()
        items = {i.photo.id: i.photo for i in self.strip.model.items}
        self.void_button.setEnabled(len(chosen) == 1 and not items[chosen[0]].voided)
        self.measure_button.setEnabled(len(chosen) == 1 and not items[chosen[0]].voided)
        self.progress_button.setEnabled(self.patient_id is not None and bool(items))
        actor = self._services.actor
        may_export = actor is not None and actor.can(Action.EXPORT)
        self.export_button.setVisible(may_export)  # a manager's or administrator's right
        self.export_button.setEnabled(may_export and bool(chosen))

    def export_selected(self) -> PhotoExportDialog | None:
        """The export dialog for the selected photos (returned, and shown)."""
        chosen = self.strip.selected_ids()
        if not chosen:
            return None
        from .export_dialog import PhotoExportDialog

        dialog = PhotoExportDialog(self._services, self._worker, chosen, self)
        dialog.show()
        return dialog

    def measure_selected(self) -> MeasureSkinWindow | None:
        """The measure window for the selected photo (returned, and shown)."""
        from ..analysis.measure_window import MeasureSkinWindow

        chosen = self.strip.selected_ids()
        if len(chosen) != 1:
            return None
        photo = next(i.photo for i in self.strip.model.items if i.photo.id == chosen[0])
        title = f"{group_of(photo)}, {date_text(photo.taken_at)}"
        window = MeasureSkinWindow(self._services, self._worker, photo.id, self._bus, title=title)
        window.resize(1280, 800)
        self.compare_windows.append(window)
        window.destroyed.connect(
            lambda *_: self.compare_windows.remove(window) if window in self.compare_windows else None
        )
        window.show()
        window.start()
        return window

    def void_selected(self) -> None:
        chosen = self.strip.selected_ids()
        if len(chosen) != 1:
            return
        reason = self._prompts.reason(self, "Void photo", "Why is it void? (The photo is kept.)")
        if reason is None:
            return
        try:
            self._services.photos.void(chosen[0], reason)
        except ClinicRecError as e:
            self._prompts.error(self, "Void photo", str(e))

    def save_progress_sheet(self) -> None:
        if self.patient_id is None:
            return
        name = self._prompts.save_file(self, "Save progress sheet", "progress-sheet.pdf", "PDF (*.pdf)")
        if not name:
            return
        from ...services.photos.printed import PhotoPrinting

        patient_id = self.patient_id
        self._worker.run(
            lambda: PhotoPrinting(self._services.ctx).progress_sheet_pdf(patient_id, Path(name)),
            lambda path: self.consent_label.setText(f"Progress sheet saved: {path}"),
            lambda e: self._prompts.error(self, "Progress sheet", str(e)),
        )

    def _show_consent(self) -> None:
        """The patient's photo consent, read on the worker when there is one (opening a chart does not
        wait on it)."""
        patient_id = self.patient_id
        if patient_id is None or self._services.actor is None:
            self.consent_label.setText("")
            return
        photos = self._services.photos
        if self._reader is None:
            self._consent_read(photos.consent_scopes(patient_id))
            return
        self._reader.run(
            lambda: photos.consent_scopes(patient_id),
            lambda scopes: self._consent_read(scopes) if patient_id == self.patient_id else None,
            lambda e: self.consent_label.setText(str(e)) if patient_id == self.patient_id else None,
        )

    def _consent_read(self, scopes: Collection[ConsentScope]) -> None:
        if ConsentScope.CLINICAL not in scopes:
            self.consent_label.setText("No photo consent recorded: photos cannot be taken or added.")
        else:
            uses = ", ".join(s.label.lower() for s in ConsentScope if s in scopes)
            self.consent_label.setText(f"Photo consent: {uses}.")

    def ask_consent(self) -> None:
        from .consent_dialog import PhotoConsentDialog

        if self.patient_id is not None and PhotoConsentDialog.ask(self, self._services, self.patient_id):
            self._show_consent()

    def import_files(self, files: list[Path]) -> None:
        if self.patient_id is None:
            return
        from .import_dialog import PhotoImportDialog

        PhotoImportDialog.ask(self, self._services, self._worker, self.patient_id, files, self.session_id)

    def capture(self) -> None:
        if self.patient_id is None:
            return
        from .capture import CaptureView

        view = CaptureView(self._services, self.patient_id, self.session_id)
        view.resize(1280, 800)
        self.compare_windows.append(view)
        view.show()

    def choose_folder(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        name = QFileDialog.getExistingDirectory(self, "Watched import folder")
        if name:
            self.watch(Path(name))
            save_folder(Path(name))

    def watch(self, folder: Path) -> None:
        if self.watcher is not None:
            self.watcher.deleteLater()
        self.watcher = ImportFolderWatcher(folder, self)
        self.watcher.sig_new_files.connect(self._show_offer)
        self._show_offer([])

    def _show_offer(self, files: list[Path]) -> None:
        n = len(files)
        self.offer_label.setText(f"{n} new photo{'s' if n != 1 else ''} in the import folder" if n else "")
        self.offer_label.setVisible(n > 0)
        self.offer_button.setVisible(n > 0)

    def add_offered(self) -> None:
        """The import folder's new files, for this patient, through the import dialog (never silently)."""
        if self.watcher is None or self.patient_id is None:
            return
        files = self.watcher.take()
        self._show_offer([])
        if files:
            self.import_files(files)

    def compare(self, ids: list[int]) -> None:
        from .compare import CompareView

        try:
            view = CompareView(self._services, ids, worker=self._worker, bus=self._bus)
        except ClinicRecError as e:
            self.consent_label.setText(str(e))
            return
        view.resize(1280, 800)
        self.compare_windows.append(view)
        view.destroyed.connect(
            lambda *_: self.compare_windows.remove(view) if view in self.compare_windows else None
        )
        view.show()
