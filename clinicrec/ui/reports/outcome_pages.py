"""The outcome pages: change from baseline by time point (with GAIS and satisfaction), and breakdowns."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ...domain.enums import Gais
from ...domain.report_stats import Estimate, fmt_share
from ...domain.report_types import MEASURES, Breakdown, BreakdownBy, Outcome, OutcomeSummary, ReportFilters
from ...services.reports import ReportRequest
from ...services.reports.behind import RowKey
from ..rows_model import Column
from .charts import ChartSeries, ReportChart
from .columns import BREAKDOWN_COLUMNS, CHANGE_COLUMNS, change_rows, ci_text, n_text
from .drill_down import drill_from
from .page_parts import ReportPage, ReportTable, caption, muted, side_by_side, stack

#: GAIS colours from 'very much improved' (deep teal) to 'worse' (red).
GAIS_COLOURS = ("#0b5d57", "#2a9d8f", "#8fd0c7", "#b8c0c7", "#c0392b")


@dataclass(frozen=True)
class GaisLine:
    """One row of the transposed GAIS/satisfaction table: a label and one cell per time point."""

    label: str
    cells: tuple[str, ...]
    few: tuple[bool, ...]


def gais_table(outcomes: tuple[Outcome, ...]) -> tuple[list[Column], list[GaisLine]]:
    few = tuple(0 < o.gais.n < 10 for o in outcomes)
    sat_few = tuple(o.satisfaction.few for o in outcomes)
    lines = [GaisLine("Rated (n)", tuple(n_text(o.gais.n) for o in outcomes), few)]
    lines += [
        GaisLine(g.label, tuple(f"{fmt_share(o.gais.share(g))} ({o.gais.count(g):,})" for o in outcomes), few)
        for g in Gais
    ]
    lines.append(
        GaisLine(
            "Satisfaction (1–5)",
            tuple(f"{o.satisfaction.mean:.2f}" if o.satisfaction.mean is not None else "—" for o in outcomes),
            sat_few,
        )
    )
    lines.append(
        GaisLine("  95% CI", tuple(ci_text(o.satisfaction, signed=False) for o in outcomes), sat_few)
    )
    columns = [Column("GAIS / satisfaction", lambda r: r.label, sort=lambda r: 0)]
    for i, o in enumerate(outcomes):
        columns.append(
            Column(
                o.time_point.label,
                lambda r, i=i: r.cells[i],
                sort=lambda r: 0,
                numeric=True,
                few=lambda r, i=i: r.few[i],
            )
        )
    return columns, lines


def _followed_up(o: Outcome) -> tuple[str, RowKey]:
    return f"followed up at {o.time_point.label.lower()}", RowKey(time_point=o.time_point)


class OutcomesPage(ReportPage):
    """Mean change from baseline per measure at each follow-up time point; GAIS and satisfaction."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("outcomes_page")
        self.headline = muted("", self, "outcomes_headline")
        self.change_table = ReportTable(
            "change_table", "Change from baseline by time point", CHANGE_COLUMNS, self
        )
        self.gais_table = ReportTable(
            "gais_table",
            "GAIS and satisfaction by time point",
            [Column("GAIS / satisfaction", lambda r: r.label)],
            self,
        )
        self.gais_table.setSortingEnabled(False)
        self.trend_chart = ReportChart(
            "outcome_trend_chart", "Chart: mean change from baseline by time point", self
        )
        self.gais_chart = ReportChart("gais_chart", "Chart: GAIS ratings by time point", self)
        left = stack(
            self,
            caption("Change from baseline", self),
            self.change_table,
            caption("GAIS and patient satisfaction", self),
            self.gais_table,
            stretch=(0, 5, 0, 4),
        )
        right = stack(self, self.trend_chart, self.gais_chart, stretch=(1, 1))
        self.splitter = side_by_side(self, "outcomes_splitter", left, right, (11, 9))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.headline)
        layout.addWidget(self.splitter, 1)
        self._outcomes: tuple[Outcome, ...] = ()
        drill_from(self, self.change_table, lambda r, _c: _followed_up(r[0]))
        drill_from(
            self,
            self.gais_table,
            lambda _r, c: _followed_up(self._outcomes[c - 1]) if 0 < c <= len(self._outcomes) else None,
        )

    def show_result(self, summary: OutcomeSummary) -> None:
        outcomes = summary.outcomes
        self._outcomes = outcomes
        followed = ", ".join(f"{o.followed_up:,} at {o.time_point.label.lower()}" for o in outcomes)
        self.headline.setText(
            f"{summary.sessions:,} signed sessions in the report"
            + (f"; followed up: {followed}." if followed else "; none followed up yet.")
            + "  Change = follow-up − baseline rating (0–4): negative is better."
        )
        self.change_table.set_rows(change_rows(outcomes))
        columns, lines = gais_table(outcomes)
        self.gais_table.set_rows(lines, columns)
        cats = [o.time_point.label for o in outcomes]
        if not outcomes:
            self.trend_chart.show_message("Mean change from baseline", "No follow-ups for these filters.")
            self.gais_chart.show_message("GAIS", "No follow-ups for these filters.")
            return
        self.trend_chart.show_lines(
            "Mean change from baseline (95% CI)",
            cats,
            [ChartSeries(m.label, tuple(o.measure(m).change for o in outcomes)) for m in MEASURES],
        )
        self.gais_chart.show_bars(
            "GAIS ratings (share of sessions)",
            cats,
            [
                ChartSeries(
                    g.label,
                    tuple(
                        Estimate(o.gais.n, 100 * (o.gais.share(g) or 0.0) if o.gais.n else None)
                        for o in outcomes
                    ),
                    tips=tuple(
                        f"{g.label} · {o.time_point.label}: {fmt_share(o.gais.share(g))} "
                        f"({o.gais.count(g):,} of {o.gais.n:,})"
                        for o in outcomes
                    ),
                )
                for g in Gais
            ],
            y_title="% of sessions",
            colours=GAIS_COLOURS,
            y_range=(0.0, 100.0),
        )


