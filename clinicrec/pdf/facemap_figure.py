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
    legend_height,
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
        self._zones_treated = frozenset(treated_zones)
        self._legend_entries = tuple(legend)
        self._legend_font_size = legend_font_size
        self._view_bottom = view_bottom
        legend_h = legend_height(legend, width, legend_font_size) if legend else 0.0
        self._bottom = legend_h + (legend_font_size if legend else 0.0)
        self._map_h = width / facemap.MAP_ASPECT * view_bottom
        self.width, self.height = width, self._map_h + self._bottom

    def _patients_layer(self) -> tuple[Drawing, Drawing]:
        """The treated zones (clipped like the face) and the legend, as Drawings. Made when drawn only:
        measuring a look needs the figure's size alone."""
        f = map_frame(self.width, self._bottom, self._view_bottom)
        zones = clipped_group(f, self._map_h)
        for shape in zone_shapes(f, map_line_width(self.width), self._zones_treated):
            zones.add(shape)
        # drawn as any Drawing is (the shading's transparency needs the page's resources)
        zones_drawing = Drawing(self.width, self.height, initialFontName=FONT)
        zones_drawing.add(zones)
        legend_drawing = Drawing(self.width, self.height, initialFontName=FONT)
        if self._legend_entries:
            legend_drawing.add(legend_group(self._legend_entries, self.width, self._legend_font_size)[0])
        return zones_drawing, legend_drawing

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        skin, features = _face_layers(self.width, self._bottom, self._view_bottom)
        zones, legend = self._patients_layer()
        # the copied operators assume opaque painting, as on the page they were rendered for
        canvas.setFillAlpha(1)
        canvas.setStrokeAlpha(1)
        canvas.addLiteral(skin)
        renderPDF.draw(zones, canvas, 0, 0)
        canvas.addLiteral(features)
        renderPDF.draw(legend, canvas, 0, 0)
