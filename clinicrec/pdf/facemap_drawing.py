"""The face map as vector graphics for the PDFs.

The drawing itself lives in ``clinicrec.domain.facemap`` (normalised coordinates, y downward), so
the screen and paper show the same face. Here it becomes a ReportLab ``Drawing``: skin fill,
outline, thin grey features, then optionally a soft highlight of treated zones (handout) and
injection points as small dots coloured per product (chart), with a legend underneath.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from reportlab.graphics.shapes import (
    Circle,
    Drawing,
    Ellipse,
    Group,
    Path,
    Polygon,
    PolyLine,
    Rect,
    String,
)
from reportlab.lib import colors
from reportlab.lib.colors import Color

from ..domain import facemap
from ..domain.enums import Zone
from .common import ACCENT, FONT, INK, MUTED

SKIN = colors.HexColor("#F8EDE3")
OUTLINE = colors.HexColor("#6B5A4E")
FEATURE = colors.HexColor("#9A9A9A")
ZONE_EDGE = colors.HexColor("#B9C3CB")
HIGHLIGHT = colors.Color(0.40, 0.72, 0.75, alpha=0.55)


@dataclass(frozen=True)
class MapPoint:
    """An injection point in face-map coordinates (0-1, y downward) and the colour of its product."""

    x: float
    y: float
    colour: Color


@dataclass(frozen=True)
class LegendEntry:
    colour: Color
    text: str
    shape: str = "dot"  # "dot" for points, "patch" for a shaded zone


class _Frame:
    """Maps normalised face-map coordinates to drawing coordinates (y up, map above the legend).

    ``view_bottom`` is the normalised y shown at the bottom edge (1.0 = the whole picture).
    """

    def __init__(self, width: float, height: float, bottom: float, view_bottom: float = 1.0) -> None:
        self.width, self.height, self.bottom, self.view_bottom = width, height, bottom, view_bottom

    def xy(self, x: float, y: float) -> tuple[float, float]:
        return x * self.width, self.bottom + (self.view_bottom - y) * self.height

    def flat(self, pts: Iterable[tuple[float, float]]) -> list[float]:
        out: list[float] = []
        for x, y in pts:
            out.extend(self.xy(x, y))
        return out


def _stroke_shape(stroke: facemap.Stroke, f: _Frame, line_width: float) -> Ellipse | Polygon | PolyLine:
    role = stroke.role
    fill = SKIN if role == "fill" else None
    colour = None if role == "fill" else (OUTLINE if role == "outline" else FEATURE)
    width = line_width * (1.0 if role == "outline" else 0.6) * stroke.weight
    if stroke.kind == "ellipse":
        (cx, cy), (rx, ry) = stroke.points
        x, y = f.xy(cx, cy)
        return Ellipse(
            x, y, rx * f.width, ry * f.height, fillColor=fill, strokeColor=colour, strokeWidth=width
        )
    if stroke.kind == "polygon":
        return Polygon(
            f.flat(stroke.points), fillColor=fill, strokeColor=colour, strokeWidth=width, strokeLineJoin=1
        )
    return PolyLine(
        f.flat(stroke.points),
        strokeColor=colour or FEATURE,
        strokeWidth=width,
        strokeLineCap=1,
        strokeLineJoin=1,
    )


def _legend_grid(entries: Sequence[LegendEntry], width: float, font_size: float) -> tuple[int, float, float]:
    """Columns, row height and height of the legend's rows."""
    row_h = font_size * 1.55
    col_w = max(60.0, max(len(e.text) for e in entries) * font_size * 0.55 + font_size * 2)
    cols = max(1, min(len(entries), int(width // col_w)))
    rows = (len(entries) + cols - 1) // cols
    return cols, row_h, rows * row_h


def legend_height(entries: Sequence[LegendEntry], width: float, font_size: float) -> float:
    """The height :func:`legend_group` takes, without drawing it."""
    return _legend_grid(entries, width, font_size)[2] + font_size * 0.4


def legend_group(entries: Sequence[LegendEntry], width: float, font_size: float) -> tuple[Group, float]:
    """Legend rows (swatch + text), wrapped into as many columns as fit the width."""
    group = Group()
    cols, row_h, height = _legend_grid(entries, width, font_size)
    for n, e in enumerate(entries):
        col, row = n % cols, n // cols
        x = col * (width / cols)
        y = height - (row + 1) * row_h + font_size * 0.35
        s = font_size * 0.8
        if e.shape == "patch":
            group.add(Rect(x, y - 1, s * 1.4, s, fillColor=e.colour, strokeColor=ACCENT, strokeWidth=0.5))
        else:
            group.add(
                Circle(
                    x + s / 2,
                    y + s / 2 - 1,
                    s * 0.42,
                    fillColor=e.colour,
                    strokeColor=colors.white,
                    strokeWidth=0.4,
                )
            )
        group.add(String(x + s * 1.4 + 4, y, e.text, fontName=FONT, fontSize=font_size, fillColor=INK))
    return group, height + font_size * 0.4


def map_line_width(width: float) -> float:
    """The outline's line width for a map ``width`` points wide."""
    return max(0.5, width / 240.0)


def map_frame(width: float, bottom: float, view_bottom: float) -> _Frame:
    """The frame of a map ``width`` points wide whose picture starts ``bottom`` points up."""
    return _Frame(width, width / facemap.MAP_ASPECT, bottom, view_bottom)


def clipped_group(f: _Frame, map_h: float) -> Group:
    """An empty group clipped to the visible part of the picture (``map_h`` points high)."""
    group = Group()
    clip = Path(isClipPath=1, strokeColor=None, fillColor=None)
    clip.moveTo(0, f.bottom)
    for x, y in ((f.width, f.bottom), (f.width, f.bottom + map_h), (0, f.bottom + map_h)):
        clip.lineTo(x, y)
    clip.closePath()
    group.add(clip)
    return group


def face_shapes(f: _Frame, line_width: float, layer: str) -> list[Ellipse | Polygon | PolyLine]:
    """The face itself: the skin's fills (``layer="under"``, below the zones) or the outline and
    features (``"over"``, above them). The same for every patient."""
    under = layer == "under"
    return [_stroke_shape(s, f, line_width) for s in facemap.FACE_DRAWING if (s.role == "fill") == under]


def zone_shapes(
    f: _Frame, line_width: float, treated_zones: Iterable[Zone], zone_outlines: bool = False
) -> list[Polygon]:
    """The treated zones shaded (and, with ``zone_outlines``, every other zone's boundary dashed)."""
    shaded = set(treated_zones)
    out: list[Polygon] = []
    for zone, poly in facemap.ZONE_POLYGONS.items():
        if zone in shaded:
            out.append(
                Polygon(f.flat(poly), fillColor=HIGHLIGHT, strokeColor=ACCENT, strokeWidth=0.6 * line_width)
            )
        elif zone_outlines:
            out.append(
                Polygon(
                    f.flat(poly),
                    fillColor=None,
                    strokeColor=ZONE_EDGE,
                    strokeWidth=0.4 * line_width,
                    strokeDashArray=[2, 2],
                )
            )
    return out


def face_map_drawing(
    width: float,
    *,
    treated_zones: Iterable[Zone] = (),
    points: Sequence[MapPoint] = (),
    zone_outlines: bool = False,
    zone_labels: bool = False,
    side_marks: bool = False,
    legend: Sequence[LegendEntry] = (),
    legend_font_size: float = 8.0,
    point_radius: float | None = None,
    view_bottom: float = 1.0,
) -> Drawing:
    """The face map ``width`` points wide (height follows ``facemap.MAP_ASPECT``, plus the legend).

    ``treated_zones`` are shaded softly; ``points`` are drawn as dots on top; ``zone_outlines`` and
    ``zone_labels`` show every zone's boundary and name lightly (useful on the chart);
    ``side_marks`` prints R and L for the patient's sides (the patient's left is the viewer's right).
    ``view_bottom`` crops the picture below that normalised y (see :func:`crop_for`).
    """
    full_h = width / facemap.MAP_ASPECT
    map_h = full_h * view_bottom
    legend_part, legend_h = legend_group(legend, width, legend_font_size) if legend else (None, 0.0)
    gap = legend_font_size if legend else 0.0
    drawing = Drawing(width, map_h + gap + legend_h, initialFontName=FONT)
    f = map_frame(width, legend_h + gap, view_bottom)
    line_width = map_line_width(width)
    d = clipped_group(f, map_h)  # everything of the picture, clipped to the visible part
    drawing.add(d)
    for shape in face_shapes(f, line_width, "under"):
        d.add(shape)
    for shape in zone_shapes(f, line_width, treated_zones, zone_outlines):
        d.add(shape)
    for shape in face_shapes(f, line_width, "over"):
        d.add(shape)

    if zone_labels:
        size = max(4.5, width / 48.0)
        for zone, (lx, ly) in facemap.ZONE_LABEL_POS.items():
            x, y = f.xy(lx, ly)
            d.add(
                String(
                    x,
                    y - size / 3,
                    zone.label,
                    fontName=FONT,
                    fontSize=size,
                    fillColor=MUTED,
                    textAnchor="middle",
                )
            )

    if side_marks:
        size = max(6.0, width / 28.0)
        for text, x in (("R", size * 0.2), ("L", width - size * 0.8)):
            d.add(
                String(x, f.bottom + map_h - size * 1.1, text, fontName=FONT, fontSize=size, fillColor=MUTED)
            )

    r = point_radius if point_radius is not None else max(1.2, width / 120.0)
    for p in points:
        x, y = f.xy(p.x, p.y)
        d.add(Circle(x, y, r, fillColor=p.colour, strokeColor=colors.white, strokeWidth=r * 0.35))

    if legend_part is not None:
        drawing.add(legend_part)
    return drawing


def legend_drawing(entries: Sequence[LegendEntry], width: float, font_size: float = 8.0) -> Drawing:
    """The legend alone, for placing beside the map rather than under it."""
    group, height = legend_group(entries, width, font_size)
    d = Drawing(width, height, initialFontName=FONT)
    d.add(group)
    return d


#: Where the picture is cut when nothing below the upper neck is treated: chin and a little neck.
FACE_ONLY_BOTTOM = 0.70


def crop_for(zones: Iterable[Zone]) -> float:
    """The ``view_bottom`` that shows every given zone: the whole picture only for neck or chest."""
    return 1.0 if set(zones) & {Zone.NECK, Zone.DECOLLETAGE} else FACE_ONLY_BOTTOM
