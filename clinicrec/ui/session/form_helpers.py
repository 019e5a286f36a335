"""Small helpers shared by the charting forms: a field with its error line, times, read-only mode."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime

from PySide6.QtCore import QDate, QDateTime, Qt, QTime, QTimer
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from ..style import Scheme, active, follow_scheme, set_role
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
        set_role(label, "muted")
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


def local(when: datetime, zone_name: str | None = None) -> str:
    """The instant on the clinic's wall clock (``zone_name``; the computer's own zone when None), its date
    in the clinic's format."""
    from ...domain.clinic_time import zone
    from ..date_format import wall_clock_text

    w = when.astimezone() if zone_name is None else when.astimezone(zone(zone_name))
    return wall_clock_text(w)


def wall_clock(when: datetime, zone_name: str) -> QDateTime:
    """An instant as the clinic's wall-clock date and time, for a date-time box that shows it as typed."""
    from ...domain.clinic_time import zone

    w = when.astimezone(zone(zone_name))
    return QDateTime(QDate(w.year, w.month, w.day), QTime(w.hour, w.minute, w.second))


def from_wall_clock(value: QDateTime, zone_name: str) -> datetime:
    """The UTC instant of a date and time typed on the clinic's wall clock."""
    from ...domain.clinic_time import zone

    d, t = value.date(), value.time()
    local_time = datetime(
        d.year(), d.month(), d.day(), t.hour(), t.minute(), t.second(), tzinfo=zone(zone_name)
    )
    return local_time.astimezone(UTC)


def _look_signed(w: QWidget, read_only: bool) -> bool:
    """A signed chart's text reads as a record, not a form: no white box, no focus ring, no placeholder
    (the style's ``signed`` rule); the field can still be selected and copied with the mouse. True when
    the widget is to be restyled (``_restyle``) for its look to follow."""
    if bool(w.property("signed")) == read_only:
        return False
    w.setProperty("signed", read_only)
    if isinstance(w, QAbstractSpinBox):
        w.setFrame(not read_only)
        w.setStyleSheet("QAbstractSpinBox { background: transparent; }" if read_only else "")
    if read_only:
        w.setProperty("editable_focus", w.focusPolicy())
        w.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        if w.hasFocus():
            w.clearFocus()
    elif w.property("editable_focus") is not None:
        w.setFocusPolicy(Qt.FocusPolicy(w.property("editable_focus")))
    if isinstance(w, QLineEdit | QPlainTextEdit):
        if read_only:
            w.setProperty("editable_placeholder", w.placeholderText())
            w.setPlaceholderText("")
        else:
            w.setPlaceholderText(str(w.property("editable_placeholder") or w.placeholderText()))
    return True


def _ink_as_record(combo: QComboBox, read_only: bool) -> None:
    """A signed record's choice (the depth, a screening answer) is disabled but reads as text, in the
    scheme's text colour rather than the greyed ink of a control one cannot use (1.8:1 on its field)."""
    combo.setProperty("record_ink", read_only)
    if combo.property("record_ink_follows"):
        _apply_ink(combo, active())
        return
    combo.setProperty("record_ink_follows", True)
    follow_scheme(combo, lambda c: _apply_ink(combo, c))


def _apply_ink(combo: QComboBox, c: Scheme) -> None:
    pal = QApplication.palette(combo)
    if combo.property("record_ink"):
        for role in (QPalette.ColorRole.ButtonText, QPalette.ColorRole.Text):
            pal.setColor(QPalette.ColorGroup.Disabled, role, QColor(c.text))
    combo.setPalette(pal)


def _restyle(widgets: list[QWidget]) -> None:
    for w in widgets:
        w.style().unpolish(w)
        w.style().polish(w)


def set_read_only(widgets: Iterable[QWidget], read_only: bool) -> None:
    """Text stays readable (read-only, not greyed, not looking editable); choices and buttons are
    disabled. All at once, except the restyling that shows the ``signed`` look: it follows in the event
    loop's next turn (restyling a form's fields takes tens of milliseconds, and signing has enough to
    do in its own turn)."""
    restyle: list[QWidget] = []
    for w in widgets:
        if isinstance(w, QLineEdit | QPlainTextEdit):
            w.setReadOnly(read_only)
            if _look_signed(w, read_only):
                restyle.append(w)
        elif isinstance(w, QAbstractSpinBox):
            w.setReadOnly(read_only)
            if _look_signed(w, read_only):
                restyle.append(w)
            w.setButtonSymbols(
                QAbstractSpinBox.ButtonSymbols.NoButtons
                if read_only
                else QAbstractSpinBox.ButtonSymbols.UpDownArrows
            )
        elif isinstance(w, QComboBox | QAbstractButton):
            w.setEnabled(not read_only)
            if isinstance(w, QComboBox):
                _ink_as_record(w, read_only)
    if restyle:
        QTimer.singleShot(0, restyle[0], lambda: _restyle(restyle))
