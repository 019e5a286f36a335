"""Saved filter presets on the reports screen: a manager saves the filters shown and chooses them again;
an injector chooses but cannot save."""

from __future__ import annotations

from datetime import date

import pytest

from clinicrec.domain.enums import TimePoint, Zone
from clinicrec.domain.report_presets import FilterPreset
from tests.conftest import World
from tests.services.test_reports import Scenario, build_scenario
from tests.ui.reports.test_reports_screen import make_screen

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support (propagateSizeHints|raise)")


@pytest.fixture
def scenario(world: World) -> Scenario:
    return build_scenario(world)


def test_manager_saves_and_chooses_filter_presets(qtbot, scenario: Scenario, prompts, worker) -> None:  # type: ignore[no-untyped-def]
    screen = make_screen(qtbot, scenario.world, prompts, worker)
    bar, picker = screen.filter_bar, screen.presets
    assert picker.save_button.isVisibleTo(screen) and not picker.combo.isEnabled()
    bar.set_combo(bar.zone, Zone.NOSE)
    bar.set_combo(bar.time_point, TimePoint.DAY_14)
    bar.set_combo(bar.period, "Last 3 months")
    prompts.queue("Nose at day 14")
    picker.save_button.click()
    assert picker.names == ["Nose at day 14"] and picker.combo.currentText() == "Nose at day 14"
    saved = scenario.world.services.reports.presets()[0]
    assert (saved.period, saved.zone, saved.time_point, saved.start) == (
        "Last 3 months",
        Zone.NOSE,
        TimePoint.DAY_14,
        None,  # relative: the last 3 months of the day it is chosen
    )
    bar.reset()
    assert screen.filter_bar.filters().zone is None
    with qtbot.waitSignal(bar.sig_filters_changed) as changed:
        picker.choose("Nose at day 14")
    f = changed.args[0]
    assert (f.zone, f.time_point, f.start, f.end) == (
        Zone.NOSE,
        TimePoint.DAY_14,
        date(2026, 3, 31),
        date(2026, 6, 30),
    )
    prompts.queue("   ")  # no name: refused with the field named, nothing saved
    picker.save_button.click()
    assert prompts.shown[-1][0] == "error" and "Preset name: give the preset a name" in prompts.shown[-1][2]
    assert picker.names == ["Nose at day 14"]
    prompts.queue(True)
    picker.remove_button.click()
    assert picker.names == [] and scenario.world.services.reports.presets() == ()


def test_injector_chooses_presets_but_cannot_save(qtbot, scenario: Scenario, prompts, worker) -> None:  # type: ignore[no-untyped-def]
    world = scenario.world
    world.as_(world.manager).reports.save_preset(
        FilterPreset(
            "Spring", "Custom", date(2026, 3, 1), date(2026, 5, 31), injector_id=world.injector.user_id
        )
    )
    world.as_(world.injector2)
    screen = make_screen(qtbot, world, prompts, worker)
    picker = screen.presets
    assert not picker.save_button.isVisibleTo(screen) and not picker.remove_button.isVisibleTo(screen)
    picker.choose("Spring")
    f = screen.filter_bar.filters()
    assert (f.start, f.end) == (date(2026, 3, 1), date(2026, 5, 31))
    assert f.injector_id == world.injector2.user_id  # their own figures, whatever the preset says
