"""The session window's consent: whether a valid signed consent exists, shown from the session's start,
and the action that opens the consent screen. It follows the change bus, so a consent signed or withdrawn
on another screen (or workstation) shows at once."""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QWidget

from ...domain.consent import TREATMENT_FORM
from ...services.app import Services
from ...services.changes import Change, ChangeEntity
from ..changes import ChangeBus
from .consent_dialog import ConsentDialog


class SessionConsent:
    def __init__(self, services: Services, bus: ChangeBus, patient_id: int, parent: QWidget) -> None:
        self._services, self._patient_id, self._parent = services, patient_id, parent
        self.label = QLabel(parent)
        self.label.setObjectName("consent_state")
        self.label.setAccessibleName("Consent status")
        self.action = QAction("Patient &consent…", parent)
        self.action.setObjectName("consent_action")
        self.action.setToolTip("Read and sign the treatment consent with the patient")
        self.action.triggered.connect(self.open)
        bus.sig_changed.connect(self._changed)
        self.refresh()

    def refresh(self) -> None:
        state = self._services.consents.state(self._patient_id, TREATMENT_FORM)
        ok = state.in_force
        needed = state.required_for_signing and not ok
        self.label.setText(("✔ " if ok else "⚠ ") + state.message)
        self.label.setStyleSheet(
            "" if ok else ("color: #B3261E; font-weight: bold" if needed else "color: #8A5A00")
        )
        self.label.setToolTip(
            "Signing the session needs this consent" if state.required_for_signing else state.message
        )

    def _changed(self, change: Change) -> None:
        if change.concerns(ChangeEntity.CONSENT, self._patient_id):
            self.refresh()

    def open(self) -> None:
        if ConsentDialog.ask(self._parent, self._services, self._patient_id) is not None:
            self.refresh()
