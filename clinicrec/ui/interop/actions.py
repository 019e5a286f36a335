"""The Admin menu's Export records (FHIR) and Import patients commands, and the patient chart's Export.

Shown only to users whose role allows them (the services refuse anyway): exporting needs the export
permission; importing needs an administrator (edit patients and manage clinic settings).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QMenu

from ...services.app import Services
from ...services.permissions import Action
from ..worker import Worker


class InteropActions(QObject):
    def __init__(self, window: QMainWindow, services: Services, prompts: Any, worker: Worker) -> None:
        super().__init__(window)
        self._window = window
        self._services = services
        self._prompts = prompts
        self._worker = worker
        self.export_action = QAction("&Export records (FHIR R4)…", window)
        self.export_action.setObjectName("fhir_export_action")
        self.export_action.setStatusTip("Export patients and their records as HL7 FHIR R4")
        self.import_action = QAction("&Import patients…", window)
        self.import_action.setObjectName("import_patients_action")
        self.import_action.setStatusTip("Bring patients in from a CSV file or a FHIR Bundle")
        self.export_action.triggered.connect(lambda: self.export_records())
        self.import_action.triggered.connect(self.import_patients)
        self.update_for_actor()

    def install(self, admin_menu: QMenu) -> None:
        admin_menu.addSeparator()
        admin_menu.addActions([self.import_action, self.export_action])
        self.update_for_actor()

    def update_for_actor(self) -> None:
        actor = self._services.actor
        self.export_action.setVisible(actor is not None and actor.can(Action.EXPORT))
        self.import_action.setVisible(
            actor is not None and actor.can(Action.EDIT_PATIENTS) and actor.can(Action.MANAGE_SETTINGS)
        )

    def can_export(self) -> bool:
        actor = self._services.actor
        return actor is not None and actor.can(Action.EXPORT)

    def export_records(self, patient_id: int | None = None) -> None:
        from .export_dialog import ExportDialog

        ExportDialog.ask(self._window, self._services, self._prompts, self._worker, patient_id)

    def import_patients(self) -> None:
        from .import_wizard import ImportWizard

        result = ImportWizard.ask(self._window, self._services, self._prompts, self._worker)
        if result is not None:  # the service announced the new patients; the list refreshes itself
            self._window.statusBar().showMessage(
                f"Imported {result.imported} patients ({result.skipped_duplicates} possible duplicates "
                f"skipped, {result.rejected} rows set aside).",
                10000,
            )
