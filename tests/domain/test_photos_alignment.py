"""Two-landmark alignment: the similarity transform puts the marked landmarks on each other."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinicrec.domain.enums import TimePoint, Zone
from clinicrec.domain.errors import ValidationError
from clinicrec.domain.photos import Landmarks, PhotoDetails, PhotoView, Point, align

coord = st.floats(0, 6000, allow_nan=False)


@given(coord, coord, coord, coord, coord, coord, coord, coord)
def test_landmarks_land_within_a_pixel(ax: float, ay: float, bx: float, by: float, cx: float, cy: float,
                                       dx: float, dy: float) -> None:  # fmt: skip
    moving = Landmarks(Point(ax, ay), Point(bx, by))
    fixed = Landmarks(Point(cx, cy), Point(dx, dy))
    if math.dist((ax, ay), (bx, by)) < 1 or math.dist((cx, cy), (dx, dy)) < 1:
        return
    t = align(moving, fixed)
    for m, f in ((moving.first, fixed.first), (moving.second, fixed.second)):
        p = t.apply(m)
        assert math.dist((p.x, p.y), (f.x, f.y)) < 1.0
    back = t.inverse().apply(t.apply(Point(1234.5, 987.0)))
    assert math.dist((back.x, back.y), (1234.5, 987.0)) < 1e-6


def test_a_known_scale_and_rotation() -> None:
    # the after photo is twice as far away and the head turned 90°: pupils (0,0),(10,0) -> (5,5),(5,25)
    t = align(Landmarks(Point(0, 0), Point(10, 0)), Landmarks(Point(5, 5), Point(5, 25)))
    assert t.scale == pytest.approx(2.0) and t.rotation_degrees == pytest.approx(90.0)


def test_one_place_marked_twice_is_refused() -> None:
    with pytest.raises(ValidationError) as e:
        align(Landmarks(Point(3, 3), Point(3, 3)), Landmarks(Point(0, 0), Point(1, 1)))
    assert e.value.fields == {"landmarks"}


def test_landmarks_round_trip_as_text() -> None:
    marks = Landmarks(Point(10.25, 20.5), Point(300.0, 21.75))
    assert Landmarks.from_text(marks.as_text()) == marks and Landmarks.from_text(None) is None


def test_a_close_up_names_its_zone() -> None:
    assert PhotoDetails(1, PhotoView.CLOSE_UP, TimePoint.WEEK_4, zone=Zone.NOSE).problems() == []
    assert {p.field for p in PhotoDetails(1, PhotoView.FRONT, TimePoint.WEEK_8).problems()} == {"time_point"}
