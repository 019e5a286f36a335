"""The safety, product use, follow-up gaps and lot recall pages of the reports screen."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, QStringListModel, Qt, Signal
from PySide6.QtWidgets import (
    QCompleter,
    QGridLayout,
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
    FollowUpGaps,
    LotUse,
    ProductUseReport,
    RecallReport,
    ReportFilters,
    SafetyReport,
    WasteRow,
)
from ...services.reports import ReportRequest, definition
from ...services.reports.behind import RowKey
from ..date_format import date_text, wall_clock_text
from .charts import ChartSeries, ReportChart
from .columns import (
    GAP_COLUMNS,
    KIND_COLUMNS,
    LOT_COLUMNS,
    PRODUCT_COLUMNS,
    RECALL_COLUMNS,
    WASTE_COLUMNS,
    group_columns,
)
from .drill_down import drill_from
from .page_parts import ReportPage, ReportTable, caption, muted, stack

#: Totals are counts, not samples: they are never flagged 'few'.
COUNTED = 10**9


def _count(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _grid(page: QWidget) -> QGridLayout:
    grid = QGridLayout(page)
    grid.setContentsMargins(8, 8, 8, 8)
    grid.setSpacing(10)
    return grid


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
        grid = _grid(self)
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


class _Paged:
    """A page's rows to list: the report's first page, more on request, the first page again when the
    filters change (a big clinic's lots and follow-up gaps run to tens of thousands: the CSV export writes
    every one, the screen lists a page)."""

    def __init__(self, page_size: int) -> None:
        self.page_size = page_size
        self.limit = page_size
        self._filters: ReportFilters | None = None

    def request(self, filters: ReportFilters) -> ReportRequest:
        if filters != self._filters:
            self._filters, self.limit = filters, self.page_size
        return ReportRequest(filters, limit=self.limit)

    def more(self) -> None:
        self.limit += self.page_size


def _more_button(text: str, name: str, tip: str, parent: QWidget) -> QPushButton:
    b = QPushButton(text, parent)
    b.setObjectName(name)
    b.setAccessibleName(text)
    b.setToolTip(tip)
    b.hide()
    return b


def _lot_behind(row: LotUse | WasteRow, _column: int) -> tuple[str, RowKey] | None:
    """A lot's sessions (an 'other lots' row stands for many lots: nothing to list)."""
    return None if row.other_lots else (f"lot {row.lot_number}", RowKey(lot_number=row.lot_number))


