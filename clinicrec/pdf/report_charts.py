"""Charts for the meeting report, drawn with reportlab.graphics (vector, no Qt).

Grouped bars (breakdowns) and lines (trends), each value with its 95% interval as a whisker. Figures
behind fewer than ten sessions are drawn pale (bars) or hollow (points) and the legend says so, so
they are shown but not overstated. Values with no sessions are simply absent.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.graphics.shapes import Circle, Drawing, Group, Line, PolyLine, Rect, String
from reportlab.lib import colors

from ..domain.report_stats import CHANGE_AXIS_TITLE
from .common import FONT, INK, MUTED, RULE

#: Pores, oil, redness (colour-blind friendly: blue, orange, bluish green).
SERIES_COLOURS = (
    colors.HexColor("#0072B2"),
    colors.HexColor("#D55E00"),
    colors.HexColor("#009E73"),
    colors.HexColor("#CC79A7"),
)


#: Widest bar (points): one or two groups would otherwise fill the page with colour.
MAX_BAR = 42.0


@dataclass(frozen=True)
class Point:
    """One plotted figure: value with its interval; ``few`` draws it pale or hollow (and labels its n)."""

    value: float | None
    low: float | None = None
    high: float | None = None
    few: bool = False
    n: int | None = None


@dataclass(frozen=True)
class Series:
    name: str
    points: tuple[Point, ...]


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering [lo, hi] (always including 0 when the range crosses it)."""
    if math.isclose(lo, hi):
        lo, hi = lo - 1, hi + 1
    raw = (hi - lo) / max(1, count)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.floor(lo / step) * step
    ticks = []
    v = start
    while v <= hi + step * 0.5:
        ticks.append(round(v, 10))
        v += step
        if ticks[-1] >= hi:
            break
    return ticks


def _range(series: Sequence[Series], floor_zero: bool) -> tuple[float, float]:
    """The values to show: every figure, and the intervals of figures with enough sessions. The wide
    interval of a small sample would flatten every other figure: its whisker is cut at the frame and
    marked there (see ``_Frame.whisker``)."""
    values = [
        v
        for s in series
        for p in s.points
        for v in ((p.value,) if p.few else (p.value, p.low, p.high))
        if v is not None
    ]
    lo, hi = (min(values), max(values)) if values else (-1.0, 1.0)
    if floor_zero:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    pad = (hi - lo) * 0.06  # no figure sits on the frame
    return lo - (pad if lo < 0 else 0), hi + (pad if hi > 0 else 0)


def _pale(c: colors.Color) -> colors.Color:
    return colors.Color(c.red + (1 - c.red) * 0.6, c.green + (1 - c.green) * 0.6, c.blue + (1 - c.blue) * 0.6)


class _Frame:
    """Plot area, value axis with ticks and grid, category labels."""

    def __init__(
        self, d: Drawing, categories: Sequence[str], lo: float, hi: float, y_title: str, legend_rows: int
    ) -> None:
        self.d = d
        self.left, self.right = 40.0, d.width - 8.0
        self.bottom = 26.0 + (8 if any(len(c) > 12 for c in categories) and len(categories) > 6 else 0)
        self.top = d.height - 14.0 - 11.0 * legend_rows
        ticks = nice_ticks(lo, hi)
        self.lo, self.hi = ticks[0], ticks[-1]
        self.n = max(1, len(categories))
        for t in ticks:
            y = self.y(t)
            d.add(
                Line(
                    self.left,
                    y,
                    self.right,
                    y,
                    strokeColor=INK if t == 0 else RULE,
                    strokeWidth=0.8 if t == 0 else 0.4,
                )
            )
            d.add(
                String(
                    self.left - 4,
                    y - 2.5,
                    f"{t:g}".replace("-", "\u2212"),
                    fontName=FONT,
                    fontSize=7,
                    fillColor=MUTED,
                    textAnchor="end",
                )
            )
        title = Group(String(0, 0, y_title, fontName=FONT, fontSize=7, fillColor=MUTED, textAnchor="middle"))
        title.transform = (0, 1, -1, 0, 9, (self.bottom + self.top) / 2)  # turned 90 degrees, up the axis
        d.add(title)
        size = 7 if self.n <= 8 else 6
        for i, label in enumerate(categories):
            text = label if len(label) <= 18 else label[:17] + "…"
            yoff = 12 if (self.n > 6 and i % 2) else 0
            d.add(
                String(
                    self.x(i),
                    self.bottom - 10 - yoff * 0.8,
                    text,
                    fontName=FONT,
                    fontSize=size,
                    fillColor=INK,
                    textAnchor="middle",
                )
            )

    def x(self, i: float) -> float:
        return self.left + (i + 0.5) * (self.right - self.left) / self.n

    def y(self, v: float) -> float:
        return self.bottom + (v - self.lo) / (self.hi - self.lo) * (self.top - self.bottom)

    def whisker(self, x: float, p: Point, colour: colors.Color) -> bool:
        """The interval as a whisker; an end beyond the frame is cut there and drawn as an open arrow
        head instead of a cap. Returns whether an end was cut."""
        if p.low is None or p.high is None:
            return False
        low, high = max(p.low, self.lo), min(p.high, self.hi)
        self.d.add(Line(x, self.y(low), x, self.y(high), strokeColor=colour, strokeWidth=0.7))
        for v, cut, sign in ((low, p.low < self.lo, -1), (high, p.high > self.hi, 1)):
            y = self.y(v)
            if cut:
                self.d.add(
                    PolyLine(
                        [x - 2.2, y - sign * 3, x, y, x + 2.2, y - sign * 3],
                        strokeColor=colour,
                        strokeWidth=0.7,
                    )
                )
            else:
                self.d.add(Line(x - 2, y, x + 2, y, strokeColor=colour, strokeWidth=0.7))
        return p.low < self.lo or p.high > self.hi


