"""The reports' derived tables (services/report_rollup.py) give every report exactly the figures of the
clinical tables: on the reports' scenario, on a built demo, and after each kind of change (a new session,
an amendment, a follow-up, a draft deleted). And the comparison can fail: a derived row changed behind
the app shows in ``differences`` and in the figures."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from clinicrec.db.models import (
    ReportDayLots,
    ReportDayOutcomes,
    ReportDayVials,
    ReportOutcomeRow,
    ReportUseRow,
    UserRow,
    VialRow,
)
from clinicrec.demo import build_demo
from clinicrec.domain.enums import AdverseEventKind, Gais, Indication, Severity, TimePoint, Zone
from clinicrec.domain.models import AdverseEvent, InjectionPoint
from clinicrec.domain.report_types import BreakdownBy, DilutionBand, ReportFilters
from clinicrec.services import report_rollup
from clinicrec.services.app import Services, open_services
from clinicrec.services.auth import actor_of
from clinicrec.services.reports.behind import RowKey
from clinicrec.services.reports.service import ReportService
from tests.conftest import PASSWORD, World, make_vial, product_id
from tests.services.test_reports import PERIOD, Scenario, at, build_scenario, chart, follow_up

pytestmark = pytest.mark.postgres

DEMO_TODAY = date(2026, 6, 30)


def every_report(reports: ReportService, f: ReportFilters) -> list[Any]:
    """Every figure a report screen shows for ``f`` (the results are frozen dataclasses: equal or not)."""
    use = reports.product_use(f)  # as of now: the clock moves between the two runs
    page = reports.product_use(f, 2)  # each product's first two lots and an 'other lots' row
    out: list[Any] = [reports.summary(f), reports.safety(f), replace(use, as_of=use.as_of.date())]
    out.append(replace(page, as_of=page.as_of.date()))
    out += [reports.follow_up_gaps(f), reports.follow_up_gaps(f, 3)]
    out += [reports.breakdown(f, by) for by in BreakdownBy]
    out += [reports.sessions_behind(f, RowKey(by=BreakdownBy.ZONE, key=Zone.FOREHEAD.value))]
    return out


def filter_sets(services: Services, period: ReportFilters) -> list[ReportFilters]:
    """Filters the day tables answer (dates, injector, dilution, time point) and ones that take the
    per-session path (zone, product, indication)."""
    botox = product_id(services, "Botox Cosmetic")
    with services.db.read() as s:
        injector = s.execute(select(UserRow.id).where(UserRow.role == "injector")).scalars().first()
    return [
        ReportFilters(),
        period,
        replace(period, injector_id=injector),
        replace(period, dilution=DilutionBand.FROM_2_TO_4),
        replace(period, injector_id=injector, dilution=DilutionBand.FROM_2_TO_4, time_point=TimePoint.WEEK_4),
        replace(period, start=None),
        replace(period, end=None, time_point=TimePoint.WEEK_12),
        replace(period, zone=Zone.FOREHEAD),
        replace(period, zone=Zone.NOSE, time_point=TimePoint.WEEK_4),
        replace(period, product_id=botox),
        replace(period, product_id=botox, zone=Zone.FOREHEAD),
        replace(period, dilution=DilutionBand.FROM_2_TO_4, indication=Indication.OIL),
        replace(ReportFilters(), time_point=TimePoint.DAY_14),
    ]


def assert_same_figures(services: Services, period: ReportFilters) -> None:
    exact = ReportService(services.ctx)
    exact.rollup = False
    assert services.reports.rollup
    for f in filter_sets(services, period):
        assert every_report(services.reports, f) == every_report(exact, f), f
    with services.db.read() as s:
        assert report_rollup.differences(s) == []


@pytest.fixture
def scenario(world: World) -> Scenario:
    return build_scenario(world)


def test_the_scenario_s_figures_are_the_same_from_the_derived_tables(scenario: Scenario) -> None:
    assert_same_figures(scenario.world.services, PERIOD)


def test_each_change_keeps_the_derived_tables_true(scenario: Scenario) -> None:
    world, svc = scenario.world, scenario.world.services
    world.as_(world.injector)
    v1 = scenario.vials["V4"]  # opened at 10:00 on 12 June
    # a new session, charted and signed
    new_id = chart(
        world,
        world.injector,
        scenario.patients["P3"],
        at(6, 12, 15),
        v1,
        [(Zone.CHIN, 3, 1.5), (Zone.FOREHEAD, 2, 0.5)],
        {Indication.OIL},
        (3, 2, 2),
    )
    signed = svc.charting.get(new_id)
    assert_same_figures(svc, PERIOD)
    # an amendment with a new baseline and fewer points, then a follow-up on the chain
    amendment = svc.charting.start_amendment(signed.id, "Chin point was charted in error")  # type: ignore[arg-type]
    assert amendment.baseline is not None
    amendment = svc.charting.save_draft(
        replace(amendment, points=amendment.points[:-1], baseline=replace(amendment.baseline, pores=1))
    )
    assert_same_figures(svc, PERIOD)
    point = InjectionPoint.from_units(Zone.NOSE, 0.5, 0.7, v1, 1.5)
    amendment = svc.charting.save_draft(replace(amendment, points=(*amendment.points, point)))
    assert_same_figures(svc, PERIOD)
    signed = svc.charting.sign(amendment.id, PASSWORD)  # type: ignore[arg-type]
    follow_up(world, signed.id, TimePoint.WEEK_4, date(2026, 6, 29), (1, 1, 1), Gais.IMPROVED, 4)  # type: ignore[arg-type]
    assert_same_figures(svc, PERIOD)
    # a draft amendment deleted: the signed version counts again
    other = svc.charting.start_amendment(signed.id, "Second thoughts")  # type: ignore[arg-type]
    other = svc.charting.save_draft(replace(other, points=other.points[:1]))
    assert_same_figures(svc, PERIOD)
    svc.charting.delete_draft(other.id, other.version, reason="Charted in error")  # type: ignore[arg-type]
    assert_same_figures(svc, PERIOD)


def test_events_vials_and_the_time_zone_keep_the_day_tables_true(scenario: Scenario) -> None:
    """The changes that leave the per-session rows alone but move the day sums: an adverse event added
    and edited, a vial opened (its waste), the clinic's time zone changed (every day moves)."""
    world, svc = scenario.world, scenario.world.services
    world.as_(world.injector)
    sid = scenario.ids["S1"]
    event = svc.records.add_adverse_event(
        sid, AdverseEvent(AdverseEventKind.SWELLING, date(2026, 3, 11), Severity.MODERATE)
    )
    assert_same_figures(svc, PERIOD)
    svc.records.update_adverse_event(replace(event, kind=AdverseEventKind.PAIN, severity=Severity.SEVERE))
    assert_same_figures(svc, PERIOD)
    make_vial(svc, when=at(6, 20, 23), lot="W5555ZZ", expiry=date(2026, 6, 25))  # wasted by the end date
    assert_same_figures(svc, PERIOD)
    world.as_(world.admin)
    svc.clinic.update(replace(svc.clinic.get(), time_zone="Pacific/Kiritimati"))  # UTC+14: days move
    world.as_(world.manager)
    assert_same_figures(svc, PERIOD)


