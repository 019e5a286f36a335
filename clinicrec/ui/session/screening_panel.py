"""The screening asked at this visit: yes / no / not asked per item, allergies, and what changed.

A panel the session window hosts (or ``ScreeningDialog.ask`` as a dialog). Items whose answer differs
from the patient's last visit are highlighted with what it was. Confirming stores who asked and when
with the session (services/screening.py); nothing here decides a safety rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ...domain.clinic_time import format_local
from ...domain.enums import AllergyStatus, ScreeningAnswer
from ...domain.errors import ValidationError
from ...domain.models import SafetyScreening, ScreeningSnapshot, TreatmentSession
from ...domain.screening import ALLERGIES, OTHER, ScreeningChange
from ...services.app import Services
from ..style import active
from ..widgets import FieldErrorLabel, show_field_errors


def changed_style() -> str:
    """What changed since the last visit: amber, legible in the light and the dark scheme."""
    c = active()
    return (
        f"color: {c.warn_text}; background: {c.warn_bg}; border-left: 3px solid {c.warn_border};"
        " padding: 2px 4px;"
    )


@dataclass(frozen=True)
class ScreeningRead:
    """What the panel shows of a session, read from the database (on any thread)."""

    session: TreatmentSession
    snapshot: ScreeningSnapshot  # this session's screening, else the patient's record to start from
    changes: list[ScreeningChange]  # since the last visit
    time_zone: str  # the clinic's, for when it was confirmed

    @classmethod
    def of(cls, services: Services, session: TreatmentSession) -> ScreeningRead:
        screening = services.screening
        return cls(
            session,
            screening.starting_point(session),
            screening.changes(session),
            services.clinic.time_zone(),
        )


class ScreeningPanel(QWidget):
    """Answers for this visit with the changes since the last one; 'Confirm screening' records them."""

    sig_screening_confirmed = Signal(object)  # TreatmentSession with its screening

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("screening_panel")
        self._services = services
        self._session: TreatmentSession | None = None
        self.answers: dict[str, QComboBox] = {}
        self.change_notes: dict[str, QLabel] = {}
        self._build_ui()
        self._connect_signals()

    def _build_ui(self) -> None:
        layout = QVBoxLayout(self)
        self.summary = QLabel(self)
        self.summary.setObjectName("screening_summary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        form = QFormLayout()
        # The session window's tab is narrow: each question (wrapped) goes above its answer.
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        for item, question in SafetyScreening.QUESTIONS.items():
            combo = QComboBox(self)
            combo.setObjectName(f"screening_{item}")
            combo.setAccessibleName(question)
            for answer in ScreeningAnswer:
                combo.addItem(answer.label, answer)
            combo.setMinimumWidth(130)
            note = QLabel(self)
            note.setObjectName(f"screening_{item}_change")
            note.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
            note.setWordWrap(True)
            note.hide()
            row = QHBoxLayout()
            row.addWidget(combo)
            row.addWidget(note, 1)
            combo.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            row.setAlignment(combo, Qt.AlignmentFlag.AlignVCenter)
            label = QLabel(question, self)
            label.setWordWrap(True)
            label.setBuddy(combo)
            form.addRow(label, row)
            self.answers[item] = combo
            self.change_notes[item] = note
        self.other = QLineEdit(self)
        self.other.setObjectName("screening_other")
        self.other.setAccessibleName("Other screening finding")
        self.change_notes[OTHER] = QLabel(self)
        self.change_notes[OTHER].hide()
        form.addRow("Other finding", self.other)
        form.addRow("", self.change_notes[OTHER])
        self.allergy_status = QComboBox(self)
        self.allergy_status.setObjectName("screening_allergy_status")
        self.allergy_status.setAccessibleName("Allergies recorded as")
        for status in AllergyStatus:
            self.allergy_status.addItem(status.label, status)
        self.allergies = QPlainTextEdit(self)
        self.allergies.setObjectName("screening_allergies")
        self.allergies.setAccessibleName("Allergies")
        self.allergies.setFixedHeight(54)
        self.allergies_error = FieldErrorLabel(self.allergies, self)
        self.change_notes[ALLERGIES] = QLabel(self)
        self.change_notes[ALLERGIES].hide()
        form.addRow("Allergies", self.allergy_status)
        form.addRow("", self.allergies)
        form.addRow("", self.allergies_error)
        form.addRow("", self.change_notes[ALLERGIES])
        layout.addLayout(form)
        self.confirm_button = QPushButton("Confirm screening", self)
        self.confirm_button.setObjectName("screening_confirm")
        self.confirm_button.setAccessibleName("Confirm the screening at this visit")
        layout.addWidget(self.confirm_button)
        self.asked = QLabel(self)
        self.asked.setObjectName("screening_asked")
        self.asked.setWordWrap(True)
        layout.addWidget(self.asked)
        layout.addStretch(1)

    def _connect_signals(self) -> None:
        self.confirm_button.clicked.connect(self.confirm)
        self.allergy_status.currentIndexChanged.connect(self._allergy_status_changed)

    # -- loading ------------------------------------------------------------------------------------
    def load(self, session: TreatmentSession) -> None:
        """Show the session's screening (or the patient's record to start from) and what changed. Reads
        the database here; the session window reads on its worker instead (``ScreeningRead.of``, then
        ``show_read``)."""
        self.show_read(ScreeningRead.of(self._services, session))

    def show_read(self, read: ScreeningRead) -> None:
        session = read.session
        self._session = session
        self._show_snapshot(read.snapshot)
        self.show_changes(read.changes)
        if session.screening is not None and session.screening.asked_at is not None:
            s = session.screening
            self.asked.setText(
                f"Confirmed by {s.asked_by_name or 'user #' + str(s.asked_by_id)} at "
                f"{format_local(s.asked_at, read.time_zone)}"
            )
        else:
            self.asked.setText("Not yet confirmed at this visit: ask each question and confirm.")

    def _show_snapshot(self, snap: ScreeningSnapshot) -> None:
        for item, combo in self.answers.items():
            combo.setCurrentIndex(combo.findData(snap.answer(item)))
        self.other.setText(snap.other)
        self.allergy_status.setCurrentIndex(self.allergy_status.findData(snap.allergy_status))
        self.allergies.setPlainText(snap.allergies)
        self._allergy_status_changed()

    def show_changes(self, changes: list[ScreeningChange]) -> None:
        for note in self.change_notes.values():
            note.hide()
        for combo in self.answers.values():
            combo.setStyleSheet("")
        for c in changes:
            note = self.change_notes.get(c.item)
            if note is None:
                continue
            note.setText("new since the last visit" if c.before is None else f"changed: was {c.before}")
            note.setStyleSheet(changed_style())
            note.show()
            if c.item in self.answers:
                self.answers[c.item].setStyleSheet("font-weight: bold;")
        n = len(changes)
        self.summary.setText(
            "No changes since the last visit."
            if not n
            else f"{n} change{'s' if n > 1 else ''} since the last visit (highlighted)."
        )

    def set_read_only(self, read_only: bool) -> None:
        """A signed session's screening is shown as it was confirmed, and no longer changed here."""
        for widget in (*self.answers.values(), self.allergy_status, self.confirm_button):
            widget.setEnabled(not read_only)
        self.other.setReadOnly(read_only)
        self.allergies.setReadOnly(read_only)

    def _allergy_status_changed(self) -> None:
        listed = self.allergy_status.currentData() == AllergyStatus.LISTED
        self.allergies.setEnabled(listed or bool(self.allergies.toPlainText().strip()))

    # -- confirming ---------------------------------------------------------------------------------
    def confirm(self) -> TreatmentSession | None:
        if self._session is None:
            return None
        self.allergies_error.clear_error()
        try:
            session = self._services.screening.confirm(
                self._session,
                {item: ScreeningAnswer(c.currentData()) for item, c in self.answers.items()},
                other=self.other.text().strip(),
                allergy_status=AllergyStatus(self.allergy_status.currentData()),
                allergies=self.allergies.toPlainText().strip(),
            )
        except ValidationError as e:
            show_field_errors(e.errors, {"allergies": self.allergies_error})
            return None
        self.load(session)
        self.sig_screening_confirmed.emit(session)
        return session


class ScreeningDialog(QDialog):
    def __init__(self, parent: QWidget | None, services: Services, session: TreatmentSession) -> None:
        super().__init__(parent)
        self.setObjectName("screening_dialog")
        self.setWindowTitle("Screening at this visit")
        self.result_session: TreatmentSession | None = None
        layout = QVBoxLayout(self)
        self.panel = ScreeningPanel(services, self)
        self.panel.load(session)
        layout.addWidget(self.panel)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.panel.sig_screening_confirmed.connect(self._confirmed)

    def _confirmed(self, session: TreatmentSession) -> None:
        self.result_session = session
        self.accept()

    @classmethod
    def ask(
        cls, parent: QWidget | None, services: Services, session: TreatmentSession
    ) -> TreatmentSession | None:
        dialog = cls(parent, services, session)
        return dialog.result_session if dialog.exec() == QDialog.DialogCode.Accepted else None
