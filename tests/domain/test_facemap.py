"""The face map: zones, point grids and the line drawing (pure geometry, no Qt)."""

from __future__ import annotations

import ast
import inspect
import itertools
import math

import pytest

from clinicrec.domain import facemap
from clinicrec.domain.enums import Zone
from clinicrec.domain.facemap import (
    FACE_DRAWING,
    FACE_ZONES,
    MAP_ASPECT,
    MAP_WIDTH_CM,
    ZONE_LABEL_POS,
    ZONE_POLYGONS,
    distance_cm,
    grid_fill,
    zone_area_cm2,
    zone_at,
    zone_centroid,
)

PAIRS = [
    (Zone.PERIORBITAL_LEFT, Zone.PERIORBITAL_RIGHT),
    (Zone.CHEEK_LEFT, Zone.CHEEK_RIGHT),
    (Zone.JAWLINE_LEFT, Zone.JAWLINE_RIGHT),
]
MIRROR = {**dict(PAIRS), **{r: left for left, r in PAIRS}}
SPACINGS = [2.0, 1.5, 1.0, 0.7, 0.5, 0.3]


def _sample_grid(nx: int = 150, ny: int = 210) -> list[tuple[float, float]]:
    # Offsets keep samples off the exact midline and off table coordinates.
    return [((i + 0.37) / nx, (j + 0.61) / ny) for i in range(nx) for j in range(ny)]


def _inside(zone: Zone, p: tuple[float, float]) -> bool:
    x0, y0, x1, y1 = facemap._BBOX[zone]
    return x0 <= p[0] <= x1 and y0 <= p[1] <= y1 and facemap._inside(ZONE_POLYGONS[zone], *p)


def test_every_zone_has_a_polygon_and_positive_area() -> None:
    assert set(ZONE_POLYGONS) == set(Zone)
    for zone in Zone:
        assert len(ZONE_POLYGONS[zone]) >= 8
        assert zone_area_cm2(zone) > 2.0


def test_face_area_is_realistic() -> None:
    face = sum(zone_area_cm2(z) for z in FACE_ZONES)
    assert 90 < face < 250


@pytest.mark.parametrize("zone", list(Zone))
def test_centroid_lies_in_its_own_zone(zone: Zone) -> None:
    assert zone_at(*zone_centroid(zone)) is zone


@pytest.mark.parametrize("zone", list(Zone))
def test_label_position_lies_in_its_zone(zone: Zone) -> None:
    assert zone_at(*ZONE_LABEL_POS[zone]) is zone


def test_zones_do_not_overlap() -> None:
    for p in _sample_grid():
        hits = [z for z in Zone if _inside(z, p)]
        assert len(hits) <= 1, (p, hits)


def test_left_and_right_zones_mirror_exactly() -> None:
    for left, right in PAIRS:
        lp, rp = ZONE_POLYGONS[left], ZONE_POLYGONS[right]
        assert len(lp) == len(rp)
        for (lx, ly), (rx, ry) in zip(lp, rp, strict=True):
            assert lx + rx == pytest.approx(1.0, abs=1e-12)
            assert ly == ry
        assert zone_area_cm2(left) == pytest.approx(zone_area_cm2(right))
        assert zone_centroid(left)[0] > 0.5 > zone_centroid(right)[0]  # patient's left = viewer's right


def test_zone_lookup_is_mirror_symmetric() -> None:
    for x, y in _sample_grid(90, 120):
        here, there = zone_at(x, y), zone_at(1.0 - x, y)
        assert there == (MIRROR.get(here, here) if here else None), (x, y)


def test_anatomical_order_top_to_bottom() -> None:
    y = {z: zone_centroid(z)[1] for z in Zone}
    assert y[Zone.FOREHEAD] < y[Zone.GLABELLA] < y[Zone.NOSE] < y[Zone.PERIORAL] < y[Zone.CHIN]
    assert y[Zone.CHIN] < y[Zone.NECK] < y[Zone.DECOLLETAGE]
    assert y[Zone.GLABELLA] < y[Zone.PERIORBITAL_LEFT] < y[Zone.CHEEK_LEFT] < y[Zone.JAWLINE_LEFT]


