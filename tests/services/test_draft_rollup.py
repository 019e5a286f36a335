"""A draft's save keeps the reports' derived tables true by refreshing only what it changed
(``report_rollup.refresh_draft``, issue 17): after each kind of draft save the tables equal the exact path
(``differences``, and every report's figures), the changes that move the derived rows do move them (so
a refresh that did nothing would fail here), and an autosave that changes nothing they sum writes none."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select

from clinicrec.db import pipeline
from clinicrec.db.models import ReportDayVials, ReportOutcomeRow, ReportUseRow
from clinicrec.db.pipeline import Statement
from clinicrec.domain.enums import Indication, TimePoint, Zone
from clinicrec.domain.models import Assessment, Consent, InjectionPoint, TreatmentSession, Vial
from clinicrec.domain.scales import CURRENT_SCALE_VERSION
from clinicrec.services import audit_state, charting, report_rollup
from clinicrec.services.app import Services
from tests.conftest import World, make_patient, make_vial
from tests.services.test_charting import chart, grid
from tests.services.test_report_rollup import assert_same_figures
from tests.services.test_reports import PERIOD, Scenario, at, build_scenario

pytestmark = pytest.mark.postgres


@pytest.fixture
def scenario(world: World) -> Scenario:
    return build_scenario(world)


def _true(svc: Services) -> None:
    with svc.db.read() as s:
        assert report_rollup.differences(s) == []


def _derived(svc: Services, session_id: int) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """The session's use and outcome rows, and every vial day's row."""
    with svc.db.read() as s:
        use = s.execute(
            select(ReportUseRow.__table__)
            .where(ReportUseRow.session_id == session_id)
            .order_by("zone", "vial_id")
        ).all()
        outcomes = s.execute(
            select(ReportOutcomeRow.__table__)
            .where(ReportOutcomeRow.session_id == session_id)
            .order_by("time_point")
        ).all()
        days = s.execute(select(ReportDayVials).order_by("day", "product_id", "lot_number")).all()
    return [tuple(r) for r in use], [tuple(r) for r in outcomes], [tuple(r) for r in days]


def _moved(session: TreatmentSession, i: int, x: float) -> TreatmentSession:
    points = list(session.points)
    points[i] = replace(points[i], x=x)
    return replace(session, points=tuple(points))


def _dosed(session: TreatmentSession, i: int, vial: Vial, units: float) -> TreatmentSession:
    """Point ``i`` entered again with ``units`` from ``vial``, where it was."""
    points = list(session.points)
    p = points[i]
    points[i] = InjectionPoint.from_units(p.zone, p.x, p.y, vial, units)
    return replace(session, points=tuple(points))


def _report_writes(svc: Services, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The writes to the reports' tables from now on, in the order the statements name them (a statement
    may make two: PostgreSQL's delete and insert of a refresh in one, or begin with a WITH): those run
    through the engine and those a save runs on the driver's connection, with its last reads
    (``pipeline.run_all``: PostgreSQL's refresh goes there)."""
    seen: list[str] = []

    def found(statement: str) -> None:
        for m in re.finditer(r"\b(INSERT INTO|DELETE FROM|UPDATE) (report_\w+)", statement):
            seen.append(f"{m.group(1)} {m.group(2)}")

    def note(_conn, _cursor, statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        found(statement)

    def run_all(dbapi_conn: Any, statements: Sequence[Statement]) -> list[list[tuple[Any, ...]]]:
        for sql, _ in statements:
            found(sql)
        return pipeline.run_all(dbapi_conn, statements)

    event.listen(svc.db.engine, "before_cursor_execute", note)
    monkeypatch.setattr(charting, "run_all", run_all)
    monkeypatch.setattr(audit_state, "run_all", run_all)
    return seen


def test_each_kind_of_draft_save_keeps_the_derived_tables_true(scenario: Scenario) -> None:
    world, svc = scenario.world, scenario.world.services
    nurse = world.injector
    world.as_(nurse)
    v4, v6 = scenario.vials["V4"], scenario.vials["V6"]
    when = at(6, 20, 15)
    points = tuple(InjectionPoint.from_units(Zone.FOREHEAD, 0.3 + i * 0.02, 0.3, v4, 0.5) for i in range(8))
    draft = svc.charting.save_draft(
        TreatmentSession(
            patient_id=scenario.patients["P5"],
            performed_at=when,
            injector_id=nurse.user_id,
            consent=Consent("MB-CONSENT-1", when - timedelta(minutes=5), nurse.full_name),
            indications=frozenset({Indication.PORES}),
            points=points,
            baseline=Assessment(TimePoint.BASELINE, when.date(), 3, 2, 2, CURRENT_SCALE_VERSION),
        )
    )
    assert draft.id is not None
    _true(svc)
    use, _, days = _derived(svc, draft.id)
    assert use  # the new draft's units are in its use rows and drawn from V4

    # a point moved: nothing the reports sum changed
    draft = svc.charting.save_draft(_moved(draft, 2, x=0.61))
    _true(svc)
    assert _derived(svc, draft.id) == (use, [], days)
    # a point's units changed: its use rows and V4's waste move
    draft = svc.charting.save_draft(_dosed(draft, 3, v4, 1.5))
    _true(svc)
    use2, _, days2 = _derived(svc, draft.id)
    assert use2 != use and days2 != days
    # a point drawn from another vial (the links change), points added, points removed
    draft = svc.charting.save_draft(_dosed(draft, 0, v6, 0.5))
    _true(svc)
    assert _derived(svc, draft.id)[2] != days2
    extra = InjectionPoint.from_units(Zone.NOSE, 0.5, 0.6, v6, 0.7)
    draft = svc.charting.save_draft(replace(draft, points=(*draft.points, extra)))
    _true(svc)
    draft = svc.charting.save_draft(replace(draft, points=draft.points[2:]))
    _true(svc)
    # the links alone (V6 no longer named nor drawn from), the day, the baseline changed and removed
    draft = svc.charting.save_draft(replace(draft, vial_ids=(), points=draft.points[:-1]))
    _true(svc)
    draft = svc.charting.save_draft(replace(draft, performed_at=at(6, 21, 9)))
    _true(svc)
    assert draft.baseline is not None
    draft = svc.charting.save_draft(replace(draft, baseline=replace(draft.baseline, pores=1)))
    _true(svc)
    draft = svc.charting.save_draft(replace(draft, baseline=None))
    _true(svc)
    assert_same_figures(svc, PERIOD)


def test_an_amendment_s_draft_saves_keep_its_outcomes_true(scenario: Scenario) -> None:
    """An amendment of S1 (whose root has follow-ups): its baseline moves its own outcome rows."""
    world, svc = scenario.world, scenario.world.services
    world.as_(world.injector)
    amendment = svc.charting.start_amendment(scenario.ids["S1"], "Forehead units mistyped")
    assert amendment.id is not None and amendment.baseline is not None
    _true(svc)
    _, outcomes, _ = _derived(svc, amendment.id)
    assert outcomes
    amendment = svc.charting.save_draft(_moved(amendment, 1, x=0.66))
    _true(svc)
    amendment = svc.charting.save_draft(replace(amendment, baseline=replace(amendment.baseline, oil=0)))
    _true(svc)
    assert _derived(svc, amendment.id)[1] != outcomes
    amendment = svc.charting.save_draft(_dosed(amendment, 0, scenario.vials["V1"], 0.9))
    _true(svc)
    assert_same_figures(svc, PERIOD)


def test_an_autosave_that_changes_nothing_summed_writes_no_derived_row(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    svc = world.as_(world.injector)
    vial = make_vial(svc, when=at(6, 2))
    draft = svc.charting.save_draft(chart(world, make_patient(svc), grid(vial, 0.5, 30)))
    seen = _report_writes(svc, monkeypatch)
    draft = svc.charting.save_draft(_moved(draft, 4, x=0.62))
    draft = svc.charting.save_draft(replace(draft, notes="Settled in minutes"))
    assert seen == []
    draft = svc.charting.save_draft(_dosed(draft, 4, vial, 1.0))
    assert seen == [
        "DELETE FROM report_session_use",
        "INSERT INTO report_session_use",
        "DELETE FROM report_day_vials",
        "INSERT INTO report_day_vials",
    ]
    _true(svc)


def test_a_draft_refreshes_its_vials_day_in_the_clinics_time_zone(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The save takes its vials' day and lot from what it read before writing (its vials, and the clinic's
    time zone in the same statement), not from a read of its own: the day is the clinic's local one.
    At 20:15 UTC it is already the next day in Kiritimati (UTC+14): a save that keyed the day in UTC
    would refresh the wrong row and leave the vial's true day stale."""
    svc = world.as_(world.admin)
    svc.clinic.update(replace(svc.clinic.get(), time_zone="Pacific/Kiritimati"))
    svc = world.as_(world.injector)
    vial = make_vial(svc, when=at(6, 2, 20), lot="K1414ZZ")
    seen = _report_writes(svc, monkeypatch)
    draft = svc.charting.save_draft(chart(world, make_patient(svc), grid(vial, 0.5, 30)))
    assert "INSERT INTO report_day_vials" in seen
    _true(svc)
    draft = svc.charting.save_draft(_dosed(draft, 4, vial, 1.0))
    _true(svc)
    with svc.db.read() as s:
        days = s.execute(
            select(ReportDayVials.c.day, ReportDayVials.c.drawn).where(
                ReportDayVials.c.lot_number == "K1414ZZ"
            )
        ).all()
    assert [d for d, _ in days] == ["2026-06-03"]  # the clinic's day, not UTC's 2026-06-02
    assert days[0][1] == pytest.approx(29 * 0.5 + 1.0)
