"""The face map: treatment zones, injection-point grids and the line drawing of a face.

Pure geometry (stdlib only), shared by the Qt charting widget and the PDF builders.

Coordinates are normalised: ``x`` in [0, 1] left to right of the picture, ``y`` in [0, 1] top to
bottom. The picture is a front view from the top of the head down to the upper chest, so the
patient's LEFT is on the viewer's RIGHT (x > 0.5). The tables below are written in centimetres
(``dx`` from the facial midline, ``y`` from the top of the picture) and converted on import.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

from clinicrec.domain.enums import Zone

Point = tuple[float, float]

#: Width / height of the picture.
MAP_ASPECT: float = 0.72
#: Real-world width (cm) spanned by x = 0..1; an adult face (~14 cm) fills a little over half.
MAP_WIDTH_CM: float = 26.0
#: Real-world height (cm) spanned by y = 0..1.
MAP_HEIGHT_CM: float = MAP_WIDTH_CM / MAP_ASPECT
#: Allowed grid spacing for :func:`grid_fill` (Microbotox points are 0.5-1.0 cm apart).
MIN_SPACING_CM: float = 0.3
MAX_SPACING_CM: float = 2.0
#: Grid points keep at least this distance from a zone's border.
GRID_MARGIN_CM: float = 0.2

#: The zones of the face proper (what "whole face" means), top to bottom.
FACE_ZONES: tuple[Zone, ...] = (
    Zone.FOREHEAD,
    Zone.GLABELLA,
    Zone.PERIORBITAL_RIGHT,
    Zone.PERIORBITAL_LEFT,
    Zone.NOSE,
    Zone.CHEEK_RIGHT,
    Zone.CHEEK_LEFT,
    Zone.PERIORAL,
    Zone.CHIN,
    Zone.JAWLINE_RIGHT,
    Zone.JAWLINE_LEFT,
)


# --------------------------------------------------------------------------- units


def to_cm(p: Point) -> Point:
    """Normalised point -> centimetres from the picture's top-left corner."""
    return (p[0] * MAP_WIDTH_CM, p[1] * MAP_HEIGHT_CM)


def from_cm(p: Point) -> Point:
    """Centimetres from the picture's top-left corner -> normalised point."""
    return (p[0] / MAP_WIDTH_CM, p[1] / MAP_HEIGHT_CM)


def distance_cm(a: Point, b: Point) -> float:
    """Real-world distance (cm) between two normalised points (the picture is not square)."""
    return math.hypot((b[0] - a[0]) * MAP_WIDTH_CM, (b[1] - a[1]) * MAP_HEIGHT_CM)


# --------------------------------------------------------------------------- curves (cm space)
# Table points are (dx, y) in cm: dx from the midline (+ = viewer's right = patient's left).


def _n(p: Point) -> Point:
    """Table point (dx, y cm) -> normalised picture point."""
    return ((MAP_WIDTH_CM / 2 + p[0]) / MAP_WIDTH_CM, p[1] / MAP_HEIGHT_CM)


def _norm(points: Sequence[Point]) -> tuple[Point, ...]:
    return tuple(_n(p) for p in points)


def _flip(points: Sequence[Point]) -> list[Point]:
    """Mirror table points about the midline."""
    return [(-x, y) for x, y in points]


def _spline(ctrl: Sequence[Point], *, closed: bool = False, samples: int = 10) -> list[Point]:
    """Centripetal Catmull-Rom curve through ``ctrl`` (no cusps, no overshoot)."""
    pts = list(ctrl)
    if closed:
        ext = [pts[-1], *pts, pts[0], pts[1]]
    else:
        ext = [
            (2 * pts[0][0] - pts[1][0], 2 * pts[0][1] - pts[1][1]),
            *pts,
            (2 * pts[-1][0] - pts[-2][0], 2 * pts[-1][1] - pts[-2][1]),
        ]
    out: list[Point] = []
    for i in range(len(ext) - 3):
        p0, p1, p2, p3 = ext[i : i + 4]
        t0 = 0.0
        t1 = t0 + max(math.dist(p0, p1), 1e-9) ** 0.5
        t2 = t1 + max(math.dist(p1, p2), 1e-9) ** 0.5
        t3 = t2 + max(math.dist(p2, p3), 1e-9) ** 0.5
        for k in range(samples):
            t = t1 + (t2 - t1) * k / samples
            a1 = _lerp(p0, p1, t0, t1, t)
            a2 = _lerp(p1, p2, t1, t2, t)
            a3 = _lerp(p2, p3, t2, t3, t)
            b1 = _lerp(a1, a2, t0, t2, t)
            b2 = _lerp(a2, a3, t1, t3, t)
            out.append(_lerp(b1, b2, t1, t2, t))
    if not closed:
        out.append(pts[-1])
    return out


