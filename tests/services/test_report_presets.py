"""Saved report filter presets: a manager saves, replaces and removes them; injectors only choose them."""

from __future__ import annotations

from datetime import date

import pytest

from clinicrec.domain.enums import TimePoint, Zone
from clinicrec.domain.errors import NotFoundError, PermissionDenied, ValidationError
from clinicrec.domain.report_presets import FilterPreset
from clinicrec.domain.report_types import DilutionBand
from tests.conftest import World

pytestmark = pytest.mark.postgres


def test_manager_saves_replaces_and_removes_presets(world: World) -> None:
    reports = world.as_(world.manager).reports
    nose = FilterPreset(
        "  Nose,   last 3 months ", "Last 3 months", zone=Zone.NOSE, time_point=TimePoint.WEEK_4
    )
    assert reports.save_preset(nose) is False
    custom = FilterPreset(
        "Spring",
        "Custom",
        date(2026, 3, 1),
        date(2026, 5, 31),
        dilution=DilutionBand.FROM_2_TO_4,
        injector_id=1,
    )
    reports.save_preset(custom)
    assert reports.presets() == (
        FilterPreset("Nose, last 3 months", "Last 3 months", zone=Zone.NOSE, time_point=TimePoint.WEEK_4),
        custom,
    )
    assert reports.save_preset(FilterPreset("Spring", "All dates")) is True  # same name: replaced
    assert [(p.name, p.period) for p in reports.presets()] == [
        ("Nose, last 3 months", "Last 3 months"),
        ("Spring", "All dates"),
    ]
    reports.remove_preset("Spring")
    assert [p.name for p in reports.presets()] == ["Nose, last 3 months"]
    with pytest.raises(NotFoundError):
        reports.remove_preset("Spring")
    injector = world.as_(world.injector).reports
    assert [p.name for p in injector.presets()] == ["Nose, last 3 months"]
    with pytest.raises(PermissionDenied):
        injector.save_preset(FilterPreset("Mine"))
    with pytest.raises(PermissionDenied):
        injector.remove_preset("Nose, last 3 months")


def test_a_preset_needs_a_name_and_a_whole_period(world: World) -> None:
    reports = world.as_(world.manager).reports
    with pytest.raises(ValidationError) as e:
        reports.save_preset(FilterPreset("   "))
    assert e.value.for_field("Preset name") == "give the preset a name"
    with pytest.raises(ValidationError) as e:
        reports.save_preset(FilterPreset("x" * 61))
    assert "at most 60 characters" in str(e.value)
    with pytest.raises(ValidationError) as e:
        reports.save_preset(FilterPreset("Half", "Custom", start=date(2026, 1, 1)))
    assert e.value.for_field("Period") == "a custom period needs its from and to dates"
    assert reports.presets() == ()
