"""Changing one's own password, and an administrator resetting someone else's."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QWidget

from ...domain.errors import FieldError, ValidationError
from ...domain.models import User
from ...services.app import Services
from ...services.permissions import Action
from ..password_hint import HINT, attach_strength_hint
from ..style import set_role
from .forms import FormDialog


def _password_edit(parent: QWidget) -> QLineEdit:
    edit = QLineEdit(parent)
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setMinimumWidth(280)
    return edit


def _check_confirmation(new: str, confirm: str) -> list[FieldError]:
    if new and new != confirm:
        return [FieldError("confirm", "The two new passwords are not the same.")]
    return []


class ChangePasswordDialog(FormDialog):
    """The signed-in user changes their own password (the current one is asked for first)."""

    heading_text = "Change your password"
    save_text = "Change password"

    def __init__(self, services: Services, prompts: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(services, prompts, parent)
        self.setObjectName("change_password_dialog")
        self.setWindowTitle("Change password · ClinicRec")
        self._build_ui()

    def _build_ui(self) -> None:
        body = self._build_frame()
        actor = self._services.actor
        who = set_role(
            QLabel(f"Signed in as {actor.full_name} ({actor.username})." if actor else "", self), "muted"
        )
        body.addWidget(who)
        form = QFormLayout()
        self.old_password = self.add_field(
            form, "&Current password", _password_edit(self), "old_password", "Current password"
        )
        self.new_password = self.add_field(
            form, "&New password", _password_edit(self), "password", "New password", HINT
        )
        self.confirm = self.add_field(
            form, "C&onfirm new password", _password_edit(self), "confirm", "Confirm new password"
        )
        body.addLayout(form)
        names = self._services.auth.password_context(actor.username, actor.full_name) if actor else ()
        attach_strength_hint(self.new_password, self.hints["password"], lambda: names)
        self.old_password.setFocus()

    def _store(self) -> bool:
        old, new, confirm = self.old_password.text(), self.new_password.text(), self.confirm.text()
        errors = _check_confirmation(new, confirm)
        if new and new == old:
            errors.append(FieldError("password", "Choose a password different from the current one."))
        if errors:
            raise ValidationError(errors)
        self._services.auth.change_own_password(old, new)
        return True

    def show_errors(self, errors: list[FieldError]) -> None:
        super().show_errors(errors)
        for edit in (self.old_password, self.new_password, self.confirm):
            edit.clear()  # never leave a typed password lying in a field after a refusal

    @classmethod
    def ask(cls, parent: QWidget | None, services: Services, prompts: Any = None) -> bool | None:
        """True once the password was changed; None if cancelled."""
        return cls(services, prompts, parent).run()


class ResetPasswordDialog(FormDialog):
    """An administrator sets a new password for another user (who should change it after signing in)."""

    heading_text = "Reset password"
    save_text = "Reset password"

    def __init__(
        self, services: Services, user: User, prompts: Any = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(services, prompts, parent)
        self._user = user
        self.setObjectName("reset_password_dialog")
        self.setWindowTitle(f"Reset password · {user.full_name}")
        self._build_ui()

    def _build_ui(self) -> None:
        body = self._build_frame(action=Action.MANAGE_USERS)
        self.heading.setText(f"Reset password for {self._user.full_name}")
        note = set_role(
            QLabel(
                "Give the new password to the user in person. Resetting also lifts a lock "
                "after repeated failed sign-ins.",
                self,
            ),
            "muted",
        )
        note.setWordWrap(True)
        body.addWidget(note)
        form = QFormLayout()
        self.new_password = self.add_field(
            form, "&New password", _password_edit(self), "password", "New password", HINT
        )
        self.confirm = self.add_field(
            form, "C&onfirm", _password_edit(self), "confirm", "Confirm new password"
        )
        body.addLayout(form)
        names = self._services.auth.password_context(self._user.username, self._user.full_name)
        attach_strength_hint(self.new_password, self.hints["password"], lambda: names)
        self.new_password.setFocus()

    def _store(self) -> bool:
        errors = _check_confirmation(self.new_password.text(), self.confirm.text())
        if errors:
            raise ValidationError(errors)
        assert self._user.id is not None
        self._services.auth.reset_password(self._user.id, self.new_password.text())
        return True

    @classmethod
    def ask(cls, parent: QWidget | None, services: Services, user: User, prompts: Any = None) -> bool | None:
        return cls(services, user, prompts, parent).run()