def _lerp(a: Point, b: Point, ta: float, tb: float, t: float) -> Point:
    u = (t - ta) / (tb - ta)
    return (a[0] + (b[0] - a[0]) * u, a[1] + (b[1] - a[1]) * u)


def _bezier(p0: Point, p1: Point, p2: Point, p3: Point, samples: int = 24) -> list[Point]:
    """Cubic Bezier from p0 to p3."""
    out = []
    for k in range(samples + 1):
        t = k / samples
        u = 1 - t
        out.append(
            (
                u**3 * p0[0] + 3 * u * u * t * p1[0] + 3 * u * t * t * p2[0] + t**3 * p3[0],
                u**3 * p0[1] + 3 * u * u * t * p1[1] + 3 * u * t * t * p2[1] + t**3 * p3[1],
            )
        )
    return out


def _symmetric(half: Sequence[Point]) -> list[Point]:
    """Closed loop from the right half (midline top ... midline bottom) plus its mirror image."""
    return [*half, *_flip(half[-2:0:-1])]


def _ellipse_ring(cx: float, cy: float, rx: float, ry: float, samples: int = 48) -> list[Point]:
    return [
        (cx + rx * math.cos(2 * math.pi * k / samples), cy + ry * math.sin(2 * math.pi * k / samples))
        for k in range(samples)
    ]


# --------------------------------------------------------------------------- zones (cm tables)

# Central zones: right half only, from the midline at the top round to the midline at the bottom.
_CENTRAL_HALVES: dict[Zone, list[Point]] = {
    Zone.FOREHEAD: [
        (0, 5.55),
        (2.5, 5.65),
        (4.6, 6.15),
        (5.85, 7.05),
        (6.2, 8.3),
        (5.9, 9.3),
        (5.0, 9.2),
        (4.0, 9.05),
        (2.8, 9.15),
        (1.5, 9.45),
        (0, 9.55),
    ],
    Zone.GLABELLA: [(0, 9.85), (0.85, 9.95), (1.05, 10.6), (0.95, 11.3), (0.6, 11.7), (0, 11.75)],
    Zone.NOSE: [
        (0, 11.95),
        (0.6, 11.97),
        (0.75, 13.0),
        (0.95, 14.5),
        (1.5, 15.45),
        (1.8, 16.15),
        (1.5, 16.8),
        (0.8, 17.0),
        (0, 17.02),
    ],
    Zone.PERIORAL: [
        (0, 17.25),
        (1.3, 17.2),
        (2.5, 17.5),
        (3.45, 18.3),
        (3.75, 19.1),
        (3.5, 19.95),
        (2.65, 20.55),
        (1.3, 20.72),
        (0, 20.72),
    ],
    Zone.CHIN: [(0, 20.95), (1.5, 20.92), (2.55, 21.25), (2.6, 22.0), (2.0, 22.6), (0.9, 22.88), (0, 22.92)],
    Zone.NECK: [
        (0, 23.75),
        (2.2, 23.55),
        (3.8, 22.75),
        (4.25, 22.4),
        (4.2, 24.5),
        (4.35, 26.2),
        (3.2, 27.4),
        (1.6, 28.1),
        (0, 28.3),
    ],
    Zone.DECOLLETAGE: [
        (0, 30.3),
        (2.5, 30.25),
        (5.5, 30.15),
        (8.5, 29.95),
        (10.0, 30.4),
        (9.4, 31.8),
        (7.0, 33.6),
        (4.0, 35.0),
        (0, 35.5),
    ],
}
#: The hole in the perioral ring: the lips are not injected.
_LIP_HOLE = (0.0, 19.02, 2.85, 0.92)

