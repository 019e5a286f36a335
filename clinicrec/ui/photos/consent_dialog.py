"""Record a patient's photo consent: which uses they agree to (clinical record, teaching, marketing)."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import QCheckBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QWidget

from ...domain.errors import ClinicRecError
from ...domain.photos import ConsentScope, PhotoConsent
from ...services.app import Services
from ..date_edit import DateEdit


class PhotoConsentDialog(QDialog):
    def __init__(self, services: Services, patient_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self.patient_id = patient_id
        self.saved: PhotoConsent | None = None
        self.setWindowTitle("Photo consent")
        self.setObjectName("photo_consent_dialog")
        current = services.photos.consent(patient_id)
        scopes = current.scopes if current else frozenset()
        form = QFormLayout(self)
        self.boxes: dict[ConsentScope, QCheckBox] = {}
        for scope in ConsentScope:
            box = QCheckBox(scope.label, self)
            box.setObjectName(f"consent_{scope.value}")
            box.setAccessibleName(f"Consent to photos for {scope.label.lower()}")
            box.setChecked(scope in scopes)
            self.boxes[scope] = box
            form.addRow("" if scope != ConsentScope.CLINICAL else "Photos may be used for", box)
        today = services.ctx.clock().date()
        self.given_on = DateEdit(self, label="Date given", today=today)
        self.given_on.setObjectName("consent_given_on")
        self.given_on.setAccessibleName("Date the consent was given")
        self.given_on.setDate(today)
        form.addRow("Given on", self.given_on)
        self.note = QLineEdit(self)
        self.note.setObjectName("consent_note")
        self.note.setAccessibleName("Note")
        form.addRow("Note", self.note)
        self.message = QLabel(self)
        self.message.setObjectName("consent_message")
        self.message.setWordWrap(True)
        form.addRow(self.message)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def save(self) -> None:
        given: date | None = self.given_on.value()
        if given is None:
            self.message.setText("Date given: type a date, e.g. 2026-01-31")
            return
        scopes = [s for s, box in self.boxes.items() if box.isChecked()]
        try:
            self.saved = self._services.photos.record_consent(
                self.patient_id, scopes, given, self.note.text()
            )
        except ClinicRecError as e:
            self.message.setText(str(e))
            return
        self.accept()

    @classmethod
    def ask(cls, parent: QWidget | None, services: Services, patient_id: int) -> PhotoConsent | None:
        dialog = cls(services, patient_id, parent)
        return dialog.saved if dialog.exec() == QDialog.DialogCode.Accepted else None