def test_eyes_lips_hair_and_background_are_no_zone() -> None:
    eye_x, eye_y = facemap._n(facemap._IRIS[:2])
    assert zone_at(eye_x, eye_y) is None
    assert zone_at(1.0 - eye_x, eye_y) is None
    assert zone_at(*facemap._n((0.0, 19.0))) is None  # the lips
    for p in [(0.5, 0.01), (0.02, 0.3), (0.98, 0.5), (0.0, 0.0), (1.0, 1.0), (-1.0, 0.5), (0.5, 2.0)]:
        assert zone_at(*p) is None


@pytest.mark.parametrize("zone", list(Zone))
def test_grid_points_lie_inside_and_keep_their_spacing(zone: Zone) -> None:
    for spacing in (1.0, 0.5):
        pts = grid_fill(zone, spacing)
        assert pts
        assert all(zone_at(*p) is zone for p in pts)
        if len(pts) > 1:
            nearest = min(distance_cm(a, b) for a, b in itertools.combinations(pts, 2))
            assert nearest >= spacing * 0.99
            assert nearest <= spacing * 1.01  # a real lattice, not scattered points


@pytest.mark.parametrize("zone", list(Zone))
def test_grid_grows_as_spacing_shrinks(zone: Zone) -> None:
    counts = [len(grid_fill(zone, s)) for s in SPACINGS]
    assert counts == sorted(counts)
    assert counts[-1] > counts[0]


def test_grid_is_deterministic_and_sorted() -> None:
    first = grid_fill(Zone.FOREHEAD, 0.7)
    assert grid_fill(Zone.FOREHEAD, 0.7) == first
    assert first == sorted(first, key=lambda p: (p[1], p[0]))
    first.clear()  # callers get their own list
    assert grid_fill(Zone.FOREHEAD, 0.7)


def test_offset_shifts_the_lattice() -> None:
    base = grid_fill(Zone.NECK, 1.0)
    shifted = grid_fill(Zone.NECK, 1.0, offset=(0.5, 0.0))
    assert shifted != base
    assert grid_fill(Zone.NECK, 1.0, offset=(0.5, 0.0)) == shifted
    assert grid_fill(Zone.NECK, 1.0, offset=(0.0, 0.0)) == base
    with pytest.raises(ValueError, match="offset"):
        grid_fill(Zone.NECK, 1.0, offset=(math.nan, 0.0))


def test_whole_face_counts_match_the_microbotox_technique() -> None:
    at_1cm = sum(len(grid_fill(z, 1.0)) for z in FACE_ZONES)
    at_half = sum(len(grid_fill(z, 0.5)) for z in FACE_ZONES)
    assert 30 <= at_1cm <= 120
    assert at_half >= 3 * at_1cm


@pytest.mark.parametrize("bad", [0, 0.0, -1.0, math.nan, math.inf, 5, 0.29, 2.01, True, "1"])
def test_invalid_spacing_is_rejected(bad: object) -> None:
    with pytest.raises(ValueError, match="spacing") as exc:
        grid_fill(Zone.FOREHEAD, bad)  # type: ignore[arg-type]
    assert "0.3" in str(exc.value) and "2.0" in str(exc.value)


@pytest.mark.parametrize("ok", [0.3, 2.0, 1])
def test_spacing_limits_are_inclusive(ok: float) -> None:
    assert grid_fill(Zone.FOREHEAD, ok)


