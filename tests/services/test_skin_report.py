"""The measured skin change report (services/reports/skin.py) on a real database with known figures:
two signed sessions with measured baseline and week-4 photos; every figure is recomputed here from the
stored measurements, the charted doses and the ratings, independently of the report's code."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, date, datetime

import cv2
import pytest

from clinicrec.analysis.synthetic import Photo, render_face
from clinicrec.domain.enums import Indication, Measure, TimePoint, Zone
from clinicrec.domain.photos import ConsentScope, PhotoDetails, PhotoView
from clinicrec.domain.report_types import BreakdownBy
from clinicrec.domain.skin_report import SkinChangeReport, SkinFigure
from clinicrec.services.reports import ReportRequest, definition
from clinicrec.services.reports.export import csv_text
from tests.conftest import World, make_patient, make_vial
from tests.services.test_reports import PERIOD, at, chart, ci, follow_up

NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def faces() -> dict[str, Photo]:
    """Small faces (7 px/mm): A loses half its pores, B its redness and shine."""
    return {
        "a0": render_face(7.0, seed=3, pores_per_cm2=30.0),
        "a1": render_face(7.0, seed=3, pores_per_cm2=14.0),
        "b0": render_face(7.0, seed=5, pores_per_cm2=20.0, red_scale=1.4, shine_scale=1.3),
        "b1": render_face(7.0, seed=5, pores_per_cm2=20.0, red_scale=0.4, shine_scale=0.5),
    }


def _jpeg(photo: Photo) -> bytes:
    ok, data = cv2.imencode(".png", cv2.cvtColor(photo.rgb, cv2.COLOR_RGB2BGR))
    assert ok
    return data.tobytes()


def _photograph(world: World, pid: int, sid: int, before: Photo, after: Photo) -> None:
    svc = world.services
    for tp, photo in ((TimePoint.BASELINE, before), (TimePoint.WEEK_4, after)):
        stored = svc.photos.import_photo(PhotoDetails(pid, PhotoView.FRONT, tp, sid), _jpeg(photo))
        svc.measurements.measure(stored.id, photo.face)


@pytest.fixture
def sessions(world: World, faces: dict[str, Photo]) -> dict[str, int]:
    world.clock.set(NOW)
    nurse = world.injector
    svc = world.as_(nurse)
    ids = {}
    for key, day, zones, base, later in (
        ("a", 2, [(Zone.CHEEK_LEFT, 10, 0.5), (Zone.CHEEK_RIGHT, 8, 0.5)], (3, 2, 3), (1, 2, 1)),
        ("b", 3, [(Zone.CHEEK_LEFT, 20, 0.25)], (2, 3, 3), (2, 1, 1)),
    ):
        vial = make_vial(svc, units=100, diluent_ml=2.5, when=at(4, day, 9))  # 4 U/0.1 mL
        pid = make_patient(svc).id
        assert pid is not None
        svc.photos.record_consent(pid, (ConsentScope.CLINICAL,), date(2026, 4, 1))
        sid = chart(world, nurse, pid, at(4, day), vial, zones, {Indication.PORES}, base)
        follow_up(world, sid, TimePoint.WEEK_4, date(2026, 5, day), later, None, None)
        _photograph(world, pid, sid, faces[f"{key}0"], faces[f"{key}1"])
        ids[key] = sid
    world.as_(world.manager)
    return ids


def _report(world: World, by: BreakdownBy = BreakdownBy.PRODUCT, **kw: object) -> SkinChangeReport:
    filters = replace(PERIOD, **kw)  # type: ignore[arg-type]
    result = definition("skin-change").run(world.services.reports, ReportRequest(filters, by=by))
    assert isinstance(result, SkinChangeReport)
    return result


def test_change_per_zone_dose_and_rated_change_are_the_known_figures(
    world: World, sessions: dict[str, int]
) -> None:
    svc = world.services
    measured = {
        k: {z.zone: z for z in svc.measurements.session_change(sid)[0].zones} for k, sid in sessions.items()
    }
    report = _report(world)
    assert report.sessions == 2
    rows = {(r.group, r.zone): r for r in report.rows}
    assert set(rows) == {
        ("Botox Cosmetic", Zone.CHEEK_LEFT),
        ("Botox Cosmetic", Zone.CHEEK_RIGHT),
    }  # treated only
    left = rows[("Botox Cosmetic", Zone.CHEEK_LEFT)]
    assert left.sessions == 2 and left.injectors == "Nina Nurse, RN"
    # dose: 10 x 0.5 U and 20 x 0.25 U = 5 U each, over the cheek's area measured on each baseline photo
    doses = [5.0 / measured[k][Zone.CHEEK_LEFT].before.area_cm2 for k in ("a", "b")]
    assert (left.dose_u_per_cm2.mean, left.dose_u_per_cm2.low, left.dose_u_per_cm2.high) == pytest.approx(
        ci(doses)
    )
    assert left.dilution_u_per_0_1_ml.mean == pytest.approx(4.0)
    for fig in SkinFigure:
        changes = [measured[k][Zone.CHEEK_LEFT].change(fig.value) for k in ("a", "b")]
        e = left.figure(fig)
        assert e.n == 2 and (e.mean, e.low, e.high) == pytest.approx(ci(changes))  # type: ignore[arg-type]
    pores = left.figure(SkinFigure.PORES)
    assert pores.mean is not None and pores.mean < -3  # A lost half its pores; B kept them
    assert left.rating(Measure.PORES).mean == pytest.approx(-1.0)  # -2 and 0
    assert left.rating(Measure.OIL).mean == pytest.approx(-1.0)  # 0 and -2
    assert left.rating(Measure.REDNESS).mean == pytest.approx(-2.0)
    right = rows[("Botox Cosmetic", Zone.CHEEK_RIGHT)]
    assert right.sessions == 1 and right.dose_u_per_cm2.mean == pytest.approx(
        4.0 / measured["a"][Zone.CHEEK_RIGHT].before.area_cm2
    )
    assert right.dose_u_per_cm2.low is None and right.dose_u_per_cm2.few  # one session: no interval
    agreement = {a.figure: a.correlation for a in report.agreement}
    assert set(agreement) == set(SkinFigure) and all(c.n == 2 and c.rho is None for c in agreement.values())


def test_groupings_filters_and_an_injectors_own_figures(world: World, sessions: dict[str, int]) -> None:
    by_injector = _report(world, BreakdownBy.INJECTOR)
    assert {r.group for r in by_injector.rows} == {"Nina Nurse, RN · Botox Cosmetic"}
    by_band = _report(world, BreakdownBy.DILUTION)
    assert {r.group for r in by_band.rows} == {"> 2 to 4 U/0.1 mL · Botox Cosmetic"}
    assert _report(world, time_point=TimePoint.WEEK_12).sessions == 0  # no photo at week 12
    assert _report(world, time_point=TimePoint.WEEK_4).sessions == 2
    assert _report(world, end=date(2026, 4, 2)).sessions == 1
    world.as_(world.injector2)  # another nurse sees only her own sessions: none
    assert _report(world).rows == ()


def test_csv_holds_the_figures(world: World, sessions: dict[str, int]) -> None:
    report = _report(world)
    rows = list(csv.DictReader(io.StringIO(csv_text(report))))
    agreement = [r for r in rows if r["section"] == "agreement"]
    assert [r["figure"] for r in agreement] == [f.value for f in SkinFigure]
    left = next(r for r in rows if r["section"] == "zone" and r["zone"] == "cheek_left")
    row = next(r for r in report.rows if r.zone is Zone.CHEEK_LEFT)
    assert left["sessions"] == "2" and left["group"] == "Botox Cosmetic"
    assert float(left["measured_pores_per_cm2_mean"]) == pytest.approx(
        row.figure(SkinFigure.PORES).mean, abs=1e-4
    )
    assert float(left["rated_pores_mean"]) == pytest.approx(-1.0)
    assert float(left["dose_u_per_cm2_mean"]) == pytest.approx(row.dose_u_per_cm2.mean, abs=1e-3)
