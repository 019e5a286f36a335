"""Lot recall by part of the lot number (letter case ignored), the lot suggestions, and the sessions
behind every report row."""

from __future__ import annotations

import pytest

from clinicrec.domain.errors import PermissionDenied
from clinicrec.domain.report_types import BreakdownBy
from clinicrec.services.reports.behind import RowKey
from tests.conftest import World
from tests.services.test_reports import PERIOD, Scenario, build_scenario

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


# -- the sessions behind a row --------------------------------------------------------------------------
@pytest.mark.parametrize("by", list(BreakdownBy))
def test_every_breakdown_row_lists_the_sessions_it_counts(scenario: Scenario, by: BreakdownBy) -> None:
    reports = scenario.world.services.reports
    bd = reports.breakdown(PERIOD, by)
    assert bd.rows
    for row in bd.rows:
        behind = reports.sessions_behind(PERIOD, RowKey(by=by, key=row.key))
        assert len(behind) == row.sessions, row.label
        assert len({b.session_id for b in behind}) == len(behind)


def test_outcome_safety_and_lot_rows_list_their_sessions(scenario: Scenario) -> None:
    reports = scenario.world.services.reports
    for o in reports.summary(PERIOD).outcomes:
        behind = reports.sessions_behind(PERIOD, RowKey(time_point=o.time_point))
        assert len(behind) == o.followed_up
    safety = reports.safety(PERIOD)
    for k in safety.by_kind:
        assert len(reports.sessions_behind(PERIOD, RowKey(event_kind=k.kind))) == k.sessions_affected
    for g in safety.by_product:
        assert len(reports.sessions_behind(PERIOD, RowKey(by=BreakdownBy.PRODUCT, key=g.key))) == g.sessions
    for lot in reports.product_use(PERIOD).lots:
        assert len(reports.sessions_behind(PERIOD, RowKey(lot_number=lot.lot_number))) == lot.sessions
    for t in reports.product_use(PERIOD).products:
        assert len(reports.sessions_behind(PERIOD, RowKey(brand=t.brand))) == t.sessions
    every = reports.sessions_behind(PERIOD, RowKey())
    assert len(every) == reports.summary(PERIOD).sessions
    assert every[0].patient_name and every[0].injector


def test_an_injector_sees_only_their_own_sessions_behind_a_row(scenario: Scenario) -> None:
    svc = scenario.world.as_(scenario.world.injector2)
    behind = svc.reports.sessions_behind(PERIOD, RowKey())
    assert len(behind) == svc.reports.summary(PERIOD).sessions == 3
    assert {b.injector for b in behind} == {"Olga Other"}
