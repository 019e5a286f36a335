"""Outcome reports on a database with known sessions and ratings: every figure checked exactly.

The scenario (``build_scenario``) charts and signs seven sessions through the real services, one of them
amended, with follow-ups, adverse events and vials chosen so that each report's rules are exercised:
the latest of two follow-ups at one time point, an amended baseline, dilution band edges (2.0 and
4.0 U/0.1 mL), a session in two zones, a session with no follow-up that is due, one overdue, one
not yet due, a vial still in its in-use window, a vial never used.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from clinicrec.db.models import AuditRow
from clinicrec.domain.enums import (
    AdverseEventKind,
    Gais,
    Indication,
    Measure,
    Severity,
    TimePoint,
    Zone,
)
from clinicrec.domain.errors import PermissionDenied
from clinicrec.domain.models import AdverseEvent, Assessment, Consent, InjectionPoint, TreatmentSession, Vial
from clinicrec.domain.report_stats import Reliability
from clinicrec.domain.report_types import BreakdownBy, DilutionBand, ReportFilters
from clinicrec.domain.scales import CURRENT_SCALE_VERSION
from clinicrec.services.permissions import Actor
from clinicrec.services.reports.export import csv_text, export_csv
from tests.conftest import PASSWORD, World, make_patient, make_vial, product_id

pytestmark = pytest.mark.postgres  # every figure on SQLite and, when a server is available, PostgreSQL

NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
PERIOD = ReportFilters(start=date(2026, 3, 1), end=date(2026, 6, 30))
# Student's t, 0.975 quantile (published tables)
T975 = {1: 12.706204736174698, 2: 4.302652729749464, 3: 3.182446305284263, 9: 2.262157162798205}


def at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=UTC)


def ci(values: list[float]) -> tuple[float, float, float]:
    """(mean, low, high) computed independently of the code under test."""
    n = len(values)
    mean = sum(values) / n
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    half = T975[n - 1] * sd / math.sqrt(n)
    return mean, mean - half, mean + half


@dataclass
class Scenario:
    world: World
    ids: dict[str, int]
    vials: dict[str, Vial]
    patients: dict[str, int]


def chart(
    world: World,
    actor: Actor,
    patient_id: int,
    when: datetime,
    vial: Vial,
    zones: list[tuple[Zone, int, float]],
    indications: set[Indication],
    baseline: tuple[int, int, int],
) -> int:
    """Chart and sign a session: ``zones`` = (zone, points, units per point)."""
    svc = world.as_(actor)
    points = tuple(
        InjectionPoint.from_units(zone, 0.3 + i * 0.01, 0.2 + j * 0.05, vial, units)
        for j, (zone, n, units) in enumerate(zones)
        for i in range(n)
    )
    draft = svc.charting.save_draft(
        TreatmentSession(
            patient_id=patient_id,
            performed_at=when,
            injector_id=actor.user_id,
            consent=Consent("MB-CONSENT-1", when - timedelta(minutes=5), actor.full_name),
            indications=frozenset(indications),
            points=points,
            baseline=Assessment(TimePoint.BASELINE, when.date(), *baseline, CURRENT_SCALE_VERSION),
        )
    )
    assert draft.id is not None
    return svc.charting.sign(draft.id, PASSWORD).id  # type: ignore[return-value]


def follow_up(
    world: World,
    session_id: int,
    tp: TimePoint,
    on: date,
    ratings: tuple[int, int, int],
    gais: Gais | None,
    satisfaction: int | None,
) -> None:
    world.services.records.add_follow_up(
        session_id, Assessment(tp, on, *ratings, CURRENT_SCALE_VERSION, gais=gais, satisfaction=satisfaction)
    )


def build_scenario(world: World) -> Scenario:
    world.clock.set(NOW)
    svc = world.as_(world.admin)
    nurse, nurse2 = world.injector, world.injector2
    p1 = make_patient(
        svc,
        first_name="Zoë",
        last_name="Ñúñez-Øster",
        phone="+44 7700 900001",
        email="zoe@example.org",
        address="1 Harbour Road",
    )
    p2 = make_patient(
        svc, first_name="Ben", last_name="Brown", phone="+44 7700 900002", email="ben@example.org"
    )
    p3 = make_patient(svc, first_name="Cai", last_name="Chen", address='=HYPERLINK("http://x.example")')
    p4 = make_patient(svc, first_name="Dee", last_name="Diaz")
    p5 = make_patient(svc, first_name="Eve", last_name="Evans")
    # V1 Botox 100 U / 2.5 mL = 4 U/0.1 mL (band edge '2-4'); V2 Xeomin 100 U / 5 mL = 2 (edge '<=2');
    # V3 Dysport 300 U / 2.5 mL = 12 ('>6'); V4 Botox 100 U / 2 mL = 5 ('4-6'); V5 Xeomin (own lot).
    world.as_(nurse)
    v1 = make_vial(svc, units=100, diluent_ml=2.5, when=at(3, 2, 10), lot="C1111AA")
    v3 = make_vial(
        svc,
        brand="Dysport",
        units=300,
        diluent_ml=2.5,
        when=at(4, 15),
        lot="D3333CC",
        expiry=date(2026, 5, 1),
    )
    v4 = make_vial(svc, units=100, diluent_ml=2.0, when=at(6, 12), lot="C1111AA")
    v6 = make_vial(svc, units=100, diluent_ml=2.5, when=at(6, 30, 11), lot="C7777GG")  # still in its window
    world.as_(nurse2)
    v2 = make_vial(svc, brand="Xeomin", units=100, diluent_ml=5.0, when=at(3, 10), lot="X2222BB")
    v5 = make_vial(svc, brand="Xeomin", units=100, diluent_ml=5.0, when=at(6, 25), lot="X5555EE")
    v7 = make_vial(svc, brand="Xeomin", units=100, diluent_ml=5.0, when=at(6, 1), lot="X8888HH")  # never used

    ids: dict[str, int] = {}
    ids["S1"] = chart(
        world,
        nurse,
        p1.id,
        at(3, 2, 10),
        v1,
        [(Zone.FOREHEAD, 10, 0.4), (Zone.NOSE, 5, 0.4)],
        {Indication.PORES, Indication.OIL},
        (3, 3, 2),
    )
    ids["S2"] = chart(
        world, nurse, p2.id, at(3, 2, 11), v1, [(Zone.CHEEK_LEFT, 10, 0.5)], {Indication.REDNESS}, (2, 2, 3)
    )
    ids["S3"] = chart(
        world, nurse2, p3.id, at(3, 10, 10), v2, [(Zone.FOREHEAD, 8, 0.2)], {Indication.OIL}, (2, 4, 1)
    )
    ids["S4"] = chart(
        world, nurse2, p4.id, at(3, 10, 11), v2, [(Zone.NOSE, 6, 0.2)], {Indication.PORES}, (4, 2, 2)
    )
    ids["S5"] = chart(
        world,
        nurse,
        p5.id,
        at(4, 15),
        v3,
        [(Zone.CHIN, 5, 1.2)],
        {Indication.ACNE, Indication.OIL},
        (1, 3, 1),
    )
    ids["S6"] = chart(
        world, nurse, p1.id, at(6, 12), v4, [(Zone.FOREHEAD, 4, 0.5)], {Indication.TEXTURE}, (3, 3, 3)
    )
    ids["S7"] = chart(
        world, nurse2, p2.id, at(6, 25), v5, [(Zone.CHEEK_RIGHT, 10, 0.2)], {Indication.REDNESS}, (1, 1, 3)
    )

    # S2 is amended by its injector: the baseline redness was 4, not 3. The amendment is the version counted.
    world.as_(nurse)
    amendment = svc.charting.start_amendment(ids["S2"], "Baseline redness mistyped")
    assert amendment.baseline is not None
    amendment = svc.charting.save_draft(replace(amendment, baseline=replace(amendment.baseline, redness=4)))
    ids["A2"] = svc.charting.sign(amendment.id, PASSWORD).id  # type: ignore[arg-type,assignment]

    follow_up(world, ids["S1"], TimePoint.DAY_14, date(2026, 3, 16), (2, 2, 2), Gais.IMPROVED, 4)
    follow_up(world, ids["S1"], TimePoint.WEEK_4, date(2026, 3, 30), (1, 2, 1), Gais.MUCH_IMPROVED, 5)
    follow_up(
        world, ids["S2"], TimePoint.WEEK_4, date(2026, 3, 30), (2, 2, 1), Gais.IMPROVED, 4
    )  # superseded:
    follow_up(
        world, ids["A2"], TimePoint.WEEK_4, date(2026, 4, 2), (2, 1, 1), Gais.MUCH_IMPROVED, 5
    )  # the latest
    world.as_(nurse2)
    follow_up(world, ids["S3"], TimePoint.WEEK_4, date(2026, 4, 7), (2, 2, 1), Gais.VERY_MUCH_IMPROVED, 5)
    follow_up(world, ids["S4"], TimePoint.WEEK_4, date(2026, 4, 7), (3, 2, 2), Gais.NO_CHANGE, 3)
    follow_up(world, ids["S4"], TimePoint.DAY_14, date(2026, 3, 24), (4, 2, 3), Gais.WORSE, 2)
    svc.records.add_adverse_event(
        ids["S3"], AdverseEvent(AdverseEventKind.HEADACHE, date(2026, 3, 11), Severity.MODERATE)
    )
    svc.records.add_adverse_event(
        ids["S3"], AdverseEvent(AdverseEventKind.BRUISING, date(2026, 3, 11), Severity.SEVERE)
    )
    world.as_(nurse)
    svc.records.add_adverse_event(
        ids["A2"], AdverseEvent(AdverseEventKind.BRUISING, date(2026, 3, 3), Severity.MILD)
    )
    # A draft is not a signed session: it counts nowhere in the outcome figures.
    svc.charting.save_draft(
        TreatmentSession(
            patient_id=p4.id,
            performed_at=at(6, 30, 11),
            injector_id=nurse.user_id,
            points=(InjectionPoint.from_units(Zone.NOSE, 0.5, 0.5, v6, 0.5),),
            indications=frozenset({Indication.PORES}),
            baseline=Assessment(TimePoint.BASELINE, date(2026, 6, 30), 0, 0, 0, CURRENT_SCALE_VERSION),
        )
    )
    world.as_(world.manager)
    vials = {"V1": v1, "V2": v2, "V3": v3, "V4": v4, "V5": v5, "V6": v6, "V7": v7}
    return Scenario(world, ids, vials, {"P1": p1.id, "P2": p2.id, "P3": p3.id, "P4": p4.id, "P5": p5.id})  # type: ignore[dict-item]


@pytest.fixture
def scenario(world: World) -> Scenario:
    return build_scenario(world)


# -- outcome summary ----------------------------------------------------------------------------------------
def test_summary_changes_counts_intervals(scenario: Scenario) -> None:
    report = scenario.world.services.reports.summary(PERIOD)
    assert report.sessions == 7  # S1, S2 (as amended), S3..S7; the draft and the superseded S2 do not count
    assert [o.time_point for o in report.outcomes] == [TimePoint.DAY_14, TimePoint.WEEK_4]

    day14 = report.at(TimePoint.DAY_14)
    assert day14 is not None and day14.followed_up == 2
    pores = day14.measure(Measure.PORES)
    mean, low, high = ci([-1, 0])
    assert (pores.change.n, pores.change.mean, pores.improved) == (2, -0.5, 1)
    assert pores.change.low == pytest.approx(low, abs=1e-9) and pores.change.high == pytest.approx(
        high, abs=1e-9
    )
    assert pores.change.reliability is Reliability.FEW
    redness = day14.measure(Measure.REDNESS)
    assert (redness.change.n, redness.change.mean, redness.improved) == (2, 0.5, 0)
    assert dict(day14.gais.counts) == {
        Gais.VERY_MUCH_IMPROVED: 0,
        Gais.MUCH_IMPROVED: 0,
        Gais.IMPROVED: 1,
        Gais.NO_CHANGE: 0,
        Gais.WORSE: 1,
    }
    assert (day14.satisfaction.n, day14.satisfaction.mean) == (2, 3.0)

    week4 = report.at(TimePoint.WEEK_4)
    assert week4 is not None and week4.followed_up == 4
    # changes: S1 (-2,-1,-1); S2 latest follow-up vs amended baseline (0,-1,-3); S3 (0,-2,0); S4 (-1,0,0)
    expected = {
        Measure.PORES: ([-2, 0, 0, -1], 2),
        Measure.OIL: ([-1, -1, -2, 0], 3),
        Measure.REDNESS: ([-1, -3, 0, 0], 2),
    }
    for measure, (changes, improved) in expected.items():
        got = week4.measure(measure)
        mean, low, high = ci(changes)
        assert got.change.n == 4 and got.improved == improved
        assert got.improved_share == improved / 4
        assert got.change.mean == pytest.approx(mean, abs=1e-12)
        assert got.change.low == pytest.approx(low, abs=1e-9)
        assert got.change.high == pytest.approx(high, abs=1e-9)
    assert week4.gais.count(Gais.VERY_MUCH_IMPROVED) == 1 and week4.gais.count(Gais.MUCH_IMPROVED) == 2
    assert week4.gais.count(Gais.NO_CHANGE) == 1 and week4.gais.n == 4 and week4.gais.improved_share == 0.75
    s_mean, s_low, s_high = ci([5, 5, 5, 3])
    assert week4.satisfaction.mean == s_mean == 4.5
    assert week4.satisfaction.low == pytest.approx(s_low, abs=1e-9)


def test_summary_filters(scenario: Scenario) -> None:
    reports = scenario.world.services.reports
    svc = scenario.world.services

    def week4_pores(f: ReportFilters) -> tuple[int, int, float | None]:
        r = reports.summary(f)
        o = r.at(TimePoint.WEEK_4)
        return (
            r.sessions,
            (o.measure(Measure.PORES).change.n if o else 0),
            (o.measure(Measure.PORES).change.mean if o else None),
        )

    assert week4_pores(replace(PERIOD, zone=Zone.NOSE)) == (2, 2, -1.5)  # S1, S4
    assert week4_pores(replace(PERIOD, indication=Indication.OIL)) == (3, 2, -1.0)  # S1, S3, S5
    assert week4_pores(replace(PERIOD, product_id=product_id(svc, "Xeomin"))) == (3, 2, -0.5)
    assert week4_pores(replace(PERIOD, dilution=DilutionBand.FROM_2_TO_4)) == (2, 2, -1.0)  # 4.0 is '2-4'
    assert week4_pores(replace(PERIOD, dilution=DilutionBand.UP_TO_2)) == (3, 2, -0.5)  # 2.0 is '<=2'
    assert week4_pores(replace(PERIOD, dilution=DilutionBand.OVER_6)) == (1, 0, None)
    assert week4_pores(replace(PERIOD, injector_id=scenario.world.injector2.user_id)) == (3, 2, -0.5)
    assert week4_pores(ReportFilters(start=date(2026, 3, 10), end=date(2026, 3, 10))) == (2, 2, -0.5)
    assert week4_pores(ReportFilters(end=date(2026, 3, 9))) == (2, 2, -1.0)
    only_day14 = reports.summary(replace(PERIOD, time_point=TimePoint.DAY_14))
    assert [o.time_point for o in only_day14.outcomes] == [TimePoint.DAY_14]


def test_ten_sessions_are_not_flagged_few(world: World) -> None:
    world.clock.set(NOW)
    svc = world.as_(world.injector)
    vial = make_vial(svc, when=at(5, 4, 9))
    changes = [-2, -1, -1, 0, -1, -2, 0, -1, -3, -1]
    for i, c in enumerate(changes):
        sid = chart(
            world,
            world.injector,
            make_patient(svc).id,
            at(5, 4, 9) + timedelta(minutes=10 * i),
            vial,
            [(Zone.NOSE, 2, 0.4)],
            {Indication.PORES},
            (3, 2, 2),
        )
        follow_up(world, sid, TimePoint.WEEK_4, date(2026, 6, 1), (3 + c, 2, 2), None, None)
    got = svc.reports.summary(ReportFilters()).outcomes[0].measure(Measure.PORES).change
    mean, low, high = ci(changes)
    assert (got.n, got.mean, got.reliability) == (10, -1.2, Reliability.OK)
    assert got.low == pytest.approx(low, abs=1e-9) and got.high == pytest.approx(high, abs=1e-9)


# -- breakdowns ---------------------------------------------------------------------------------------------
def _rows(scenario: Scenario, by: BreakdownBy, **kw: object) -> dict[str, tuple[int, int, float | None, int]]:
    b = scenario.world.services.reports.breakdown(replace(PERIOD, **kw), by)  # type: ignore[arg-type]
    assert b.time_point == (kw.get("time_point") or TimePoint.WEEK_4)
    return {
        r.label: (
            r.sessions,
            r.outcome.followed_up,
            r.outcome.measure(Measure.PORES).change.mean,
            r.adverse_events,
        )
        for r in b.rows
    }


def test_breakdowns(scenario: Scenario) -> None:
    assert _rows(scenario, BreakdownBy.PRODUCT) == {
        "Botox Cosmetic": (3, 2, -1.0, 1),
        "Dysport": (1, 0, None, 0),
        "Xeomin": (3, 2, -0.5, 2),
    }
    assert _rows(scenario, BreakdownBy.DILUTION) == {
        "≤ 2 U/0.1 mL": (3, 2, -0.5, 2),
        "> 2 to 4 U/0.1 mL": (2, 2, -1.0, 1),
        "> 4 to 6 U/0.1 mL": (1, 0, None, 0),
        "> 6 U/0.1 mL": (1, 0, None, 0),
    }
    assert _rows(scenario, BreakdownBy.ZONE) == {  # a session counts in each zone it treated
        "Forehead": (3, 2, -1.0, 2),
        "Nose": (2, 2, -1.5, 0),
        "Cheek (L)": (1, 1, 0.0, 1),
        "Cheek (R)": (1, 0, None, 0),
        "Chin": (1, 0, None, 0),
    }
    assert _rows(scenario, BreakdownBy.INJECTOR) == {
        "Nina Nurse": (4, 2, -1.0, 1),
        "Olga Other": (3, 2, -0.5, 2),
    }
    assert _rows(scenario, BreakdownBy.MONTH) == {
        "2026-03": (4, 4, -0.75, 3),
        "2026-04": (1, 0, None, 0),
        "2026-06": (2, 0, None, 0),
    }
    assert _rows(scenario, BreakdownBy.INJECTOR, time_point=TimePoint.DAY_14) == {
        "Nina Nurse": (4, 1, -1.0, 1),
        "Olga Other": (3, 1, 0.0, 2),
    }
    order = [r.key for r in scenario.world.services.reports.breakdown(PERIOD, BreakdownBy.DILUTION).rows]
    assert order == ["le2", "2-4", "4-6", "gt6"]
    month = scenario.world.services.reports.breakdown(PERIOD, BreakdownBy.MONTH).rows[0]
    assert month.ae_rate == 75.0


# -- safety -------------------------------------------------------------------------------------------------
def test_safety_rates(scenario: Scenario) -> None:
    r = scenario.world.services.reports.safety(PERIOD)
    assert (r.sessions, r.events) == (7, 3)
    assert r.rate == pytest.approx(300 / 7)
    assert [(k.kind, k.events, k.sessions_affected, k.severe) for k in r.by_kind] == [
        (AdverseEventKind.BRUISING, 2, 2, 1),
        (AdverseEventKind.HEADACHE, 1, 1, 0),
    ]
    assert [k.rate for k in r.by_kind] == [pytest.approx(200 / 7), pytest.approx(100 / 7)]
    assert [(g.label, g.sessions, g.events, g.sessions_affected) for g in r.by_product] == [
        ("Botox Cosmetic", 3, 1, 1),
        ("Dysport", 1, 0, 0),
        ("Xeomin", 3, 2, 1),
    ]
    assert [g.rate for g in r.by_product] == [pytest.approx(100 / 3), 0.0, pytest.approx(200 / 3)]
    assert [(g.label, g.sessions, g.events, g.rate) for g in r.by_injector] == [
        ("Nina Nurse", 4, 1, 25.0),
        ("Olga Other", 3, 2, pytest.approx(200 / 3)),
    ]


# -- product use --------------------------------------------------------------------------------------------
def test_product_use_and_waste(scenario: Scenario) -> None:
    r = scenario.world.services.reports.product_use(PERIOD)
    assert r.as_of == NOW
    assert [(t.brand, t.lots, t.vials, t.sessions, t.units) for t in r.products] == [
        ("Botox Cosmetic", 1, 2, 3, 13.0),
        ("Dysport", 1, 1, 1, 6.0),
        ("Xeomin", 2, 2, 3, 4.8),
    ]
    assert [(u.brand, u.lot_number, u.vials, u.sessions, u.units) for u in r.lots] == [
        ("Botox Cosmetic", "C1111AA", 2, 3, 13.0),
        ("Dysport", "D3333CC", 1, 1, 6.0),
        ("Xeomin", "X2222BB", 1, 2, 2.8),
        ("Xeomin", "X5555EE", 1, 1, 2.0),
    ]
    # C7777GG is still within its 24 h window at NOW, so nothing of it is wasted yet (the draft drew 0.5 U).
    # Each product's wasted lots, most wasted first.
    assert [(w.brand, w.lot_number, w.vials, w.vial_units, w.drawn, w.wasted) for w in r.waste] == [
        ("Botox Cosmetic", "C1111AA", 2, 200.0, 13.0, 187.0),
        ("Dysport", "D3333CC", 1, 300.0, 6.0, 294.0),
        ("Xeomin", "X8888HH", 1, 100.0, 0.0, 100.0),
        ("Xeomin", "X5555EE", 1, 100.0, 2.0, 98.0),
        ("Xeomin", "X2222BB", 1, 100.0, 2.8, 97.2),
    ]
    assert r.complete and r.limit is None and (r.lot_count, r.waste_lot_count) == (4, 5)
    assert r.waste_by_product() == (
        ("Botox Cosmetic", 2, 200.0, 187.0),
        ("Dysport", 1, 300.0, 294.0),
        ("Xeomin", 3, 300.0, 295.2),
    )
    zone_only = scenario.world.services.reports.product_use(replace(PERIOD, zone=Zone.NOSE))
    assert [(t.brand, t.units) for t in zone_only.products] == [("Botox Cosmetic", 2.0), ("Xeomin", 1.2)]
    # As of 1 July the in-use window of C7777GG has passed: its 99.5 undrawn units are wasted.
    scenario.world.clock.set(NOW + timedelta(days=1))
    later = scenario.world.services.reports.product_use(
        ReportFilters(start=date(2026, 6, 30), end=date(2026, 7, 1))
    )
    assert [(w.lot_number, w.drawn, w.wasted) for w in later.waste] == [("C7777GG", 0.5, 99.5)]


# -- follow-up gaps -----------------------------------------------------------------------------------------
def test_follow_up_gaps(scenario: Scenario) -> None:
    r = scenario.world.services.reports.follow_up_gaps(PERIOD)
    assert (r.as_of, r.review_days, r.grace_days) == (date(2026, 6, 30), 14, 7)
    # most overdue first
    assert [(g.session_id, g.performed_on, g.due_on, g.days_past_due, g.status) for g in r.rows] == [
        (scenario.ids["S5"], date(2026, 4, 15), date(2026, 4, 29), 62, "overdue"),
        (scenario.ids["S6"], date(2026, 6, 12), date(2026, 6, 26), 4, "due"),
    ]
    assert (r.due, r.overdue, r.total, r.complete) == (1, 1, 2, True)
    assert [(c.injector, c.due, c.overdue) for c in r.by_injector] == [("Nina Nurse", 1, 1)]
    assert r.rows[0].patient_name == "Evans, Eve" and r.rows[0].injector == "Nina Nurse"
    # a page: the most overdue, and the same counts (from the database rather than the rows)
    page = scenario.world.services.reports.follow_up_gaps(PERIOD, 1)
    assert page.rows == r.rows[:1] and not page.complete
    assert (page.due, page.overdue, page.total, page.by_injector) == (
        r.due,
        r.overdue,
        r.total,
        r.by_injector,
    )
    counted = scenario.world.services.reports.follow_up_gaps(PERIOD, 0)
    assert counted.rows == () and counted.by_injector == r.by_injector


# -- lot recall ---------------------------------------------------------------------------------------------
def test_recall_lists_every_patient_and_session(scenario: Scenario) -> None:
    reports = scenario.world.services.reports
    r = reports.recall(" c1111aa ")
    assert (r.lot_number, r.lots, r.vials, r.patients) == ("c1111aa", ("C1111AA",), 2, 2)
    assert [(x.session_id, x.patient_name, x.phone, x.email, x.units, x.status) for x in r.rows] == [
        (scenario.ids["S1"], "Ñúñez-Øster, Zoë", "+44 7700 900001", "zoe@example.org", 6.0, "signed"),
        (scenario.ids["A2"], "Brown, Ben", "+44 7700 900002", "ben@example.org", 5.0, "signed"),
        (scenario.ids["S6"], "Ñúñez-Øster, Zoë", "+44 7700 900001", "zoe@example.org", 2.0, "signed"),
    ]
    assert r.rows[0].address == "1 Harbour Road" and r.rows[0].expiry_date == date(2030, 1, 1)
    assert reports.recall("C7777GG").rows[0].status == "draft"  # a draft still put the lot into a patient
    assert reports.recall("NOPE").rows == ()
    with scenario.world.services.db.read() as s:
        views = s.execute(
            select(AuditRow)
            .where(AuditRow.action == "view", AuditRow.entity == "lot_recall")
            .order_by(AuditRow.id)
        ).scalars()
        assert [v.entity_id for v in views] == ["c1111aa", "C7777GG", "NOPE"]


# -- permissions and export ---------------------------------------------------------------------------------
def test_injector_sees_only_own_figures(scenario: Scenario) -> None:
    svc = scenario.world.as_(scenario.world.injector2)
    assert svc.reports.summary(PERIOD).sessions == 3
    assert [r.label for r in svc.reports.breakdown(PERIOD, BreakdownBy.INJECTOR).rows] == ["Olga Other"]
    assert svc.reports.safety(PERIOD).events == 2
    assert [t.brand for t in svc.reports.product_use(PERIOD).products] == ["Xeomin"]
    assert [w.lot_number for w in svc.reports.product_use(PERIOD).waste] == ["X8888HH", "X5555EE", "X2222BB"]
    assert svc.reports.follow_up_gaps(PERIOD).rows == ()
    options = svc.reports.filter_options()
    assert options.own_only and options.injectors == ((scenario.world.injector2.user_id, "Olga Other"),)
    with pytest.raises(PermissionDenied):
        svc.reports.summary(replace(PERIOD, injector_id=scenario.world.injector.user_id))
    with pytest.raises(PermissionDenied):
        svc.reports.recall("C1111AA")
    with pytest.raises(PermissionDenied):
        export_csv(svc.reports, svc.reports.summary(PERIOD), io.StringIO())


def test_export_csv_is_audited_and_exact(scenario: Scenario, tmp_path) -> None:  # type: ignore[no-untyped-def]
    svc = scenario.world.services
    out = tmp_path / "recall.csv"
    assert export_csv(svc.reports, svc.reports.recall("C1111AA"), out) == 3
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a BOM, so spreadsheets read the accents
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("lot_number,product,expiry_date,chart_number,patient_name,date_of_birth,phone")
    assert "Ñúñez-Øster, Zoë" in lines[1] and "'+44 7700 900001" in lines[1]
    summary = csv_text(svc.reports.summary(PERIOD)).splitlines()
    header = summary[0].split(",")
    week4 = dict(zip(header, summary[2].split(","), strict=True))
    assert week4["time_point"] == "week_4" and week4["pores_change_n"] == "4"
    assert week4["pores_change_mean"] == "-0.75" and week4["oil_improved"] == "3"
    assert week4["pores_change_reliability"] == "few" and week4["gais_much_improved"] == "2"
    assert float(week4["pores_change_ci95_low"]) == pytest.approx(ci([-2, 0, 0, -1])[1], abs=1e-4)
    with svc.db.read() as s:
        exports = s.execute(select(AuditRow).where(AuditRow.action == "export")).scalars().all()
    assert [e.entity_id for e in exports] == ["recall lot C1111AA"]
    assert '"rows":[null,3]' in exports[0].changes and exports[0].username == "manager"


def test_csv_guards_formulas(scenario: Scenario) -> None:
    svc = scenario.world.services
    text = csv_text(svc.reports.recall("X2222BB"))
    assert "'=HYPERLINK(" in text  # an address that a spreadsheet would otherwise run as a formula


# -- command line -------------------------------------------------------------------------------------------
def _cli(scenario: Scenario, *argv: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from clinicrec.cli import CliApp
    from clinicrec.cli.app import build_parser, fail
    from clinicrec.cli.commands import report
    from clinicrec.domain.errors import ClinicRecError

    args = build_parser().parse_args(["report", *argv])
    try:
        code = report.run(args, CliApp(args, services=scenario.world.services))
    except ClinicRecError as e:
        code = fail("report", str(e))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_writes_the_same_figures(
    scenario: Scenario, capsys: pytest.CaptureFixture[str], tmp_path
) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = _cli(scenario, "--from", "2026-03-01", "--to", "2026-06-30", capsys=capsys)
    assert code == 0
    assert out == csv_text(scenario.world.services.reports.summary(PERIOD))
    code, out, _ = _cli(
        scenario,
        "--kind",
        "breakdown",
        "--by",
        "zone",
        "--zone",
        "nose",
        "--product",
        "botox cosmetic",
        "--time-point",
        "week_4",
        capsys=capsys,
    )
    rows = out.splitlines()
    assert code == 0 and rows[0].startswith(
        "by,group,group_label,sessions,time_point,followed_up,pores_change_n"
    )
    assert [r.split(",")[:6] for r in rows[1:]] == [
        ["zone", "forehead", "Forehead", "1", "week_4", "1"],
        ["zone", "nose", "Nose", "1", "week_4", "1"],
    ]
    code, out, _ = _cli(scenario, "--kind", "safety", "--injector", "nurse2", capsys=capsys)
    assert out.splitlines()[1] == "all,all,All sessions,3,2,,,66.6667"
    target = tmp_path / "recall.csv"
    code, out, _ = _cli(scenario, "--kind", "recall", "--lot", "X2222BB", "-o", str(target), capsys=capsys)
    assert code == 0 and out.strip() == f"{target} (2 rows)"
    assert target.read_text(encoding="utf-8-sig").splitlines()[1].startswith("X2222BB,Xeomin,2030-01-01,")
    for kind in ("product-use", "gaps"):
        code, out, _ = _cli(
            scenario, "--kind", kind, "--dilution", "le2", "--indication", "oil", capsys=capsys
        )
        assert code == 0 and out.count("\n") >= 1
    with scenario.world.services.db.read() as s:
        assert len(s.execute(select(AuditRow).where(AuditRow.action == "export")).scalars().all()) == 6


def test_cli_refuses_clearly(scenario: Scenario, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        _cli(scenario, "--kind", "recall", capsys=capsys)[2]
        == "clinicrec report: --kind recall needs --lot LOT\n"
    )
    assert "nothing called 'Nobotox'" in _cli(scenario, "--product", "Nobotox", capsys=capsys)[2]
    scenario.world.services.act_as(scenario.world.injector)
    code, out, err = _cli(scenario, capsys=capsys)
    assert code == 2 and out == "" and "may not export reports" in err


def test_every_breakdown_with_every_filter(scenario: Scenario) -> None:
    """A breakdown joins the tables a filter also looks into: both must keep their own FROM."""
    svc = scenario.world.services
    f = replace(
        PERIOD,
        zone=Zone.FOREHEAD,
        product_id=product_id(svc, "Botox Cosmetic"),
        indication=Indication.OIL,
        dilution=DilutionBand.FROM_2_TO_4,
        injector_id=scenario.world.injector.user_id,
    )
    for by in BreakdownBy:
        [row] = (
            svc.reports.breakdown(f, by).rows
            if by is not BreakdownBy.ZONE
            else [r for r in svc.reports.breakdown(f, by).rows if r.key == "forehead"]
        )
        assert (row.sessions, row.outcome.followed_up) == (1, 1), by  # S1 only
    assert svc.reports.safety(f).sessions == 1 and svc.reports.follow_up_gaps(f).rows == ()
    assert [t.units for t in svc.reports.product_use(f).products] == [4.0]  # S1's forehead points
