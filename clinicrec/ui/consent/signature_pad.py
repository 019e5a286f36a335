"""A signature pad: the patient signs with a mouse, a pen (its pressure kept) or a finger.

Strokes are kept in the pad's own units (x 0..1 across, y 0..1 down, pressure 0..1, milliseconds since
the stroke began), so the same signature is drawn the same at any size and is rendered to the stored
picture by ``clinicrec.pdf.signature_image``. Clear starts again; undo takes back the last stroke.
"""

from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, QEvent, QPointF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QTabletEvent,
    QTouchEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from ...domain.consent import Stroke, StrokePoint

ASPECT = 3.0  # width : height, as the stored picture


class SignaturePad(QWidget):
    """Emits ``sig_changed`` whenever a stroke is finished, undone or cleared."""

    sig_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("signature_pad")
        self.setAccessibleName("Signature pad: sign here with the mouse, a pen or a finger")
        self.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents, True)
        self.setAttribute(Qt.WidgetAttribute.WA_StaticContents, True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumSize(QSize(450, 150))
        self.setCursor(Qt.CursorShape.CrossCursor)
        self._strokes: list[list[StrokePoint]] = []
        self._current: list[StrokePoint] | None = None
        self._timer = QElapsedTimer()
        #: Which kind of input drew the last stroke ("mouse", "tablet", "touch").
        self.device = ""

    # -- what the pad holds --------------------------------------------------------------------------
    def strokes(self) -> tuple[Stroke, ...]:
        return tuple(tuple(s) for s in self._strokes)

    def is_empty(self) -> bool:
        return not self._strokes

    def clear(self) -> None:
        self._strokes.clear()
        self._current = None
        self.device = ""
        self.update()
        self.sig_changed.emit()

    def undo(self) -> None:
        if self._strokes:
            self._strokes.pop()
            self.update()
            self.sig_changed.emit()

    # -- size -----------------------------------------------------------------------------------------
    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt's name)
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        return round(width / ASPECT)

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(720, 240)

    def resizeEvent(self, event: object) -> None:  # noqa: N802
        self.setFixedHeight(self.heightForWidth(self.width()))
        super().resizeEvent(event)  # type: ignore[arg-type]

    # -- input ----------------------------------------------------------------------------------------
    def _point(self, pos: QPointF, pressure: float) -> StrokePoint:
        w, h = max(1, self.width() - 1), max(1, self.height() - 1)
        x = min(1.0, max(0.0, pos.x() / w))
        y = min(1.0, max(0.0, pos.y() / h))
        return StrokePoint(
            round(x, 4), round(y, 4), round(min(1.0, max(0.0, pressure)), 3), self._timer.elapsed()
        )

    def _begin(self, pos: QPointF, pressure: float, device: str) -> None:
        self._timer.start()
        self._current = [self._point(pos, pressure)]
        self._strokes.append(self._current)
        self.device = device
        self.update()

    def _extend(self, pos: QPointF, pressure: float) -> None:
        if self._current is not None:
            self._current.append(self._point(pos, pressure))
            self.update()

    def _end(self) -> None:
        if self._current is not None:
            self._current = None
            self.sig_changed.emit()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            self._begin(event.position(), 1.0, "mouse")
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self._extend(event.position(), 1.0)
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if event.button() == Qt.MouseButton.LeftButton:
            self._extend(event.position(), 1.0)
            self._end()
        event.accept()

    def tabletEvent(self, event: QTabletEvent) -> None:  # noqa: N802
        kind = event.type()
        if kind == QEvent.Type.TabletPress:
            self._begin(event.position(), event.pressure(), "tablet")
        elif kind == QEvent.Type.TabletMove:
            self._extend(event.position(), event.pressure())
        elif kind == QEvent.Type.TabletRelease:
            self._end()
        event.accept()  # no mouse event is made up from it

    def event(self, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate, QEvent.Type.TouchEnd):
            assert isinstance(event, QTouchEvent)
            points = event.points()
            if points:
                first = points[0]
                if kind == QEvent.Type.TouchBegin:
                    self._begin(first.position(), 1.0, "touch")
                else:
                    self._extend(first.position(), 1.0)
                if kind == QEvent.Type.TouchEnd:
                    self._end()
            event.accept()
            return True
        if kind == QEvent.Type.TouchCancel:
            if self._current is not None and self._strokes:
                self._strokes.pop()
            self._current = None
            self.update()
            return True
        return super().event(event)

    # -- drawing --------------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("white"))
        painter.setPen(QPen(QColor("#9AA5B1"), 1, Qt.PenStyle.DashLine))
        base = self.height() * 0.78
        painter.drawLine(QPointF(self.width() * 0.05, base), QPointF(self.width() * 0.95, base))
        painter.drawText(QPointF(self.width() * 0.05, base - 6), "✕")
        w, h = self.width() - 1, self.height() - 1
        for stroke in self._strokes:
            for a, b in zip(stroke, stroke[1:], strict=False):
                width = 1.5 + 3.5 * (a.pressure + b.pressure) / 2
                pen = QPen(QColor(16, 32, 80), width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap)
                painter.setPen(pen)
                painter.drawLine(QPointF(a.x * w, a.y * h), QPointF(b.x * w, b.y * h))
            if len(stroke) == 1:
                p = stroke[0]
                painter.setPen(QPen(QColor(16, 32, 80), 4, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
                painter.drawPoint(QPointF(p.x * w, p.y * h))
        painter.end()
