"""Issues 11 and 14: every date field takes typed ISO dates and the clinic's chosen format (never the
workstation's guess), says what is wrong with a date that is not one, opens at today, clears its error."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt

from clinicrec.domain.date_text import DateOrder
from clinicrec.ui.date_edit import DateEdit, DateTimeEdit, parse_typed_date
from clinicrec.ui.date_format import clinic_date_order, set_clinic_formats
from clinicrec.ui.session.vial_dialog import VialDialog

pytestmark = pytest.mark.qt_log_ignore(
    "This plugin does not support propagateSizeHints",
    "This plugin does not support raise",  # the offscreen platform, when the calendar pops up
    "This plugin does not support grabbing the keyboard",
)


def test_typing_an_iso_date_gives_that_date_not_2001(qtbot) -> None:  # type: ignore[no-untyped-def]
    field = DateEdit(label="Expiry date", today=date(2026, 12, 3))
    field.setObjectName("expiry")
    qtbot.addWidget(field)
    changed = []
    field.dateChanged.connect(changed.append)
    qtbot.keyClicks(field.line, "2027-06-30")
    assert field.value() == date(2027, 6, 30) and changed[-1] == date(2027, 6, 30)
    assert field.is_valid() and field.message.isHidden()


def test_a_half_typed_date_says_what_is_wanted_and_clears_once_valid(qtbot) -> None:  # type: ignore[no-untyped-def]
    field = DateEdit(label="Expiry date")
    qtbot.addWidget(field)
    field.show()
    qtbot.keyClicks(field.line, "2027-13-01")
    assert field.value() is None
    assert field.error_text() == "Expiry date: “2027-13-01”: there is no month 13 (months go from 1 to 12)"
    assert field.message.isVisible()
    field.line.clear()
    qtbot.keyClicks(field.line, "2027-12-01")
    assert field.value() == date(2027, 12, 1) and field.error_text() == "" and field.message.isHidden()


@pytest.mark.parametrize(
    ("order", "typed", "expected"),
    [
        (DateOrder.DAY_FIRST, "30/06/2027", date(2027, 6, 30)),
        (DateOrder.DAY_FIRST, "30.06.2027", date(2027, 6, 30)),
        (DateOrder.DAY_FIRST, "03/04/2027", date(2027, 4, 3)),
        (DateOrder.MONTH_FIRST, "6/30/2027", date(2027, 6, 30)),
        (DateOrder.MONTH_FIRST, "03/04/2027", date(2027, 3, 4)),
        (DateOrder.ISO, "2027/06/30", date(2027, 6, 30)),
        (DateOrder.MONTH_FIRST, "20270630", date(2027, 6, 30)),
        (DateOrder.ISO, "03/04/2027", None),  # two readings: never guessed
        (DateOrder.MONTH_FIRST, "6/30/27", None),  # no guessed century
    ],
)
def test_dates_are_read_in_the_clinics_order(order: DateOrder, typed: str, expected: date | None) -> None:
    assert parse_typed_date(typed, order) == expected


@pytest.mark.parametrize(
    ("order", "typed", "shown"),
    [
        (DateOrder.ISO, "2027-06-30", "2027-06-30"),
        (DateOrder.DAY_FIRST, "30/06/2027", "30/06/2027"),
        (DateOrder.DAY_FIRST, "2027-06-30", "30/06/2027"),  # ISO typed, shown as the clinic writes dates
        (DateOrder.MONTH_FIRST, "6/30/2027", "06/30/2027"),
    ],
)
def test_typing_a_date_in_each_format_shows_it_in_the_clinics_format(qtbot, order, typed, shown) -> None:  # type: ignore[no-untyped-def]
    field = DateEdit(label="Expiry date", order=order)
    qtbot.addWidget(field)
    qtbot.keyClicks(field.line, typed)
    field.line.editingFinished.emit()
    assert field.value() == date(2027, 6, 30) and field.line.text() == shown and field.is_valid()
    field.setDate(date(2026, 1, 2))
    assert (
        field.line.text()
        == {
            DateOrder.ISO: "2026-01-02",
            DateOrder.DAY_FIRST: "02/01/2026",
            DateOrder.MONTH_FIRST: "01/02/2026",
        }[order]
    )


def test_a_date_that_does_not_exist_says_why(qtbot) -> None:  # type: ignore[no-untyped-def]
    field = DateEdit(label="Expiry date", order=DateOrder.DAY_FIRST)
    qtbot.addWidget(field)
    qtbot.keyClicks(field.line, "30/02/2028")
    assert field.value() is None
    assert field.error_text() == "Expiry date: “30/02/2028”: February 2028 has 29 days"
    field.line.clear()
    field2 = DateEdit(label="Expiry date", order=DateOrder.ISO)
    qtbot.addWidget(field2)
    qtbot.keyClicks(field2.line, "03/04/1985")
    assert "could be 3 April or 4 March" in field2.error_text() and field2.value() is None


def test_a_field_without_an_order_follows_the_clinic_setting(qtbot) -> None:  # type: ignore[no-untyped-def]
    set_clinic_formats(DateOrder.MONTH_FIRST)
    try:
        field = DateEdit(label="Expiry date")
        qtbot.addWidget(field)
        qtbot.keyClicks(field.line, "03/04/2027")
        assert field.value() == date(2027, 3, 4) and field.line.placeholderText() == "MM/DD/YYYY"
        both = DateTimeEdit(label="Reconstituted", zone_name="Europe/London")
        qtbot.addWidget(both)
        qtbot.keyClicks(both.day.line, "12/31/2026")
        qtbot.keyClicks(both.time, "09:15")
        assert both.moment() is not None and both.moment().isoformat() == "2026-12-31T09:15:00+00:00"
    finally:
        set_clinic_formats(DateOrder.ISO)
    assert clinic_date_order() is DateOrder.ISO


def test_the_calendar_opens_at_today_or_the_fields_date(qtbot) -> None:  # type: ignore[no-untyped-def]
    field = DateEdit(label="Expiry date", today=date(2026, 12, 3))
    qtbot.addWidget(field)
    field.show()
    field.open_calendar()
    assert (field.calendar.yearShown(), field.calendar.monthShown()) == (2026, 12)
    field._menu.hide()
    field.setDate(date(2027, 6, 30))
    field.open_calendar()
    assert field.calendar.selectedDate().toPython() == date(2027, 6, 30)
    field._menu.hide()


def test_vial_dialog_typed_expiry_and_an_expired_lot_is_recorded(services, prompts, qtbot) -> None:  # type: ignore[no-untyped-def]
    dlg = VialDialog(None, services, prompts)
    qtbot.addWidget(dlg)
    dlg.product.setCurrentIndex(dlg.product.findText("Botox Cosmetic", Qt.MatchFlag.MatchStartsWith))
    qtbot.keyClicks(dlg.lot, "OLD-1")
    qtbot.keyClicks(dlg.expiry.line, "2020-01-31")  # printed expiry long past
    assert dlg.expiry.value() == date(2020, 1, 31)
    assert "recorded as it is" in dlg.expiry_warning.text()
    qtbot.mouseClick(dlg.open_button, Qt.MouseButton.LeftButton)
    assert dlg.chosen is not None and dlg.chosen.vial.expiry_date == date(2020, 1, 31)


def test_vial_dialog_other_size_needs_a_reason(services, prompts, qtbot) -> None:  # type: ignore[no-untyped-def]
    dlg = VialDialog(None, services, prompts)
    qtbot.addWidget(dlg)
    dlg.product.setCurrentIndex(dlg.product.findText("Botox Cosmetic", Qt.MatchFlag.MatchStartsWith))
    dlg.vial_units.setValue(150)
    qtbot.keyClicks(dlg.lot, "ODD-1")
    qtbot.keyClicks(dlg.expiry.line, "2030-01-31")
    assert dlg.other_size_reason.isEnabled()
    qtbot.mouseClick(dlg.open_button, Qt.MouseButton.LeftButton)
    assert dlg.chosen is None and "other size" in dlg.errors["other_size_reason"].text()
    qtbot.keyClicks(dlg.other_size_reason, "Trial pack from the distributor")
    qtbot.mouseClick(dlg.open_button, Qt.MouseButton.LeftButton)
    assert dlg.chosen is not None and dlg.chosen.vial.other_size_reason == "Trial pack from the distributor"


def test_vial_dialog_reconstitution_typed_in_the_clinics_time(services, prompts, qtbot, world) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace
    from datetime import UTC, datetime

    admin = world.as_(world.admin)
    admin.clinic.update(replace(admin.clinic.get(), time_zone="America/Los_Angeles"))
    world.as_(world.injector)
    world.clock.set(datetime(2026, 3, 11, 6, 45, tzinfo=UTC))  # 23:45 on 10 March in Los Angeles
    dlg = VialDialog(None, services, prompts)
    qtbot.addWidget(dlg)
    assert dlg.reconstituted_at.day.value() == date(2026, 3, 10)  # the clinic's day, not UTC's
    dlg.product.setCurrentIndex(dlg.product.findText("Botox Cosmetic", Qt.MatchFlag.MatchStartsWith))
    qtbot.keyClicks(dlg.lot, "LA-1")
    qtbot.keyClicks(dlg.expiry.line, "2026-03-10")
    dlg.reconstituted_at.time.clear()
    qtbot.keyClicks(dlg.reconstituted_at.time, "22:30")
    qtbot.mouseClick(dlg.open_button, Qt.MouseButton.LeftButton)
    assert dlg.chosen is not None  # reconstituted at 22:30 on its expiry day: accepted
    assert dlg.chosen.vial.reconstituted_at == datetime(2026, 3, 11, 5, 30, tzinfo=UTC)
    assert dlg.expiry_warning.text() == ""  # expires today (in Los Angeles): not expired
