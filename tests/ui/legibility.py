"""Legibility checks shared by the colour-scheme tests: the WCAG contrast ratio of each visible text
widget's text colour against the background actually painted behind it.

The text colour is the widget's palette foreground (a style sheet's ``color`` lands there when Qt polishes
the widget); the background is read from a grab of the whole window, as the most common colour inside the
widget's rectangle, so a white box on a dark window or a label on a coloured banner is judged on what the
user sees, not on what the palette claims.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QCheckBox,
    QGroupBox,
    QLabel,
    QPushButton,
    QRadioButton,
    QToolButton,
    QWidget,
)

TEXT_WIDGETS = (QLabel, QPushButton, QToolButton, QCheckBox, QRadioButton)


def luminance(c: QColor) -> float:
    def lin(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * lin(c.redF()) + 0.7152 * lin(c.greenF()) + 0.0722 * lin(c.blueF())


def contrast(a: QColor, b: QColor) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@dataclass(frozen=True)
class Reading:
    widget: QWidget
    text: str
    fg: QColor
    bg: QColor

    @property
    def ratio(self) -> float:
        return contrast(self.fg, self.bg)

    def __str__(self) -> str:
        name = self.widget.objectName() or type(self.widget).__name__
        return f"{name} {self.text[:40]!r}: {self.fg.name()} on {self.bg.name()} = {self.ratio:.2f}"


def _text(w: QWidget) -> str:
    if isinstance(w, QLabel):
        return w.text() if w.pixmap().isNull() else ""
    if isinstance(w, QAbstractButton):
        return w.text()
    if isinstance(w, QGroupBox):
        return w.title()
    return ""


def dominant(image: QImage, rect: QRect) -> QColor:
    """The most common colour inside ``rect`` (sampled on a grid): the background text is drawn on."""
    rect = rect.intersected(image.rect())
    step = max(1, min(rect.width(), rect.height()) // 12)
    counts: Counter[int] = Counter()
    for y in range(rect.top(), rect.bottom() + 1, step):
        for x in range(rect.left(), rect.right() + 1, step):
            counts[image.pixel(x, y)] += 1
    return QColor.fromRgb(counts.most_common(1)[0][0]) if counts else QColor()


def readings(window: QWidget) -> list[Reading]:
    """Every visible, enabled text widget of ``window`` (a top-level) with its text and background."""
    QApplication.processEvents()
    image = window.grab().toImage()
    out: list[Reading] = []
    for w in window.findChildren(QWidget):
        if not isinstance(w, TEXT_WIDGETS) or not w.isVisible() or not w.isEnabled():
            continue
        text = _text(w).strip()
        if not text or w.width() < 4 or w.height() < 4:
            continue
        top_left = w.mapTo(window, QPoint(0, 0))
        rect = QRect(top_left, w.size())
        if not rect.intersects(image.rect()) or w.visibleRegion().isEmpty():
            continue
        role = w.foregroundRole()
        if isinstance(w, QAbstractButton):
            role = QPalette.ColorRole.ButtonText
        fg = w.palette().color(QPalette.ColorGroup.Active, role)
        out.append(Reading(w, text, fg, dominant(image, rect)))
    return out


def illegible(window: QWidget, minimum: float = 3.0) -> list[str]:
    """What reads below ``minimum`` (3 for large or bold text, 4.5 for body text under WCAG AA)."""
    return [str(r) for r in readings(window) if r.ratio < minimum]
