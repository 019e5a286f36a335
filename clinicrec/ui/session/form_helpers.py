"""Small helpers shared by the charting forms: a field with its error line, times, read-only mode."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime

from PySide6.QtCore import QDate, QDateTime
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from ..style import MUTED
from ..widgets import FieldErrorLabel


def field_with_error(field: QWidget, *, hint: str = "") -> tuple[QWidget, FieldErrorLabel]:
    """The field, an optional muted hint and its (hidden) error line, stacked tightly."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    layout.addWidget(field)
    if hint:
        label = QLabel(hint)
        label.setWordWrap(True)
        label.setStyleSheet(f"color: {MUTED};")
        layout.addWidget(label)
    error = FieldErrorLabel(field, box)
    layout.addWidget(error)
    return box, error


def name(widget: QWidget, object_name: str, accessible: str) -> QWidget:
    widget.setObjectName(object_name)
    widget.setAccessibleName(accessible)
    return widget


def to_qdatetime(when: datetime) -> QDateTime:
    """An aware datetime as a local QDateTime (the clinic's wall clock)."""
    return QDateTime.fromSecsSinceEpoch(int(when.timestamp()))


def from_qdatetime(value: QDateTime) -> datetime:
    return datetime.fromtimestamp(value.toSecsSinceEpoch(), UTC)


def to_qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def from_qdate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def local(when: datetime) -> str:
    return f"{when.astimezone():%Y-%m-%d %H:%M}"


def set_read_only(widgets: Iterable[QWidget], read_only: bool) -> None:
    """Text stays readable (read-only, not greyed); choices and buttons are disabled."""
    for w in widgets:
        if isinstance(w, QLineEdit | QPlainTextEdit):
            w.setReadOnly(read_only)
        elif isinstance(w, QAbstractSpinBox):
            w.setReadOnly(read_only)
            w.setButtonSymbols(
                QAbstractSpinBox.ButtonSymbols.NoButtons
                if read_only
                else QAbstractSpinBox.ButtonSymbols.UpDownArrows
            )
        elif isinstance(w, QComboBox | QAbstractButton):
            w.setEnabled(not read_only)
