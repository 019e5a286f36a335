"""Small shared widgets: the red error label under a field and the positive-screening badge."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from PySide6 import QtCore
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QVBoxLayout, QWidget

from ..domain.errors import FieldError
from .style import Scheme, follow_scheme

if TYPE_CHECKING:  # the sign-in dialog uses this module before the domain model is loaded
    from ..domain.models import SafetyScreening

ERROR_RED = "#b3261e"  # the light scheme's red (style.LIGHT.danger); painting code asks style.active()


class FieldErrorLabel(QLabel):
    """A red, word-wrapped line under a form field; hidden while there is nothing to say.

    The label is linked to its field with ``QLabel.setBuddy`` semantics for screen readers: the field's
    accessible description carries the message while it is shown.
    """

    def __init__(self, field: QWidget | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._field = field
        self._plain = False  # the text shown as plain text (set with the first text: ``setText``)
        self.setWordWrap(True)
        self.setProperty("role", "error")
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.setAccessibleName("Error")
        if field is not None and field.objectName():
            self.setObjectName(f"{field.objectName()}_error")
        self.hide()
        if field is not None:
            _on_edit(field, self._field_edited)

    def _field_edited(self, *_args: object) -> None:
        """The user changed the field: the old message no longer describes it (the next check may say
        something new)."""
        if self.text():
            self.clear_error()

    @property
    def field(self) -> QWidget | None:
        return self._field

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        """Shown as plain text, never as markup (a message may quote what the user typed). The format is
        set with the first text, not when the label is made: the sign-in dialog makes one before the
        ``Qt`` namespace is made (``style.style_before_paint``)."""
        if not self._plain:
            self.setTextFormat(QtCore.Qt.TextFormat.PlainText)
            self._plain = True
        super().setText(text)

    def show_error(self, message: str) -> None:
        self.setText(message)
        self.setAccessibleDescription(message)
        if self._field is not None:
            self._field.setAccessibleDescription(message)
            self._field.setProperty("invalid", True)
            _repolish(self._field)
        self.setVisible(bool(message))

    def clear_error(self) -> None:
        self.setText("")
        self.setAccessibleDescription("")
        if self._field is not None:
            self._field.setAccessibleDescription("")
            self._field.setProperty("invalid", False)
            _repolish(self._field)
        self.hide()


_EDIT_SIGNALS = ("textEdited", "textChanged", "currentIndexChanged", "valueChanged", "dateChanged", "toggled")


def _on_edit(field: QWidget, slot: object) -> None:
    """Connect ``slot`` to the signal saying the user changed ``field`` (a line edit's own typing only)."""
    for name in _EDIT_SIGNALS:
        signal = getattr(field, name, None)
        if signal is not None and hasattr(signal, "connect"):
            signal.connect(slot)
            return


def _repolish(widget: QWidget) -> None:
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)


def clear_field_errors(labels: Mapping[str, FieldErrorLabel]) -> None:
    for label in labels.values():
        label.clear_error()


def show_field_errors(errors: list[FieldError], labels: Mapping[str, FieldErrorLabel]) -> list[FieldError]:
    """Put each error under its field; return the errors that have no label (to show elsewhere).

    Clears every label first, so a corrected field loses its old message. Several errors for one field
    are joined, one per line. The first field with an error gets the keyboard focus.
    """
    clear_field_errors(labels)
    messages: dict[str, list[str]] = {}
    unmatched: list[FieldError] = []
    for error in errors:
        if error.field in labels:
            messages.setdefault(error.field, []).append(error.message)
        else:
            unmatched.append(error)
    focused = False
    for name, lines in messages.items():
        label = labels[name]
        label.show_error("\n".join(lines))
        if not focused and label.field is not None and label.field.isVisible():
            label.field.setFocus(QtCore.Qt.FocusReason.OtherFocusReason)
            focused = True
    return unmatched


class ScreeningBadge(QFrame):
    """A red banner listing a patient's positive safety-screening answers; hidden when all are negative."""

    def __init__(
        self,
        screening: SafetyScreening | None = None,
        parent: QWidget | None = None,
        *,
        compact: bool = False,
    ) -> None:
        super().__init__(parent)
        self._compact = compact
        self.setObjectName("screening_badge")
        self.setAccessibleName("Positive safety screening")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        follow_scheme(self, self._restyle)  # the red of the scheme in use, also after a switch
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(2)
        self._title = QLabel(self)
        self._title.setObjectName("screening_badge_title")
        font = self._title.font()
        font.setBold(True)
        self._title.setFont(font)
        self._items = QLabel(self)
        self._items.setObjectName("screening_badge_items")
        self._items.setWordWrap(True)
        self._items.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        self._items.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self._title)
        layout.addWidget(self._items)
        self._positives: list[str] = []
        self.set_screening(screening)

    def _restyle(self, c: Scheme) -> None:
        self.setStyleSheet(
            f"QFrame#screening_badge {{ background: {c.danger_bg}; border: 1px solid {c.danger_border};"
            f" border-left: 5px solid {c.danger}; border-radius: 4px; }}"
            f" QFrame#screening_badge QLabel {{ color: {c.danger}; background: transparent; border: none; }}"
        )

    @property
    def positives(self) -> list[str]:
        return list(self._positives)

    def text(self) -> str:
        """Everything the badge says, as plain text (for tests and accessibility)."""
        return f"{self._title.text()}\n{self._items.text()}".strip()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_items()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._fit_items()

    def _fit_items(self) -> None:
        # Some layouts (group boxes in dialogs) do not pass height-for-width on: ask for the wrapped height.
        if not self.isVisible():
            return  # laid out only once shown; a guess at the width now would stick
        margins = self.layout().contentsMargins()
        width = self.contentsRect().width() - margins.left() - margins.right()
        if width > 0 and self._items.text():
            height = self._items.heightForWidth(width)
            if height > 0 and height != self._items.minimumHeight():
                self._items.setMinimumHeight(height)

    def set_screening(self, screening: SafetyScreening | None) -> None:
        self._positives = screening.positives() if screening is not None else []
        if not self._positives:
            self._title.clear()
            self._items.clear()
            self.setAccessibleDescription("")
            self.hide()
            return
        self._title.setText("⚠ Positive safety screening")
        separator = " · " if self._compact else "\n"
        self._items.setText(separator.join(f"• {p}" if not self._compact else p for p in self._positives))
        self.setAccessibleDescription("; ".join(self._positives))
        self.setToolTip("\n".join(self._positives))
        self._fit_items()
        if self.isWindow():
            # Not placed in a window yet: let the layout that adopts it show it (never a stray window).
            self.setAttribute(QtCore.Qt.WidgetAttribute.WA_WState_ExplicitShowHide, False)
        else:
            self.setVisible(True)