class ProductUsePage(ReportPage):
    """Units and vials per product and lot; units wasted in expired or timed-out vials. Each product lists
    its first lots (by units drawn; wasted lots by units wasted) and one row for the rest."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("product_use_page")
        self.paged = _Paged(definition("product-use").page_size or 20)
        self.headline = muted("", self, "product_use_headline")
        self.products = ReportTable("product_table", "Units and vials per product", PRODUCT_COLUMNS, self)
        self.lots = ReportTable("lot_table", "Units and vials per lot", LOT_COLUMNS, self)
        self.waste = ReportTable("waste_table", "Wasted units per lot", WASTE_COLUMNS, self)
        self.chart = ReportChart("product_chart", "Chart: units drawn and wasted per product", self)
        self.lots_note = muted("", self, "product_use_lots_note")
        self.more_button = _more_button(
            "Show more lots",
            "product_use_more",
            "List more lots of each product (Export CSV writes every lot)",
            self,
        )
        notes = QHBoxLayout()
        notes.addWidget(self.lots_note, 1)
        notes.addWidget(self.more_button)
        grid = _grid(self)
        grid.addWidget(self.headline, 0, 0, 1, 2)
        grid.addWidget(stack(self, caption("Per product", self), self.products, stretch=(0, 1)), 1, 0)
        grid.addWidget(self.chart, 1, 1)
        grid.addWidget(
            stack(self, caption("Per lot, most units first", self), self.lots, stretch=(0, 1)), 2, 0
        )
        grid.addWidget(
            stack(
                self,
                caption("Wasted: expired or past the in-use window, most first", self),
                self.waste,
                stretch=(0, 1),
            ),
            2,
            1,
        )
        grid.addLayout(notes, 3, 0, 1, 2)
        grid.setRowStretch(1, 1)
        grid.setRowStretch(2, 1)
        drill_from(self, self.products, lambda r, _c: (f"product {r.brand}", RowKey(brand=r.brand)))
        for table in (self.lots, self.waste):
            drill_from(
                self,
                table,
                lambda r, _c: (
                    None if r.other_lots else (f"lot {r.lot_number}", RowKey(lot_number=r.lot_number))
                ),
            )
        self.more_button.clicked.connect(self._show_more)

    def request(self, filters: ReportFilters) -> ReportRequest:
        return self.paged.request(filters)

    def shows(self, result: object) -> bool:
        return isinstance(result, ProductUseReport) and result.limit == self.paged.limit

    def _show_more(self) -> None:
        self.paged.more()
        self.sig_request_changed.emit()

    def show_result(self, r: ProductUseReport) -> None:
        self.headline.setText(
            f"Units are counted per product and never added across products (they are not "
            f"interchangeable). Waste as of {wall_clock_text(r.as_of)}."
        )
        self.products.set_rows(r.products)
        self.lots.set_rows(r.lots)
        self.waste.set_rows(r.waste)
        if r.complete:
            self.lots_note.setText(f"Every lot is listed: {_count(r.lot_count, 'lot')} drawn from.")
        else:
            self.lots_note.setText(
                f"{_count(r.lot_count, 'lot')} drawn from and {_count(r.waste_lot_count, 'lot')} with waste: "
                f"each product lists its {r.limit:,} first, then one row adds up the rest. "
                "Export CSV writes every lot."
            )
        self.more_button.setVisible(not r.complete)
        wasted = {brand: wu for brand, _n, _vu, wu in r.waste_by_product()}
        brands = sorted({t.brand for t in r.products} | set(wasted))
        if not brands:
            self.chart.show_message("Units per product", "No vials used for these filters.")
            return
        drawn = {t.brand: t.units for t in r.products}
        self.chart.show_bars(
            "Units drawn and wasted per product (each product in its own units)",
            brands,
            [
                ChartSeries(
                    "Drawn in sessions",
                    tuple(Estimate(COUNTED, drawn.get(b, 0.0)) for b in brands),
                    tips=tuple(f"{b}: {drawn.get(b, 0.0):,.2f} U drawn" for b in brands),
                ),
                ChartSeries(
                    "Wasted",
                    tuple(Estimate(COUNTED, wasted.get(b, 0.0)) for b in brands),
                    tips=tuple(f"{b}: {wasted.get(b, 0.0):,.2f} U wasted" for b in brands),
                ),
            ],
            y_title="Units (per product)",
            colours=("#0f766e", "#c98a1a"),
        )


class GapsPage(ReportPage):
    """Signed sessions whose review is due or overdue with no follow-up assessment, most overdue first."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("gaps_page")
        self.paged = _Paged(definition("gaps").page_size or 200)
        self.headline = muted("", self, "gaps_headline")
        self.table = ReportTable(
            "gaps_table", "Sessions without a follow-up", GAP_COLUMNS, self, stretch_column=2
        )
        self.shown_note = muted("", self, "gaps_shown_note")
        self.more_button = _more_button(
            "Show more", "gaps_more", "List more sessions (Export CSV writes every one)", self
        )
        notes = QHBoxLayout()
        notes.addWidget(self.shown_note, 1)
        notes.addWidget(self.more_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.headline)
        layout.addWidget(self.table, 1)
        layout.addLayout(notes)
        self.table.setToolTip("Double-click a session, or press Enter, to open the patient and the session")
        self.table.activated.connect(self._open_row)
        self.more_button.clicked.connect(self._show_more)

    def request(self, filters: ReportFilters) -> ReportRequest:
        return self.paged.request(filters)

    def shows(self, result: object) -> bool:
        return isinstance(result, FollowUpGaps) and result.limit == self.paged.limit

    def _show_more(self) -> None:
        self.paged.more()
        self.sig_request_changed.emit()

    def _open_row(self, index: QModelIndex) -> None:
        row = self.table.report_model.row_at(index.row())
        if row is not None:
            self.sig_open_record.emit(row.patient_id, row.session_id)

    def show_result(self, r: FollowUpGaps) -> None:
        self.headline.setText(
            f"{r.due:,} due and {r.overdue:,} overdue as of {date_text(r.as_of)}. "
            f"A review is due {r.review_days} "
            f"days after the session (clinic setting); 'overdue' once {r.grace_days} more days have passed "
            "without a follow-up assessment."
        )
        self.table.set_rows(r.rows)
        if r.complete:
            self.shown_note.setText(f"All {_count(r.total, 'session')} listed, most overdue first.")
        else:
            self.shown_note.setText(
                f"The {len(r.rows):,} most overdue of {_count(r.total, 'session')} listed. "
                "Export CSV writes every one."
            )
        self.more_button.setVisible(not r.complete)


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
            f"Lot {found}: {_count(r.patients, 'patient')}, {_count(len(r.rows), 'session')}, "
            f"{_count(r.vials, 'vial')}. Injector, status and expiry are in the CSV export and the tooltips."
            if r.rows
            else f"No session used lot {r.lot_number} ({_count(r.vials, 'vial')} on record)."
        )
        self.table.set_rows(r.rows)
        self.export_button.setEnabled(bool(r.rows))
