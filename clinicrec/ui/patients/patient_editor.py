"""Add or edit a patient, with the safety screening; errors appear under the field they concern."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...domain.clinic_time import age_on, local_date
from ...domain.date_text import DateOrder, format_date, read_date
from ...domain.enums import AllergyStatus, Language, Sex
from ...domain.errors import ClinicRecError, ConcurrentEditError, FieldError, ValidationError
from ...domain.models import Patient, SafetyScreening
from ...domain.safety import ADULT_AGE, pregnancy_needs_a_question
from ...domain.validation import validate_patient
from ...services.app import Services
from ..date_edit import placeholder
from ..date_format import date_text
from ..prompts import Prompts
from ..style import make_primary, set_role
from ..widgets import FieldErrorLabel, ScreeningBadge, show_field_errors
from .patient_chart import ROMAN


def parse_date(text: str, order: DateOrder = DateOrder.ISO) -> date | None:
    """The date typed (year-month-day, or with slashes in the clinic's order); None if it is not one."""
    try:
        return read_date(text, order)
    except ValueError:
        return None


class PatientEditor(QDialog):
    """``patient`` None adds a new patient. ``saved`` holds the stored patient after ``accept``."""

    def __init__(
        self,
        services: Services,
        prompts: Prompts,
        patient: Patient | None = None,
        parent: QWidget | None = None,
        *,
        date_order: DateOrder | None = None,
    ) -> None:
        super().__init__(parent)
        #: How dates with slashes are read and how the date of birth is shown (the clinic's setting by
        #: default; ISO: one that reads two ways is refused, naming both).
        self.date_order = date_order or services.clinic.date_order()
        self._services = services
        self._prompts = prompts
        self._original = patient
        self.saved: Patient | None = None
        self._errors: dict[str, FieldErrorLabel] = {}
        self.setObjectName("patient_editor")
        self.setWindowTitle(f"Edit patient · {patient.full_name}" if patient else "New patient")
        self._build_ui()
        self._reserve_room_for_the_badge()
        self._fill(patient)
        self._connect_signals()
        self._dirty = False

    def _reserve_room_for_the_badge(self) -> None:
        """The dialog is made tall enough for the screening badge at its largest (every answer "yes"), so
        that ticking a box never grows the form and moves Save under the pointer."""
        every = SafetyScreening(
            **{name: True for name in SafetyScreening.QUESTIONS}, other="x" * 60
        )  # fmt: skip
        self.badge.set_screening(every)
        self.badge.setAttribute(Qt.WidgetAttribute.WA_WState_ExplicitShowHide, False)
        self.badge.show()
        self.layout().activate()
        self.setMinimumHeight(self.layout().totalMinimumSize().height())
        self.badge.set_screening(None)

    # -- building -------------------------------------------------------------------------------
    def _field(
        self, form: QFormLayout, caption: str, widget: QWidget, field: str, accessible: str, hint: str = ""
    ) -> None:
        widget.setObjectName(field.replace(".", "_"))
        widget.setAccessibleName(accessible)
        label = QLabel(caption, self)
        label.setBuddy(widget)
        box = QVBoxLayout()
        box.setSpacing(2)
        box.addWidget(widget)
        if hint:
            box.addWidget(set_role(QLabel(hint, self), "muted"))
        error = FieldErrorLabel(widget, self)
        self._errors[field] = error
        box.addWidget(error)
        form.addRow(label, box)

    def _text_box(self, lines: int) -> QPlainTextEdit:
        edit = QPlainTextEdit(self)
        edit.setTabChangesFocus(True)
        edit.setFixedHeight(self.fontMetrics().lineSpacing() * lines + 22)
        return edit

    def _build_ui(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 14)
        title = self._original.full_name if self._original is not None else "New patient"
        self.heading = set_role(QLabel(title, self), "heading")
        self.heading.setObjectName("editor_heading")
        layout.addWidget(self.heading)
        self.banner = set_role(QLabel(self), "banner-error")
        self.banner.setObjectName("editor_banner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        layout.addWidget(self.banner)

        columns = QHBoxLayout()
        columns.setSpacing(14)
        details = QGroupBox("Patient", self)
        form = QFormLayout(details)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.first_name = QLineEdit(self)
        self.last_name = QLineEdit(self)
        self.date_of_birth = QLineEdit(self)
        self.date_of_birth.setPlaceholderText(placeholder(self.date_order))
        self.date_of_birth.setToolTip(
            f"{self.date_order.label}; year-month-day (1985-04-03) is always understood."
        )
        self.sex = QComboBox(self)
        for s in Sex:
            self.sex.addItem(s.label, s)
        self.chart_number = QLineEdit(self)
        self.phone = QLineEdit(self)
        self.email = QLineEdit(self)
        self.address = self._text_box(2)
        self.fitzpatrick = QComboBox(self)
        self.fitzpatrick.addItem("Not recorded", None)
        for n, roman in ROMAN.items():
            self.fitzpatrick.addItem(f"Type {roman}", n)
        self._field(form, "&First name", self.first_name, "first_name", "First name")
        self._field(form, "&Last name", self.last_name, "last_name", "Last name")
        self._field(
            form,
            "Date of &birth",
            self.date_of_birth,
            "date_of_birth",
            "Date of birth",
            f"e.g. {self.date_order.example}"
            + ("" if self.date_order is DateOrder.ISO else " or 1985-04-03"),
        )
        self.minor_note = set_role(QLabel(self), "muted")
        self.minor_note.setObjectName("minor_note")
        self.minor_note.setWordWrap(True)
        self.minor_note.hide()
        form.addRow("", self.minor_note)
        self._field(form, "Se&x", self.sex, "sex", "Sex")
        self._field(form, "C&hart no.", self.chart_number, "chart_number", "Chart number")
        self._field(form, "&Phone", self.phone, "phone", "Phone")
        self._field(form, "E&mail", self.email, "email", "Email")
        self._field(form, "&Address", self.address, "address", "Address")
        self._field(form, "Fit&zpatrick", self.fitzpatrick, "fitzpatrick_type", "Fitzpatrick skin type")
        self.language = QComboBox(self)  # the handout and leaflet are printed in it
        for language in Language:
            self.language.addItem(language.label, language)
        self._field(form, "Lan&guage", self.language, "preferred_language", "Preferred language for handouts")
        columns.addWidget(details, 5, Qt.AlignmentFlag.AlignTop)

        right = QVBoxLayout()
        screening = QGroupBox("Safety screening (tick every “yes”)", self)
        screening_layout = QVBoxLayout(screening)
        self.screening_checks: dict[str, QCheckBox] = {}
        for name, question in SafetyScreening.QUESTIONS.items():
            box = QCheckBox(question, self)
            box.setObjectName(f"screening_{name}")
            box.setAccessibleName(question)
            self.screening_checks[name] = box
            screening_layout.addWidget(box)
        other_form = QFormLayout()
        self.screening_other = QLineEdit(self)
        self.screening_other.setPlaceholderText("Anything else relevant to toxin treatment")
        self._field(other_form, "&Other", self.screening_other, "screening.other", "Other screening finding")
        screening_layout.addLayout(other_form)
        self.badge = ScreeningBadge(None, self)
        screening_layout.addWidget(self.badge)
        right.addWidget(screening)

        more = QGroupBox("Allergies and notes", self)
        more_form = QFormLayout(more)
        self.allergy_status = QComboBox(self)
        for status in AllergyStatus:
            self.allergy_status.addItem(status.label, status)
        self.allergies = self._text_box(2)
        self.allergies.setPlaceholderText("List each allergy (product, drug, food) and the reaction")
        self.notes = self._text_box(3)
        self._field(
            more_form, "Allergies &are", self.allergy_status, "allergy_status", "Allergies recorded as"
        )
        self._field(more_form, "All&ergies", self.allergies, "allergies", "Allergies")
        self._field(more_form, "&Notes", self.notes, "notes", "Notes")
        right.addWidget(more)
        right.addStretch(1)
        columns.addLayout(right, 6)
        layout.addLayout(columns, 1)

        self.buttons = QDialogButtonBox(self)
        self.save_button = make_primary(QPushButton("Save", self))
        self.save_button.setObjectName("save_button")
        self.save_button.setAccessibleName("Save patient")
        self.save_button.setToolTip("Save (Ctrl+S)")
        self.save_action = QAction("Save", self)
        self.save_action.setObjectName("save_action")
        self.save_action.setShortcut(
            QKeySequence.StandardKey.Save
        )  # an action fires at once; a button animates
        self.addAction(self.save_action)
        self.save_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("cancel_button")
        self.cancel_button.setAccessibleName("Cancel")
        self.buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(960)

        order = [
            self.first_name,
            self.last_name,
            self.date_of_birth,
            self.sex,
            self.chart_number,
            self.phone,
            self.email,
            self.address,
            self.fitzpatrick,
            self.language,
            *self.screening_checks.values(),
            self.screening_other,
            self.allergies,
            self.notes,
            self.save_button,
            self.cancel_button,
        ]
        for a, b in zip(order, order[1:], strict=False):
            QWidget.setTabOrder(a, b)
        self.first_name.setFocus()

    def _fill(self, p: Patient | None) -> None:
        if p is None:
            self.chart_number.setText(self._services.patients.next_chart_number())
            self.sex.setCurrentIndex(self.sex.findData(Sex.UNSPECIFIED))
            return
        self.first_name.setText(p.first_name)
        self.last_name.setText(p.last_name)
        self.date_of_birth.setText(format_date(p.date_of_birth, self.date_order))
        self.sex.setCurrentIndex(max(0, self.sex.findData(p.sex)))
        self.chart_number.setText(p.chart_number)
        self.phone.setText(p.phone)
        self.email.setText(p.email)
        self.address.setPlainText(p.address)
        self.fitzpatrick.setCurrentIndex(max(0, self.fitzpatrick.findData(p.fitzpatrick_type)))
        self.language.setCurrentIndex(max(0, self.language.findData(p.preferred_language)))
        for name, box in self.screening_checks.items():
            box.setChecked(bool(getattr(p.screening, name)))
        self.screening_other.setText(p.screening.other)
        self.screening_other.setCursorPosition(0)
        self.allergies.setPlainText(p.allergies)
        self.allergy_status.setCurrentIndex(self.allergy_status.findData(p.allergy_status))
        self._update_minor_note()
        self.notes.setPlainText(p.notes)
        self.badge.set_screening(p.screening)

    def _connect_signals(self) -> None:
        self.save_button.clicked.connect(self.save)
        self.save_action.triggered.connect(self.save)
        self.cancel_button.clicked.connect(self.reject)
        for edit in (
            self.first_name,
            self.last_name,
            self.date_of_birth,
            self.chart_number,
            self.phone,
            self.email,
            self.screening_other,
        ):
            edit.textEdited.connect(self._mark_dirty)
        for text_box in (self.address, self.allergies, self.notes):
            text_box.textChanged.connect(self._mark_dirty)
        for combo in (self.sex, self.fitzpatrick, self.allergy_status, self.language):
            combo.currentIndexChanged.connect(self._mark_dirty)
        self.allergies.textChanged.connect(self._allergies_typed)
        self.date_of_birth.textChanged.connect(self._update_minor_note)
        for box in self.screening_checks.values():
            box.toggled.connect(self._mark_dirty)
            box.toggled.connect(self._update_badge)
        self.screening_other.textChanged.connect(self._update_badge)

    # -- behaviour ------------------------------------------------------------------------------
    def _mark_dirty(self, *_args: object) -> None:
        self._dirty = True

    def _today(self) -> date:
        return local_date(self._services.ctx.clock(), self._services.clinic.time_zone())

    def _allergies_typed(self) -> None:
        """Typing a list records it as 'allergies listed' (shown, and changeable)."""
        listed = self.allergy_status.findData(AllergyStatus.LISTED)
        if self.allergies.toPlainText().strip() and self.allergy_status.currentIndex() != listed:
            self.allergy_status.setCurrentIndex(listed)

    def _update_minor_note(self) -> None:
        born = parse_date(self.date_of_birth.text(), self.date_order)
        age = age_on(born, self._today()) if born is not None else None
        minor = age is not None and 0 <= age < ADULT_AGE
        self.minor_note.setText(
            f"Age {age}: under {ADULT_AGE}, every session warns and needs a recorded reason." if minor else ""
        )
        self.minor_note.setVisible(minor)

    def screening(self) -> SafetyScreening:
        return SafetyScreening(
            **{n: b.isChecked() for n, b in self.screening_checks.items()},
            other=self.screening_other.text().strip(),
        )

    def _update_badge(self, *_args: object) -> None:
        self.badge.set_screening(self.screening())

    def patient(self, born: date) -> Patient:
        values = dict(
            first_name=self.first_name.text().strip(),
            last_name=self.last_name.text().strip(),
            date_of_birth=born,
            chart_number=self.chart_number.text().strip(),
            sex=self.sex.currentData(),
            phone=self.phone.text().strip(),
            email=self.email.text().strip(),
            address=self.address.toPlainText().strip(),
            fitzpatrick_type=self.fitzpatrick.currentData(),
            allergies=self.allergies.toPlainText().strip(),
            allergy_status=AllergyStatus(self.allergy_status.currentData()),
            screening=self.screening(),
            notes=self.notes.toPlainText().strip(),
            preferred_language=Language(self.language.currentData()),
        )
        if self._original is None:
            return Patient(**values)  # type: ignore[arg-type]
        return replace(self._original, **values)  # type: ignore[arg-type]

    def _date_error(self) -> tuple[date, FieldError | None]:
        text = self.date_of_birth.text().strip()
        if not text:
            return date(2000, 1, 1), FieldError("date_of_birth", "Date of birth is required.")
        try:
            return read_date(text, self.date_order), None
        except ValueError as e:  # what is wrong with it: "February 2031 has 28 days", two readings, …
            return date(2000, 1, 1), FieldError("date_of_birth", f"{e}.")

    def save(self) -> bool:
        """Store the patient; on a problem show it by its field (or in the banner) and stay open."""
        self.banner.hide()
        born, date_error = self._date_error()
        patient = self.patient(born)
        if date_error is not None:
            # Show every other problem too, checked by the same rules the service applies.
            errors = [date_error]
            try:
                validate_patient(patient, today=self._services.ctx.clock().date())
            except ValidationError as e:
                errors += [x for x in e.errors if x.field != "date_of_birth"]
            self._show_errors(errors)
            return False
        if patient.screening.pregnant_or_breastfeeding and pregnancy_needs_a_question(born, self._today()):
            age = age_on(born, self._today())
            if not self._prompts.confirm(
                self,
                "Pregnancy for a child?",
                f"{patient.full_name} is {age} (born {date_text(born)}). Record 'pregnant or breastfeeding' "
                "for a child this young? Check the date of birth and the answer first.",
            ):
                self._show_errors(
                    [
                        FieldError(
                            "screening.pregnant_or_breastfeeding",
                            f"Not saved: 'pregnant or breastfeeding' for a {age}-year-old was not confirmed",
                        )
                    ]
                )
                return False
        try:
            if patient.id is None:
                self.saved = self._services.patients.create(patient)
            else:
                self.saved = self._services.patients.update(patient)
        except ValidationError as e:
            self._show_errors(e.errors)
            return False
        except ConcurrentEditError as e:
            self._show_errors([])
            self._show_banner(
                f"Not saved. {e} Your changes are still in this window; cancel, reopen the "
                "patient and enter them again."
            )
            return False
        except ClinicRecError as e:
            self._show_errors([])
            self._show_banner(f"Not saved. {e}")
            return False
        self._dirty = False
        self.accept()
        return True

    def _show_errors(self, errors: list[FieldError]) -> None:
        left = show_field_errors(errors, self._errors)
        if left:
            self._show_banner("\n".join(e.message for e in left))

    def _show_banner(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.show()

    @property
    def has_errors(self) -> bool:
        return self.banner.isVisibleTo(self) or any(not e.isHidden() for e in self._errors.values())

    def error_for(self, field: str) -> str:
        label = self._errors.get(field)
        return label.text() if label is not None and not label.isHidden() else ""

    def reject(self) -> None:
        if self._dirty and not self._prompts.confirm(
            self, "Discard changes?", "This patient has unsaved changes. Close without saving them?"
        ):
            return
        super().reject()

    @classmethod
    def ask(
        cls, parent: QWidget | None, services: Services, prompts: Prompts, patient_id: int | None = None
    ) -> Patient | None:
        """Add (``patient_id`` None) or edit a patient; the saved patient, or None if cancelled."""
        patient = services.patients.get(patient_id) if patient_id is not None else None
        dialog = cls(services, prompts, patient, parent)
        try:
            return dialog.saved if dialog.exec() == QDialog.DialogCode.Accepted else None
        finally:
            dialog.deleteLater()