# Paired zones: the patient's LEFT side (dx > 0); the right side is the exact mirror image.
_LEFT_LOOPS: dict[Zone, list[Point]] = {
    # Crow's feet and lower lid: a crescent lateral to and below the eye, leaving the eye out.
    Zone.PERIORBITAL_LEFT: [
        (5.2, 10.85),
        (6.3, 11.2),
        (6.75, 12.2),
        (6.5, 13.35),
        (5.5, 14.1),
        (4.1, 14.35),
        (2.8, 14.15),
        (1.85, 13.5),
        (2.2, 13.05),
        (3.3, 13.2),
        (4.4, 12.9),
        (5.1, 12.35),
        (5.3, 11.7),
    ],
    Zone.CHEEK_LEFT: [
        (1.55, 14.2),
        (2.6, 14.55),
        (4.0, 14.75),
        (5.3, 14.6),
        (6.35, 13.95),
        (6.65, 14.9),
        (6.6, 16.3),
        (6.3, 17.45),
        (5.15, 17.6),
        (4.4, 18.35),
        (4.0, 18.75),
        (3.8, 18.2),
        (2.95, 17.3),
        (2.1, 16.1),
        (1.95, 15.2),
    ],
    Zone.JAWLINE_LEFT: [
        (6.35, 17.9),
        (5.75, 19.65),
        (4.55, 21.35),
        (3.05, 22.35),
        (2.95, 21.25),
        (3.75, 20.6),
        (4.1, 19.8),
        (4.3, 19.1),
        (4.75, 18.5),
        (5.3, 17.95),
    ],
}
_MIRRORED: dict[Zone, Zone] = {
    Zone.PERIORBITAL_LEFT: Zone.PERIORBITAL_RIGHT,
    Zone.CHEEK_LEFT: Zone.CHEEK_RIGHT,
    Zone.JAWLINE_LEFT: Zone.JAWLINE_RIGHT,
}


def _build_zones() -> dict[Zone, tuple[Point, ...]]:
    zones: dict[Zone, tuple[Point, ...]] = {}
    for zone, half in _CENTRAL_HALVES.items():
        outer = _spline(_symmetric(half), closed=True, samples=6)
        if zone is Zone.PERIORAL:
            # A ring drawn as one polygon: outer loop, a zero-width slit down the midline under the
            # lower lip, the lip hole the other way round, and back out (even-odd fill / test).
            start = (len(half) - 1) * 6  # the bottom midline control point
            outer = [*outer[start:], *outer[:start], outer[start]]
            cx, cy, rx, ry = _LIP_HOLE
            hole = [
                (cx + rx * math.sin(2 * math.pi * k / 48), cy + ry * math.cos(2 * math.pi * k / 48))
                for k in range(48)
            ]
            outer = [*outer, *hole, hole[0]]
        zones[zone] = _norm(outer)
    for zone, loop in _LEFT_LOOPS.items():
        left = _norm(_spline(loop, closed=True, samples=6))
        zones[zone] = left
        zones[_MIRRORED[zone]] = tuple((1.0 - x, y) for x, y in left)
    return {z: zones[z] for z in Zone}


#: One polygon per zone, normalised; paint with the even-odd rule (the perioral ring has a hole).
ZONE_POLYGONS: dict[Zone, tuple[Point, ...]] = _build_zones()
_ZONES_CM: dict[Zone, tuple[Point, ...]] = {
    z: tuple(to_cm(p) for p in pts) for z, pts in ZONE_POLYGONS.items()
}
_BBOX: dict[Zone, tuple[float, float, float, float]] = {
    z: (min(p[0] for p in pts), min(p[1] for p in pts), max(p[0] for p in pts), max(p[1] for p in pts))
    for z, pts in ZONE_POLYGONS.items()
}


# --------------------------------------------------------------------------- zone queries


