"""What the admin dialogs share: fields with their error line, a banner, Save/Cancel, permission notes."""

from __future__ import annotations

import re
from typing import Any, TypeVar

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...domain.errors import ClinicRecError, FieldError, PermissionDenied, ValidationError
from ...services.app import Services
from ...services.permissions import Action
from ..style import make_primary, set_role
from ..widgets import FieldErrorLabel, show_field_errors

W = TypeVar("W", bound=QWidget)
_INDEX = re.compile(r"\[\d+\]$")


def named(widget: W, name: str, accessible: str = "") -> W:
    """Give an interactive widget the object name tests use and the name screen readers announce."""
    widget.setObjectName(name)
    if accessible:
        widget.setAccessibleName(accessible)
    return widget


def refusal(services: Services, action: Action) -> str | None:
    """The plain reason the signed-in user may not do ``action`` (None if they may)."""
    actor = services.actor
    if actor is None:
        return "Sign in first."
    try:
        actor.require(action)
    except PermissionDenied as e:
        return f"{e}. Ask an administrator if you need this."
    return None


def header_row(parent: QWidget, title: str, subtitle: str) -> QHBoxLayout:
    """A screen's heading and one-line explanation; the caller adds its buttons on the right."""
    row = QHBoxLayout()
    titles = QVBoxLayout()
    titles.setSpacing(2)
    titles.addWidget(named(set_role(QLabel(title, parent), "heading"), "screen_heading"))
    explanation = named(set_role(QLabel(subtitle, parent), "muted"), "screen_subtitle")
    explanation.setWordWrap(True)
    titles.addWidget(explanation)
    row.addLayout(titles, 1)
    return row


def banner(parent: QWidget, name: str, role: str = "banner-error") -> QLabel:
    label = named(set_role(QLabel(parent), role), name)
    label.setWordWrap(True)
    label.hide()
    return label  # type: ignore[return-value]


class FormDialog(QDialog):
    """A dialog of fields that saves through a service; problems appear under the field they concern.

    Subclasses build their fields with ``add_field`` inside ``_build_form`` and implement ``_store``,
    which returns the saved value or raises what the service raised.
    """

    heading_text = ""
    save_text = "Save"

    def __init__(self, services: Services, prompts: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self._prompts = prompts
        self._errors: dict[str, FieldErrorLabel] = {}
        self.hints: dict[str, QLabel] = {}
        self.saved: Any = None

    def _build_frame(self, *, action: Action | None = None) -> QVBoxLayout:
        """Heading, banner and the button row around the body the subclass adds to the returned layout."""
        outer = QVBoxLayout(self)
        outer.setContentsMargins(20, 16, 20, 14)
        outer.setSpacing(10)
        self.heading = named(set_role(QLabel(self.heading_text, self), "heading"), "dialog_heading")
        outer.addWidget(self.heading)
        self.banner = banner(self, "dialog_banner")
        outer.addWidget(self.banner)
        body = QVBoxLayout()
        outer.addLayout(body, 1)
        self.buttons = QDialogButtonBox(self)
        self.save_button = named(
            make_primary(QPushButton(self.save_text, self)), "save_button", self.save_text
        )
        self.save_button.setDefault(True)
        self.cancel_button = named(QPushButton("Cancel", self), "cancel_button", "Cancel")
        self.buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        outer.addWidget(self.buttons)
        self.save_button.clicked.connect(self.save)
        self.cancel_button.clicked.connect(self.reject)
        if action is not None and (reason := refusal(self._services, action)) is not None:
            self.show_banner(reason)
            self.save_button.setEnabled(False)
        return body

    def add_field(
        self, form: QFormLayout, caption: str, widget: W, field: str, accessible: str, hint: str = ""
    ) -> W:
        named(widget, field, accessible)
        label = QLabel(caption, self)
        label.setBuddy(widget)
        box = QVBoxLayout()
        box.setSpacing(2)
        box.addWidget(widget)
        if hint:
            self.hints[field] = named(set_role(QLabel(hint, self), "muted"), f"{field}_hint")
            self.hints[field].setWordWrap(True)
            box.addWidget(self.hints[field])
        error = FieldErrorLabel(widget, self)
        self._errors[field] = error
        box.addWidget(error)
        form.addRow(label, box)
        return widget

    # -- saving ---------------------------------------------------------------------------------
    def _store(self) -> Any:
        raise NotImplementedError

    def save(self) -> bool:
        """Store through the service; stay open and explain if it refuses."""
        self.banner.hide()
        try:
            self.saved = self._store()
        except ValidationError as e:
            self.show_errors(e.errors)
            return False
        except ClinicRecError as e:  # PermissionDenied, NotFoundError, StorageError ...
            self.show_errors([])
            self.show_banner(f"Not saved. {e}")
            return False
        self.accept()
        return True

    def show_errors(self, errors: list[FieldError]) -> None:
        """Each error under its field (``vial_sizes[1]`` under ``vial_sizes``); the rest in the banner."""
        mapped = [FieldError(_INDEX.sub("", e.field), e.message) for e in errors]
        left = show_field_errors(mapped, self._errors)
        if left:
            self.show_banner("\n".join(e.message for e in left))

    def show_banner(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.show()

    def error_for(self, field: str) -> str:
        label = self._errors.get(field)
        return label.text() if label is not None and not label.isHidden() else ""

    @property
    def has_errors(self) -> bool:
        return self.banner.isVisibleTo(self) or any(not e.isHidden() for e in self._errors.values())

    def run(self) -> Any:
        """Show modally; the saved value, or None if cancelled. Deletes the dialog afterwards."""
        try:
            return self.saved if self.exec() == QDialog.DialogCode.Accepted else None
        finally:
            self.deleteLater()
