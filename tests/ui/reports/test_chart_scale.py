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
