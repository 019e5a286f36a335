"""Issue 11: the session's date and time are typed and shown on the clinic's clock, not the computer's."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from PySide6.QtCore import QDate, QDateTime, QTime


def test_the_session_time_is_the_clinics_wall_clock(open_window, services, world) -> None:  # type: ignore[no-untyped-def]
    admin = world.as_(world.admin)
    admin.clinic.update(replace(admin.clinic.get(), time_zone="Australia/Sydney"))
    world.as_(world.injector)
    world.clock.set(datetime(2026, 3, 9, 23, 30, tzinfo=UTC))  # 10:30 on the 10th in Sydney (AEDT)
    w = open_window()
    details = w.ui.details
    shown = details.performed_at.dateTime()
    assert (shown.date(), shown.time().hour(), shown.time().minute()) == (QDate(2026, 3, 10), 10, 30)
    details.performed_at.setDateTime(QDateTime(QDate(2026, 3, 10), QTime(9, 0)))  # typed: 09:00 Sydney
    assert details.performed_at_value() == datetime(2026, 3, 9, 22, 0, tzinfo=UTC)
