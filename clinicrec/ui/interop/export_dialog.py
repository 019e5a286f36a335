"""Export records as HL7 FHIR R4: one patient, sessions in a date range, or the whole clinic.

The export runs off the GUI thread; the dialog stays open and says what was written.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from ...domain.clinic_time import local_date
from ...domain.errors import ClinicRecError
from ...services.app import Services
from ...services.interop.fhir_export import ExportResult, ExportScope, FhirExportService
from ..date_edit import DateEdit
from ..style import make_primary, set_role
from ..worker import Worker


def _named(widget: Any, name: str, accessible: str) -> Any:
    widget.setObjectName(name)
    widget.setAccessibleName(accessible)
    return widget


class ExportDialog(QDialog):
    def __init__(
        self,
        services: Services,
        prompts: Any,
        worker: Worker,
        patient_id: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._services = services
        self._prompts = prompts
        self._worker = worker
        self._patient_id = patient_id
        self.result: ExportResult | None = None
        self.setObjectName("fhir_export_dialog")
        self.setWindowTitle("Export records (HL7 FHIR R4)")
        self._build_ui()
        self._connect_signals()
        self._update()

    def _build_ui(self) -> None:
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Writes the records in the standard HL7 FHIR R4 format, which other clinical systems read: "
            "patients, injectors, products and lots, sessions with every injection point, doses and "
            "dilutions, outcome ratings, adverse events, consent and printed documents. "
            "ClinicRec's extensions and codes are described in docs/fhir.",
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)

        what = QGroupBox("What to export", self)
        grid = QGridLayout(what)
        self.scope_group = QButtonGroup(self)
        name = self._patient_name()
        self.patient_radio = _named(
            QRadioButton(f"This patient: {name}", what), "export_patient", "This patient"
        )
        self.range_radio = _named(
            QRadioButton("Sessions performed between", what), "export_range", "Date range"
        )
        self.clinic_radio = _named(QRadioButton("The whole clinic", what), "export_clinic", "Whole clinic")
        # Typed dates (ISO or the local format), the clinic's days, the calendar opening at today.
        today = local_date(self._services.ctx.clock(), self._services.clinic.time_zone())
        self.start_edit = _named(DateEdit(what, label="From date", today=today), "export_from", "From date")
        self.end_edit = _named(DateEdit(what, label="To date", today=today), "export_to", "To date")
        self.start_edit.setDate(today - timedelta(days=30))
        self.end_edit.setDate(today)
        for i, radio in enumerate((self.patient_radio, self.range_radio, self.clinic_radio)):
            self.scope_group.addButton(radio, i)
        grid.addWidget(self.patient_radio, 0, 0, 1, 4)
        grid.addWidget(self.range_radio, 1, 0)
        grid.addWidget(self.start_edit, 1, 1)
        grid.addWidget(QLabel("and", what), 1, 2)
        grid.addWidget(self.end_edit, 1, 3)
        grid.addWidget(self.clinic_radio, 2, 0, 1, 4)
        self.patient_radio.setVisible(self._patient_id is not None)
        (self.patient_radio if self._patient_id is not None else self.clinic_radio).setChecked(True)
        layout.addWidget(what)

        fmt = QGroupBox("Format", self)
        fmt_layout = QVBoxLayout(fmt)
        self.format_group = QButtonGroup(self)
        self.bundle_radio = _named(
            QRadioButton("One FHIR Bundle (a .json file)", fmt), "export_bundle", "Bundle JSON file"
        )
        self.ndjson_radio = _named(
            QRadioButton("Bulk NDJSON (a folder with one file per resource type, for large exports)", fmt),
            "export_ndjson",
            "Bulk NDJSON folder",
        )
        self.format_group.addButton(self.bundle_radio, 0)
        self.format_group.addButton(self.ndjson_radio, 1)
        self.bundle_radio.setChecked(True)
        fmt_layout.addWidget(self.bundle_radio)
        fmt_layout.addWidget(self.ndjson_radio)
        layout.addWidget(fmt)

        row = QHBoxLayout()
        row.addWidget(QLabel("Save to:", self))
        self.path_edit = _named(QLineEdit(self), "export_path", "Where to save")
        self.browse_button = _named(QPushButton("Browse…", self), "export_browse", "Choose where to save")
        row.addWidget(self.path_edit, 1)
        row.addWidget(self.browse_button)
        layout.addLayout(row)

        self.message = _named(QLabel(self), "export_message", "Export result")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        layout.addStretch(1)
        self.buttons = QDialogButtonBox(self)
        self.export_button = make_primary(
            _named(QPushButton("Export", self), "export_button", "Export the records")
        )
        self.buttons.addButton(self.export_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.close_button.setObjectName("export_close")
        layout.addWidget(self.buttons)

    def _connect_signals(self) -> None:
        self.scope_group.idToggled.connect(lambda *_: self._update())
        self.format_group.idToggled.connect(lambda *_: self._update())
        self.browse_button.clicked.connect(self._browse)
        self.export_button.clicked.connect(self.start_export)
        self.close_button.clicked.connect(self.reject)

    def _patient_name(self) -> str:
        if self._patient_id is None:
            return ""
        try:
            p = self._services.patients.get(self._patient_id)
        except ClinicRecError:
            return f"patient {self._patient_id}"
        return f"{p.display_name} ({p.chart_number})"

    def _update(self) -> None:
        ranged = self.range_radio.isChecked()
        self.start_edit.setEnabled(ranged)
        self.end_edit.setEnabled(ranged)
        bundle = self.bundle_radio.isChecked()
        current = self.path_edit.text().strip()
        suggested = self._suggested_path(bundle)
        if not current or current == getattr(self, "_last_suggested", ""):
            self.path_edit.setText(suggested)
        self._last_suggested = suggested

    def _suggested_path(self, bundle: bool) -> str:
        stem = "clinicrec-fhir-" + date.today().isoformat()
        if self.patient_radio.isChecked() and self._patient_id is not None:
            stem = f"clinicrec-fhir-patient-{self._patient_id}"
        return str(Path.home() / (stem + (".json" if bundle else "")))

    def _browse(self) -> None:
        bundle = self.bundle_radio.isChecked()
        title = "Save the FHIR Bundle" if bundle else "Name the new folder for the NDJSON files"
        path = self._prompts.save_file(
            self, title, self.path_edit.text(), "FHIR JSON (*.json)" if bundle else ""
        )
        if path:
            self.path_edit.setText(path)

    def scope(self) -> ExportScope:
        if self.patient_radio.isChecked():
            return ExportScope(patient_id=self._patient_id)
        if self.range_radio.isChecked():
            return ExportScope(start=self.start_edit.value(), end=self.end_edit.value())
        return ExportScope()

    def start_export(self) -> None:
        text = self.path_edit.text().strip()
        if not text:
            set_role(self.message, "banner-error").setText("Choose where to save the export.")
            return
        scope = self.scope()
        if self.range_radio.isChecked() and (scope.start is None or scope.end is None):
            edit = self.start_edit if scope.start is None else self.end_edit
            set_role(self.message, "banner-error").setText(
                edit.error_text() or f"Type both dates of the range, for example {edit.example()}."
            )
            return
        if scope.start and scope.end and scope.start > scope.end:
            set_role(self.message, "banner-error").setText("The first date must not be after the last date.")
            return
        service = FhirExportService(self._services.ctx)
        path, bundle = Path(text), self.bundle_radio.isChecked()
        self.export_button.setEnabled(False)
        set_role(self.message, "muted").setText("Exporting…")
        job = (
            (lambda: service.export_bundle(path, scope))
            if bundle
            else (lambda: service.export_ndjson(path, scope))
        )
        self._worker.run(job, self._done, self._failed)

    def _done(self, result: ExportResult) -> None:
        self.result = result
        self.export_button.setEnabled(True)
        counts = ", ".join(f"{n} {kind}" for kind, n in sorted(result.counts.items()))
        set_role(self.message, "banner-info").setText(
            f"Wrote {result.total} resources to {result.path}: {counts}."
        )

    def _failed(self, error: Exception) -> None:
        self.export_button.setEnabled(True)
        set_role(self.message, "banner-error").setText(str(error))
        if not isinstance(error, ClinicRecError | OSError):
            raise error

    @classmethod
    def ask(
        cls,
        parent: QWidget | None,
        services: Services,
        prompts: Any,
        worker: Worker,
        patient_id: int | None = None,
    ) -> ExportResult | None:
        dialog = cls(services, prompts, worker, patient_id, parent)
        dialog.resize(760, 520)
        dialog.exec()
        return dialog.result
