"""Skin-analysis figures stored with the photo: measured from the stored bytes, audited, provable,
never overwritten, and paired baseline -> follow-up per view for the follow-up screen and reports."""

from __future__ import annotations

import cv2
import pytest
from sqlalchemy import text

from clinicrec.analysis.figures import ColourSource, FaceLandmarks, LandmarkSource
from clinicrec.analysis.synthetic import Photo, render_face
from clinicrec.domain.enums import TimePoint, Zone
from clinicrec.domain.errors import ValidationError
from clinicrec.services.app import Services
from clinicrec.services.audit_log import AuditFilters
from tests.conftest import World
from tests.services.oversight_helpers import draft
from tests.services.test_photos import consenting_patient, front


@pytest.fixture(scope="module")
def faces() -> tuple[Photo, Photo]:
    """A small before and after: the after face has half the pores (rendered at 7 px/mm: fast)."""
    return render_face(7.0, seed=3, pores_per_cm2=30.0), render_face(7.0, seed=4, pores_per_cm2=15.0)


def png(photo: Photo) -> bytes:
    ok, data = cv2.imencode(".png", cv2.cvtColor(photo.rgb, cv2.COLOR_RGB2BGR))
    assert ok
    return data.tobytes()


def test_a_stored_photo_is_measured_stored_and_read_back(
    services: Services, faces: tuple[Photo, Photo]
) -> None:
    before, _ = faces
    pid = consenting_patient(services)
    photo = services.photos.import_photo(front(pid), png(before))
    done = services.measurements.measure(photo.id, before.face)
    assert done.maps is not None and done.rgb.shape == before.rgb.shape
    stored = services.measurements.latest([photo.id])[photo.id]
    assert [z.zone for z in stored.analysis.zones] == [z.zone for z in done.measurement.analysis.zones]
    cheek = stored.analysis.zone(Zone.CHEEK_LEFT)
    fresh = done.measurement.analysis.zone(Zone.CHEEK_LEFT)
    assert cheek.pores_per_cm2 == pytest.approx(fresh.pores_per_cm2, abs=1e-3)
    assert cheek.red_share == pytest.approx(fresh.red_share, abs=1e-5)
    assert stored.analysis.quality.colour_source is ColourSource.CARD
    assert stored.analysis.landmarks is not None
    assert stored.analysis.landmarks.source is LandmarkSource.GIVEN
    assert stored.analysis.landmarks.right_pupil == pytest.approx(before.face.right_pupil, abs=0.01)


def test_measuring_again_adds_a_record_and_the_newest_counts(
    world: World, faces: tuple[Photo, Photo]
) -> None:
    services = world.services
    before, _ = faces
    pid = consenting_patient(services)
    photo = services.photos.import_photo(front(pid), png(before))
    first = services.measurements.measure(photo.id, before.face).measurement
    moved = FaceLandmarks(
        (before.face.right_pupil[0] + 2, before.face.right_pupil[1]), before.face.left_pupil,
        before.face.mouth_right, before.face.mouth_left,
    )  # fmt: skip
    second = services.measurements.measure(photo.id, moved).measurement
    assert second.id != first.id
    assert services.measurements.latest([photo.id])[photo.id].id == second.id
    world.as_(world.manager)
    entries = services.audit_log.search(AuditFilters(entity="photo_measurement"))
    assert {int(e.entity_id) for e in entries} == {first.id, second.id}
    assert services.audit_log.verify_chain().problems == ()


def test_figures_changed_behind_the_app_are_found_by_verify(world: World, faces: tuple[Photo, Photo]) -> None:
    services = world.services
    before, _ = faces
    pid = consenting_patient(services)
    photo = services.photos.import_photo(front(pid), png(before))
    m = services.measurements.measure(photo.id, before.face).measurement
    with services.db.write() as s, s.begin():
        s.execute(
            text("UPDATE photo_zone_figures SET pores_per_cm2 = 1 WHERE measurement_id = :m"), {"m": m.id}
        )
    world.as_(world.manager)
    problems = [p.message for p in services.audit_log.verify_chain().problems]
    assert any("photo measurement" in p and str(m.id) in p for p in problems), problems


def test_a_void_photo_is_not_measured(services: Services, faces: tuple[Photo, Photo]) -> None:
    pid = consenting_patient(services)
    photo = services.photos.import_photo(front(pid), png(faces[0]))
    services.photos.void(photo.id, "wrong patient")
    with pytest.raises(ValidationError, match="void"):
        services.measurements.measure(photo.id, faces[0].face)
    assert services.measurements.latest([photo.id]) == {}


def test_a_session_pairs_its_baseline_with_its_latest_follow_up(
    world: World, faces: tuple[Photo, Photo]
) -> None:
    before, after = faces
    services = world.as_(world.injector)
    pid = consenting_patient(services)
    session = draft(world, pid)
    assert session.id is not None
    b = services.photos.import_photo(front(pid, session_id=session.id), png(before))
    a = services.photos.import_photo(
        front(pid, session_id=session.id, time_point=TimePoint.WEEK_4), png(after)
    )
    assert services.measurements.session_change(session.id) == []  # nothing measured yet
    services.measurements.measure(b.id, before.face)
    services.measurements.measure(a.id, after.face)
    (change,) = services.measurements.session_change(session.id)
    assert (change.before_photo_id, change.after_photo_id) == (b.id, a.id)
    assert change.after_time_point is TimePoint.WEEK_4
    cheek = next(z for z in change.zones if z.zone is Zone.CHEEK_LEFT)
    truth_b = before.truth.zone_truth(Zone.CHEEK_LEFT, before.face)["pores_per_cm2"]
    truth_a = after.truth.zone_truth(Zone.CHEEK_LEFT, after.face)["pores_per_cm2"]
    assert cheek.change("pores_per_cm2") == pytest.approx(truth_a - truth_b, abs=0.25 * truth_b)
