"""Lot recall by part of the lot number (letter case ignored) and the lot suggestions."""

from __future__ import annotations

import pytest

from clinicrec.domain.errors import PermissionDenied
from tests.conftest import World
from tests.services.test_reports import Scenario, build_scenario

pytestmark = pytest.mark.postgres


@pytest.fixture
def scenario(world: World) -> Scenario:
    return build_scenario(world)


def test_recall_finds_part_of_a_lot_in_any_case(scenario: Scenario) -> None:
    reports = scenario.world.services.reports
    whole = reports.recall("C1111AA")
    part = reports.recall("1111a")
    assert part.lots == ("C1111AA",) and part.vials == whole.vials == 2
    assert [r.session_id for r in part.rows] == [r.session_id for r in whole.rows]
    both = reports.recall("x")  # X2222BB, X5555EE, X8888HH (never used)
    assert both.lots == ("X2222BB", "X5555EE") and both.vials == 3
    assert reports.recall("1111_A").rows == ()  # % and _ are the characters typed, not wildcards
    assert reports.recall("%").rows == ()


def test_lot_suggestions(scenario: Scenario) -> None:
    reports = scenario.world.services.reports
    assert reports.lot_numbers() == ("C1111AA", "C7777GG", "D3333CC", "X2222BB", "X5555EE", "X8888HH")
    assert reports.lot_numbers("22") == ("X2222BB",)
    assert reports.lot_numbers("c7") == ("C7777GG",)
    with pytest.raises(PermissionDenied):
        scenario.world.as_(scenario.world.injector2).reports.lot_numbers()
