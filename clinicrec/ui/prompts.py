"""Every message box goes through one injectable object, so tests never click modal boxes on timers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QInputDialog, QLineEdit, QMessageBox, QWidget

if TYPE_CHECKING:
    from .session.sign_dialog import SignSummary


class Prompts:
    """Real dialogs. Tests pass a ``ScriptedPrompts`` (tests/ui/conftest.py) with canned answers."""

    def info(self, parent: QWidget | None, title: str, text: str) -> None:
        QMessageBox.information(parent, title, text)

    def warn(self, parent: QWidget | None, title: str, text: str) -> None:
        QMessageBox.warning(parent, title, text)

    def error(self, parent: QWidget | None, title: str, text: str) -> None:
        QMessageBox.critical(parent, title, text)

    def confirm(self, parent: QWidget | None, title: str, text: str) -> bool:
        answer = QMessageBox.question(
            parent,
            title,
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def save_discard_cancel(self, parent: QWidget | None, title: str, text: str) -> str:
        """'save' | 'discard' | 'cancel'."""
        box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=parent)
        box.setStandardButtons(
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel
        )
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        result = box.exec()
        return {QMessageBox.StandardButton.Save: "save", QMessageBox.StandardButton.Discard: "discard"}.get(
            QMessageBox.StandardButton(result), "cancel"
        )

    def text(self, parent: QWidget | None, title: str, label: str, default: str = "") -> str | None:
        value, ok = QInputDialog.getText(parent, title, label, QLineEdit.EchoMode.Normal, default)
        return value if ok else None

    def reason(
        self, parent: QWidget | None, title: str, label: str, choices: Sequence[str] = ()
    ) -> str | None:
        """A reason to record (stays open, saying why, until it is usable); None if cancelled.
        ``choices``: the clinic's common reasons, offered as a pick-list beside free text."""
        from .session.sign_dialog import ReasonDialog

        return ReasonDialog.ask(parent, title, label, choices=choices)

    def sign_session(self, parent: QWidget | None, summary: SignSummary) -> str | None:
        """Show what is being signed and ask the password; None if cancelled."""
        from .session.sign_dialog import SignDialog

        return SignDialog.ask(parent, summary)

    def password(self, parent: QWidget | None, title: str, label: str) -> str | None:
        value, ok = QInputDialog.getText(parent, title, label, QLineEdit.EchoMode.Password)
        return value if ok else None

    def save_file(self, parent: QWidget | None, title: str, suggested: str, filter_: str) -> str | None:
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getSaveFileName(parent, title, suggested, filter_)
        return path or None

    def open_file(self, parent: QWidget | None, title: str, filter_: str) -> str | None:
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getOpenFileName(parent, title, "", filter_)
        return path or None