class BreakdownPage(ReportPage):
    """One outcome table and chart per group: product, dilution band, zone, injector or month."""

    sig_dimension_changed = Signal(object)  # BreakdownBy

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("breakdown_page")
        self.by = QComboBox(self)
        self.by.setObjectName("breakdown_by")
        self.by.setAccessibleName("Break down by")
        for b in BreakdownBy:
            self.by.addItem(b.label, b.value)
        self.explain = muted("", self, "breakdown_explain")
        self.chart = ReportChart("breakdown_chart", "Chart: mean change by group", self)
        self.table = ReportTable("breakdown_table", "Outcomes by group", BREAKDOWN_COLUMNS, self)
        top = QHBoxLayout()
        label = QLabel("Break down by", self)
        label.setBuddy(self.by)
        top.addWidget(label)
        top.addWidget(self.by)
        top.addSpacing(12)
        top.addWidget(self.explain, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(8)
        layout.addLayout(top)
        layout.addWidget(self.chart, 5)
        layout.addWidget(self.table, 4)
        self.by.currentIndexChanged.connect(self._dimension_changed)
        self._shown_by = BreakdownBy.PRODUCT
        drill_from(
            self,
            self.table,
            lambda r, _c: (f"{self._shown_by.label.lower()} {r.label}", RowKey(by=self._shown_by, key=r.key)),
        )

    def _dimension_changed(self) -> None:
        self.sig_dimension_changed.emit(self.dimension)
        self.sig_request_changed.emit()

    @property
    def dimension(self) -> BreakdownBy:
        return BreakdownBy(self.by.currentData())

    def request(self, filters: ReportFilters) -> ReportRequest:
        return ReportRequest(filters, by=self.dimension)

    def shows(self, result: Breakdown) -> bool:
        return result.by is self.dimension

    def show_result(self, bd: Breakdown) -> None:
        self._shown_by = bd.by
        self.explain.setText(
            f"Outcomes at {bd.time_point.label.lower()} "
            "(choose another follow-up time point in the filters). "
            + {
                BreakdownBy.ZONE: "A session counts in every zone it treated.",
                BreakdownBy.PRODUCT: "A session counts under every product it used.",
                BreakdownBy.DILUTION: "Band of the session's first vial, in units per 0.1 mL.",
                BreakdownBy.INJECTOR: "",
                BreakdownBy.MONTH: "Month of the session.",
            }[bd.by]
        )
        self.table.set_rows(bd.rows)
        cats = [r.label for r in bd.rows]
        title = f"Mean change from baseline at {bd.time_point.label.lower()}, by {bd.by.label.lower()}"
        if not bd.rows:
            self.chart.show_message(title, "No sessions for these filters.")
            return
        series = [ChartSeries(m.label, tuple(r.outcome.measure(m).change for r in bd.rows)) for m in MEASURES]
        if bd.by is BreakdownBy.MONTH:
            self.chart.show_lines(title + " (95% CI)", cats, series)
        else:
            self.chart.show_bars(title, cats, series)
