"""The safety and lot recall pages of the reports screen (product use and follow-up gaps: ``list_pages``)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, QStringListModel, Qt, Signal
from PySide6.QtWidgets import (
    QCompleter,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...domain.report_stats import Estimate, fmt_rate
from ...domain.report_types import (
    BreakdownBy,
    RecallReport,
    ReportFilters,
    SafetyReport,
)
from ...services.reports import ReportRequest
from ...services.reports.behind import RowKey
from .charts import ChartSeries, ReportChart
from .columns import (
    KIND_COLUMNS,
    RECALL_COLUMNS,
    group_columns,
)
from .drill_down import drill_from
from .page_parts import ReportPage, ReportTable, caption, grid_layout, muted, plural, stack


class SafetyPage(ReportPage):
    """Adverse events by kind, with their rate per 100 signed sessions, and by product and injector."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("safety_page")
        self.headline = muted("", self, "safety_headline")
        self.kinds = ReportTable("safety_kinds_table", "Adverse events by kind", KIND_COLUMNS, self)
        self.by_product = ReportTable(
            "safety_product_table", "Adverse events by product", group_columns("Product"), self
        )
        self.by_injector = ReportTable(
            "safety_injector_table", "Adverse events by injector", group_columns("Injector"), self
        )
        self.chart = ReportChart("safety_chart", "Chart: adverse events per 100 sessions by kind", self)
        grid = grid_layout(self)
        grid.addWidget(self.headline, 0, 0, 1, 2)
        grid.addWidget(stack(self, caption("By kind", self), self.kinds, stretch=(0, 1)), 1, 0)
        grid.addWidget(self.chart, 1, 1)
        grid.addWidget(stack(self, caption("By product", self), self.by_product, stretch=(0, 1)), 2, 0)
        grid.addWidget(stack(self, caption("By injector", self), self.by_injector, stretch=(0, 1)), 2, 1)
        drill_from(
            self, self.kinds, lambda r, _c: (f"adverse events: {r.kind.label}", RowKey(event_kind=r.kind))
        )
        for table, by in ((self.by_product, BreakdownBy.PRODUCT), (self.by_injector, BreakdownBy.INJECTOR)):
            drill_from(
                self, table, lambda r, _c, by=by: (f"{by.label.lower()} {r.label}", RowKey(by=by, key=r.key))
            )
        grid.setRowStretch(1, 3)
        grid.setRowStretch(2, 2)

    def show_result(self, r: SafetyReport) -> None:
        self.headline.setText(
            f"{r.events:,} adverse events in {r.sessions:,} signed sessions: "
            f"{fmt_rate(r.rate)} per 100 sessions. Events are counted on the session they "
            "followed; a rate is events per 100 signed sessions."
        )
        self.kinds.set_rows(r.by_kind)
        self.by_product.set_rows(r.by_product)
        self.by_injector.set_rows(r.by_injector)
        if not r.by_kind:
            self.chart.show_message("Adverse events per 100 sessions", "No adverse events for these filters.")
            return
        kinds = r.by_kind
        self.chart.show_bars(
            "Adverse events per 100 sessions, by kind",
            [k.kind.label for k in kinds],
            [
                ChartSeries(
                    "Per 100 sessions",
                    tuple(Estimate(r.sessions, k.rate) for k in kinds),
                    tips=tuple(
                        f"{k.kind.label}: {k.events:,} events in {r.sessions:,} "
                        f"sessions = {fmt_rate(k.rate)} per 100"
                        for k in kinds
                    ),
                )
            ],
            y_title="Events per 100 sessions",
            colours=("#b3261e",),
            horizontal=True,
        )


class RecallPage(ReportPage):
    """Lot recall: every patient and session that received a lot, with contact details."""

    sig_lookup_requested = Signal(str)  # the lot asked for

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("recall_page")
        self.lot = QLineEdit(self)
        self.lot.setObjectName("recall_lot")
        self.lot.setAccessibleName("Lot number")
        self.lot.setPlaceholderText("Lot number or part of it, e.g. 1234ab")
        self.lot.setToolTip("Any part of the lot number, capitals or not; the lots on record are suggested")
        self.lot.setClearButtonEnabled(True)
        self.suggestions = QStringListModel(self)
        completer = QCompleter(self.suggestions, self.lot)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.lot.setCompleter(completer)
        self.find_button = QPushButton("Find patients", self)
        self.find_button.setObjectName("recall_find")
        self.find_button.setAccessibleName("Find patients who received the lot")
        self.find_button.setProperty("primary", True)
        self.export_button = QPushButton("Export list (CSV)…", self)
        self.export_button.setObjectName("recall_export")
        self.export_button.setAccessibleName("Export the recall list as CSV")
        self.export_button.setEnabled(False)
        self.headline = muted(
            "Enter a lot number: every patient and session that received it is listed, "
            "whatever the filters above.",
            self,
            "recall_headline",
        )
        self.table = ReportTable(
            "recall_table",
            "Patients and sessions that received the lot",
            RECALL_COLUMNS,
            self,
            stretch_column=5,
        )
        top = QHBoxLayout()
        label = QLabel("Lot", self)
        label.setBuddy(self.lot)
        top.addWidget(label)
        top.addWidget(self.lot, 1)
        top.addWidget(self.find_button)
        top.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(top)
        layout.addWidget(self.headline)
        layout.addWidget(self.table, 1)
        self.table.setToolTip("Double-click or press Enter on a row to open the patient and that session")
        self.find_button.clicked.connect(self._lookup)
        self.lot.returnPressed.connect(self._lookup)
        self.export_button.clicked.connect(self.sig_export_requested)
        self.table.activated.connect(self._open_row)

    def set_lot_suggestions(self, lots: Sequence[str]) -> None:
        self.suggestions.setStringList(list(lots))

    def _open_row(self, index: QModelIndex) -> None:
        row = self.table.report_model.row_at(index.row())
        if row is not None:
            self.sig_open_record.emit(row.patient_id, row.session_id)

    def _lookup(self) -> None:
        if self.lot.text().strip():
            self.sig_lookup_requested.emit(self.lot.text().strip())
            self.sig_compute_requested.emit()

    def request(self, filters: ReportFilters) -> ReportRequest:
        return ReportRequest(filters, lot=self.lot.text().strip())

    def show_result(self, r: RecallReport) -> None:
        found = ", ".join(r.lots) or r.lot_number
        self.headline.setText(
            f"Lot {found}: {plural(r.patients, 'patient')}, {plural(len(r.rows), 'session')}, "
            f"{plural(r.vials, 'vial')}. Injector, status and expiry are in the CSV export and the tooltips."
            if r.rows
            else f"No session used lot {r.lot_number} ({plural(r.vials, 'vial')} on record)."
        )
        self.table.set_rows(r.rows)
        self.export_button.setEnabled(bool(r.rows))
