"""The session window's consent: whether a valid signed consent exists, shown from the session's start,
and the action that opens the consent screen. It follows the change bus, so a consent signed or withdrawn
on another screen (or workstation) shows at once."""

from __future__ import annotations

import shiboken6
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QWidget

from ...domain.consent import TREATMENT_FORM
from ...services.app import Services
from ...services.changes import Change, ChangeEntity
from ...services.consent_rules import ConsentState
from ..changes import ChangeBus
from ..printing import DocumentPrinter
from ..style import set_role
from ..worker import Worker
from .consent_dialog import ConsentDialog


class SessionConsent:
    def __init__(
        self,
        services: Services,
        bus: ChangeBus,
        printer: DocumentPrinter,
        patient_id: int,
        parent: QWidget,
        *,
        worker: Worker | None = None,
    ) -> None:
        """``worker``: read the consent's state on it (the window opens without waiting on it)."""
        self._services, self._patient_id, self._parent = services, patient_id, parent
        self._printer, self._worker = printer, worker
        self._reads = 0  # only the newest read is shown
        self._consent_id: int | None = None
        self.label = QLabel(parent)
        self.label.setObjectName("consent_state")
        self.label.setAccessibleName("Consent status")
        self.action = QAction("Patient &consent…", parent)
        self.action.setObjectName("consent_action")
        self.action.setToolTip("Read and sign the treatment consent with the patient")
        self.action.triggered.connect(self.open)
        self.print_action = QAction("P&rint the signed consent…", parent)
        self.print_action.setObjectName("print_consent_action")
        self.print_action.setToolTip(
            "The consent PDF for the patient: its text, signature, witness and dates"
        )
        self.print_action.triggered.connect(lambda _checked=False: self.print_consent())
        bus.sig_changed.connect(self._changed)
        self.refresh()

    def refresh(self) -> None:
        consents, patient_id = self._services.consents, self._patient_id
        if self._worker is None:
            self._show(consents.state(patient_id, TREATMENT_FORM))
            return
        self._reads += 1
        seq = self._reads

        def failed(error: Exception) -> None:
            if seq == self._reads and self._alive():
                self.label.setText(f"⚠ Consent not read: {error}")

        self._worker.run(
            lambda: consents.state(patient_id, TREATMENT_FORM),
            lambda state: self._show(state) if seq == self._reads else None,
            failed,
        )

    def _alive(self) -> bool:
        """Whether the window's widgets still exist: a read, or a change on the bus, may arrive after the
        window was closed (or its build stopped) and its widgets deleted."""
        return shiboken6.isValid(self.label) and shiboken6.isValid(self.print_action)

    def _show(self, state: ConsentState) -> None:
        if not self._alive():
            return
        self._consent_id = state.consent.id if state.consent is not None else None
        self.print_action.setEnabled(self._consent_id is not None)
        ok = state.in_force
        needed = state.required_for_signing and not ok
        self.label.setText(("✔ " if ok else "⚠ ") + state.message)
        set_role(self.label, "" if ok else ("error" if needed else "caution"))
        self.label.setStyleSheet("font-weight: bold" if needed else "")
        self.label.setToolTip(
            "Signing the session needs this consent" if state.required_for_signing else state.message
        )

    def _changed(self, change: Change) -> None:
        if change.concerns(ChangeEntity.CONSENT, self._patient_id) and self._alive():
            self.refresh()

    def open(self) -> None:
        consent = ConsentDialog.ask(self._parent, self._services, self._patient_id)
        if consent is not None:
            self.refresh()
            self.print_consent(consent.id)  # printed for the patient, and kept

    def print_consent(self, consent_id: int | None = None) -> None:
        """Preview the consent PDF (newest treatment consent by default); print or save it from there."""
        chosen = consent_id if consent_id is not None else self._consent_id
        if chosen is None:
            return
        day = f"{self._services.ctx.clock():%Y-%m-%d}"
        consents = self._services.consents
        self._printer.preview_document(
            "signed consent", f"Consent - {day}.pdf", lambda: consents.pdf_bytes(chosen), self._parent
        )