def _inside(poly: Sequence[Point], x: float, y: float) -> bool:
    """Even-odd ray casting."""
    inside = False
    j = len(poly) - 1
    for i in range(len(poly)):
        xi, yi = poly[i]
        xj, yj = poly[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside


def _edge_distance(poly: Sequence[Point], x: float, y: float) -> float:
    """Distance from (x, y) to the nearest edge of ``poly`` (same units as the polygon)."""
    best = math.inf
    j = len(poly) - 1
    for i in range(len(poly)):
        (ax, ay), (bx, by) = poly[j], poly[i]
        vx, vy = bx - ax, by - ay
        ll = vx * vx + vy * vy
        t = 0.0 if ll == 0 else max(0.0, min(1.0, ((x - ax) * vx + (y - ay) * vy) / ll))
        best = min(best, math.hypot(x - ax - t * vx, y - ay - t * vy))
        j = i
    return best


def zone_at(x: float, y: float) -> Zone | None:
    """The zone under a normalised point, or None (eyes, lips, hair, background)."""
    for zone, (x0, y0, x1, y1) in _BBOX.items():
        if x0 <= x <= x1 and y0 <= y <= y1 and _inside(ZONE_POLYGONS[zone], x, y):
            return zone
    return None


def zone_area_cm2(zone: Zone) -> float:
    """Real-world area of a zone in cm²."""
    pts = _ZONES_CM[zone]
    return abs(sum(pts[i - 1][0] * pts[i][1] - pts[i][0] * pts[i - 1][1] for i in range(len(pts)))) / 2


@cache
def zone_centroid(zone: Zone) -> Point:
    """A point inside the zone: its area centroid, or the most interior point if that falls outside."""
    pts = _ZONES_CM[zone]
    a = cx = cy = 0.0
    for i in range(len(pts)):
        (x0, y0), (x1, y1) = pts[i - 1], pts[i]
        cross = x0 * y1 - x1 * y0
        a += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    c = (cx / (3 * a), cy / (3 * a))
    if _inside(pts, *c) and _edge_distance(pts, *c) >= 0.25:
        return from_cm(c)
    return from_cm(_most_interior(pts))


def _most_interior(pts: Sequence[Point]) -> Point:
    """Approximate pole of inaccessibility: a coarse scan, then a finer one round the best point."""
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    best, best_d = (xs[0], ys[0]), -1.0
    step, x0, y0, x1, y1 = 0.25, min(xs), min(ys), max(xs), max(ys)
    for _ in range(2):
        for i in range(int((x1 - x0) / step) + 1):
            for j in range(int((y1 - y0) / step) + 1):
                x, y = x0 + i * step, y0 + j * step
                if _inside(pts, x, y):
                    d = _edge_distance(pts, x, y)
                    if d > best_d + 1e-12:
                        best, best_d = (x, y), d
        x0, y0, x1, y1 = best[0] - step, best[1] - step, best[0] + step, best[1] + step
        step /= 10
    return best


def grid_fill(zone: Zone, spacing_cm: float, *, offset: Point | None = None) -> list[Point]:
    """Evenly spaced injection points filling a zone, ``spacing_cm`` apart (0.3-2.0 cm).

    A staggered (hexagonal) lattice laid out in centimetres, anchored on the zone's centroid and
    shifted by ``offset`` (dx, dy in cm) if given. Points keep ``GRID_MARGIN_CM`` from the border.
    Sorted top to bottom, then left to right. A zone too small for the lattice gets its centroid.
    """
    if (
        isinstance(spacing_cm, bool)
        or not isinstance(spacing_cm, int | float)
        or not math.isfinite(spacing_cm)
        or not MIN_SPACING_CM <= spacing_cm <= MAX_SPACING_CM
    ):
        raise ValueError(
            f"spacing must be between {MIN_SPACING_CM} and {MAX_SPACING_CM} cm (got {spacing_cm!r})"
        )
    ox, oy = offset if offset is not None else (0.0, 0.0)
    if not (math.isfinite(ox) and math.isfinite(oy)):
        raise ValueError("offset must be two finite numbers of cm")
    return list(_grid(zone, spacing_cm, ox, oy))


@lru_cache(maxsize=512)
def _grid(zone: Zone, spacing_cm: float, ox: float, oy: float) -> tuple[Point, ...]:
    """``grid_fill``'s lattice, computed once per zone, spacing and offset (tens of milliseconds of pure
    Python for a large zone: the grid fill's count preview and the fill itself share it)."""
    pts = _ZONES_CM[zone]
    ax, ay = to_cm(zone_centroid(zone))
    ax, ay = ax + ox, ay + oy
    x0, y0, x1, y1 = (
        min(p[0] for p in pts),
        min(p[1] for p in pts),
        max(p[0] for p in pts),
        max(p[1] for p in pts),
    )
    row = spacing_cm * math.sqrt(3) / 2
    out: list[Point] = []
    for j in range(math.floor((y0 - ay) / row), math.ceil((y1 - ay) / row) + 1):
        y = ay + j * row
        shift = ax + (spacing_cm / 2 if j % 2 else 0.0)
        for i in range(math.floor((x0 - shift) / spacing_cm), math.ceil((x1 - shift) / spacing_cm) + 1):
            x = shift + i * spacing_cm
            if _inside(pts, x, y) and _edge_distance(pts, x, y) >= GRID_MARGIN_CM:
                out.append(from_cm((x, y)))
    if not out:
        out.append(zone_centroid(zone))
    return tuple(sorted(out, key=lambda p: (p[1], p[0])))


# --------------------------------------------------------------------------- the drawing


@dataclass(frozen=True)
class Stroke:
    """One element of the face drawing, in normalised coordinates.

    ``kind``: "polyline" (open), "polygon" (closed) or "ellipse" (``points`` = ((cx, cy), (rx, ry))).
    ``role``: "fill" (skin-tone silhouette, paint first, opaque), "outline" (head, neck, shoulders)
    or "feature" (hairline, brows, eyes, nose, lips, ears, collarbones).
    ``weight``: relative line weight; below 1 for faint details such as creases.
    """

    kind: str
    points: tuple[Point, ...]
    role: str
    weight: float = 1.0


_HEAD_HALF = [
    (0, 0.9),
    (3.9, 1.45),
    (6.5, 3.3),
    (7.45, 6.2),
    (7.45, 9.0),
    (7.2, 11.2),
    (7.05, 13.3),
    (6.9, 15.6),
    (6.55, 17.8),
    (5.85, 19.9),
    (4.6, 21.7),
    (2.6, 22.95),
    (1.3, 23.25),
    (0, 23.3),
]
_EAR = [(8.0, 10.6), (8.45, 11.3), (8.5, 12.6), (8.25, 14.0), (7.9, 15.3), (7.55, 16.35)]
_EAR_INNER = [(7.5, 11.35), (7.95, 11.4), (8.1, 12.4), (7.9, 13.8), (7.6, 14.6)]
_NECK = [(4.55, 23.5), (4.7, 25.5), (5.6, 26.9), (7.6, 27.75), (10.5, 28.4), (13.0, 29.0)]
_NECK_TOP_DX = 4.75
_HAIRLINE = [
    (-6.95, 9.4),
    (-6.35, 6.6),
    (-4.4, 5.15),
    (-1.8, 4.7),
    (0, 4.85),
    (1.8, 4.7),
    (4.4, 5.15),
    (6.35, 6.6),
    (6.95, 9.4),
]
_BROW = [
    (1.2, 10.6),
    (2.6, 9.95),
    (4.0, 9.72),
    (5.0, 9.92),
    (5.95, 10.55),
    (5.0, 10.2),
    (4.0, 10.1),
    (2.6, 10.42),
    (1.3, 10.98),
]
_EYE_INNER, _EYE_OUTER = (1.65, 12.25), (4.65, 12.05)
_IRIS = (3.12, 12.05, 0.5)
_ALA = [(1.25, 15.45), (1.66, 15.78), (1.76, 16.25), (1.48, 16.66)]
_NOSTRIL = [(0.42, 16.7), (0.7, 16.55), (1.02, 16.6), (0.85, 16.72)]
_NOSE_BASE = [(0, 16.95), (0.35, 16.87), (0.75, 16.85), (1.08, 16.85), (1.28, 16.76)]
_LIP_TOP = [(0, 18.48), (0.55, 18.3), (1.5, 18.45), (2.45, 19.0)]
_LIP_BOTTOM = [(2.45, 19.0), (1.6, 19.55), (0, 19.8)]
_MOUTH_LINE = [(-2.45, 19.0), (-1.3, 18.93), (0, 19.02), (1.3, 18.93), (2.45, 19.0)]
_CLAVICLE = [(0.95, 29.75), (1.4, 29.45), (3.5, 29.65), (6.5, 29.5), (9.5, 29.25), (11.6, 29.35)]
_SCM = [(4.2, 22.3), (2.7, 25.6), (1.15, 28.9)]


def _build_drawing() -> tuple[Stroke, ...]:
    s = 8
    head = _spline(_symmetric(_HEAD_HALF), closed=True, samples=s)
    right = head[: (len(_HEAD_HALF) - 1) * s + 1]  # vertex down the viewer's right to the chin

    def first(cond: Callable[[Point], bool]) -> int:
        return next(i for i, p in enumerate(right) if cond(p))

    ear_top = first(lambda p: p[1] >= 10.9)
    ear_low = first(lambda p: p[1] >= 16.6)
    neck_j = first(lambda p: p[1] > 19 and p[0] <= _NECK_TOP_DX)
    ear = _spline([right[ear_top], *_EAR, right[ear_low]], samples=6)
    neck = _spline([right[neck_j], *_NECK], samples=8)
    half = [*right[:ear_top], *ear, *right[ear_low + 1 : neck_j], *neck]
    bottom = [(13.0, MAP_HEIGHT_CM), (-13.0, MAP_HEIGHT_CM)]  # the picture's bottom corners
    silhouette = [*half, *bottom, *_flip(half[:0:-1])]

    strokes = [Stroke("polygon", _norm(silhouette), "fill"), Stroke("polygon", _norm(head), "outline", 1.2)]
    for side in (list, _flip):  # viewer's right (patient's left), then mirrored
        strokes += [
            Stroke("polyline", _norm(side(neck)), "outline", 1.2),
            Stroke("polyline", _norm(side(ear)), "feature"),
            Stroke("polyline", _norm(side(_spline(_EAR_INNER, samples=6))), "feature", 0.6),
            Stroke("polygon", _norm(side(_spline(_BROW, closed=True, samples=6))), "feature", 0.8),
            Stroke("polygon", _norm(side(_eye())), "feature"),
            Stroke(
                "polyline",
                _norm(side(_bezier((1.85, 11.8), (2.5, 11.05), (3.9, 10.95), (4.8, 11.7)))),
                "feature",
                0.5,
            ),
            _circle(side([_IRIS[:2]])[0], _IRIS[2], 0.9),
            _circle(side([_IRIS[:2]])[0], 0.2, 0.9),
            Stroke(
                "polyline",
                _norm(side(_spline([(0.95, 11.3), (0.85, 12.6), (0.95, 14.4)], samples=10))),
                "feature",
                0.5,
            ),
            Stroke("polyline", _norm(side(_spline(_ALA, samples=10))), "feature"),
            Stroke("polygon", _norm(side(_spline(_NOSTRIL, closed=True, samples=6))), "feature", 0.8),
            Stroke("polyline", _norm(side(_spline(_CLAVICLE, samples=10))), "feature", 0.8),
            Stroke("polyline", _norm(side(_spline(_SCM, samples=12))), "feature", 0.5),
        ]
    lip_half = [*_spline(_LIP_TOP, samples=10), *_spline(_LIP_BOTTOM, samples=12)[1:]]
    strokes += [
        Stroke("polyline", _norm(_spline(_HAIRLINE, samples=8)), "feature", 0.7),
        Stroke("polyline", _norm(_spline([*_flip(_NOSE_BASE[:0:-1]), *_NOSE_BASE], samples=8)), "feature"),
        Stroke("polygon", _norm(_symmetric(lip_half)), "feature"),
        Stroke("polyline", _norm(_spline(_MOUTH_LINE, samples=8)), "feature"),
    ]
    return tuple(strokes)


def _eye() -> list[Point]:
    """Almond outline of the patient's left eye: upper lid then lower lid."""
    upper = _bezier(_EYE_INNER, (2.3, 11.42), (3.9, 11.32), _EYE_OUTER, 30)
    lower = _bezier(_EYE_OUTER, (4.0, 12.72), (2.4, 12.78), _EYE_INNER, 30)
    return [*upper, *lower[1:-1]]


def _circle(centre: Point, r_cm: float, weight: float) -> Stroke:
    return Stroke("ellipse", (_n(centre), (r_cm / MAP_WIDTH_CM, r_cm / MAP_HEIGHT_CM)), "feature", weight)


#: The line drawing, in painting order (fill first).
FACE_DRAWING: tuple[Stroke, ...] = _build_drawing()

#: Where to print each zone's name (inside the zone, clear of the drawn features).
_LABELS: dict[Zone, Point] = {
    Zone.FOREHEAD: (0, 7.4),
    Zone.GLABELLA: (0, 10.8),
    Zone.PERIORBITAL_LEFT: (5.6, 13.4),
    Zone.NOSE: (0, 14.3),
    Zone.CHEEK_LEFT: (4.7, 16.0),
    Zone.PERIORAL: (0, 17.75),
    Zone.CHIN: (0, 21.9),
    Zone.JAWLINE_LEFT: (4.95, 20.05),
    Zone.NECK: (0, 25.9),
    Zone.DECOLLETAGE: (0, 31.6),
}
_LABELS.update({_MIRRORED[z]: (-_LABELS[z][0], _LABELS[z][1]) for z in _MIRRORED})
ZONE_LABEL_POS: dict[Zone, Point] = {z: _n(_LABELS[z]) for z in Zone}
