"""Sign-in: user name and password, checked by the auth service (Argon2id, lockout).

The dialog opens before the database does: start-up shows it at once and hands it the services with
``attach`` once the integrity check has passed and the database is open (``ui/startup.py``). A sign-in
asked for before then waits for them; nothing is read or written before the check has passed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6 import QtCore
from PySide6.QtCore import Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..domain.errors import AuthenticationError, StorageError
from .first_paint import AfterFirstPaint
from .style import make_primary, role_of_new
from .widgets import FieldErrorLabel

if TYPE_CHECKING:  # the services load on a thread while this dialog is already showing
    from collections.abc import Callable

    from ..services.app import Services
    from ..services.permissions import Actor

#: ``done`` code when start-up takes the dialog away (the database needs setting up, or cannot be used).
WITHDRAWN = 2


class LoginDialog(QDialog):
    """Asks for a user name and password; ``actor`` holds the signed-in user after ``accept``.

    ``services`` None: the database is still being checked and opened; ``attach`` brings it.
    """

    #: The services are attached (or the unlock, and the application has loaded): a sign-in now goes
    #: straight to the password check.
    sig_ready = Signal()

    def __init__(
        self,
        services: Services | None,
        *,
        demo_credentials: tuple[str, str] | None = None,
        parent: QWidget | None = None,
        notice: str = "",
    ) -> None:
        super().__init__(parent)
        self._notice = notice  # after a sign-out or switch of user: who signed out
        self._services = services
        self._demo = demo_credentials
        self._pending = False  # "Sign in" pressed before the services were attached
        self._unlock: Callable[[str, str], Services] | None = None  # an encrypted database: see attach_unlock
        self._loading = False  # the unlock is attached while the application still loads
        #: Told the user name and password at every edit (an encrypted database: ``attach_unlock``).
        self._typed: Callable[[str, str], None] | None = None
        self.actor: Actor | None = None
        self.setObjectName("login_dialog")
        self.setWindowTitle("Sign in · ClinicRec")
        self._build_ui()
        self._connect_signals()
        AfterFirstPaint(self, self._after_first_paint)

    # -- building -------------------------------------------------------------------------------
    def _build_ui(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 20)
        layout.setSpacing(10)

        title = role_of_new(QLabel("Sign in to ClinicRec", self), "heading")
        layout.addWidget(title)
        clinic = self._clinic_name() if self._services is not None else ""
        self.clinic_label = role_of_new(QLabel(clinic or "Microbotox charting", self), "muted")
        self.clinic_label.setObjectName("clinic_label")
        layout.addWidget(self.clinic_label)
        self.notice_label = role_of_new(QLabel(self._notice, self), "banner-info")
        self.notice_label.setObjectName("sign_in_notice")
        self.notice_label.setWordWrap(True)
        self.notice_label.setVisible(bool(self._notice))
        layout.addWidget(self.notice_label)

        self.demo_box = QWidget(self)
        self.demo_box.setObjectName("demo_box")
        if self._demo is not None:
            user, password = self._demo
            demo_layout = QHBoxLayout(self.demo_box)
            demo_layout.setContentsMargins(0, 0, 0, 0)
            self.demo_label = role_of_new(
                QLabel(
                    f"Demo database: sign in as <b>{user}</b> with password <b>{password}</b>.", self.demo_box
                ),
                "banner-info",
            )
            self.demo_label.setObjectName("demo_label")
            self.demo_label.setWordWrap(True)
            self.fill_demo_button = QPushButton("Fill &in", self.demo_box)
            self.fill_demo_button.setObjectName("fill_demo_button")
            self.fill_demo_button.setAccessibleName("Fill in the demo sign-in details")
            self.fill_demo_button.setAutoDefault(False)
            demo_layout.addWidget(self.demo_label, 1)
            demo_layout.addWidget(self.fill_demo_button)
        else:
            self.demo_box.hide()
        layout.addWidget(self.demo_box)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setVerticalSpacing(6)
        self.username_edit = QLineEdit(self)
        self.username_edit.setObjectName("username")
        self.username_edit.setAccessibleName("User name")
        self.username_edit.setMinimumWidth(260)
        self.password_edit = QLineEdit(self)
        self.password_edit.setObjectName("password")
        self.password_edit.setAccessibleName("Password")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.error_label = FieldErrorLabel(self.password_edit, self)
        self.error_label.setObjectName("sign_in_error")
        self.caps_label = role_of_new(QLabel("Caps Lock may be on.", self), "muted")
        self.caps_label.setObjectName("caps_label")
        self.caps_label.hide()
        user_label = QLabel("&User name", self)
        user_label.setBuddy(self.username_edit)
        password_label = QLabel("&Password", self)
        password_label.setBuddy(self.password_edit)
        form.addRow(user_label, self.username_edit)
        form.addRow(password_label, self.password_edit)
        form.addRow("", self.error_label)
        form.addRow("", self.caps_label)
        layout.addLayout(form)
        self.status_label = role_of_new(QLabel("Checking and opening the record database…", self), "muted")
        self.status_label.setObjectName("sign_in_status")
        self.status_label.setAccessibleName("Start-up status")
        self.status_label.setWordWrap(True)
        self.status_label.setVisible(self._services is None)
        layout.addWidget(self.status_label)
        layout.addStretch(1)

        # (by keyword: a widget by position is tried as a Qt.Orientation too, which makes the namespace)
        self.buttons = QDialogButtonBox(parent=self)
        self.sign_in_button = QPushButton("Sign in", self)
        self.sign_in_button.setObjectName("sign_in_button")
        self.sign_in_button.setAccessibleName("Sign in")
        self.sign_in_button.setDefault(True)
        make_primary(self.sign_in_button)
        self.cancel_button = QPushButton("Quit", self)
        self.cancel_button.setObjectName("cancel_button")
        self.cancel_button.setAccessibleName("Quit without signing in")
        self.buttons.addButton(self.sign_in_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        layout.addWidget(self.buttons)

        self.setMinimumWidth(460)
        if self._demo is not None:
            self.username_edit.setText(self._demo[0])
            self.password_edit.setFocus()
        else:
            self.username_edit.setFocus()

    def _after_first_paint(self) -> None:
        """What asks for the ``Qt`` namespace, which PySide6 makes at its first use (some 45 ms): after the
        dialog is up (see ``style.style_before_paint``), before anyone has typed."""
        Qt = QtCore.Qt  # noqa: N806
        self.username_edit.setAttribute(Qt.WidgetAttribute.WA_InputMethodEnabled, False)
        if self._demo is not None:
            self.demo_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    def _connect_signals(self) -> None:
        self.sign_in_button.clicked.connect(self._sign_in)
        self.cancel_button.clicked.connect(self.reject)
        self.username_edit.textEdited.connect(self.error_label.clear_error)
        self.password_edit.textEdited.connect(self.error_label.clear_error)
        self.password_edit.textEdited.connect(self._check_caps)
        self.username_edit.textChanged.connect(self._tell_typed)
        self.password_edit.textChanged.connect(self._tell_typed)
        if self._demo is not None:
            self.fill_demo_button.clicked.connect(self.fill_demo)

    def _clinic_name(self) -> str:
        if self._services is None:
            return ""
        try:
            return self._services.clinic.get().name if self._services.clinic.is_set_up() else ""
        except Exception:  # noqa: BLE001 - the sign-in screen must open even on a damaged settings row
            return ""

    # -- start-up -------------------------------------------------------------------------------
    @property
    def ready(self) -> bool:
        """A sign-in would go straight to the password check, with nothing left loading behind it."""
        return self._can_sign_in and not self._loading

    @property
    def _can_sign_in(self) -> bool:
        return self._services is not None or self._unlock is not None

    @property
    def services(self) -> Services | None:
        """The services signed in to (on an encrypted database, opened by the sign-in itself)."""
        return self._services

    def attach_unlock(
        self,
        unlock: Callable[[str, str], Services],
        clinic_name: str = "",
        *,
        loading: bool = False,
        typed: Callable[[str, str], None] | None = None,
    ) -> None:
        """The database is encrypted: the user name and password open it (``services.unlock``) and sign
        in, in one step; nothing of it can be read before.

        ``loading``: the application is still loading (``unlock`` waits for it after the password check,
        which it can begin at once); ``loaded()`` says when it is done, and the dialog is then ready.
        ``typed``: told the user name (stripped) and password now and at every edit, so that the key's
        unwrapping can begin before "Sign in" (``services.opening.UnwrapAhead``)."""
        self._unlock = unlock
        self._loading = loading
        self._typed = typed
        self._tell_typed()
        self.clinic_label.setText(clinic_name or "Microbotox charting")
        self.status_label.hide()
        if not loading:
            self.sig_ready.emit()
        if self._pending:
            self._pending = False
            self._set_waiting(False)
            self._sign_in()

    def loaded(self) -> None:
        """The application has loaded behind an unlock attached with ``loading``."""
        if self._loading:
            self._loading = False
            self.sig_ready.emit()

    def attach(self, services: Services, clinic_name: str = "") -> None:
        """The database has passed its check and is open: sign-ins go ahead (one already asked for now)."""
        self._services = services
        self.clinic_label.setText(clinic_name or "Microbotox charting")
        self.status_label.hide()
        self.sig_ready.emit()
        if self._pending:
            self._pending = False
            self._set_waiting(False)
            self._sign_in()

    def withdraw(self) -> None:
        """Start-up cannot go on to a sign-in here (setup needed, or the database cannot be used)."""
        self._pending = False
        self.done(WITHDRAWN)

    def _set_waiting(self, waiting: bool) -> None:
        for widget in (self.username_edit, self.password_edit, self.sign_in_button):
            widget.setEnabled(not waiting)
        if self._demo is not None:
            self.fill_demo_button.setEnabled(not waiting)
        if waiting:
            self.status_label.setText("Signing in as soon as the record database is open…")
            self.status_label.show()

    # -- behaviour ------------------------------------------------------------------------------
    def fill_demo(self) -> None:
        if self._demo is None:
            return
        self.username_edit.setText(self._demo[0])
        self.password_edit.setText(self._demo[1])
        self.sign_in_button.setFocus()

    def _tell_typed(self) -> None:
        if self._typed is not None:
            self._typed(self.username_edit.text().strip(), self.password_edit.text())

    def _check_caps(self, text: str) -> None:
        # Qt cannot read the Caps Lock state portably; a password typed all in capitals is the usual sign.
        letters = [c for c in text if c.isalpha()]
        self.caps_label.setVisible(len(letters) >= 3 and all(c.isupper() for c in letters))

    def _sign_in(self) -> None:
        username = self.username_edit.text().strip()
        password = self.password_edit.text()
        if not username:
            self.error_label.show_error("Enter your user name.")
            self.username_edit.setFocus()
            return
        if not password:
            self.error_label.show_error("Enter your password.")
            self.password_edit.setFocus()
            return
        if not self._can_sign_in:
            self._pending = True
            self._set_waiting(True)
            return
        self.sign_in_button.setEnabled(False)
        QGuiApplication.setOverrideCursor(QtCore.Qt.CursorShape.WaitCursor)
        try:
            if self._services is None and self._unlock is not None:
                self._services = self._unlock(username, password)
                self.actor = self._services.actor
            else:
                assert self._services is not None
                self.actor = self._services.auth.sign_in(username, password)
        except (AuthenticationError, StorageError) as e:
            self.error_label.show_error(str(e))
            self.password_edit.clear()
            self.password_edit.setFocus()
            return
        finally:
            QGuiApplication.restoreOverrideCursor()
            self.sign_in_button.setEnabled(True)
        self.accept()

    @classmethod
    def ask(
        cls,
        parent: QWidget | None,
        services: Services,
        *,
        demo_credentials: tuple[str, str] | None = None,
        notice: str = "",
    ) -> Actor | None:
        """Show the dialog; the signed-in user, or None if the user quit."""
        dialog = cls(services, demo_credentials=demo_credentials, parent=parent, notice=notice)
        try:
            return dialog.actor if dialog.exec() == QDialog.DialogCode.Accepted else None
        finally:
            dialog.deleteLater()
