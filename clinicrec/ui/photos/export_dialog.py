"""Export selected photos as files: for what use (the patient's photo consent must allow it), whether
de-identified (the eye region masked, no names in the file names), and into which folder. Each file
appears only once its export is in the audit trail (services/photos/export.py)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from ...domain.errors import ClinicRecError
from ...domain.photos import ConsentScope
from ...services.app import Services
from ..style import make_primary, set_role
from ..worker import Worker


class PhotoExportDialog(QDialog):
    def __init__(
        self, services: Services, worker: Worker, photo_ids: Sequence[int], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._services, self._worker, self.photo_ids = services, worker, list(photo_ids)
        self.written: list[Path] = []
        self.setObjectName("photo_export_dialog")
        self.setWindowTitle("Export photos")
        layout = QVBoxLayout(self)
        count = len(self.photo_ids)
        layout.addWidget(
            QLabel(f"Export {count} photo{'s' if count != 1 else ''} as image files, for:", self)
        )
        self.purpose = QButtonGroup(self)
        self.purpose_buttons: dict[ConsentScope, QRadioButton] = {}
        for i, scope in enumerate(ConsentScope):
            button = QRadioButton(scope.label, self)
            button.setObjectName(f"photo_export_{scope.value}")
            button.setToolTip(
                "Needs the patient's photo consent for this use" if scope is not ConsentScope.CLINICAL else
                "For the clinical record (another clinician, the patient)"
            )  # fmt: skip
            self.purpose.addButton(button, i)
            self.purpose_buttons[scope] = button
            layout.addWidget(button)
        self.purpose_buttons[ConsentScope.CLINICAL].setChecked(True)
        self.deidentify = QCheckBox("De-identify: mask the eye region, no names in the file names", self)
        self.deidentify.setObjectName("photo_export_deidentify")
        self.deidentify.setToolTip("Needs the pupils marked on each photo (Compare → mark landmarks)")
        layout.addWidget(self.deidentify)
        row = QHBoxLayout()
        self.folder = QLineEdit(self)
        self.folder.setObjectName("photo_export_folder")
        self.folder.setAccessibleName("Folder to export into")
        self.folder.setPlaceholderText("Folder to export into")
        browse = QPushButton("Choose…", self)
        browse.setObjectName("photo_export_browse")
        browse.setToolTip("Choose the folder")
        browse.clicked.connect(self._browse)
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        layout.addLayout(row)
        self.message = QLabel(self)
        self.message.setObjectName("photo_export_message")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(self)
        self.export_button = make_primary(buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole))
        self.export_button.setObjectName("photo_export_button")
        buttons.addButton(QDialogButtonBox.StandardButton.Close).clicked.connect(self.reject)
        self.export_button.clicked.connect(self.start_export)
        layout.addWidget(buttons)
        self.purpose.idToggled.connect(self._purpose_changed)
        self._purpose_changed()

    def chosen_purpose(self) -> ConsentScope:
        return next(s for s, b in self.purpose_buttons.items() if b.isChecked())

    def _purpose_changed(self, *_: object) -> None:
        """Teaching and marketing copies leave the clinic: de-identified unless the user says otherwise."""
        if self.chosen_purpose() is not ConsentScope.CLINICAL:
            self.deidentify.setChecked(True)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export photos into")
        if folder:
            self.folder.setText(folder)

    def start_export(self) -> None:
        text = self.folder.text().strip()
        if not text:
            set_role(self.message, "banner-error").setText("Choose the folder to export into.")
            return
        from ...services.photos.export import PhotoExport

        exporter = PhotoExport(self._services.ctx)
        ids, folder, purpose, deidentify = (
            self.photo_ids,
            Path(text),
            self.chosen_purpose(),
            self.deidentify.isChecked(),
        )
        self.export_button.setEnabled(False)
        set_role(self.message, "muted").setText("Exporting…")
        self._worker.run(
            lambda: exporter.export(ids, folder, purpose, deidentify=deidentify), self._done, self._failed
        )

    def _done(self, written: list[Path]) -> None:
        self.written = written
        self.export_button.setEnabled(True)
        set_role(self.message, "banner-info").setText(
            f"Exported {len(written)} photos to {self.folder.text()}."
        )

    def _failed(self, error: Exception) -> None:
        self.export_button.setEnabled(True)
        set_role(self.message, "banner-error").setText(str(error))
        if not isinstance(error, ClinicRecError | OSError):
            raise error
