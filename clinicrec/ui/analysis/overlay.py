"""Painting an analysed photo with the overlays the nurse toggles: zones, pores, redness, highlights.

The maps come at the analysis's working resolution over the face's box; they are scaled onto a display
copy of the photo here (numpy and OpenCV do the per-pixel work, QPainter the outlines).
"""

from __future__ import annotations

from enum import Enum

import cv2
import numpy as np
from numpy.typing import NDArray
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPolygonF

from clinicrec.services.analysis import AnalysedPhoto


class Layer(Enum):
    ZONES = "Zones"
    PORES = "Pores"
    REDNESS = "Redness"
    HIGHLIGHTS = "Highlights"


#: Overlay colours (RGB) and opacity.
PORE_RGB = (0, 200, 60)
RED_RGB = (230, 20, 60)
HIGHLIGHT_RGB = (0, 190, 255)
ZONE_COLOUR = "#00e5ff"
_RED_ALPHA = 0.45


def display_scale(photo: AnalysedPhoto, longest_side: int) -> float:
    h, w = photo.rgb.shape[:2]
    return min(1.0, longest_side / max(h, w))


def _blend(
    region: NDArray[np.uint8], mask: NDArray[np.bool_], rgb: tuple[int, int, int], alpha: float
) -> None:
    colour = np.asarray(rgb, np.float32)
    region[mask] = (region[mask] * (1 - alpha) + colour * alpha).astype(np.uint8)


def overlay_image(photo: AnalysedPhoto, layers: set[Layer], longest_side: int = 1400) -> QImage:
    """The photo scaled to ``longest_side`` with the chosen layers painted on."""
    scale = display_scale(photo, longest_side)
    h, w = photo.rgb.shape[:2]
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    shown = np.ascontiguousarray(cv2.resize(photo.rgb, size, interpolation=cv2.INTER_AREA))
    maps = photo.maps
    if maps is not None:
        # A working-resolution pixel covers 1 / factor photo pixels: map the crop onto the display.
        ox, oy = maps.origin
        k = scale / maps.factor
        x0, y0 = round(ox * scale), round(oy * scale)
        mh, mw = maps.skin.shape
        dw, dh = min(size[0] - x0, round(mw * k)), min(size[1] - y0, round(mh * k))
        region = shown[y0 : y0 + dh, x0 : x0 + dw]

        def fit(mask: NDArray[np.bool_]) -> NDArray[np.bool_]:
            if k < 1:  # shrinking: a pore must stay visible, so keep any pixel that touches one
                mask = cv2.dilate(mask.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
            resized = cv2.resize(
                mask.astype(np.uint8), (round(mw * k), round(mh * k)), interpolation=cv2.INTER_NEAREST
            )
            return resized[:dh, :dw].astype(bool)

        if Layer.REDNESS in layers:
            _blend(region, fit(maps.red), RED_RGB, _RED_ALPHA)
        if Layer.HIGHLIGHTS in layers:
            _blend(region, fit(maps.highlights), HIGHLIGHT_RGB, 0.8)
        if Layer.PORES in layers:
            _blend(region, fit(maps.pores > 0), PORE_RGB, 1.0)
    image = QImage(shown.data, size[0], size[1], 3 * size[0], QImage.Format.Format_RGB888).copy()
    if maps is not None and Layer.ZONES in layers:
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor(ZONE_COLOUR), max(1.0, 2.0 * longest_side / 1400)))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for outline in maps.zone_outlines.values():
            painter.drawPolygon(QPolygonF([QPointF(x * scale, y * scale) for x, y in outline]))
        painter.end()
    return image
