"""Clinic settings for administrators: the clinic's details and logo on printouts, review interval,
consent form version, the clinic's time zone, date format and dose precision, the common reasons for
acknowledging a warning, idle lock and how many backups are kept."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMargins, QSize, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...domain.clinic_time import zone_names
from ...domain.date_text import DateOrder
from ...domain.enums import PaperSize
from ...domain.errors import ClinicRecError, FieldError, ValidationError
from ...domain.figures_format import DEFAULT_UNITS_STEP, UNITS_STEPS, step_label
from ...domain.models import ClinicSettings
from ...services.app import Services
from ...services.permissions import Action
from ..style import follow_scheme
from .forms import FormDialog, named

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MAX_LOGO_BYTES = 2_000_000
PREVIEW = QSize(220, 84)
PREVIEW_MARGINS = QMargins(6, 6, 6, 6)


def read_logo(path: str) -> bytes:
    """The PNG at ``path``; raises ValidationError on the logo field if it is not a usable PNG."""
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise ValidationError(FieldError("logo_png", f"The file could not be read: {e.strerror or e}")) from e
    if not data.startswith(PNG_SIGNATURE):
        raise ValidationError(
            FieldError(
                "logo_png", f"{Path(path).name} is not a PNG image. Save the logo as PNG and choose it again."
            )
        )
    if len(data) > MAX_LOGO_BYTES:
        raise ValidationError(
            FieldError("logo_png", f"The logo is {len(data) / 1e6:.1f} MB; it must be at most 2 MB.")
        )
    if not QPixmap().loadFromData(data, "PNG"):
        raise ValidationError(FieldError("logo_png", f"{Path(path).name} could not be read as an image."))
    return data


def _spin(parent: QWidget, low: int, high: int, suffix: str) -> QSpinBox:
    box = QSpinBox(parent)
    box.setRange(low, high)
    box.setSuffix(suffix)
    return box


class ClinicSettingsDialog(FormDialog):
    heading_text = "Clinic settings"

    def __init__(
        self, services: Services, prompts: Any, settings: ClinicSettings | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(services, prompts, parent)
        self._original = settings
        self._logo: bytes | None = settings.logo_png if settings else None
        self.setObjectName("clinic_settings_dialog")
        self.setWindowTitle("Clinic settings · ClinicRec")
        self._build_ui()
        self._connect_signals()
        self._fill(settings)

    def _build_ui(self) -> None:
        body = self._build_frame(action=Action.MANAGE_SETTINGS)
        columns = QHBoxLayout()
        columns.setSpacing(14)
        clinic = QGroupBox("Clinic (printed on handouts and charts)", self)
        form = QFormLayout(clinic)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.name = self.add_field(form, "&Name", QLineEdit(self), "name", "Clinic name")
        self.address = self.add_field(form, "&Address", QPlainTextEdit(self), "address", "Address")
        self.address.setTabChangesFocus(True)
        self.address.setFixedHeight(self.fontMetrics().lineSpacing() * 3 + 16)
        self.phone = self.add_field(form, "&Phone", QLineEdit(self), "phone", "Phone")
        self.email = self.add_field(form, "&Email", QLineEdit(self), "email", "Email")
        self.website = self.add_field(form, "&Website", QLineEdit(self), "website", "Website")
        self.logo_preview = named(QLabel(self), "logo_preview", "Logo preview")
        self.logo_preview.setFixedSize(PREVIEW)
        self.logo_preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        follow_scheme(  # a white box would glare in the dark scheme; a logo shows on the surface colour
            self.logo_preview,
            lambda c: self.logo_preview.setStyleSheet(
                f"QLabel#logo_preview {{ border: 1px dashed {c.border}; border-radius: 4px;"
                f" background: {c.surface}; color: {c.muted}; }}"
            ),
        )
        logo_row = QWidget(self)
        row = QHBoxLayout(logo_row)
        row.setContentsMargins(0, 0, 0, 0)
        buttons = QVBoxLayout()
        self.choose_logo_button = named(
            QPushButton("Choose PNG…", self), "choose_logo_button", "Choose a logo"
        )
        self.remove_logo_button = named(QPushButton("Remove", self), "remove_logo_button", "Remove the logo")
        buttons.addWidget(self.choose_logo_button)
        buttons.addWidget(self.remove_logo_button)
        buttons.addStretch(1)
        row.addWidget(self.logo_preview)
        row.addLayout(buttons)
        row.addStretch(1)
        self.add_field(
            form, "&Logo", logo_row, "logo_png", "Logo", "PNG, at most 2 MB; shown at the top of printouts."
        )
        columns.addWidget(clinic, 6, Qt.AlignmentFlag.AlignTop)

        right = QVBoxLayout()
        printing = QGroupBox("Charting and printing", self)
        form = QFormLayout(printing)
        self.paper_size = self.add_field(form, "Pa&per size", QComboBox(self), "paper_size", "Paper size")
        for size in PaperSize:
            self.paper_size.addItem(size.label, size)
        self.consent_form_version = self.add_field(
            form,
            "&Consent form",
            QLineEdit(self),
            "consent_form_version",
            "Consent form version",
            "Recorded with every session's consent.",
        )
        self.review_days = self.add_field(
            form,
            "&Review after",
            _spin(self, 1, 120, " days"),
            "review_days",
            "Review after days",
            "Follow-up visit suggested after a session.",
        )
        self.time_zone = self.add_field(
            form,
            "&Time zone",
            QComboBox(self),
            "time_zone",
            "Clinic time zone",
            "Dates are the clinic's own calendar days.",
        )
        self.time_zone.setEditable(True)
        self.time_zone.addItems(zone_names())
        self.date_order = self.add_field(
            form,
            "&Dates written",
            QComboBox(self),
            "date_order",
            "Date format",
            "Year-month-day is always understood too.",
        )
        for order in DateOrder:
            self.date_order.addItem(order.label, order)
        self.units_step = self.add_field(
            form,
            "D&ose precision",
            QComboBox(self),
            "units_step",
            "Dose precision",
            "Every units figure is written to it.",
        )
        for step in UNITS_STEPS:
            self.units_step.addItem(step_label(step), step)
        completer = QCompleter(zone_names(), self.time_zone)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.time_zone.setCompleter(completer)
        right.addWidget(printing)
        reasons = QGroupBox("Common reasons for going ahead despite a warning", self)
        form = QFormLayout(reasons)
        self.common_reasons = self.add_field(
            form,
            "&Reasons",
            QPlainTextEdit(self),
            "common_reasons",
            "Common acknowledgement reasons",
            "One per line; offered as a pick-list when a warning needs a reason (free text stays possible).",
        )
        self.common_reasons.setTabChangesFocus(True)
        self.common_reasons.setFixedHeight(self.fontMetrics().lineSpacing() * 5 + 16)
        right.addWidget(reasons)
        safety = QGroupBox("Security and data", self)
        form = QFormLayout(safety)
        self.idle_lock_minutes = self.add_field(
            form,
            "&Idle lock",
            _spin(self, 1, 240, " minutes"),
            "idle_lock_minutes",
            "Idle lock minutes",
            "Windows are covered after this long idle.",
        )
        self.backups_kept = self.add_field(
            form,
            "&Backups kept",
            _spin(self, 1, 365, ""),
            "backups_kept",
            "Backups kept",
            "Daily backups kept before the oldest goes.",
        )
        right.addWidget(safety)
        right.addStretch(1)
        columns.addLayout(right, 5)
        body.addLayout(columns)
        self.setMinimumWidth(1060)

    def _connect_signals(self) -> None:
        self.choose_logo_button.clicked.connect(self.choose_logo)
        self.remove_logo_button.clicked.connect(lambda: self.set_logo(None))

    def _fill(self, s: ClinicSettings | None) -> None:
        if s is None:
            return
        self.name.setText(s.name)
        self.address.setPlainText(s.address)
        self.phone.setText(s.phone)
        self.email.setText(s.email)
        self.website.setText(s.website)
        self.paper_size.setCurrentIndex(max(0, self.paper_size.findData(PaperSize(s.paper_size))))
        self.consent_form_version.setText(s.consent_form_version)
        self.review_days.setValue(s.review_days)
        self.time_zone.setCurrentText(s.time_zone)
        self.date_order.setCurrentIndex(max(0, self.date_order.findData(s.date_order)))
        found = [i for i, step in enumerate(UNITS_STEPS) if abs(step - s.units_step) < 1e-9]
        self.units_step.setCurrentIndex(found[0] if found else UNITS_STEPS.index(DEFAULT_UNITS_STEP))
        self.common_reasons.setPlainText("\n".join(s.common_reasons))
        self.idle_lock_minutes.setValue(s.idle_lock_minutes)
        self.backups_kept.setValue(s.backups_kept)
        self.set_logo(s.logo_png)

    # -- logo -----------------------------------------------------------------------------------
    def choose_logo(self) -> None:
        path = self._prompts.open_file(self, "Choose the clinic logo", "PNG images (*.png)")
        if not path:
            return
        try:
            self.set_logo(read_logo(path))
        except ValidationError as e:
            self.show_errors(e.errors)

    def set_logo(self, data: bytes | None) -> None:
        self._logo = data
        self._errors["logo_png"].clear_error()
        pixmap = QPixmap()
        if data and pixmap.loadFromData(data, "PNG"):
            self.logo_preview.setPixmap(
                pixmap.scaled(
                    PREVIEW.shrunkBy(PREVIEW_MARGINS),
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            )
        else:
            self.logo_preview.setPixmap(QPixmap())
            self.logo_preview.setText("No logo")
        self.remove_logo_button.setEnabled(data is not None)

    @property
    def logo(self) -> bytes | None:
        return self._logo

    # -- saving ---------------------------------------------------------------------------------
    def settings(self) -> ClinicSettings:
        values = dict(
            name=self.name.text().strip(),
            address=self.address.toPlainText().strip(),
            phone=self.phone.text().strip(),
            email=self.email.text().strip(),
            website=self.website.text().strip(),
            paper_size=self.paper_size.currentData(),
            review_days=self.review_days.value(),
            logo_png=self._logo,
            consent_form_version=self.consent_form_version.text().strip(),
            idle_lock_minutes=self.idle_lock_minutes.value(),
            backups_kept=self.backups_kept.value(),
            time_zone=self.time_zone.currentText().strip(),
            date_order=self.date_order.currentData(),
            units_step=self.units_step.currentData(),
            common_reasons=tuple(
                line.strip() for line in self.common_reasons.toPlainText().splitlines() if line.strip()
            ),
        )
        if self._original is None:
            return ClinicSettings(**values)  # type: ignore[arg-type]
        return replace(self._original, **values)  # type: ignore[arg-type]

    def _store(self) -> ClinicSettings:
        return self._services.clinic.update(self.settings())

    @classmethod
    def ask(cls, parent: QWidget | None, services: Services, prompts: Any) -> ClinicSettings | None:
        """Edit the clinic's settings; the saved settings, or None if cancelled."""
        try:
            settings = services.clinic.get()
        except ClinicRecError as e:
            prompts.error(parent, "Clinic settings", str(e))
            return None
        return cls(services, prompts, settings, parent).run()
