"""Paints one session of the timeline as a card: date and status, zones, totals per product, trends."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from ...domain.enums import SessionStatus
from ...services.records import SessionSummary
from ..style import GOOD, MUTED, Scheme, active
from .history_model import (
    SummaryRole,
    follow_up_short,
    session_tags,
    session_title,
    totals_text,
    trend_direction,
    trends,
    versions_text,
    zones_text,
)

PAD_X, PAD_Y, GAP, LINES, MARGIN = 14, 10, 5, 4, 4


def chip_colours(c: Scheme) -> dict[str, tuple[str, str]]:
    """Background and text of each status chip in scheme ``c`` (the light ones are CHIP_COLOURS)."""
    if c.name == "light":
        return CHIP_COLOURS
    return {
        "Signed": (c.accent_soft, c.good),
        "Draft": (c.warn_bg, c.warn_text),
        "Touch-up": (c.header, c.text),
        "Amendment": (c.header, c.text),
        "Amended": (c.header, c.muted),
    }


CHIP_COLOURS = {
    "Signed": ("#e3f2e8", GOOD),
    "Draft": ("#fff4dc", "#8a5a00"),
    "Touch-up": ("#e6f0fb", "#1d4f8c"),
    "Amendment": ("#f1e9fb", "#5b3a8a"),
    "Amended": ("#f1f3f5", MUTED),
}


class SessionCardDelegate(QStyledItemDelegate):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)

    @staticmethod
    def _bold(option: QStyleOptionViewItem) -> QFont:
        font = QFont(option.font)
        font.setBold(True)
        return font

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        line = QFontMetrics(self._bold(option)).lineSpacing()
        summary = index.data(SummaryRole)
        lines = LINES + (1 if isinstance(summary, SessionSummary) and versions_text(summary) else 0)
        return QSize(420, 2 * PAD_Y + lines * line + (lines - 1) * GAP + 2 * MARGIN)

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        summary = index.data(SummaryRole)
        if not isinstance(summary, SessionSummary):
            super().paint(painter, option, index)
            return
        c = active()  # the colour scheme in use: the card reads in light and dark
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        card = QRectF(option.rect).adjusted(MARGIN, MARGIN, -MARGIN, -MARGIN)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        focused = bool(option.state & QStyle.StateFlag.State_HasFocus)
        painter.setPen(QPen(QColor(c.accent if selected else c.border), 2 if selected else 1))
        painter.setBrush(QColor(c.accent_soft if selected else c.surface))
        painter.drawRoundedRect(card, 6, 6)
        if summary.status == SessionStatus.DRAFT:
            painter.fillRect(
                QRectF(card.left() + 1, card.top() + 6, 4, card.height() - 12), QColor(c.warn_border)
            )
        if focused and selected:
            painter.setPen(QPen(QColor(c.accent), 1, Qt.PenStyle.DotLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(card.adjusted(3, 3, -3, -3), 4, 4)

        normal, bold = QFont(option.font), self._bold(option)
        fm, fm_bold = QFontMetrics(normal), QFontMetrics(bold)
        line = fm_bold.lineSpacing()
        inner = card.toRect().adjusted(PAD_X, PAD_Y, -PAD_X, -PAD_Y)
        y = inner.top()

        # line 1: date, status chips, injector on the right
        painter.setFont(bold)
        painter.setPen(QColor(c.text))
        title = session_title(summary)
        painter.drawText(QRect(inner.left(), y, inner.width(), line), Qt.AlignmentFlag.AlignVCenter, title)
        x = inner.left() + fm_bold.horizontalAdvance(title) + 10
        painter.setFont(normal)
        who = f"by {summary.injector_name}"
        right_space = fm.horizontalAdvance(who)
        painter.setPen(QColor(c.muted))
        painter.drawText(
            QRect(inner.right() - right_space, y, right_space + 1, line),
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
            who,
        )
        for tag in session_tags(summary):
            width = fm.horizontalAdvance(tag) + 14
            if x + width > inner.right() - right_space - 8:
                break
            colours = chip_colours(c)
            bg, fg = colours.get(tag, colours.get(tag.split(" ")[0], (c.header, c.muted)))
            chip = QRectF(x, y + 1, width, line - 2)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(bg))
            painter.drawRoundedRect(chip, (line - 2) / 2, (line - 2) / 2)
            painter.setPen(QColor(fg))
            painter.drawText(chip, Qt.AlignmentFlag.AlignCenter, tag)
            x += width + 6
        y += line + GAP

        # line 2: zones
        self._labelled(painter, inner, y, line, fm, "Zones", zones_text(summary), QColor(c.text))
        y += line + GAP
        # line 3: totals, one per product
        totals = "    |    ".join(totals_text(summary)) or "No doses charted"
        self._labelled(painter, inner, y, line, fm, "Totals", totals, QColor(c.text))
        y += line + GAP
        # line 4: trends, coloured by direction (lower ratings are better)
        x = self._label(painter, inner.left(), y, line, fm, "Trend")
        for text, trend in trends(summary):
            direction = trend_direction(trend)
            painter.setFont(bold if direction else normal)
            painter.setPen(QColor(c.good if direction < 0 else c.danger if direction > 0 else c.text))
            width = QFontMetrics(painter.font()).horizontalAdvance(text)
            painter.drawText(QRect(x, y, width + 2, line), Qt.AlignmentFlag.AlignVCenter, text)
            x += width + 18
        painter.setFont(normal)
        painter.setPen(QColor(c.muted))
        rest = fm.elidedText(follow_up_short(summary), Qt.TextElideMode.ElideRight, max(0, inner.right() - x))
        painter.drawText(QRect(x, y, max(0, inner.right() - x), line), Qt.AlignmentFlag.AlignVCenter, rest)
        # line 5, for an amended visit: its versions (the table under the timeline says what changed)
        if versions_text(summary):
            y += line + GAP
            self._labelled(painter, inner, y, line, fm, "Versions", versions_text(summary), QColor(c.muted))
        painter.restore()

    @staticmethod
    def _label(painter: QPainter, x: int, y: int, line: int, fm: QFontMetrics, label: str) -> int:
        painter.setFont(painter.font())
        painter.setPen(QColor(active().muted))
        width = fm.horizontalAdvance("Versions  ")
        painter.drawText(QRect(x, y, width, line), Qt.AlignmentFlag.AlignVCenter, label)
        return x + width + 4

    def _labelled(
        self,
        painter: QPainter,
        inner: QRect,
        y: int,
        line: int,
        fm: QFontMetrics,
        label: str,
        text: str,
        colour: QColor,
    ) -> None:
        x = self._label(painter, inner.left(), y, line, fm, label)
        painter.setPen(colour)
        elided = fm.elidedText(text, Qt.TextElideMode.ElideRight, max(0, inner.right() - x))
        painter.drawText(QRect(x, y, max(0, inner.right() - x), line), Qt.AlignmentFlag.AlignVCenter, elided)
