"""The handout's face map as a flowable that draws in a fraction of a millisecond.

``face_map_drawing`` builds a ReportLab ``Drawing`` of a few hundred shapes, and rendering it writes
every coordinate of the face's outline afresh: about 8 ms per handout, a third of the sheet. Yet the
face (its skin, outline and features) is the same on every handout of a given size; only the treated
areas and the legend's words are the patient's. So the face's two layers (the skin below the treated
areas, the outline and features above them) are rendered once per process and size into PDF drawing
operators, and each handout copies them into its page around the patient's own layer, which is
drawn as before. The page shows exactly what ``face_map_drawing`` shows (a test compares the pixels).

Nothing of a patient is cached: the cache's key is the picture's geometry, and its value holds the
face's shapes only.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from functools import lru_cache

from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import Drawing
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

from ..domain import facemap
from ..domain.enums import Zone
from .common import FONT
from .facemap_drawing import (
    LegendEntry,
    clipped_group,
    face_shapes,
    legend_group,
    map_frame,
    map_line_width,
    zone_shapes,
)


@lru_cache(maxsize=32)
def _face_layers(width: float, bottom: float, view_bottom: float) -> tuple[str, str]:
    """The face's skin and its outline and features as PDF operators, each a balanced ``q … Q``
    clipped to the visible part, for a map ``width`` wide whose picture starts ``bottom`` points up."""
    f = map_frame(width, bottom, view_bottom)
    map_h = f.height * view_bottom
    line_width = map_line_width(width)
    layers = []
    for layer in ("under", "over"):
        group = clipped_group(f, map_h)
        for shape in face_shapes(f, line_width, layer):
            group.add(shape)
        drawing = Drawing(width, bottom + map_h, initialFontName=FONT)
        drawing.add(group)
        layers.append(_operators(drawing))
    return layers[0], layers[1]


def _operators(drawing: Drawing) -> str:
    """What rendering ``drawing`` at the origin writes into a page's content (fonts- and resource-free
    shapes only: colours without transparency, no text, no images)."""
    canvas = Canvas(io.BytesIO(), initialFontName=FONT)
    start = len(canvas._code)  # ReportLab's page content so far; public API has no getter for it
    renderPDF.draw(drawing, canvas, 0, 0)
    return "\n".join(canvas._code[start:])


class FaceMapFigure(Flowable):
    """The face map with the treated zones shaded and a legend underneath, as in
    ``face_map_drawing(width, treated_zones=…, legend=…, legend_font_size=…, view_bottom=…)``."""

    def __init__(
        self,
        width: float,
        *,
        treated_zones: Iterable[Zone],
        legend: Sequence[LegendEntry],
        legend_font_size: float,
        view_bottom: float = 1.0,
    ) -> None:
        super().__init__()
        full_h = width / facemap.MAP_ASPECT
        map_h = full_h * view_bottom
        legend_part, legend_h = legend_group(legend, width, legend_font_size) if legend else (None, 0.0)
        bottom = legend_h + (legend_font_size if legend else 0.0)
        self.width, self.height = width, map_h + bottom
        self._face = _face_layers(width, bottom, view_bottom)
        f = map_frame(width, bottom, view_bottom)
        zones = clipped_group(f, map_h)
        for shape in zone_shapes(f, map_line_width(width), treated_zones):
            zones.add(shape)
        # the patient's layer: drawn as any Drawing is (the shading's transparency needs the page's resources)
        self._zones = Drawing(width, self.height, initialFontName=FONT)
        self._zones.add(zones)
        self._legend = Drawing(width, self.height, initialFontName=FONT)
        if legend_part is not None:
            self._legend.add(legend_part)

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        skin, features = self._face
        # the copied operators assume opaque painting, as on the page they were rendered for
        canvas.setFillAlpha(1)
        canvas.setStrokeAlpha(1)
        canvas.addLiteral(skin)
        renderPDF.draw(self._zones, canvas, 0, 0)
        canvas.addLiteral(features)
        renderPDF.draw(self._legend, canvas, 0, 0)
