"""A date field that takes what a person types, in the clinic's chosen date format.

QDateEdit works section by section, so typing "2027-06-30" into it gave 2001-06-30 and its calendar
opened at January 2001: a wrong expiry is a safety error. Here the text is parsed as a whole
(domain/date_text.py): year-month-day always, "03/04/1985" in the clinic's order (Admin > Clinic
settings), never guessed; a date that does not exist says why ("February 2031 has 28 days"). The
calendar opens at the field's date or today, and the message under the field clears as soon as the
text is a valid date. A valid date is shown back in the clinic's format.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from PySide6.QtCore import QDate, QPoint, Signal
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

from ..domain.date_text import DateOrder, format_date, read_date
from .date_format import clinic_date_order
from .style import set_role


def parse_typed_date(text: str, order: DateOrder = DateOrder.ISO) -> date | None:
    """``text`` as a date (year-month-day, or with slashes in ``order``); None if it is not one."""
    try:
        return read_date(text, order)
    except ValueError:
        return None


#: The date shown as an example of how to type one (the last day of June: day and month cannot be mixed).
EXAMPLE_DATE = date(2027, 6, 30)


def placeholder(order: DateOrder) -> str:
    """What the empty field shows: the clinic's format, by example."""
    return {
        DateOrder.ISO: "YYYY-MM-DD",
        DateOrder.DAY_FIRST: "DD/MM/YYYY",
        DateOrder.MONTH_FIRST: "MM/DD/YYYY",
    }[order]


class DateEdit(QWidget):
    """[ 2027-06-30 ][📅]  with its own message line while the text is not a date."""

    dateChanged = Signal(object)  # datetime.date, whenever the text becomes a (different) valid date

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        label: str = "Date",
        today: date | None = None,
        order: DateOrder | None = None,
    ) -> None:
        super().__init__(parent)
        self._label = label
        self._today = today
        #: How dates with slashes are read and how a date is shown (the clinic's setting by default).
        self.order = order or clinic_date_order()
        self._date: date | None = None
        self._minimum: date | None = None
        self._maximum: date | None = None
        self._build_ui()
        self._connect_signals()

    def _build_ui(self) -> None:
        self.line = QLineEdit(self)
        self.line.setPlaceholderText(placeholder(self.order))
        self.line.setToolTip(
            f"{self._label}: {self.order.label}; year-month-day (1985-04-03) is always understood."
        )
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
        set_role(self.message, "error")
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
        self.line.setText(format_date(value, self.order) if value else "")

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

    def example(self) -> str:
        """A date as this field wants it typed (30/06/2027 day first, 06/30/2027 month first, …)."""
        return format_date(EXAMPLE_DATE, self.order)

    # -- behaviour ------------------------------------------------------------------------------------
    def _typed(self, text: str) -> None:
        previous = self._date
        problem = ""
        parsed = None
        if text.strip():
            try:
                parsed = read_date(text, self.order)
            except ValueError as e:  # what is wrong with it: "February 2031 has 28 days", two readings, …
                problem = f"{self._label}: {e}"
        elif parsed is not None and self._minimum and parsed < self._minimum:
            problem = f"{self._label} must be on or after {format_date(self._minimum, self.order)}"
        elif parsed is not None and self._maximum and parsed > self._maximum:
            problem = f"{self._label} must be on or before {format_date(self._maximum, self.order)}"
        self._date = None if problem else parsed
        self.message.setText(problem)
        self.message.setVisible(bool(problem))
        self.line.setAccessibleDescription(problem)
        self.line.setProperty("invalid", bool(problem))
        self.line.style().unpolish(self.line)
        self.line.style().polish(self.line)
        if self._date is not None and self._date != previous:
            self.dateChanged.emit(self._date)

    def _tidy(self) -> None:
        """Once typed, a valid date is shown in the clinic's format (2027-06-30, 30/06/2027, …)."""
        if self._date is not None and self.line.text() != format_date(self._date, self.order):
            self.line.setText(format_date(self._date, self.order))

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
        order: DateOrder | None = None,
    ) -> None:
        super().__init__(parent)
        self._label = label
        self._zone = zone_name
        self.day = DateEdit(self, label=f"{label} (date)", today=today, order=order)
        self.time = QLineEdit(self)
        self.time.setPlaceholderText("HH:MM")
        self.time.setMaximumWidth(80)
        self.time_message = QLabel(self)
        set_role(self.time_message, "error")
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
