"""First start on an empty database: the clinic's details and the first administrator account."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
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

from ..domain.clinic_time import workstation_zone, zone_names
from ..domain.consent import TREATMENT_FORM
from ..domain.enums import Role
from ..domain.errors import ClinicRecError, FieldError, ValidationError
from ..domain.models import ClinicSettings, User
from ..domain.validation import validate_clinic, validate_user
from ..services.app import Services
from ..services.passwords import check_password
from ..services.permissions import Actor
from .password_hint import HINT, attach_strength_hint
from .style import make_primary, set_role
from .widgets import FieldErrorLabel, show_field_errors


def _line(parent: QWidget, name: str, accessible: str, *, password: bool = False) -> QLineEdit:
    edit = QLineEdit(parent)
    edit.setObjectName(name)
    edit.setAccessibleName(accessible)
    if password:
        edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


class SetupDialog(QDialog):
    """Creates the first admin (signed in at once) and the clinic. ``with_admin=False`` when an admin
    already exists and is signed in, but the clinic was never set up (an interrupted first start)."""

    def __init__(self, services: Services, *, with_admin: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self._with_admin = with_admin
        self.actor: Actor | None = services.actor
        self.recovery_key: str | None = None
        self.setObjectName("setup_dialog")
        self.setWindowTitle("Set up ClinicRec")
        self._clinic_errors: dict[str, FieldErrorLabel] = {}
        self._admin_errors: dict[str, FieldErrorLabel] = {}
        self._build_ui()
        self._connect_signals()

    # -- building -------------------------------------------------------------------------------
    def _add(
        self,
        form: QFormLayout,
        label: str,
        widget: QWidget,
        errors: dict[str, FieldErrorLabel],
        field: str,
        hint: str = "",
    ) -> QLabel | None:
        caption = QLabel(label, self)
        caption.setBuddy(widget)
        box = QVBoxLayout()
        box.setSpacing(2)
        box.addWidget(widget)
        hint_label = None
        if hint:
            hint_label = QLabel(hint, self)
            hint_label.setObjectName(f"{field}_hint")
            hint_label.setWordWrap(True)
            box.addWidget(set_role(hint_label, "muted"))
        error = FieldErrorLabel(widget, self)
        errors[field] = error
        box.addWidget(error)
        form.addRow(caption, box)
        return hint_label

    def _build_ui(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.setSpacing(10)
        layout.addWidget(set_role(QLabel("Welcome to ClinicRec", self), "heading"))
        intro = set_role(
            QLabel(
                "This database is empty. Enter your clinic's details and create the first administrator "
                "account. You can add injectors and change these details later.",
                self,
            ),
            "muted",
        )
        if not self._with_admin:
            intro.setText("The clinic's details were never saved. Enter them to finish setting up.")
        intro.setWordWrap(True)
        layout.addWidget(intro)

        columns = QHBoxLayout()
        columns.setSpacing(14)
        clinic_box = QGroupBox("Your clinic", self)
        clinic_form = QFormLayout(clinic_box)
        self.clinic_name = _line(clinic_box, "clinic_name", "Clinic name")
        self.clinic_address = QPlainTextEdit(clinic_box)
        self.clinic_address.setObjectName("clinic_address")
        self.clinic_address.setAccessibleName("Clinic address")
        self.clinic_address.setTabChangesFocus(True)
        self.clinic_address.setFixedHeight(self.fontMetrics().lineSpacing() * 3 + 16)
        self.clinic_phone = _line(clinic_box, "clinic_phone", "Clinic phone")
        self.clinic_email = _line(clinic_box, "clinic_email", "Clinic email")
        self._add(clinic_form, "Clinic &name", self.clinic_name, self._clinic_errors, "name")
        self._add(clinic_form, "&Address", self.clinic_address, self._clinic_errors, "address")
        self._add(clinic_form, "P&hone", self.clinic_phone, self._clinic_errors, "phone")
        self._add(clinic_form, "&Email", self.clinic_email, self._clinic_errors, "email")
        self.clinic_time_zone = QComboBox(clinic_box)
        self.clinic_time_zone.setObjectName("clinic_time_zone")
        self.clinic_time_zone.setAccessibleName("Clinic time zone")
        self.clinic_time_zone.setEditable(True)
        self.clinic_time_zone.addItems(zone_names())
        self.clinic_time_zone.setCurrentText(workstation_zone())  # this computer's zone to start with
        self._add(clinic_form, "&Time zone", self.clinic_time_zone, self._clinic_errors, "time_zone")
        columns.addWidget(clinic_box, 1, Qt.AlignmentFlag.AlignTop)

        admin_box = QGroupBox("First administrator", self)
        admin_form = QFormLayout(admin_box)
        self.username = _line(admin_box, "admin_username", "Administrator user name")
        self.full_name = _line(admin_box, "admin_full_name", "Administrator full name")
        self.credentials = _line(admin_box, "admin_credentials", "Administrator credentials")
        self.credentials.setPlaceholderText("e.g. RN, NP, MD")
        self.password = _line(admin_box, "admin_password", "Password", password=True)
        self.password_again = _line(admin_box, "admin_password_again", "Password again", password=True)
        self._add(admin_form, "&User name", self.username, self._admin_errors, "username")
        self._add(admin_form, "&Full name", self.full_name, self._admin_errors, "full_name")
        self._add(
            admin_form,
            "&Credentials",
            self.credentials,
            self._admin_errors,
            "credentials",
            "Printed after the name on signed records.",
        )
        self.password_hint = self._add(
            admin_form, "&Password", self.password, self._admin_errors, "password", HINT
        )
        assert self.password_hint is not None
        attach_strength_hint(
            self.password,
            self.password_hint,
            lambda: (self.username.text(), self.full_name.text(), self.clinic_name.text()),
        )
        self._add(admin_form, "Password a&gain", self.password_again, self._admin_errors, "password_again")
        columns.addWidget(admin_box, 1, Qt.AlignmentFlag.AlignTop)
        admin_box.setVisible(self._with_admin)
        layout.addLayout(columns)

        self.general_error = set_role(QLabel(self), "banner-error")
        self.general_error.setObjectName("general_error")
        self.general_error.setWordWrap(True)
        self.general_error.hide()
        layout.addWidget(self.general_error)
        layout.addStretch(1)

        self.buttons = QDialogButtonBox(self)
        self.finish_button = QPushButton("Create clinic and sign in" if self._with_admin else "Save", self)
        self.finish_button.setObjectName("finish_button")
        self.finish_button.setAccessibleName("Finish setup")
        self.finish_button.setDefault(True)
        make_primary(self.finish_button)
        self.cancel_button = QPushButton("Quit", self)
        self.cancel_button.setObjectName("cancel_button")
        self.cancel_button.setAccessibleName("Quit setup")
        self.buttons.addButton(self.finish_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(820 if self._with_admin else 460)
        self.clinic_name.setFocus()

    def _connect_signals(self) -> None:
        self.finish_button.clicked.connect(self._finish)
        self.cancel_button.clicked.connect(self.reject)

    # -- behaviour ------------------------------------------------------------------------------
    def clinic_settings(self) -> ClinicSettings:
        return ClinicSettings(
            name=self.clinic_name.text().strip(),
            address=self.clinic_address.toPlainText().strip(),
            phone=self.clinic_phone.text().strip(),
            email=self.clinic_email.text().strip(),
            time_zone=self.clinic_time_zone.currentText().strip(),
        )

    def admin_user(self) -> User:
        return User(
            self.username.text().strip(),
            self.full_name.text().strip(),
            self.credentials.text().strip(),
            Role.ADMIN,
        )

    def _check_all(self, settings: ClinicSettings, user: User | None) -> bool:
        """Validate everything before storing anything, so a mistake never leaves half a setup."""
        clinic_errors: list[FieldError] = []
        admin_errors: list[FieldError] = []
        try:
            validate_clinic(settings)
        except ValidationError as e:
            clinic_errors = e.errors
        if user is not None:
            names = (user.username, user.full_name, settings.name)
            for check in (lambda: validate_user(user), lambda: check_password(self.password.text(), *names)):
                try:
                    check()
                except ValidationError as e:
                    admin_errors += e.errors
            if self.password.text() != self.password_again.text():
                admin_errors.append(FieldError("password_again", "The two passwords are not the same."))
        self._show(clinic_errors, admin_errors)
        return not clinic_errors and not admin_errors

    def _show(self, clinic_errors: list[FieldError], admin_errors: list[FieldError]) -> None:
        left = show_field_errors(admin_errors, self._admin_errors)
        # The clinic form comes second so that the focus ends on the first form with a problem.
        left += show_field_errors(clinic_errors, self._clinic_errors)
        self.general_error.setText("\n".join(e.message for e in left))
        self.general_error.setVisible(bool(left))

    def _finish(self) -> None:
        settings = self.clinic_settings()
        user = self.admin_user() if self._with_admin else None
        self.general_error.hide()
        if not self._check_all(settings, user):
            return
        auth = self._services.auth
        try:
            if user is not None:
                auth.create_first_admin(user, self.password.text(), settings.name)
                self.actor = auth.sign_in(user.username, self.password.text())
            self._services.clinic.setup(settings)
            if user is not None:  # a new clinic: signing a session needs the patient's signed consent
                consents = self._services.consents
                consents.update_settings(
                    replace(consents.settings(TREATMENT_FORM), required_for_signing=True)
                )
            recovery = self._services.auth.new_recovery_key() if self._encrypted() else None
        except ValidationError as e:
            fields = set(self._admin_errors)
            self._show(
                [x for x in e.errors if x.field not in fields], [x for x in e.errors if x.field in fields]
            )
            return
        except ClinicRecError as e:
            self.general_error.setText(str(e))
            self.general_error.show()
            return
        if recovery is None:
            self.accept()
        else:
            self._show_recovery_key(recovery)

    def _encrypted(self) -> bool:
        return self._services.encrypted and self.actor is not None

    def _show_recovery_key(self, recovery: str) -> None:
        """The recovery key, shown this once: it opens the encrypted database if every password is lost."""
        self.recovery_key = recovery
        for box in self.findChildren(QGroupBox):
            box.hide()
        note = QLabel(
            "The clinic's records are encrypted on this computer. This recovery key opens them if "
            "every administrator's password is lost. Write it down or print this window now, and keep "
            "it locked away from the computer: it is shown only this once and cannot be shown again.",
            self,
        )
        note.setWordWrap(True)
        key = QLabel(recovery, self)
        key.setObjectName("recovery_key")
        key.setAccessibleName("Recovery key")
        key.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        key.setStyleSheet("font-family: monospace; font-size: 20pt; font-weight: 600; padding: 12px;")
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(1, note)
        layout.insertWidget(2, key, 0, Qt.AlignmentFlag.AlignHCenter)
        self.cancel_button.hide()
        self.finish_button.setText("I have kept the recovery key")
        self.finish_button.clicked.disconnect(self._finish)
        self.finish_button.clicked.connect(self.accept)

    @classmethod
    def ask(cls, parent: QWidget | None, services: Services, *, with_admin: bool = True) -> Actor | None:
        """Run the setup; the signed-in administrator, or None if the user quit."""
        dialog = cls(services, with_admin=with_admin, parent=parent)
        try:
            return dialog.actor if dialog.exec() == QDialog.DialogCode.Accepted else None
        finally:
            dialog.deleteLater()
