"""The product use and follow-up gaps pages of the reports screen: reports that list a page of their rows
(a big clinic has a lot per vial and tens of thousands of follow-up gaps), with 'Show more' and a note of
how many there are; Export CSV writes every row (``services/reports/export.py``)."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from ...domain.report_stats import Estimate
from ...domain.report_types import FollowUpGaps, LotUse, ProductUseReport, ReportFilters, WasteRow
from ...services.reports import ReportRequest, definition
from ...services.reports.behind import RowKey
from ..date_format import date_text, wall_clock_text
from .charts import ChartSeries, ReportChart
from .columns import GAP_COLUMNS, LOT_COLUMNS, PRODUCT_COLUMNS, WASTE_COLUMNS
from .drill_down import drill_from
from .page_parts import COUNTED, ReportPage, ReportTable, caption, grid_layout, muted, plural, stack


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
        grid = grid_layout(self)
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
            self.lots_note.setText(f"Every lot is listed: {plural(r.lot_count, 'lot')} drawn from.")
        else:
            self.lots_note.setText(
                f"{plural(r.lot_count, 'lot')} drawn from and {plural(r.waste_lot_count, 'lot')} with waste: "
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
            self.shown_note.setText(f"All {plural(r.total, 'session')} listed, most overdue first.")
        else:
            self.shown_note.setText(
                f"The {len(r.rows):,} most overdue of {plural(r.total, 'session')} listed. "
                "Export CSV writes every one."
            )
        self.more_button.setVisible(not r.complete)
