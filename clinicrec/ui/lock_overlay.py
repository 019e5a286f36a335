"""The panel the idle lock puts over each window: opaque, asking for the signed-in user's password."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QColor, QLinearGradient, QPainter
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from .admin.forms import named as _named
from .style import Scheme, active, follow_scheme, make_primary, set_role
from .widgets import FieldErrorLabel

_FOLLOW = (QEvent.Type.Resize, QEvent.Type.Show, QEvent.Type.ChildAdded)


class LockOverlay(QWidget):
    """An opaque panel over one window, asking for the signed-in user's password."""

    sig_unlock_requested = Signal(str)
    sig_sign_out_requested = Signal()

    def __init__(
        self,
        window: QWidget,
        user: str,
        minutes: int,
        *,
        sign_out_available: bool = False,
        reason: str | None = None,
        by_hand: bool = False,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._user = user
        self._minutes = minutes
        self._by_hand = by_hand  # locked with the menu command or Ctrl+L, not for idleness
        self.setObjectName("lock_overlay")
        self.setAccessibleName("Screen locked")
        self.setAttribute(Qt.WidgetAttribute.WA_NoMousePropagation, True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._build_ui(sign_out_available)
        self._connect_signals()
        if reason:
            self.show_reason(reason)
        self.setGeometry(window.rect())
        window.installEventFilter(self)

    def _build_ui(self, sign_out_available: bool) -> None:
        self.card = _named(QFrame(self), "lock_card")
        self.card.setFixedWidth(max(260, min(440, self._window.width() - 32)))
        follow_scheme(self.card, self._restyle_card)
        card = QVBoxLayout(self.card)
        card.setContentsMargins(28, 18, 28, 20)
        card.setSpacing(8)
        plural, at = "s" if self._minutes != 1 else "", datetime.now().strftime("%H:%M")
        why = "" if self._by_hand else f" after {self._minutes} minute{plural} without activity"
        self.heading = _named(set_role(QLabel("Screen locked", self.card), "heading"), "lock_heading")
        self.message = _named(
            QLabel(f"Locked — {self._user} — enter your password", self.card), "lock_message"
        )
        self.note = _named(
            set_role(
                QLabel(
                    f"Locked at {at}{why}. Everything you had open is kept as you left it.",
                    self.card,
                ),
                "muted",
            ),
            "lock_note",
        )
        self.password = _named(QLineEdit(self.card), "unlock_password", "Password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("Password")
        self.error = _named(FieldErrorLabel(self.password, self.card), "unlock_error")
        self.sign_out_button = _named(
            QPushButton("Sign out", self.card), "lock_sign_out_button", "Sign out instead of unlocking"
        )
        self.sign_out_button.setAutoDefault(False)
        self.sign_out_button.setVisible(sign_out_available)
        self.unlock_button = _named(make_primary(QPushButton("Unlock", self.card)), "unlock_button", "Unlock")
        buttons = QHBoxLayout()
        buttons.addWidget(self.sign_out_button)
        buttons.addStretch(1)
        buttons.addWidget(self.unlock_button)
        for w in (self.heading, self.message, self.note, self.password, self.error):
            card.addWidget(w)
            if isinstance(w, QLabel):
                w.setWordWrap(True)
        card.addLayout(buttons)
        self._inner = self.card.width() - 56  # wrapped labels need their height at the card's fixed width
        for label in (self.heading, self.message, self.note):
            label.setMinimumHeight(label.heightForWidth(self._inner))
        footer = _named(
            set_role(QLabel("Patient information stays hidden until the screen is unlocked.", self), "muted"),
            "lock_footer",
        )
        outer = QVBoxLayout(self)
        outer.addStretch(2)
        outer.addWidget(self.card, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addSpacing(10)
        outer.addWidget(footer, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(3)

    def _connect_signals(self) -> None:
        self.password.returnPressed.connect(self._request_unlock)
        self.unlock_button.clicked.connect(self._request_unlock)
        self.sign_out_button.clicked.connect(self.sig_sign_out_requested)
        self.password.textEdited.connect(self.error.clear_error)

    def _request_unlock(self) -> None:
        if not self.password.text():
            self.show_error("Enter your password.")
            return
        self.sig_unlock_requested.emit(self.password.text())

    # -- state ----------------------------------------------------------------------------------
    def show_error(self, message: str) -> None:
        self.password.clear()
        self.error.show_error(message)
        self.error.setMinimumHeight(self.error.heightForWidth(self._inner))
        self.password.setFocus(Qt.FocusReason.OtherFocusReason)

    def show_reason(self, reason: str) -> None:
        """Locked because the user's account changed (not for idleness): say why."""
        self.heading.setText("Your access has changed")
        self.note.setText(reason)
        set_role(self.note, "")  # the reason in ordinary text, not muted
        self.note.style().unpolish(self.note)
        self.note.style().polish(self.note)
        slack = self.note.fontMetrics().lineSpacing()  # polish may change the font after measuring
        for label in (self.heading, self.note):
            label.setMinimumHeight(label.heightForWidth(self._inner) + slack)

    def set_entry_enabled(self, enabled: bool) -> None:
        self.password.setEnabled(enabled)
        self.unlock_button.setEnabled(enabled)
        self.focus_password()

    def focus_password(self) -> None:
        self.password.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- covering -------------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._window and event.type() in _FOLLOW:
            self.setGeometry(self._window.rect())
            self.raise_()
        return False

    def detach(self) -> None:
        self._window.removeEventFilter(self)
        self.hide()
        self.deleteLater()

    def _restyle_card(self, c: Scheme) -> None:
        self.card.setStyleSheet(
            f"QFrame#lock_card {{ background: {c.surface}; border: 1px solid {c.border};"
            f" border-top: 6px solid {c.accent}; border-radius: 0; }}"
            " QFrame#lock_card QLabel { border: none; background: transparent; }"
        )
        self.update()

    def paintEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        painter = QPainter(self)  # opaque: nothing of the chart shows through
        backdrop = QLinearGradient(0, 0, 0, self.height())
        c = active()  # asked at paint time: a switch of scheme repaints the backdrop too
        backdrop.setColorAt(0, QColor(c.window))
        backdrop.setColorAt(1, QColor(c.header if c.name == "dark" else "#dde6e8"))
        painter.fillRect(self.rect(), backdrop)
        painter.end()

    def focusNextPrevChild(self, next: bool) -> bool:  # noqa: A002 - Qt's name
        """Tab cycles inside the card, never to the covered form behind it."""
        chain = [
            w
            for w in (self.password, self.sign_out_button, self.unlock_button)
            if w.isVisible() and w.isEnabled()
        ]
        if not chain:
            return True
        focused = QApplication.focusWidget()
        i = chain.index(focused) if focused in chain else -1
        chain[(i + (1 if next else -1)) % len(chain)].setFocus(Qt.FocusReason.TabFocusReason)
        return True
