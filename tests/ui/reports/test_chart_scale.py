"""The reports screen's charts: the change axis says which way is better, and a small sample's wide
interval does not set the scale (it runs off the chart and the note says so)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from clinicrec.domain.report_stats import CHANGE_AXIS_TITLE, Estimate
from clinicrec.ui.reports.charts import ChartSeries, ReportChart


def _value_axis(chart: ReportChart):  # type: ignore[no-untyped-def]
    return chart.chart.axes(Qt.Orientation.Vertical)[0]


def test_small_sample_interval_does_not_flatten_the_months(qtbot) -> None:  # type: ignore[no-untyped-def]
    chart = ReportChart("t", "test chart")
    qtbot.addWidget(chart)
    months = ["2026-01", "2026-02", "2026-03"]
    pores = ChartSeries(
        "Pores",
        (
            Estimate(40, -0.8, 0.5, -1.0, -0.6),
            Estimate(2, -1.5, 1.0, -10.2, 7.2),  # one month with two follow-ups
            Estimate(35, -0.7, 0.5, -0.9, -0.5),
        ),
    )
    chart.show_lines("By month", months, [pores])
    axis = _value_axis(chart)
    assert axis.titleText() == CHANGE_AXIS_TITLE
    assert axis.min() >= -2.5 and axis.max() <= 0.5
    assert chart.few_shown and chart.cut_shown
    assert "runs off the chart" in chart.note.text()
    chart.show_lines("By month", months, [pores], band=False)
    assert not chart.cut_shown


def test_bars_keep_intervals_of_enough_sessions_whole(qtbot) -> None:  # type: ignore[no-untyped-def]
    chart = ReportChart("t", "test chart")
    qtbot.addWidget(chart)
    oil = ChartSeries("Oil", (Estimate(12, -0.5, 2.0, -2.5, 1.5), Estimate(30, -1.0, 1.0, -1.4, -0.6)))
    chart.show_bars("By product", ["Botox", "Xeomin"], [oil])
    axis = _value_axis(chart)
    assert axis.min() <= -2.5 and axis.max() >= 1.5 and not chart.cut_shown
    assert "better" in axis.titleText()


def _category_labels(chart: ReportChart):  # type: ignore[no-untyped-def]
    axis = chart.chart.axes(Qt.Orientation.Horizontal)[0]
    return axis.categories(), axis.labelsAngle()


def test_long_category_names_are_never_cut_short(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Side by side, Qt Charts cuts a label wider than about two thirds of its category ("Botox Cos...",
    seen on the product use page at 1280x800): a long name is broken over two lines (escaped: a product
    may be called "A&B <new>"), or slanted when a line would still be too wide; short names stay as
    they are."""
    chart = ReportChart("t", "test chart")
    qtbot.addWidget(chart)
    chart.resize(600, 300)

    def oil(n: int) -> list[ChartSeries]:
        return [ChartSeries("Oil", tuple(Estimate(30, -1.0, 1.0, -1.4, -0.6) for _ in range(n)))]

    names = ["Botox Cosmetic", "Daxxify", "A&B <new>", "Letybo", "Xeomin"]
    chart.show_bars("By product", names, oil(5))
    labels, angle = _category_labels(chart)
    assert labels[0] == "Botox<br>Cosmetic" and labels[2] == "A&amp;B<br>&lt;new&gt;" and angle == 0
    assert labels[1] == "Daxxify"
    chart.show_bars("By product", ["Daxxify", "Xeomin"], oil(2))
    assert _category_labels(chart) == (["Daxxify", "Xeomin"], 0)
    long_words = ["Abobotulinumtoxina", "Incobotulinumtoxina", "Onabotulinumtoxina", "Prabotulinumtoxina"]
    chart.show_bars("By product", [*long_words, "Xeomin"], oil(5))
    labels, angle = _category_labels(chart)
    assert labels[:4] == long_words and angle == -40
