"""A date field that takes what a person types: ISO dates and the clinic's local format.

QDateEdit works section by section, so typing "2027-06-30" into it gave 2001-06-30 and its calendar
opened at January 2001: a wrong expiry is a safety error. Here the text is parsed as a whole, the
calendar opens at the field's date or today, and the message under the field clears as soon as the
text is a valid date.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from PySide6.QtCore import QDate, QLocale, QPoint, Signal
from PySide6.QtWidgets import (
    QCalendarWidget,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QToolButton,
    QVBoxLayout,
    QWidget,
    QWidgetAction,
)

ERROR_RED = "#b3261e"
_ISO = re.compile(r"^\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\s*$")
_COMPACT = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})\s*$")


def local_formats(locale: QLocale | None = None) -> list[str]:
    """The locale's short and long date formats, with a four-digit year (never guess a century)."""
    loc = locale or QLocale()
    out = []
    for kind in (QLocale.FormatType.ShortFormat, QLocale.FormatType.LongFormat):
        fmt = loc.dateFormat(kind)
        if "yyyy" not in fmt:
            fmt = fmt.replace("yy", "yyyy")
        out.append(fmt)
    return out


def example_local(locale: QLocale | None = None) -> str:
    return QDate(2027, 6, 30).toString(local_formats(locale)[0])


def parse_typed_date(text: str, locale: QLocale | None = None) -> date | None:
    """``text`` as a date: ISO (2027-06-30, 2027/6/30, 20270630) or the locale's format; else None."""
    for pattern in (_ISO, _COMPACT):
        m = pattern.match(text)
        if m:
            y, mo, d = (int(g) for g in m.groups())
            try:
                return date(y, mo, d)
            except ValueError:
                return None
    stripped = text.strip()
    for fmt in local_formats(locale):
        parsed = QDate.fromString(stripped, fmt)
        if parsed.isValid() and 1000 <= parsed.year() <= 9999:
            return date(parsed.year(), parsed.month(), parsed.day())
    return None


