"""Record (or update) an adverse event of a session: what, when it began, how bad, how it resolved."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from ...domain.enums import AdverseEventKind, Severity
from ...domain.errors import ClinicRecError, ValidationError
from ...domain.models import AdverseEvent
from ...services.app import Services
from ..date_edit import DateEdit
from ..prompts import Prompts
from ..style import set_role
from ..widgets import FieldErrorLabel, show_field_errors
from .form_helpers import field_with_error, name


class AdverseEventDialog(QDialog):
    def __init__(
        self,
        parent: QWidget | None,
        services: Services,
        prompts: Prompts,
        session_id: int,
        event: AdverseEvent | None = None,
    ) -> None:
        super().__init__(parent)
        self._services = services
        self._prompts = prompts
        self._session_id = session_id
        self._event = event
        self.saved: AdverseEvent | None = None
        self.errors: dict[str, FieldErrorLabel] = {}
        self.setObjectName("adverse_event_dialog")
        self.setWindowTitle("Adverse event" if event is None else "Update adverse event")
        self._build_ui()
        self._connect_signals()
        self._load(
            event
            or AdverseEvent(
                AdverseEventKind.BRUISING, services.ctx.clock().astimezone().date(), Severity.MILD
            )
        )

    def _build_ui(self) -> None:
        form = QFormLayout()
        form.setVerticalSpacing(8)
        self.kind = name(QComboBox(self), "ae_kind", "Kind of adverse event")
        for k in AdverseEventKind:
            self.kind.addItem(k.label, k)
        self.onset = name(DateEdit(self, label="Onset date"), "ae_onset", "Onset date")
        self.severity = name(QComboBox(self), "ae_severity", "Severity")
        for s in Severity:
            self.severity.addItem(s.label, s)
        self.resolved = name(QCheckBox("Resolved", self), "ae_resolved", "Resolved")
        self.resolved_on = name(DateEdit(self, label="Resolution date"), "ae_resolved_on", "Resolution date")
        self.resolution = name(QPlainTextEdit(self), "ae_resolution", "How it resolved")
        self.resolution.setPlaceholderText("Treatment given, how it resolved")
        self.notes = name(QPlainTextEdit(self), "ae_notes", "Adverse event notes")
        for t in (self.resolution, self.notes):
            t.setTabChangesFocus(True)
            t.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            t.setMaximumHeight(90)
        for label, field, key in (
            ("Event", self.kind, "kind"),
            ("Onset", self.onset, "onset"),
            ("Severity", self.severity, "severity"),
            ("", self.resolved, "resolved"),
            ("Resolved on", self.resolved_on, "resolved_on"),
            ("Resolution", self.resolution, "resolution"),
            ("Notes", self.notes, "notes"),
        ):
            box, error = field_with_error(field)
            self.errors[key] = error
            form.addRow(label, box)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.setObjectName("ae_buttons")
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setObjectName("ae_save_button")
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setObjectName("ae_cancel_button")
        cancel.setAccessibleName("Cancel")
        self.save_button.setAccessibleName("Save adverse event")
        self.save_button.setProperty("primary", True)
        self.save_button.style().unpolish(self.save_button)  # the property changed after polishing
        self.save_button.style().polish(self.save_button)
        layout = QVBoxLayout(self)
        hint = set_role(
            QLabel(
                "Eyelid droop, asymmetry, trouble swallowing or breathing: advise the patient "
                "to seek care at once.",
                self,
            ),
            "muted",
        )
        hint.setWordWrap(True)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(460)

    def _connect_signals(self) -> None:
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        self.resolved.toggled.connect(self.resolved_on.setEnabled)

    def _load(self, e: AdverseEvent) -> None:
        self.kind.setCurrentIndex(self.kind.findData(e.kind))
        self.onset.setDate(e.onset)
        self.severity.setCurrentIndex(self.severity.findData(e.severity))
        self.resolved.setChecked(e.resolved_on is not None)
        self.resolved_on.setDate(e.resolved_on or e.onset)
        self.resolved_on.setEnabled(e.resolved_on is not None)
        self.resolution.setPlainText(e.resolution)
        self.notes.setPlainText(e.notes)

    def event_value(self) -> AdverseEvent:
        resolved: date | None = self.resolved_on.value() if self.resolved.isChecked() else None
        values = dict(
            kind=self.kind.currentData(),
            onset=self.onset.value(),
            severity=self.severity.currentData(),
            resolved_on=resolved,
            resolution=self.resolution.toPlainText(),
            notes=self.notes.toPlainText(),
        )
        return replace(self._event, **values) if self._event else AdverseEvent(**values)

    def _save(self) -> None:
        from ...domain.errors import FieldError

        missing = [
            FieldError(key, f.error_text() or f"{f.accessibleName()}: type the date as {f.example()}")
            for key, f in (("onset", self.onset), ("resolved_on", self.resolved_on))
            if f.value() is None and (key == "onset" or self.resolved.isChecked())
        ]
        if missing:
            show_field_errors(missing, self.errors)
            return
        event = self.event_value()
        try:
            if self._event is None:
                self.saved = self._services.records.add_adverse_event(self._session_id, event)
            else:
                self.saved = self._services.records.update_adverse_event(event)
        except ValidationError as e:
            rest = show_field_errors(e.errors, self.errors)
            if rest:
                self._prompts.error(self, "Adverse event not saved", "\n".join(f.message for f in rest))
            return
        except ClinicRecError as e:
            self._prompts.error(self, "Adverse event not saved", str(e))
            return
        self.accept()

    @classmethod
    def ask(
        cls,
        parent: QWidget | None,
        services: Services,
        prompts: Prompts,
        session_id: int,
        event: AdverseEvent | None = None,
    ) -> AdverseEvent | None:
        dialog = cls(parent, services, prompts, session_id, event)
        return dialog.saved if dialog.exec() == QDialog.DialogCode.Accepted else None
