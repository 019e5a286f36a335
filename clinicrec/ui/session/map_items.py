"""Graphics items of the face map: the drawing, the zones, their names and the injection-point dots.

Used by ``clinicrec.ui.session.facemap_widget.FaceMapView``; scene coordinates keep ``MAP_ASPECT``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem, QStyleOptionGraphicsItem, QWidget

from ...domain import facemap
from ...domain.enums import Zone

SCENE_H = 1000.0
SCENE_W = SCENE_H * facemap.MAP_ASPECT
SKIN = QColor("#F6EAE0")
OUTLINE = QColor("#6B5A4E")
FEATURE = QColor("#8F8A86")
ZONE_EDGE = QColor("#A9B7C2")
TREATED = QColor(56, 150, 160, 46)
HOVER = QColor(56, 150, 160, 28)
SELECTED = QColor("#F08C00")
FLAGGED = QColor("#D62828")
DOT_CM = 0.2  # drawn dot radius in real-world cm, kept between these on-screen sizes (px)
DOT_MIN_PX, DOT_MAX_PX = 3.2, 6.5
MIN_ZOOM, MAX_ZOOM = 1.0, 8.0
ZOOM_STEP = 1.25


@dataclass(frozen=True)
class MapDot:
    """One point as the map shows it: where, which colour, and a tooltip."""

    uid: int
    x: float
    y: float
    colour: str
    tooltip: str = ""
    flagged: bool = False


def to_scene(x: float, y: float) -> QPointF:
    return QPointF(x * SCENE_W, y * SCENE_H)


def from_scene(p: QPointF) -> tuple[float, float]:
    return (p.x() / SCENE_W, p.y() / SCENE_H)


def _polygon(points: Iterable[tuple[float, float]]) -> QPolygonF:
    return QPolygonF([to_scene(x, y) for x, y in points])


def _stroke_path(stroke: facemap.Stroke) -> QPainterPath:
    path = QPainterPath()
    if stroke.kind == "ellipse":
        (cx, cy), (rx, ry) = stroke.points
        path.addEllipse(to_scene(cx, cy), rx * SCENE_W, ry * SCENE_H)
    elif stroke.kind == "polygon":
        path.addPolygon(_polygon(stroke.points))
        path.closeSubpath()
    else:
        path.addPolygon(_polygon(stroke.points))
    return path


class FaceItem(QGraphicsItem):
    """The static line drawing (skin fill, outline, features), cached per device resolution."""

    def __init__(self) -> None:
        super().__init__()
        self._fill = QPainterPath()
        self._lines: list[tuple[QPainterPath, QPen]] = []
        for stroke in facemap.FACE_DRAWING:
            path = _stroke_path(stroke)
            if stroke.role == "fill":
                self._fill.addPath(path)
                continue
            outline = stroke.role == "outline"
            pen = QPen(OUTLINE if outline else FEATURE, (1.6 if outline else 1.1) * stroke.weight)
            pen.setCosmetic(True)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            self._lines.append((path, pen))
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)

    def boundingRect(self) -> QRectF:
        return QRectF(-4, -4, SCENE_W + 8, SCENE_H + 8)

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(SKIN)
        painter.drawPath(self._fill)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for path, pen in self._lines:
            painter.setPen(pen)
            painter.drawPath(path)


class ZoneItem(QGraphicsPathItem):
    """A zone's outline (faint, dashed) and its tint when treated or hovered."""

    def __init__(self, zone: Zone) -> None:
        path = QPainterPath()
        path.setFillRule(Qt.FillRule.OddEvenFill)
        path.addPolygon(_polygon(facemap.ZONE_POLYGONS[zone]))
        path.closeSubpath()
        super().__init__(path)
        self.zone = zone
        pen = QPen(ZONE_EDGE, 1.0, Qt.PenStyle.DashLine)
        pen.setCosmetic(True)
        self.setPen(pen)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self._treated = False
        self._hovered = False
        self._apply()

    def set_state(self, *, treated: bool | None = None, hovered: bool | None = None) -> None:
        if treated is not None:
            self._treated = treated
        if hovered is not None:
            self._hovered = hovered
        self._apply()

    def _apply(self) -> None:
        colour = TREATED if self._treated else HOVER if self._hovered else None
        if self._treated and self._hovered:
            colour = QColor(TREATED.red(), TREATED.green(), TREATED.blue(), TREATED.alpha() + 24)
        self.setBrush(QBrush(colour) if colour is not None else QBrush(Qt.BrushStyle.NoBrush))


class LabelItem(QGraphicsItem):
    """A zone name, centred on its anchor, constant on-screen size."""

    def __init__(self, text: str, font: QFont) -> None:
        super().__init__()
        self._text = text
        self._font = font
        fm = QFontMetricsF(font)
        w, h = fm.horizontalAdvance(text) + 8, fm.height() + 2
        self._rect = QRectF(-w / 2, -h / 2, w, h)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(251, 247, 243, 170))
        painter.drawRoundedRect(self._rect.adjusted(1, 1, -1, -1), 3, 3)
        painter.setFont(self._font)
        painter.setPen(QColor("#4F5B65"))
        painter.drawText(self._rect, Qt.AlignmentFlag.AlignCenter, self._text)


class DotItem(QGraphicsItem):
    """An injection point: a small filled dot, ringed when selected or flagged."""

    def __init__(self, dot: MapDot) -> None:
        super().__init__()
        self.uid = dot.uid
        self.dot = dot
        self.radius = DOT_MIN_PX
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setZValue(10)
        self.update_dot(dot)

    def update_dot(self, dot: MapDot) -> None:
        self.dot = dot
        self.setPos(to_scene(dot.x, dot.y))
        self.setToolTip(dot.tooltip)
        self.update()

    def set_radius(self, radius: float) -> None:
        if radius != self.radius:
            self.prepareGeometryChange()
            self.radius = radius

    def boundingRect(self) -> QRectF:
        r = self.radius + 5
        return QRectF(-r, -r, 2 * r, 2 * r)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        r = max(self.radius + 2.0, 5.0)  # a little larger than drawn: easier to grab
        path.addEllipse(QPointF(0, 0), r, r)
        return path

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        r = self.radius
        if self.isSelected() or self.dot.flagged:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(FLAGGED if self.dot.flagged else SELECTED)
            painter.drawEllipse(QPointF(0, 0), r + 2.4, r + 2.4)
        painter.setPen(QPen(QColor("white"), 0.8))
        painter.setBrush(QColor(self.dot.colour))
        painter.drawEllipse(QPointF(0, 0), r, r)