def test_a_derived_row_changed_behind_the_app_shows(scenario: Scenario) -> None:
    """The comparison can fail: a changed derived row is found, and the figures differ from the exact."""
    svc = scenario.world.services
    exact = ReportService(svc.ctx)
    exact.rollup = False
    with svc.db.write() as s, s.begin():
        s.execute(update(ReportUseRow).where(ReportUseRow.zone == Zone.FOREHEAD.value).values(units=99.0))
        s.execute(update(ReportOutcomeRow).values(pores=-3))
    with svc.db.read() as s:
        found = report_rollup.differences(s)
    assert any(d.startswith("report_session_use: stale") for d in found), found
    assert any(d.startswith("report_outcomes: stale") for d in found), found
    # the day tables are compared with the clinical rows, not with the drifted per-session ones
    assert not any(d.startswith("report_day") for d in found), found
    forehead = replace(PERIOD, zone=Zone.FOREHEAD)  # a zone's figures come from the per-session rows
    assert svc.reports.product_use(forehead) != exact.product_use(forehead)
    assert svc.reports.summary(forehead) != exact.summary(forehead)
    assert svc.reports.summary(PERIOD) == exact.summary(PERIOD)  # the day sums did not drift
    with svc.db.write() as s, s.begin():
        s.execute(update(ReportDayLots).values(units=ReportDayLots.c.units + 1))
        s.execute(update(ReportDayOutcomes).values(pores_sum=ReportDayOutcomes.c.pores_sum - 5))
        s.execute(update(ReportDayVials).values(drawn=0.0, wasted=ReportDayVials.c.vial_units))
    with svc.db.read() as s:
        found = report_rollup.differences(s)
    for table in ("report_day_lots", "report_day_outcomes", "report_day_vials"):
        assert any(d.startswith(f"{table}: stale") for d in found), (table, found)
    assert not any(d.startswith("report_day_groups") for d in found), found
    assert svc.reports.product_use(PERIOD) != exact.product_use(PERIOD)
    assert svc.reports.summary(PERIOD) != exact.summary(PERIOD)
    with svc.db.write() as s, s.begin():
        report_rollup.rebuild(s)
    assert_same_figures(svc, PERIOD)


# -- a built demo ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("rollup") / "demo.sqlite3"
    build_demo(f"sqlite:///{path}", patients=400, today=DEMO_TODAY)
    return path


@pytest.fixture
def manager(demo: Path) -> Iterator[Services]:
    services = open_services(f"sqlite:///{demo}")
    with services.db.read() as s:
        user = s.execute(select(UserRow).where(UserRow.role == "manager")).scalars().first()
        services.act_as(actor_of(user))
    yield services
    services.db.dispose()


def test_a_built_demo_has_its_derived_tables_filled_and_true(manager: Services) -> None:
    with manager.db.read() as s:
        assert s.execute(select(ReportUseRow.session_id).limit(1)).first() is not None
        assert s.execute(select(ReportOutcomeRow.session_id).limit(1)).first() is not None
        vial = s.execute(select(VialRow.id).limit(1)).scalar_one()
    assert vial is not None
    year = ReportFilters(start=DEMO_TODAY - timedelta(days=365), end=DEMO_TODAY)
    assert_same_figures(manager, year)
    exact = ReportService(manager.ctx)
    exact.rollup = False
    for zone, tp in itertools.product((Zone.FOREHEAD, Zone.CHIN), (None, TimePoint.DAY_14)):
        f = replace(year, zone=zone, time_point=tp)
        assert manager.reports.breakdown(f, BreakdownBy.MONTH) == exact.breakdown(f, BreakdownBy.MONTH)
