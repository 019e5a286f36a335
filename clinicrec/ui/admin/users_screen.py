"""Users for administrators: who may sign in, with which role; add, edit, reset a password."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...domain.enums import Role
from ...domain.errors import ClinicRecError, FieldError, ValidationError
from ...domain.models import User
from ...services.app import Services
from ...services.base import Change, ChangeEntity
from ...services.permissions import PERMISSIONS, Action
from ..password_hint import HINT, attach_strength_hint
from ..prompts import Prompts
from ..style import make_primary, set_role
from .forms import FormDialog, banner, header_row, named, refusal
from .models import users_model
from .password_dialog import ResetPasswordDialog

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


class UsersScreen(QWidget):
    """The user list with Add, Edit and Reset password. Changes go through AuthService (MANAGE_USERS)."""

    sig_user_saved = Signal(object)  # User

    def __init__(
        self, services: Services, prompts: Prompts, parent: QWidget | None = None, *, bus: Any = None
    ) -> None:
        super().__init__(parent)
        self._services = services
        self._prompts = prompts
        self.setObjectName("users_screen")
        self.setWindowTitle("Users · ClinicRec")
        self._build_ui()
        self._connect_signals()
        if bus is not None:
            bus.sig_changed.connect(self.on_change)
        self.refresh()

    def _build_ui(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 12)
        layout.setSpacing(10)
        top = header_row(
            self,
            "Users",
            "Who may sign in to ClinicRec, and what each may do. Users are never "
            "deleted: deactivate them, so their signatures stay readable.",
        )
        self.add_button = named(make_primary(QPushButton("Add user…", self)), "add_user_button", "Add a user")
        self.edit_button = named(QPushButton("Edit…", self), "edit_user_button", "Edit the selected user")
        self.reset_button = named(
            QPushButton("Reset password…", self),
            "reset_password_button",
            "Reset the selected user's password",
        )
        for button in (self.reset_button, self.edit_button, self.add_button):
            top.addWidget(button, 0, Qt.AlignmentFlag.AlignBottom)
        layout.addLayout(top)
        self.banner = banner(self, "users_banner")
        layout.addWidget(self.banner)

        self.model = users_model(self)
        self.table = named(QTableView(self), "users_table", "Users")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 12)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        layout.addWidget(self.table, 1)

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
        self.resize(1280, 800)

    def _connect_signals(self) -> None:
        self.add_button.clicked.connect(self.add_user)
        self.edit_button.clicked.connect(self.edit_user)
        self.reset_button.clicked.connect(self.reset_password)
        self.table.doubleClicked.connect(lambda _i: self.edit_user())
        self.table.selectionModel().currentRowChanged.connect(self._update_buttons)

    # -- data -----------------------------------------------------------------------------------
    def refresh(self, select_id: int | None = None) -> None:
        selected = select_id if select_id is not None else getattr(self.selected_user(), "id", None)
        try:
            users = self._services.auth.list_users()
        except ClinicRecError as e:
            self.show_banner(f"The users could not be read: {e}")
            return
        self.model.set_rows(users)
        rows = [i for i, u in enumerate(users) if u.id == selected] or ([0] if users else [])
        if rows:
            self.table.selectRow(rows[0])
        reason = refusal(self._services, Action.MANAGE_USERS)
        if reason is not None:
            self.show_banner(reason)
        self._update_buttons()

    def on_change(self, change: Change) -> None:
        if change.entity == ChangeEntity.USER:
            self.refresh()

    def selected_user(self) -> User | None:
        index = self.table.currentIndex() if hasattr(self, "table") else QModelIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def _update_buttons(self, *_args: object) -> None:
        allowed = refusal(self._services, Action.MANAGE_USERS) is None
        self.add_button.setEnabled(allowed)
        self.edit_button.setEnabled(allowed and self.selected_user() is not None)
        self.reset_button.setEnabled(allowed and self.selected_user() is not None)

    # -- actions --------------------------------------------------------------------------------
    def add_user(self) -> None:
        user = UserDialog.ask(self, self._services, self._prompts)
        if user is not None:
            self.refresh(select_id=user.id)
            self.sig_user_saved.emit(user)

    def edit_user(self) -> None:
        current = self.selected_user()
        if current is None:
            return
        user = UserDialog.ask(self, self._services, self._prompts, current)
        if user is not None:
            self.refresh(select_id=user.id)
            self.sig_user_saved.emit(user)

    def reset_password(self) -> None:
        user = self.selected_user()
        if user is not None and ResetPasswordDialog.ask(self, self._services, user, self._prompts):
            self._prompts.info(
                self,
                "Password reset",
                f"{user.full_name}'s password was reset. Give them the new password in person.",
            )

    def show_banner(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.show()
