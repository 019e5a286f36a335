"""Administrators' consent and review settings: per form, how long a signed consent stays valid, whether
signing a session needs it, whether a typed name may stand for a signature; the share of signed charts
sent to the medical director's review at random. ``ConsentSettingsDialog.ask`` saves and returns True."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...domain.consent import ConsentSettings
from ...domain.errors import ClinicRecError, ValidationError
from ...pdf.consent_forms import form_keys, load_form
from ...services.app import Services
from ..style import set_role


class ConsentSettingsDialog(QDialog):
    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("consent_settings_dialog")
        self.setWindowTitle("Consent and review settings")
        self._services = services
        self.rows: dict[str, tuple[QSpinBox, QCheckBox, QCheckBox]] = {}
        root = QVBoxLayout(self)
        for key in form_keys():
            current = services.consents.settings(key)
            box = QGroupBox(f"{load_form(key).title} ({key})")
            form = QFormLayout(box)
            months = QSpinBox()
            months.setRange(1, 120)
            months.setSuffix(" months")
            months.setValue(current.validity_months)
            months.setObjectName(f"{key}_validity")
            months.setAccessibleName(f"{key}: valid for how many months")
            required = QCheckBox("Signing a session needs this consent in force")
            required.setChecked(current.required_for_signing)
            required.setObjectName(f"{key}_required")
            required.setAccessibleName(f"{key}: required to sign a session")
            typed = QCheckBox("A typed name with a tick may stand for the signature")
            typed.setChecked(current.typed_name_allowed)
            typed.setObjectName(f"{key}_typed")
            typed.setAccessibleName(f"{key}: typed name allowed")
            form.addRow("Valid for", months)
            form.addRow(required)
            form.addRow(typed)
            root.addWidget(box)
            self.rows[key] = (months, required, typed)
        review = QGroupBox("Chart review")
        rf = QFormLayout(review)
        self.share = QDoubleSpinBox()
        self.share.setRange(0, 100)
        self.share.setDecimals(0)
        self.share.setSuffix(" %")
        self.share.setValue(services.review.share_percent())
        self.share.setObjectName("review_share_percent")
        self.share.setAccessibleName("Share of signed charts sent to review at random")
        rf.addRow("Signed charts sent at random", self.share)
        rf.addRow(
            QLabel("Every chart with an adverse event or an acknowledged contraindication is sent too.")
        )
        root.addWidget(review)
        self.error = QLabel("")
        self.error.setObjectName("settings_error")
        set_role(self.error, "error")
        root.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        root.addWidget(buttons)

    def save(self) -> None:
        try:
            for key, (months, required, typed) in self.rows.items():
                wanted = ConsentSettings(key, months.value(), required.isChecked(), typed.isChecked())
                if wanted != self._services.consents.settings(key):
                    self._services.consents.update_settings(wanted)
            if self.share.value() != self._services.review.share_percent():
                self._services.review.set_share_percent(self.share.value())
        except ValidationError as e:
            self.error.setText("\n".join(f"{f.field}: {f.message}" for f in e.errors))
            return
        except ClinicRecError as e:
            self.error.setText(str(e))
            return
        self.accept()

    @classmethod
    def ask(cls, parent: QWidget | None, services: Services) -> bool:
        return cls(services, parent).exec() == QDialog.DialogCode.Accepted
