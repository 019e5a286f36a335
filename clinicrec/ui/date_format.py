"""The clinic's date format (and dose precision) as every date field and date display of this window
reads it.

Like the locale, the clinic's way of writing dates is a property of the running application: it is set
in one place at start-up from the clinic settings (:func:`follow_clinic`) and again whenever they change,
and read by :class:`~clinicrec.ui.date_edit.DateEdit` and the views that show dates. A widget given an
explicit order (tests, the import wizard) uses that instead.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from PySide6.QtCore import QCoreApplication

from ..domain.clinic_time import local_datetime
from ..domain.date_text import DateOrder, format_date
from ..domain.figures_format import DEFAULT_UNITS_STEP
from ..services.app import Services
from ..services.base import Change, ChangeEntity
from .changes import ChangeBus

_ORDER = "clinicrecDateOrder"
_STEP = "clinicrecUnitsStep"
_ZONE = "clinicrecTimeZone"


def set_clinic_formats(
    order: DateOrder, units_step: float = DEFAULT_UNITS_STEP, zone_name: str = "UTC"
) -> None:
    app = QCoreApplication.instance()
    if app is not None:
        app.setProperty(_ORDER, order.value)
        app.setProperty(_STEP, float(units_step))
        app.setProperty(_ZONE, zone_name)


def clinic_zone_name() -> str:
    """The clinic's IANA time zone (UTC until the clinic's settings are read)."""
    app = QCoreApplication.instance()
    value = app.property(_ZONE) if app is not None else None
    return value if isinstance(value, str) and value else "UTC"


def clinic_date_order() -> DateOrder:
    """The clinic's date order (ISO until the clinic's settings are read)."""
    app = QCoreApplication.instance()
    value = app.property(_ORDER) if app is not None else None
    try:
        return DateOrder(value) if value else DateOrder.ISO
    except ValueError:
        return DateOrder.ISO


def clinic_units_step() -> float:
    """The clinic's dose precision in units (0.1 U until the clinic's settings are read)."""
    app = QCoreApplication.instance()
    value = app.property(_STEP) if app is not None else None
    return float(value) if isinstance(value, int | float) and value > 0 else DEFAULT_UNITS_STEP


def date_text(day: date | datetime | None, order: DateOrder | None = None) -> str:
    """``day`` as the clinic writes dates ('' for none). A datetime gives its date: a wall-clock one
    (no zone) as it is; an instant (with its zone, as records store them) the clinic's date at that
    instant, so a photo taken at 23:30 in Sydney shows that day, not the next UTC one."""
    if day is None:
        return ""
    if isinstance(day, datetime):
        day = _in_clinic(day).date()
    return format_date(day, order or clinic_date_order())


def wall_clock_text(when: datetime, *, seconds: bool = False) -> str:
    """'30/06/2027 09:15': a wall-clock datetime (or an instant, in the clinic's zone) with its date in
    the clinic's format."""
    local = _in_clinic(when)
    return f"{date_text(local)} {local:%H:%M:%S}" if seconds else f"{date_text(local)} {local:%H:%M}"


def utc_clock_text(instant: datetime, *, seconds: bool = False) -> str:
    """'30/06/2027 09:15:02': an instant on the UTC clock (for a label that says UTC)."""
    return wall_clock_text(instant.astimezone(UTC).replace(tzinfo=None), seconds=seconds)


def _in_clinic(when: datetime) -> datetime:
    return when if when.tzinfo is None else local_datetime(when, clinic_zone_name())


def moment_text(instant: datetime, zone_name: str, order: DateOrder | None = None) -> str:
    """'03/04/2026 09:30': an instant as the clinic's date and 24-hour time in its zone."""
    local = local_datetime(instant, zone_name)
    return f"{date_text(local.date(), order)} {local:%H:%M}"


def qt_date_format(order: DateOrder | None = None) -> str:
    """The QDateTimeEdit display format of the clinic's date order."""
    return {
        DateOrder.ISO: "yyyy-MM-dd",
        DateOrder.DAY_FIRST: "dd/MM/yyyy",
        DateOrder.MONTH_FIRST: "MM/dd/yyyy",
    }[order or clinic_date_order()]


def follow_clinic(services: Services, bus: ChangeBus) -> None:
    """Read the clinic's formats now, and again whenever the clinic's settings change."""

    def read() -> None:
        if services.clinic.is_set_up():
            settings = services.clinic.get()
            set_clinic_formats(settings.date_order, settings.units_step, settings.time_zone)

    def changed(change: Change) -> None:
        if change.entity is ChangeEntity.CLINIC:
            read()

    read()
    bus.sig_changed.connect(changed)
