"""The session's particulars: when, why (indications), consent, the order, needle and depth, notes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...domain.enums import Depth, Indication
from ...domain.models import Consent, TreatmentSession
from ...domain.validation import NEEDLE_GAUGE_RANGE
from ..date_format import qt_date_format
from ..style import set_role
from ..widgets import FieldErrorLabel
from .form_helpers import field_with_error, from_wall_clock, local, name, set_read_only, wall_clock


class OneStopDateTimeEdit(QDateTimeEdit):
    """Tab leaves the field at once instead of visiting its five parts (year, month, day, hour, minute);
    the arrow keys still move between the parts and Up/Down change the one under the cursor."""

    def focusNextPrevChild(self, next: bool) -> bool:  # noqa: A002 - Qt's name
        return QWidget.focusNextPrevChild(self, next)


class SessionDetailsForm(QWidget):
    sig_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._consented_at: datetime | None = None
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        self.zone_name = "UTC"  # the clinic's time zone: the date and time are typed and shown in it
        self._obtained_by = ""
        self.errors: dict[str, FieldErrorLabel] = {}
        self._build_ui()
        self._connect_signals()

    def _build_ui(self) -> None:
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.setVerticalSpacing(8)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.performed_at = name(OneStopDateTimeEdit(self), "session_performed_at", "Session date and time")
        self.performed_at.setCalendarPopup(True)
        self.performed_at.setDisplayFormat(f"{qt_date_format()}  HH:mm")  # the clinic's date format
        self._row(form, "Date and time", self.performed_at, "performed_at")

        self.indications: dict[Indication, QCheckBox] = {}
        grid_box = QWidget(self)
        grid = QGridLayout(grid_box)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(4)
        for i, ind in enumerate(Indication):
            box = name(QCheckBox(ind.label, grid_box), f"indication_{ind.value}", f"Indication: {ind.label}")
            self.indications[ind] = box
            grid.addWidget(box, i // 2, i % 2)
        form.addRow(set_role(QLabel("Indications", self), "subheading"))
        self._row(form, "", grid_box, "indications")

        consent_heading = set_role(QLabel("Consent", self), "subheading")
        form.addRow(consent_heading)
        self.consent_confirmed = name(
            QCheckBox("Patient signed the consent form", self), "consent_confirmed", "Consent confirmed"
        )
        self._row(form, "", self.consent_confirmed, "consent")
        self.consent_form_version = name(QLineEdit(self), "consent_form_version", "Consent form version")
        self._row(form, "Form version", self.consent_form_version, "consent.form_version")
        self.consent_by = QLabel(self)
        self.consent_by.setObjectName("consent_obtained_by")
        set_role(self.consent_by, "muted")
        self.consent_by.setWordWrap(True)
        self._row(form, "", self.consent_by, "consent.obtained_by")

        form.addRow(set_role(QLabel("Order and technique", self), "subheading"))
        self.prescriber = name(QLineEdit(self), "prescriber", "Prescriber")
        self.prescriber.setPlaceholderText("Optional: who ordered the treatment")
        self._row(form, "Prescriber", self.prescriber, "prescriber")
        self.order_reference = name(QLineEdit(self), "order_reference", "Order reference")
        self.order_reference.setPlaceholderText("Optional")
        self._row(form, "Order ref.", self.order_reference, "order_reference")
        self.needle_gauge = name(QSpinBox(self), "needle_gauge", "Needle gauge")
        self.needle_gauge.setRange(NEEDLE_GAUGE_RANGE[0] - 1, NEEDLE_GAUGE_RANGE[1])
        self.needle_gauge.setSpecialValueText("Not recorded")
        self.needle_gauge.setSuffix(" G")
        self._row(form, "Needle", self.needle_gauge, "needle_gauge")
        self.depth = name(QComboBox(self), "depth", "Injection depth")
        self.depth.addItem("Not recorded", None)
        for d in Depth:
            self.depth.addItem(d.label, d)
        self._row(form, "Depth", self.depth, "depth")
        self.notes = name(QPlainTextEdit(self), "session_notes", "Session notes")
        self.notes.setPlaceholderText("Anything the next injector should know")
        self.notes.setMinimumHeight(70)
        self.notes.setMaximumHeight(130)
        self.notes.setTabChangesFocus(True)
        self.notes.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._row(form, "Notes", self.notes, "notes")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(form)
        layout.addStretch(1)

    def _row(self, form: QFormLayout, label: str, field: QWidget, error_name: str) -> None:
        box, error = field_with_error(field)
        self.errors[error_name] = error
        if label:
            form.addRow(label, box)
        else:
            form.addRow(box)  # spans the form's width

    def _connect_signals(self) -> None:
        self.performed_at.dateTimeChanged.connect(self.sig_changed)
        for box in self.indications.values():
            box.toggled.connect(self.sig_changed)
        self.consent_confirmed.toggled.connect(self._consent_toggled)
        for edit in (self.consent_form_version, self.prescriber, self.order_reference):
            edit.textEdited.connect(self.sig_changed)
            edit.editingFinished.connect(lambda e=edit: self._trim(e))
        self.needle_gauge.valueChanged.connect(self.sig_changed)
        self.depth.currentIndexChanged.connect(self.sig_changed)
        self.notes.textChanged.connect(self.sig_changed)

    def _trim(self, edit: QLineEdit) -> None:
        """Spaces typed at either end of a one-line field are removed in view of the user."""
        if edit.text() != edit.text().strip() and not edit.isReadOnly():
            edit.setText(edit.text().strip())
            self.sig_changed.emit()

    def _consent_toggled(self, checked: bool) -> None:
        if checked and self._consented_at is None:
            self._consented_at = self.clock()
        self._show_consent()
        self.sig_changed.emit()

    def _show_consent(self) -> None:
        if self.consent_confirmed.isChecked() and self._consented_at is not None:
            self.consent_by.setText(
                f"Recorded by {self._obtained_by} at {local(self._consented_at, self.zone_name)}"
            )
        else:
            self.consent_by.setText("Not yet confirmed: needed before signing.")

    # -- data ------------------------------------------------------------------------------------------
    def load(self, session: TreatmentSession, *, default_form_version: str, obtained_by: str) -> None:
        self.blockSignals(True)
        try:
            self.performed_at.setDateTime(wall_clock(session.performed_at, self.zone_name))
            for ind, box in self.indications.items():
                box.setChecked(ind in session.indications)
            consent = session.consent
            self._consented_at = consent.consented_at if consent else None
            self._obtained_by = consent.obtained_by if consent else obtained_by
            self.consent_confirmed.setChecked(consent is not None)
            self.consent_form_version.setText(consent.form_version if consent else default_form_version)
            self.prescriber.setText(session.prescriber)
            self.order_reference.setText(session.order_reference)
            self.needle_gauge.setValue(session.needle_gauge or self.needle_gauge.minimum())
            self.depth.setCurrentIndex(max(0, self.depth.findData(session.depth)))
            self.notes.setPlainText(session.notes)
        finally:
            self.blockSignals(False)
        self._show_consent()

    def apply(self, session: TreatmentSession) -> TreatmentSession:
        """``session`` with this form's values."""
        consent = None
        if self.consent_confirmed.isChecked():
            consent = Consent(
                self.consent_form_version.text(),
                self._consented_at or session.performed_at,
                self._obtained_by,
            )
        gauge = self.needle_gauge.value()
        return replace(
            session,
            performed_at=self.performed_at_value(),
            indications=frozenset(ind for ind, box in self.indications.items() if box.isChecked()),
            consent=consent,
            prescriber=self.prescriber.text(),
            order_reference=self.order_reference.text(),
            needle_gauge=None if gauge == self.needle_gauge.minimum() else gauge,
            depth=self.depth.currentData(),
            notes=self.notes.toPlainText(),
        )

    def performed_at_value(self) -> datetime:
        return from_wall_clock(self.performed_at.dateTime(), self.zone_name)

    def set_read_only(self, read_only: bool) -> None:
        set_read_only(
            [
                self.performed_at,
                *self.indications.values(),
                self.consent_confirmed,
                self.consent_form_version,
                self.prescriber,
                self.order_reference,
                self.needle_gauge,
                self.depth,
                self.notes,
            ],
            read_only,
        )