def test_distance_respects_the_aspect_ratio() -> None:
    height_cm = MAP_WIDTH_CM / MAP_ASPECT
    assert distance_cm((0.0, 0.0), (1.0, 0.0)) == pytest.approx(MAP_WIDTH_CM)
    assert distance_cm((0.0, 0.0), (0.0, 1.0)) == pytest.approx(height_cm)
    assert distance_cm((0.1, 0.2), (0.1, 0.2)) == 0.0
    expected = math.hypot(0.3 * MAP_WIDTH_CM, 0.4 * height_cm)
    assert distance_cm((0.2, 0.3), (0.5, 0.7)) == pytest.approx(expected)
    assert distance_cm((0.5, 0.5), (0.6, 0.5)) == pytest.approx(distance_cm((0.6, 0.5), (0.5, 0.5)))


def test_face_is_realistically_sized() -> None:
    eyes = distance_cm(facemap._n(facemap._IRIS[:2]), facemap._n((-facemap._IRIS[0], facemap._IRIS[1])))
    assert 5.5 < eyes < 7.0  # interpupillary distance of an adult
    xs = [x for s in FACE_DRAWING if s.role == "outline" and s.kind == "polygon" for x, _ in s.points]
    assert 12.0 < (max(xs) - min(xs)) * MAP_WIDTH_CM < 17.0  # head width


def test_drawing_is_well_formed_and_inside_the_picture() -> None:
    assert FACE_DRAWING[0].role == "fill"
    roles = {s.role for s in FACE_DRAWING}
    assert roles == {"fill", "outline", "feature"}
    for s in FACE_DRAWING:
        assert s.kind in {"polyline", "polygon", "ellipse"}
        if s.kind == "ellipse":
            (cx, cy), (rx, ry) = s.points
            assert len(s.points) == 2 and rx > 0 and ry > 0
            corners = [(cx - rx, cy - ry), (cx + rx, cy + ry)]
        else:
            assert len(s.points) >= 2
            corners = list(s.points)
        for x, y in corners:
            assert 0.0 <= x <= 1.0 and 0.0 <= y <= 1.0, s
    curves = [s for s in FACE_DRAWING if s.kind != "ellipse"]
    assert max(len(s.points) for s in curves) >= 100  # the head is smooth when drawn large


def test_drawing_is_symmetric() -> None:
    pts = {(round(x, 6), round(y, 6)) for s in FACE_DRAWING if s.kind != "ellipse" for x, y in s.points}
    mirrored = {(round(1.0 - x, 6), y) for x, y in pts}
    assert len(pts & mirrored) >= 0.95 * len(pts)


def test_module_is_pure_python() -> None:
    tree = ast.parse(inspect.getsource(facemap))
    imported = {
        (n.module if isinstance(n, ast.ImportFrom) else a.name).split(".")[0]
        for n in ast.walk(tree)
        if isinstance(n, ast.Import | ast.ImportFrom)
        for a in n.names
    }
    assert imported <= {"__future__", "math", "collections", "dataclasses", "functools", "clinicrec"}


def test_a_grid_is_computed_once_per_zone_spacing_and_offset_and_handed_out_as_a_new_list() -> None:
    """The grid fill's count preview and the fill itself share one computation (tens of milliseconds of
    the GUI thread for a large zone); each caller still gets its own list."""
    from clinicrec.domain import facemap
    from clinicrec.domain.enums import Zone

    facemap._grid.cache_clear()  # noqa: SLF001
    first = facemap.grid_fill(Zone.FOREHEAD, 0.9)
    first.append((0.0, 0.0))  # a caller's own list: changing it changes no other
    again = facemap.grid_fill(Zone.FOREHEAD, 0.9)
    assert again == first[:-1] and again is not first
    info = facemap._grid.cache_info()  # noqa: SLF001
    assert (info.hits, info.misses) == (1, 1)
    assert facemap.grid_fill(Zone.FOREHEAD, 0.9, offset=(0.1, 0.0)) != again  # another offset, computed
    assert facemap._grid.cache_info().misses == 2  # noqa: SLF001
