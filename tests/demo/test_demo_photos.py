"""The demo's synthetic before-and-after photos (clinicrec/demo/photos.py): stored and measured through
the application's own path, audited, and their measured change follows the clinician's rated change."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from clinicrec.demo import DEMO_PASSWORD, build_demo
from clinicrec.services.app import Services, open_services


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo-photos") / "demo.sqlite3"
    summary = build_demo(f"sqlite:///{path}", patients=60, today=date(2026, 6, 30), photo_sessions=4)
    assert summary.photos == 8
    return path


@pytest.fixture
def services(demo: Path) -> Services:
    svc = open_services(f"sqlite:///{demo}", encrypt_new_database=False)
    svc.act_as(svc.auth.sign_in("manager", DEMO_PASSWORD))
    yield svc  # type: ignore[misc]
    svc.db.dispose()


def _ratings(svc: Services, session_id: int) -> list[tuple[str, int, int, int]]:
    with svc.db.read() as s:
        rows = s.execute(
            text("SELECT time_point, pores, oil, redness FROM assessments WHERE session_id = :s "
                 "ORDER BY assessed_on, id"), {"s": session_id},
        ).all()  # fmt: skip
    return [tuple(r) for r in rows]  # type: ignore[misc]


def test_each_photographed_session_has_a_measured_baseline_and_follow_up(services: Services) -> None:
    with services.db.read() as s:
        sessions = [r[0] for r in s.execute(text("SELECT DISTINCT session_id FROM photos ORDER BY 1"))]
        dated = s.execute(
            text("SELECT p.time_point, date(p.taken_at), a.assessed_on FROM photos p JOIN assessments a "
                 "ON a.session_id = p.session_id AND a.time_point = p.time_point")
        ).all()  # fmt: skip
    assert len(sessions) == 4
    assert all(str(taken) == str(on) for _, taken, on in dated)  # taken on the day of the visit
    for sid in sessions:
        [change] = services.measurements.session_change(sid)
        assert change.after_time_point.value == _ratings(services, sid)[-1][0]
        key_zones = {"forehead", "nose", "cheek_left", "cheek_right", "chin"}
        assert {z.zone.value for z in change.zones} >= key_zones


def test_the_measured_change_follows_the_rated_change(services: Services) -> None:
    agree = disagree = 0
    with services.db.read() as s:
        sessions = [r[0] for r in s.execute(text("SELECT DISTINCT session_id FROM photos"))]
    for sid in sessions:
        rated = _ratings(services, sid)
        (_, p0, o0, r0), (_, p1, o1, r1) = rated[0], rated[-1]
        [change] = services.measurements.session_change(sid)
        zones = {z.zone.value: z for z in change.zones}
        cheeks = (zones["cheek_left"], zones["cheek_right"])
        for rated_change, measured in (
            (p1 - p0, sum(c.change("pores_per_cm2") or 0.0 for c in cheeks)),
            (r1 - r0, sum(c.change("redness_a_mean") or 0.0 for c in cheeks)),
            (o1 - o0, zones["forehead"].change("shine_share") or 0.0),
        ):
            if rated_change:
                if (rated_change > 0) == (measured > 0):
                    agree += 1
                else:
                    disagree += 1
    assert agree >= 4 and disagree <= agree // 4, (agree, disagree)


def test_the_photos_and_their_figures_are_proved_by_the_audit_trail(services: Services) -> None:
    result = services.audit_log.verify_chain()
    assert result.ok, result.first_problem
    from clinicrec.services.audit_log import AuditFilters

    assert len(services.audit_log.search(AuditFilters(entity="photo_measurement"))) == 8
    assert len(services.audit_log.search(AuditFilters(entity="photo"))) >= 8
