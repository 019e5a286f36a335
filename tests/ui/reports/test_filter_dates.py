"""Issue 11: the reports' period is typed (ISO or the local format) or chosen in the clinic's calendar,
never spun section by section; the presets end on the clinic's today, not UTC's."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from clinicrec.domain.report_types import FilterOptions
from clinicrec.ui.reports.filter_bar import PRESETS, FilterBar
from clinicrec.ui.reports.reports_screen import ReportsScreen
from tests.conftest import World


def bar(qtbot, today: date = date(2026, 5, 20)) -> FilterBar:  # type: ignore[no-untyped-def]
    b = FilterBar(FilterOptions((), (), False), today)
    qtbot.addWidget(b)
    b.resize(1280, 120)
    b.show()
    return b


def test_typed_dates_make_a_custom_period(qtbot) -> None:  # type: ignore[no-untyped-def]
    b = bar(qtbot)
    seen = []
    b.sig_filters_changed.connect(seen.append)
    b.start.line.clear()
    qtbot.keyClicks(b.start.line, "2026-02-01")  # typed whole: not 2001-02-01
    assert b.period.currentText() == "Custom"
    assert seen[-1].start == date(2026, 2, 1) and seen[-1].end == date(2026, 5, 20)
    b.end.line.clear()
    qtbot.keyClicks(b.end.line, "2026/3/31")
    assert (seen[-1].start, seen[-1].end) == (date(2026, 2, 1), date(2026, 3, 31))


def test_a_half_typed_date_says_what_is_allowed_and_changes_nothing(qtbot) -> None:  # type: ignore[no-untyped-def]
    b = bar(qtbot)
    before = b.filters()
    seen = []
    b.sig_filters_changed.connect(seen.append)
    b.end.line.clear()  # an empty end: the period is open at that end
    assert seen[-1].end is None and seen[-1].start == before.start
    qtbot.keyClicks(b.end.line, "2026-13")
    assert "To date: “2026-13” is not a date: write it as 1985-04-03" in b.end.error_text()
    assert b.end.message.isVisible()
    assert len(seen) == 1  # nothing recomputed for a date that is not one
    b.end.line.clear()
    qtbot.keyClicks(b.end.line, "2026-04-30")
    assert b.end.error_text() == "" and seen[-1].end == date(2026, 4, 30)


@pytest.mark.qt_log_ignore(  # the offscreen platform, when the calendar pops up
    "This plugin does not support raise", "This plugin does not support grabbing the keyboard"
)
def test_the_calendar_opens_at_the_clinics_today(qtbot) -> None:  # type: ignore[no-untyped-def]
    b = bar(qtbot, today=date(2026, 5, 20))
    b.period.setCurrentIndex(PRESETS.index("All dates"))
    b.start.setDate(None)
    b.start.open_calendar()
    assert (b.start.calendar.yearShown(), b.start.calendar.monthShown()) == (2026, 5)
    b.start._menu.hide()  # noqa: SLF001


def test_the_screen_uses_the_clinics_date(qtbot, world: World, prompts, worker) -> None:  # type: ignore[no-untyped-def]
    """At 23:30 on 19 May in Los Angeles it is already 20 May in UTC: the periods end on the 19th."""
    admin = world.as_(world.admin)
    admin.clinic.update(replace(admin.clinic.get(), time_zone="America/Los_Angeles"))
    world.clock.set(datetime(2026, 5, 20, 6, 30, tzinfo=UTC))
    screen = ReportsScreen(admin, prompts, worker)
    qtbot.addWidget(screen)
    assert screen.filter_bar.end.value() == date(2026, 5, 19)
    assert screen.filter_bar.filters().end == date(2026, 5, 19)