def _legend(d: Drawing, series: Sequence[Series], few_note: bool, line: bool, cut_note: bool = False) -> None:
    x, y = 40.0, d.height - 10.0
    for i, s in enumerate(series):
        c = SERIES_COLOURS[i % len(SERIES_COLOURS)]
        if line:
            d.add(Line(x, y + 2.5, x + 12, y + 2.5, strokeColor=c, strokeWidth=1.4))
            d.add(Circle(x + 6, y + 2.5, 2.2, fillColor=c, strokeColor=c))
        else:
            d.add(Rect(x, y, 9, 6, fillColor=c, strokeColor=None))
        d.add(String(x + 15, y, s.name, fontName=FONT, fontSize=7.5, fillColor=INK))
        x += 24 + 4.6 * len(s.name)
    whiskers = "Whiskers: 95% CI" + (" (arrow: goes on beyond the chart)" if cut_note else "")
    d.add(String(x + 6, y, whiskers, fontName=FONT, fontSize=7, fillColor=MUTED))
    if few_note:
        text = ("Hollow points" if line else "Pale bars") + ": fewer than 10 sessions"
        d.add(String(d.width - 8, y, text, fontName=FONT, fontSize=7, fillColor=MUTED, textAnchor="end"))


def bar_chart(
    categories: Sequence[str],
    series: Sequence[Series],
    width: float,
    height: float,
    y_title: str = CHANGE_AXIS_TITLE,
) -> Drawing:
    """Grouped bars, one group per category, one bar per series, with interval whiskers."""
    d = Drawing(width, height)
    lo, hi = _range(series, floor_zero=True)
    frame = _Frame(d, categories, lo, hi, y_title, 1)
    bar = min((frame.right - frame.left) / frame.n * 0.72 / max(1, len(series)), MAX_BAR)
    group = bar * max(1, len(series))
    few_seen = cut_seen = False
    for si, s in enumerate(series):
        c = SERIES_COLOURS[si % len(SERIES_COLOURS)]
        for i, p in enumerate(s.points):
            if p.value is None:
                continue
            few_seen |= p.few
            x0 = frame.x(i) - group / 2 + si * bar
            y0, y1 = frame.y(0 if frame.lo <= 0 <= frame.hi else frame.lo), frame.y(p.value)
            d.add(
                Rect(
                    x0 + 0.5,
                    min(y0, y1),
                    bar - 1,
                    abs(y1 - y0),
                    fillColor=_pale(c) if p.few else c,
                    strokeColor=c if p.few else None,
                    strokeWidth=0.5,
                )
            )
            cut_seen |= frame.whisker(x0 + bar / 2, p, INK)
    _legend(d, series, few_seen, line=False, cut_note=cut_seen)
    return d


def line_chart(
    categories: Sequence[str],
    series: Sequence[Series],
    width: float,
    height: float,
    y_title: str = CHANGE_AXIS_TITLE,
) -> Drawing:
    """One line per series across the categories (time points or months), with interval whiskers."""
    d = Drawing(width, height)
    lo, hi = _range(series, floor_zero=True)
    frame = _Frame(d, categories, lo, hi, y_title, 1)
    few_seen = cut_seen = False
    offset = min(4.0, (frame.right - frame.left) / frame.n / 8)
    for si, s in enumerate(series):
        c = SERIES_COLOURS[si % len(SERIES_COLOURS)]
        dx = (si - (len(series) - 1) / 2) * offset  # keep whiskers of different series apart
        run: list[float] = []
        for i, p in enumerate(s.points):
            if p.value is None:
                if len(run) > 2:
                    d.add(PolyLine(run, strokeColor=c, strokeWidth=1.3))
                run = []
                continue
            run += [frame.x(i) + dx, frame.y(p.value)]
        if len(run) > 2:
            d.add(PolyLine(run, strokeColor=c, strokeWidth=1.3))
        for i, p in enumerate(s.points):
            if p.value is None:
                continue
            few_seen |= p.few
            x = frame.x(i) + dx
            cut_seen |= frame.whisker(x, p, c)
            d.add(
                Circle(
                    x,
                    frame.y(p.value),
                    2.4,
                    fillColor=colors.white if p.few else c,
                    strokeColor=c,
                    strokeWidth=1,
                )
            )
            if p.few and p.n is not None:
                d.add(
                    String(
                        x + 3.5, frame.y(p.value) + 2.5, f"n={p.n}", fontName=FONT, fontSize=5.5, fillColor=c
                    )
                )
    _legend(d, series, few_seen, line=True, cut_note=cut_seen)
    return d