class DateEdit(QWidget):
    """[ 2027-06-30 ][📅]  with its own message line while the text is not a date."""

    dateChanged = Signal(object)  # datetime.date, whenever the text becomes a (different) valid date

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        label: str = "Date",
        today: date | None = None,
        locale: QLocale | None = None,
    ) -> None:
        super().__init__(parent)
        self._label = label
        self._today = today
        self._locale = locale or QLocale()
        self._date: date | None = None
        self._minimum: date | None = None
        self._maximum: date | None = None
        self._build_ui()
        self._connect_signals()

    def _build_ui(self) -> None:
        self.line = QLineEdit(self)
        self.line.setPlaceholderText(f"YYYY-MM-DD or {example_local(self._locale)}")
        self.calendar_button = QToolButton(self)
        self.calendar_button.setText("▾")
        self.calendar_button.setToolTip("Choose from a calendar")
        self.calendar_button.setAccessibleName(f"{self._label}: calendar")
        self.calendar = QCalendarWidget()
        self.calendar.setGridVisible(True)
        self._menu = QMenu(self)
        action = QWidgetAction(self._menu)
        action.setDefaultWidget(self.calendar)
        self._menu.addAction(action)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setStyleSheet(f"color: {ERROR_RED};")
        self.message.hide()
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(2)
        row.addWidget(self.line, 1)
        row.addWidget(self.calendar_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(row)
        layout.addWidget(self.message)

    def _connect_signals(self) -> None:
        self.line.textChanged.connect(self._typed)
        self.line.editingFinished.connect(self._tidy)
        self.calendar_button.clicked.connect(self.open_calendar)
        self.calendar.clicked.connect(self._picked)
        self.calendar.activated.connect(self._picked)

    def setObjectName(self, name: str) -> None:  # noqa: N802 (Qt's name)
        super().setObjectName(name)
        self.line.setObjectName(f"{name}_text")
        self.message.setObjectName(f"{name}_message")
        self.calendar.setObjectName(f"{name}_calendar")
        self.calendar_button.setObjectName(f"{name}_calendar_button")

    def setAccessibleName(self, name: str) -> None:  # noqa: N802 (Qt's name)
        super().setAccessibleName(name)
        self._label = name
        self.line.setAccessibleName(name)
        self.calendar_button.setAccessibleName(f"{name}: calendar")

    # -- value ----------------------------------------------------------------------------------------
    def value(self) -> date | None:
        """The date typed or chosen (None while empty or not a date)."""
        return self._date

    def date(self) -> QDate:
        """As QDateEdit: the date as a QDate (an invalid QDate while there is none)."""
        return QDate(self._date.year, self._date.month, self._date.day) if self._date else QDate()

    def setDate(self, value: date | QDate | None) -> None:  # noqa: N802 (QDateEdit's name)
        if isinstance(value, QDate):
            value = date(value.year(), value.month(), value.day()) if value.isValid() else None
        self.line.setText(value.isoformat() if value else "")

    def setMinimumDate(self, value: date) -> None:  # noqa: N802
        self._minimum = value

    def setMaximumDate(self, value: date) -> None:  # noqa: N802
        self._maximum = value

    def set_today(self, today: date) -> None:
        self._today = today

    def is_valid(self) -> bool:
        return not self.message.text()

    def error_text(self) -> str:
        return self.message.text()

    # -- behaviour ------------------------------------------------------------------------------------
    def _typed(self, text: str) -> None:
        previous = self._date
        problem = ""
        parsed = parse_typed_date(text, self._locale) if text.strip() else None
        if text.strip() and parsed is None:
            problem = (
                f"{self._label}: type the date as {QDate(2027, 6, 30).toString('yyyy-MM-dd')} "
                f"or {example_local(self._locale)} (got '{text.strip()}')"
            )
        elif parsed is not None and self._minimum and parsed < self._minimum:
            problem = f"{self._label} must be on or after {self._minimum:%Y-%m-%d}"
        elif parsed is not None and self._maximum and parsed > self._maximum:
            problem = f"{self._label} must be on or before {self._maximum:%Y-%m-%d}"
        self._date = None if problem else parsed
        self.message.setText(problem)
        self.message.setVisible(bool(problem))
        self.line.setAccessibleDescription(problem)
        self.line.setStyleSheet(f"border: 1px solid {ERROR_RED};" if problem else "")
        if self._date is not None and self._date != previous:
            self.dateChanged.emit(self._date)

    def _tidy(self) -> None:
        """Once typed, a valid date is shown unambiguously (2027-06-30)."""
        if self._date is not None and self.line.text() != self._date.isoformat():
            self.line.setText(self._date.isoformat())

    def open_calendar(self) -> None:
        """The calendar opens at the field's date, or today (never at January 2001)."""
        start = self._date or self._today or date.today()
        self.calendar.setSelectedDate(QDate(start.year, start.month, start.day))
        self.calendar.setCurrentPage(start.year, start.month)
        self._menu.popup(self.mapToGlobal(QPoint(0, self.height())))

    def _picked(self, day: QDate) -> None:
        self.setDate(day)
        self._menu.hide()


_TIME = re.compile(r"^\s*(\d{1,2})[:.h](\d{2})\s*$")


class DateTimeEdit(QWidget):
    """A typed date (DateEdit) and a typed 24-hour time, read in the clinic's time zone."""

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        label: str = "Time",
        zone_name: str = "UTC",
        today: date | None = None,
    ) -> None:
        super().__init__(parent)
        self._label = label
        self._zone = zone_name
        self.day = DateEdit(self, label=f"{label} (date)", today=today)
        self.time = QLineEdit(self)
        self.time.setPlaceholderText("HH:MM")
        self.time.setMaximumWidth(80)
        self.time_message = QLabel(self)
        self.time_message.setStyleSheet(f"color: {ERROR_RED};")
        self.time_message.hide()
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.day, 1)
        row.addWidget(self.time)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(row)
        layout.addWidget(self.time_message)
        self.time.textChanged.connect(self._time_typed)

    def setObjectName(self, name: str) -> None:  # noqa: N802 (Qt's name)
        super().setObjectName(name)
        self.day.setObjectName(f"{name}_date")
        self.time.setObjectName(f"{name}_time")
        self.time_message.setObjectName(f"{name}_time_message")

    def setAccessibleName(self, name: str) -> None:  # noqa: N802 (Qt's name)
        super().setAccessibleName(name)
        self.day.setAccessibleName(f"{name} (date)")
        self.time.setAccessibleName(f"{name} (time, 24-hour)")

    def set_moment(self, instant: datetime) -> None:
        from ..domain.clinic_time import local_datetime

        local = local_datetime(instant, self._zone)
        self.day.setDate(local.date())
        self.time.setText(f"{local:%H:%M}")

    def _parsed_time(self) -> tuple[int, int] | None:
        m = _TIME.match(self.time.text())
        if not m:
            return None
        hour, minute = int(m.group(1)), int(m.group(2))
        return (hour, minute) if hour < 24 and minute < 60 else None

    def _time_typed(self) -> None:
        bad = self._parsed_time() is None
        self.time_message.setText(f"{self._label}: type the time as 22:30 (24-hour)" if bad else "")
        self.time_message.setVisible(bad)

    def error_text(self) -> str:
        return self.day.error_text() or self.time_message.text()

    def moment(self) -> datetime | None:
        """The UTC instant of the typed local date and time (None while either is not valid)."""
        from ..domain.clinic_time import zone

        day, hm = self.day.value(), self._parsed_time()
        if day is None or hm is None:
            return None
        return datetime(day.year, day.month, day.day, *hm, tzinfo=zone(self._zone)).astimezone(UTC)
