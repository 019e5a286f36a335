"""Qt Charts for the reports screen: grouped bars for breakdowns, lines (with a 95% band) for trends.

A figure behind fewer than ten sessions is drawn pale (bar) or hollow (point) and the note under the
chart says so; hovering a bar or point shows the figure with its interval and n.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from PySide6.QtCharts import (
    QAreaSeries,
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QLineSeries,
    QScatterSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, QPointF, Qt
from PySide6.QtGui import QBrush, QColor, QCursor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QLabel, QToolTip, QVBoxLayout, QWidget

from ...domain.report_stats import CHANGE_AXIS_TITLE, Estimate, fmt_estimate
from ..style import Scheme, active, follow_scheme

#: Pores, oil, redness: the same colour-blind-friendly colours as the PDF.
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7")
FEW_NOTE = "Pale bars: fewer than 10 sessions behind the figure."
BAR_WIDTH = 0.75
#: A category label wider than this share of its category is slanted (else Qt Charts cuts it short).
LABEL_SHARE_OF_CATEGORY = 0.6


@dataclass(frozen=True)
class ChartSeries:
    name: str
    values: tuple[Estimate, ...]  # one per category; 'few' follows each value's n
    tips: tuple[str, ...] | None = None  # hover texts, when the default (mean, interval, n) does not fit

    def tip(self, i: int, category: str) -> str:
        if self.tips is not None:
            return self.tips[i]
        e = self.values[i]
        return f"{self.name} · {category}: " + (
            f"{fmt_estimate(e)}, n = {e.n:,}" if e.mean is not None else "no sessions"
        )


def _pale(hex_colour: str) -> QColor:
    """A small-sample bar: the colour faded most of the way into the chart's background (white in the
    light scheme, charcoal in the dark one), so it reads as "less sure" in both."""
    c, bg = _visible(hex_colour), QColor(active().surface)
    return QColor.fromRgbF(
        c.redF() + (bg.redF() - c.redF()) * 0.62,
        c.greenF() + (bg.greenF() - c.greenF()) * 0.62,
        c.blueF() + (bg.blueF() - c.blueF()) * 0.62,
    )


def _relative_luminance(c: QColor) -> float:
    def lin(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * lin(c.redF()) + 0.7152 * lin(c.greenF()) + 0.0722 * lin(c.blueF())


def _visible(hex_colour: str) -> QColor:
    """A series colour, lightened in the dark scheme until it stands 3:1 off the chart's background
    (WCAG's contrast for graphics): the light palette's dark teal and red vanish on charcoal."""
    c = QColor(hex_colour)
    if active().name != "dark":
        return c
    bg = _relative_luminance(QColor(active().surface)) + 0.05
    for _ in range(12):
        if (_relative_luminance(c) + 0.05) / bg >= 3:
            break
        c = QColor.fromRgbF(
            c.redF() + (1 - c.redF()) * 0.15,
            c.greenF() + (1 - c.greenF()) * 0.15,
            c.blueF() + (1 - c.blueF()) * 0.15,
        )
    return c


def _value_range(series: Sequence[ChartSeries], with_ci: bool) -> tuple[float, float]:
    """Every figure, and the intervals of figures with enough sessions: the wide interval of a small
    sample would flatten all the others, so it runs off the chart instead (and the note says so)."""
    vals = [
        v
        for s in series
        for e in s.values
        for v in ((e.mean, e.low, e.high) if with_ci and not e.few else (e.mean,))
        if v is not None
    ]
    lo, hi = (min(vals + [0.0]), max(vals + [0.0])) if vals else (-1.0, 1.0)
    if math.isclose(lo, hi):
        lo, hi = lo - 1, hi + 1
    pad = (hi - lo) * 0.08
    return lo - (pad if lo < 0 else 0), hi + (pad if hi > 0 else 0)


class ReportChart(QWidget):
    """A chart with a muted note under it; ``show_bars`` / ``show_lines`` / ``show_message``."""

    def __init__(self, name: str, accessible: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.chart = self._new_chart()
        self.view = QChartView(self.chart, self)
        self.view.setObjectName(f"{name}_view")
        self.view.setAccessibleName(accessible)
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setMinimumHeight(180)
        self.view.setMinimumWidth(360)
        self.note = QLabel("", self)
        self.note.setObjectName(f"{name}_note")
        self.note.setProperty("role", "muted")
        self.note.setWordWrap(True)
        self.note.setAccessibleName("Chart note")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.view, 1)
        self._drawn: Callable[[], None] | None = None  # the last show_*, drawn again on a switch of scheme
        follow_scheme(self, self._redraw, now=False)
        layout.addWidget(self.note)
        self._tips: dict[tuple[int, int], str] = {}
        self.few_shown = False
        self.cut_shown = False  # an interval runs off the chart
        self._series: Sequence[ChartSeries] = ()
        self._band_drawn = False

    # -- common -------------------------------------------------------------------------------------
    def _new_chart(self) -> QChart:
        chart = QChart()
        if active().name == "dark":
            chart.setTheme(QChart.ChartTheme.ChartThemeDark)
            chart.setBackgroundBrush(QBrush(QColor(active().surface)))
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        chart.setBackgroundRoundness(4)
        chart.setMargins(QMargins(4, 4, 4, 4))
        chart.legend().setAlignment(Qt.AlignmentFlag.AlignTop)
        chart.legend().setFont(QFont(self.font().family(), 9))
        return chart

    def _reset(self, title: str) -> None:
        # A fresh chart each time: axes removed from a chart leave their labels drawn until deleted.
        old, self.chart = self.chart, self._new_chart()
        self.view.setChart(self.chart)
        old.deleteLater()
        self.chart.setTitle(title)
        title_font = QFont(self.font().family(), 10)
        title_font.setBold(True)
        self.chart.setTitleFont(title_font)
        self.chart.setTitleBrush(QBrush(QColor(active().text)))
        self._tips.clear()
        self._series = ()
        self.few_shown = False
        self._band_drawn = False

    def _axes(
        self, categories: Sequence[str], lo: float, hi: float, y_title: str, *, horizontal: bool = False
    ) -> tuple[QBarCategoryAxis, QValueAxis]:
        x = QBarCategoryAxis()
        label_font = QFont(self.font().family(), 8)
        x.setLabelsFont(label_font)
        labels = list(categories)
        if not horizontal and categories:
            # Side by side, Qt Charts cuts a label short ("Botox Cos...") once it is wider than about two
            # thirds of its category's width: such labels are broken over two lines, or, if a line is
            # still too wide, slanted, which leaves them whole.
            fits = LABEL_SHARE_OF_CATEGORY * (max(self.view.width(), 600) - 90) / len(categories)
            metrics = QFontMetrics(label_font)
            if max(metrics.horizontalAdvance(c) for c in categories) > fits:
                lines = [_two_lines(c, metrics) for c in categories]
                if max(metrics.horizontalAdvance(part) for two in lines for part in two) <= fits:
                    labels = ["<br>".join(html.escape(part) for part in two) for two in lines]
                else:
                    x.setLabelsAngle(-40)
        x.append(labels)
        y = QValueAxis()
        y.setRange(lo, hi)
        y.applyNiceNumbers()
        self.cut_shown = any(
            e.low is not None and e.high is not None and (e.low < y.min() or e.high > y.max())
            for s in self._series
            for e in s.values
        )
        y.setTitleText(y_title)
        y.setTitleFont(QFont(self.font().family(), 8))
        y.setLabelsFont(QFont(self.font().family(), 8))
        y.setLabelFormat("%.0f" if max(abs(lo), abs(hi)) >= 50 else "%.2g")
        self.chart.addAxis(x, Qt.AlignmentFlag.AlignLeft if horizontal else Qt.AlignmentFlag.AlignBottom)
        self.chart.addAxis(y, Qt.AlignmentFlag.AlignBottom if horizontal else Qt.AlignmentFlag.AlignLeft)
        return x, y

    def _finish_note(self, line: bool) -> None:
        parts = []
        if self._band_drawn:
            parts.append(
                "Shaded: 95% confidence intervals." if line else "Lines on bars: 95% confidence intervals."
            )
        if self.few_shown:
            parts.append("Hollow points: fewer than 10 sessions behind the figure." if line else FEW_NOTE)
        if self._band_drawn and self.cut_shown:
            parts.append("The interval of a small sample runs off the chart.")
        parts.append("Hover for the figure and its n.")
        self.note.setText("  ".join(parts))

    def _redraw(self, _scheme: Scheme) -> None:
        """A chart's colours are set when it is drawn: draw it again in the new scheme."""
        if self._drawn is not None:
            self._drawn()

    def show_message(self, title: str, message: str) -> None:
        self._drawn = lambda: self.show_message(title, message)
        self._reset(title)
        self.note.setText(message)

    # -- bars ---------------------------------------------------------------------------------------
    def show_bars(
        self,
        title: str,
        categories: Sequence[str],
        series: Sequence[ChartSeries],
        y_title: str = CHANGE_AXIS_TITLE,
        colours: Sequence[str] = COLOURS,
        y_range: tuple[float, float] | None = None,
        horizontal: bool = False,
    ) -> None:
        """Grouped bars with interval whiskers; ``horizontal`` lays long category names out down the side
        (first category on top; no whiskers)."""
        self._drawn = lambda: self.show_bars(title, categories, series, y_title, colours, y_range, horizontal)
        self._reset(title)
        if horizontal:
            categories = list(reversed(categories))
            series = [
                replace(s, values=tuple(reversed(s.values)), tips=tuple(reversed(s.tips)) if s.tips else None)
                for s in series
            ]
        bars: QBarSeries | QHorizontalBarSeries = QHorizontalBarSeries() if horizontal else QBarSeries()
        for si, s in enumerate(series):
            colour = colours[si % len(colours)]
            bar_set = QBarSet(s.name)
            bar_set.setColor(_visible(colour))
            bar_set.setBorderColor(_visible(colour))
            bar_set.setSelectedColor(_pale(colour))
            for ci, e in enumerate(s.values):
                bar_set.append(e.mean if e.mean is not None else 0.0)
                self._tips[(si, ci)] = s.tip(ci, categories[ci])
                if e.few:
                    bar_set.selectBar(ci)
                    self.few_shown = True
            bars.append(bar_set)
        self._series = series
        bars.setBarWidth(BAR_WIDTH)
        bars.hovered.connect(self._bar_hovered)
        self.chart.addSeries(bars)
        whiskers = [] if horizontal else self._whiskers(series)
        value_range = y_range or _value_range(series, with_ci=bool(whiskers))
        x, y = self._axes(categories, *value_range, y_title, horizontal=horizontal)
        for item in (bars, *whiskers):
            item.attachAxis(x)
            item.attachAxis(y)
        for item in whiskers:
            for marker in self.chart.legend().markers(item):
                marker.setVisible(False)
        self.chart.legend().setVisible(len(series) > 1)  # one series: the title says what it is
        self._finish_note(line=False)

    def _whiskers(self, series: Sequence[ChartSeries]) -> list[QLineSeries]:
        """A thin vertical line over each bar from the interval's low to its high end."""
        out = []
        k = max(1, len(series))
        pen = QPen(QColor(active().text), 1.3)
        for si, s in enumerate(series):
            for ci, e in enumerate(s.values):
                if e.low is None or e.high is None or e.high <= e.low:
                    continue
                x = ci - BAR_WIDTH / 2 + (si + 0.5) * BAR_WIDTH / k
                whisker = QLineSeries()
                whisker.append(QPointF(x, e.low))
                whisker.append(QPointF(x, e.high))
                whisker.setPen(pen)
                self.chart.addSeries(whisker)
                out.append(whisker)
        if out:
            self._band_drawn = True
        return out

    def _bar_hovered(self, status: bool, index: int, bar_set: QBarSet) -> None:
        if not status:
            QToolTip.hideText()
            return
        series = [s for s in self.chart.series() if isinstance(s, QBarSeries | QHorizontalBarSeries)]
        sets = series[0].barSets() if series else []
        si = next((i for i, b in enumerate(sets) if b is bar_set), -1)
        QToolTip.showText(QCursor.pos(), self._tips.get((si, index), ""), self.view)

    def tooltip(self, series_index: int, category_index: int) -> str:
        return self._tips.get((series_index, category_index), "")

    # -- lines --------------------------------------------------------------------------------------
    def show_lines(
        self,
        title: str,
        categories: Sequence[str],
        series: Sequence[ChartSeries],
        y_title: str = CHANGE_AXIS_TITLE,
        *,
        band: bool = True,
    ) -> None:
        self._drawn = lambda: self.show_lines(title, categories, series, y_title, band=band)
        self._reset(title)
        added: list = []
        for si, s in enumerate(series):
            colour = _visible(COLOURS[si % len(COLOURS)])
            dx = (si - (len(series) - 1) / 2) * 0.03  # equal values of two measures stay visible
            line = QLineSeries()
            line.setName(s.name)
            line.setPen(QPen(colour, 2.2))
            line.setPointsVisible(True)
            line.setMarkerSize(7)
            hollow = QScatterSeries()
            hollow.setMarkerSize(10)
            hollow.setColor(QColor(active().surface))
            hollow.setBorderColor(colour)
            hollow.setPen(QPen(colour, 2))
            for ci, e in enumerate(s.values):
                self._tips[(si, ci)] = s.tip(ci, categories[ci])
                if e.mean is None:
                    continue
                line.append(QPointF(ci + dx, e.mean))
                if e.few:
                    hollow.append(QPointF(ci + dx, e.mean))
                    self.few_shown = True
            line.hovered.connect(lambda point, state, si=si: self._line_hovered(si, point, state))
            layers: list = self._bands(s, colour, dx) if band else []  # under the line
            layers.append(line)
            if hollow.count():
                layers.append(hollow)  # over the line's own markers
            for item in layers:
                self.chart.addSeries(item)
                added.append(item)
        self._series = series if band else ()
        x, y = self._axes(categories, *_value_range(series, with_ci=band), y_title)
        for item in added:
            item.attachAxis(x)
            item.attachAxis(y)
            if not isinstance(item, QLineSeries):  # bands and hollow markers stay out of the legend
                for marker in self.chart.legend().markers(item):
                    marker.setVisible(False)
        self.chart.legend().setVisible(True)
        self._finish_note(line=True)

    def _bands(self, s: ChartSeries, colour: QColor, dx: float) -> list[QAreaSeries]:
        """The 95% intervals as shaded areas: one band over each run of neighbouring categories that
        have an interval; a lone interval gets a narrow box, so no interval goes undrawn."""
        runs: list[list[tuple[int, Estimate]]] = [[]]
        for ci, e in enumerate(s.values):
            if e.low is not None and e.high is not None:
                runs[-1].append((ci, e))
            elif runs[-1]:
                runs.append([])
        fill = QColor(colour)
        fill.setAlpha(40)
        areas = []
        for run in (r for r in runs if r):
            upper, lower = QLineSeries(), QLineSeries()
            points = run if len(run) > 1 else [(run[0][0] - 0.07, run[0][1]), (run[0][0] + 0.07, run[0][1])]
            for x, e in points:
                upper.append(QPointF(x + dx, e.high))  # type: ignore[arg-type]
                lower.append(QPointF(x + dx, e.low))  # type: ignore[arg-type]
            area = QAreaSeries(upper, lower)
            upper.setParent(area)
            lower.setParent(area)
            area.setBrush(QBrush(fill))
            area.setPen(QPen(Qt.PenStyle.NoPen) if len(run) > 1 else QPen(colour, 0.8))
            areas.append(area)
            self._band_drawn = True
        return areas

    def _line_hovered(self, series_index: int, point: QPointF, state: bool) -> None:
        if state:
            QToolTip.showText(QCursor.pos(), self._tips.get((series_index, round(point.x())), ""), self.view)
        else:
            QToolTip.hideText()


def _two_lines(label: str, metrics: QFontMetrics) -> tuple[str, ...]:
    """``label`` broken at the space that makes its wider line narrowest (itself if it has no space)."""
    words = label.split(" ")
    if len(words) < 2:
        return (label,)
    splits = [(" ".join(words[:i]), " ".join(words[i:])) for i in range(1, len(words))]
    return min(splits, key=lambda two: max(metrics.horizontalAdvance(part) for part in two))
