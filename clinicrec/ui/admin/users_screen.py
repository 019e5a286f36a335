"""Users for administrators: who may sign in, with which role; add, edit, reset a password."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...domain.enums import Role
from ...domain.errors import FieldError, ValidationError
from ...domain.models import User
from ...services.app import Services
from ...services.base import ChangeEntity
from ...services.permissions import PERMISSIONS, Action
from ..password_hint import HINT, attach_strength_hint
from ..rows_model import RowsModel
from ..style import set_role
from .forms import FormDialog, named
from .models import users_model
from .password_dialog import ResetPasswordDialog
from .record_list import RecordListScreen

_ROLE_ORDER = (Role.INJECTOR, Role.MANAGER, Role.ADMIN, Role.PRESCRIBER)


def role_summary(role: Role) -> str:
    """What ``role`` may do beyond the role below it, in the words of the permission table."""
    if role is Role.PRESCRIBER:  # not above an administrator: a clinical role of its own
        return ", ".join(a.value for a in Action if a in PERMISSIONS[role])
    i = _ROLE_ORDER.index(role)
    below = PERMISSIONS[_ROLE_ORDER[i - 1]] if i else frozenset()
    added = [a.value for a in Action if a in PERMISSIONS[role] and a not in below]
    if not i:
        return ", ".join(added)
    lower = _ROLE_ORDER[i - 1].label.lower()
    return f"everything {'an' if lower[0] in 'aeiou' else 'a'} {lower} may, and: " + ", ".join(added)


class UserDialog(FormDialog):
    """Add a user (with a first password), or edit a user's name, credentials, role and whether they may
    sign in."""

    def __init__(
        self, services: Services, prompts: Any, user: User | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(services, prompts, parent)
        self._user = user
        self.heading_text = f"Edit {user.full_name}" if user else "New user"
        self.save_text = "Save" if user else "Add user"
        self.setObjectName("user_dialog")
        self.setWindowTitle(f"Edit user · {user.full_name}" if user else "New user · ClinicRec")
        self._build_ui()
        self.setMinimumWidth(620)

    def _build_ui(self) -> None:
        body = self._build_frame(action=Action.MANAGE_USERS)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.username = self.add_field(
            form,
            "&User name",
            QLineEdit(self),
            "username",
            "User name",
            "Used to sign in; cannot be changed later." if self._user is None else "",
        )
        self.full_name = self.add_field(form, "&Full name", QLineEdit(self), "full_name", "Full name")
        self.credentials = self.add_field(
            form,
            "&Credentials",
            QLineEdit(self),
            "credentials",
            "Credentials",
            "Printed after the name on signed charts, e.g. RN, NP, MD.",
        )
        self.role = self.add_field(form, "&Role", QComboBox(self), "role", "Role", " ")
        for role in _ROLE_ORDER:
            self.role.addItem(role.label, role)
        self.role_help = self.hints["role"]
        self.active = self.add_field(form, "", QCheckBox("Active: may sign in", self), "active", "Active")
        if self._user is None:
            self.password = self.add_field(
                form, "&Password", QLineEdit(self), "password", "First password", HINT
            )
            self.confirm = self.add_field(form, "C&onfirm", QLineEdit(self), "confirm", "Confirm password")
            for edit in (self.password, self.confirm):
                edit.setEchoMode(QLineEdit.EchoMode.Password)
            clinic = self._services.auth.password_context("", "")
            attach_strength_hint(
                self.password,
                self.hints["password"],
                lambda: (self.username.text(), self.full_name.text(), *clinic),
            )
        body.addLayout(form)
        self.role.currentIndexChanged.connect(self._show_role_help)
        self._fill()

    def _fill(self) -> None:
        u = self._user
        self.role.setCurrentIndex(self.role.findData(u.role if u else Role.INJECTOR))
        self.active.setChecked(u.active if u else True)
        if u is not None:
            self.username.setText(u.username)
            self.username.setReadOnly(True)
            self.full_name.setText(u.full_name)
            self.credentials.setText(u.credentials)
            self.full_name.setFocus()
        self._show_role_help()

    def _show_role_help(self) -> None:
        self.role_help.setText(role_summary(self.role.currentData()).capitalize() + ".")

    def user(self) -> User:
        values = dict(
            username=self.username.text().strip(),
            full_name=self.full_name.text().strip(),
            credentials=self.credentials.text().strip(),
            role=self.role.currentData(),
            active=self.active.isChecked(),
        )
        return replace(self._user, **values) if self._user else User(**values)  # type: ignore[arg-type]

    def _store(self) -> User:
        user = self.user()
        actor = self._services.actor
        if self._user is None:
            if self.password.text() != self.confirm.text():
                raise ValidationError(FieldError("confirm", "The two passwords are not the same."))
            return self._services.auth.create_user(user, self.password.text())
        if actor is not None and user.id == actor.user_id:
            errors = []
            if user.role != Role.ADMIN:
                errors.append(
                    FieldError(
                        "role", "You cannot remove your own administrator role; another administrator can."
                    )
                )
            if not user.active:
                errors.append(FieldError("active", "You cannot deactivate your own account."))
            if errors:
                raise ValidationError(errors)
        return self._services.auth.update_user(user)

    @classmethod
    def ask(
        cls, parent: QWidget | None, services: Services, prompts: Any, user: User | None = None
    ) -> User | None:
        """Add (``user`` None) or edit a user; the saved user, or None if cancelled."""
        return cls(services, prompts, user, parent).run()


class UsersScreen(RecordListScreen[User]):
    """The user list with Add, Edit and Reset password. Changes go through AuthService (MANAGE_USERS)."""

    entity = ChangeEntity.USER
    action = Action.MANAGE_USERS
    noun = "user"
    title = "Users"
    blurb = (
        "Who may sign in to ClinicRec, and what each may do. Users are never deleted: deactivate them, "
        "so their signatures stay readable."
    )

    def make_model(self) -> RowsModel[User]:
        return users_model(self)

    def load(self) -> list[User]:
        return self._services.auth.list_users()

    def ask(self, record: User | None) -> User | None:
        return UserDialog.ask(self, self._services, self._prompts, record)

    def extra_buttons(self) -> list[QPushButton]:
        self.reset_button = named(
            QPushButton("Reset password…", self),
            "reset_password_button",
            "Reset the selected user's password",
        )
        self.reset_button.clicked.connect(self.reset_password)
        return [self.reset_button]

    def add_below(self, layout: QVBoxLayout) -> None:
        roles = named(set_role(QFrame(self), "card"), "roles_card")
        roles_layout = QVBoxLayout(roles)
        roles_layout.setContentsMargins(14, 10, 14, 12)
        roles_layout.addWidget(set_role(QLabel("What each role may do", roles), "subheading"))
        grid = QFormLayout()
        grid.setHorizontalSpacing(16)
        for role in _ROLE_ORDER:
            text = QLabel(role_summary(role).capitalize() + ".", roles)
            text.setWordWrap(True)
            grid.addRow(set_role(QLabel(role.label, roles), "subheading"), text)
        roles_layout.addLayout(grid)
        layout.addWidget(roles)

    def reset_password(self) -> None:
        user = self.selected()
        if user is not None and ResetPasswordDialog.ask(self, self._services, user, self._prompts):
            self._prompts.info(
                self,
                "Password reset",
                f"{user.full_name}'s password was reset. Give them the new password in person.",
            )
