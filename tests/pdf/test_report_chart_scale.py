"""The meeting report's charts: scaled to the figures (not to a small sample's interval), intervals cut at
the frame are marked, small samples carry their n, and the change axis says which way is better."""

from __future__ import annotations

from reportlab.graphics.shapes import PolyLine, String

from clinicrec.domain.report_stats import CHANGE_AXIS_TITLE
from clinicrec.pdf.report_charts import Point, Series, bar_chart, line_chart


def _texts(drawing) -> list[str]:  # type: ignore[no-untyped-def]
    out = []
    for item in drawing.contents:
        if isinstance(item, String):
            out.append(item.text)
        for sub in getattr(item, "contents", ()):
            if isinstance(sub, String):
                out.append(sub.text)
    return out


def test_by_month_is_scaled_to_the_figures_not_to_a_small_samples_interval() -> None:
    months = ["2026-01", "2026-02", "2026-03", "2026-04"]
    pores = Series(
        "Pores",
        (
            Point(-0.8, -1.0, -0.6, n=40),
            Point(-0.9, -1.1, -0.7, n=38),
            Point(-1.5, -10.2, 7.2, few=True, n=2),  # one month with two follow-ups
            Point(-0.7, -0.9, -0.5, n=35),
        ),
    )
    d = line_chart(months, [pores], 480, 180)
    ticks = [
        float(x.text.replace("\u2212", "-"))
        for x in d.contents
        if isinstance(x, String) and x.textAnchor == "end" and x.x < 40
    ]
    assert min(ticks) >= -2 and max(ticks) <= 0.5  # not ±10: the other months keep their shape
    texts = _texts(d)
    assert "n=2" in texts  # the small-n point is labelled
    assert "Hollow points: fewer than 10 sessions" in texts
    assert any("arrow" in t for t in texts)  # the cut interval is explained
    arrows = [p for p in d.contents if isinstance(p, PolyLine) and len(p.points) == 6]
    assert len(arrows) == 2  # both ends of the wide interval are cut and marked
    assert CHANGE_AXIS_TITLE in texts and "better" in CHANGE_AXIS_TITLE and "worse" in CHANGE_AXIS_TITLE


def test_intervals_of_enough_sessions_are_never_cut() -> None:
    s = Series("Oil", (Point(-0.5, -2.5, 1.5, n=12), Point(-1.0, -1.4, -0.6, n=30)))
    d = bar_chart(["Botox", "Xeomin"], [s], 400, 180)
    assert not [p for p in d.contents if isinstance(p, PolyLine) and len(p.points) == 6]
    assert not any("arrow" in t for t in _texts(d))
