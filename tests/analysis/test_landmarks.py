"""Finding the face on a real photo, and placing the face map's zones from its landmarks."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
import skimage.data

from clinicrec.analysis.engine import analyse_photo
from clinicrec.analysis.figures import FaceLandmarks, LandmarkSource
from clinicrec.analysis.landmarks import (
    MAP_POINTS_CM,
    align,
    detect_landmarks,
    fit_similarity,
    map_to_photo,
    zone_mask,
)
from clinicrec.domain import facemap
from clinicrec.domain.enums import Zone


@pytest.fixture(scope="module")
def astronaut() -> np.ndarray:
    """NASA's portrait of Eileen Collins (public domain), shipped with scikit-image."""
    return skimage.data.astronaut()


def test_the_pupils_of_a_real_face_are_found(astronaut: np.ndarray) -> None:
    face = detect_landmarks(astronaut)
    assert face is not None and face.source is LandmarkSource.DETECTED
    # Read off the photo by eye: her right pupil (viewer's left) and her left pupil.
    assert math.dist(face.right_pupil, (201.5, 100.5)) < 3
    assert math.dist(face.left_pupil, (246.0, 102.5)) < 3


def test_a_real_photo_too_small_or_too_soft_says_why(astronaut: np.ndarray) -> None:
    small = analyse_photo(astronaut)
    assert small.landmarks is not None
    assert small.quality.problems[0].startswith("resolution 0.7 px/mm")
    enlarged = analyse_photo(cv2.resize(astronaut, None, fx=4, fy=4, interpolation=cv2.INTER_CUBIC))
    assert any(p.startswith("blurred") for p in enlarged.quality.problems)  # upscaling adds no detail


def test_no_face_in_a_blank_picture() -> None:
    assert detect_landmarks(np.full((480, 640, 3), 200, np.uint8)) is None


def test_similarity_fit_recovers_a_known_turn_scale_and_shift() -> None:
    src = [(0.0, 0.0), (10.0, 0.0), (3.0, 7.0), (8.0, 9.0)]
    a = 2.5 * complex(math.cos(0.3), math.sin(0.3))
    dst = [((a * complex(*p)) + complex(40, -7)) for p in src]
    fit = fit_similarity(src, [(z.real, z.imag) for z in dst])
    assert fit.scale == pytest.approx(2.5)
    assert fit.angle_deg == pytest.approx(math.degrees(0.3))
    assert fit.b == pytest.approx(complex(40, -7))


def test_after_photo_aligns_onto_the_before_photo() -> None:
    before = FaceLandmarks((100.0, 200.0), (164.0, 200.0), (108.0, 270.0), (156.0, 270.0))
    moved = fit_similarity([(0, 0), (1, 0)], [(30, 5), (30 + 1.2 * math.cos(0.1), 5 + 1.2 * math.sin(0.1))])
    pts = moved.apply(
        np.array([before.right_pupil, before.left_pupil, before.mouth_right, before.mouth_left])
    )
    after = FaceLandmarks(*(tuple(p) for p in pts))  # type: ignore[arg-type]
    back = align(before, after).apply(pts)
    assert back == pytest.approx(np.array(list(before.named().values())))


def test_zone_masks_match_the_face_map_and_leave_the_lips_out() -> None:
    face = FaceLandmarks((500.0, 700.0), (1124.0, 700.0))  # 100 px per cm
    to_photo = map_to_photo(face)
    for zone in (Zone.FOREHEAD, Zone.CHEEK_LEFT, Zone.PERIORAL, Zone.CHIN):
        mask = zone_mask(zone, to_photo, (2600, 1700))
        assert mask.sum() / 100**2 == pytest.approx(facemap.zone_area_cm2(zone), rel=0.02)
    perioral = zone_mask(Zone.PERIORAL, to_photo, (2600, 1700))
    lips = to_photo.apply(np.array([[facemap.MAP_WIDTH_CM / 2, 19.0]]))[0]
    assert not perioral[round(lips[1]), round(lips[0])]
    # The patient's left cheek is on the viewer's right of the photo.
    cheek = zone_mask(Zone.CHEEK_LEFT, to_photo, (2600, 1700))
    assert np.nonzero(cheek)[1].mean() > (face.right_pupil[0] + face.left_pupil[0]) / 2
    assert MAP_POINTS_CM["left_pupil"][0] > MAP_POINTS_CM["right_pupil"][0]
