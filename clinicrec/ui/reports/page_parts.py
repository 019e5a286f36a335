"""Small building blocks shared by the report pages: the page base, a table view over a RowsModel,
captions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontMetrics, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...domain.report_types import ReportFilters
from ...services.reports import ReportRequest
from ..rows_model import Column, RowsModel

#: Totals are counts, not samples: they are never flagged 'few'.
COUNTED = 10**9


def plural(n: int, word: str) -> str:
    """``n`` of ``word`` with thousands separators, plural unless one: "1 session", "12,400 sessions"."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def grid_layout(page: QWidget) -> QGridLayout:
    """The grid a report page lays its tables and charts out on."""
    grid = QGridLayout(page)
    grid.setContentsMargins(8, 8, 8, 8)
    grid.setSpacing(10)
    return grid


class ReportPage(QWidget):
    """A page of the reports screen: shows one registered report (``services/reports``).

    The screen asks the page what to compute (``request``: the filters plus the page's own inputs, such
    as a breakdown's groups or a lot number), computes it off the GUI thread, and hands the result to
    ``show_result``. A page with inputs of its own says when they change (``sig_request_changed``);
    a report computed only on request (the recall) asks for it (``sig_compute_requested``).
    """

    sig_request_changed = Signal()  # the page's own inputs changed: compute again if shown
    sig_compute_requested = Signal()  # the user asked for this report (on-request reports)
    sig_export_requested = Signal()  # the page's own export button was pressed
    sig_open_record = Signal(int, object)  # patient id, session id or None: open what a row stands for
    sig_drill_down = Signal(str, object)  # what the row is, its ReportFilters: list the sessions behind it

    def request(self, filters: ReportFilters) -> ReportRequest:
        return ReportRequest(filters)

    def shows(self, result: Any) -> bool:
        """Whether an earlier result still answers the page's request (else it is computed again)."""
        return True

    def show_result(self, result: Any) -> None:
        raise NotImplementedError


def caption(text: str, parent: QWidget, name: str = "") -> QLabel:
    label = QLabel(text, parent)
    label.setProperty("role", "subheading")
    if name:
        label.setObjectName(name)
    return label


def muted(text: str, parent: QWidget, name: str) -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName(name)
    label.setAccessibleName(name.replace("_", " "))
    label.setProperty("role", "muted")
    label.setWordWrap(True)
    return label


#: How many rows a report table's columns are measured from: those in view first (some 25 on a full
#: screen), then the next. Each measured cell asks the model for a dozen roles and the style sheet for
#: its size: at 60 rows, the product use tab's three tables took 40-60 ms of the GUI thread per result.
MEASURED_ROWS = 30


class ReportTable(QTableView):
    """A sortable, read-only table over a ``RowsModel`` whose columns fit their contents.

    The columns are measured (from the rows in view and the next few: ``MEASURED_ROWS``) once for each
    set of rows, and again after a sort, when the table is in view: not at every layout, as a header
    sized to its contents measures them (each showing of the tab, each result: some 30-90 ms of the GUI
    thread for a page of 200 rows, with the screen frozen meanwhile). Between measurements the user
    may widen or narrow any column.
    """

    def __init__(
        self,
        name: str,
        accessible: str,
        columns: Sequence[Column],
        parent: QWidget,
        *,
        batch: int = 200,
        stretch_column: int = 0,
    ) -> None:
        super().__init__(parent)
        self._stretch_column = stretch_column
        self.setObjectName(name)
        self.setAccessibleName(accessible)
        self.report_model = RowsModel(columns, batch=batch, parent=self)
        self.setModel(self.report_model)
        self.setAlternatingRowColors(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSortingEnabled(True)
        self.horizontalHeader().setSortIndicatorShown(False)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(24)
        self.setWordWrap(False)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setStyleSheet("QTableView::item { padding: 0px 7px; }")
        header = self.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setResizeContentsPrecision(MEASURED_ROWS)
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self._fitted = False  # the columns fit the rows now shown
        self.report_model.layoutChanged.connect(self._refit)  # a sort: other rows come first

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._fit_columns()

    def _refit(self) -> None:
        self._fitted = False
        self._fit_columns()

    def _fit_columns(self) -> None:
        """Each column as wide as its header and its widest cell need, of the rows in view and the next
        (``MEASURED_ROWS``), when the table is in view (a table filled out of sight is measured when
        shown). Each column's widest cell is found by its text's width in its font, and only that cell
        is measured by the view (padding, colour swatch, style sheet): the view's own measurement of
        every cell (``resizeColumnsToContents``) took 10-20 ms of the GUI thread a table."""
        if self._fitted or not self.isVisible():
            return
        self._fitted = True
        model, header = self.report_model, self.horizontalHeader()
        plain = self.fontMetrics()
        top = max(0, self.rowAt(0))
        rows = range(top, min(model.rowCount(), top + MEASURED_ROWS))
        grid = 1 if self.showGrid() else 0  # (as the view counts it)
        for column in range(model.columnCount()):
            if column == self._stretch_column:
                continue  # it takes the spare width, whatever it measures
            widest, width = None, -1
            for row in rows:
                index = model.index(row, column)
                font = model.data(index, Qt.ItemDataRole.FontRole)
                metrics = plain if font is None else QFontMetrics(font)
                advance = metrics.horizontalAdvance(model.data(index) or "")
                if advance > width:
                    widest, width = index, advance
            size = header.sectionSizeHint(column)
            if widest is not None:
                size = max(size, self.sizeHintForIndex(widest).width() + grid)
            header.resizeSection(column, size)
        # one text column (the row's name) takes the spare width; figures keep their own width
        if header.count() > self._stretch_column:
            header.setSectionResizeMode(self._stretch_column, QHeaderView.ResizeMode.Stretch)

    def set_rows(self, rows: Sequence[Any], columns: Sequence[Column] | None = None) -> None:
        if columns is None:
            self.report_model.set_rows(rows)
        else:
            self.report_model.set_table(columns, rows)
        self.horizontalHeader().setSortIndicatorShown(False)
        self._refit()


def stack(parent: QWidget, *widgets: QWidget, stretch: Sequence[int] = ()) -> QWidget:
    """Widgets one above the other in a plain container (no margins)."""
    box = QWidget(parent)
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(4)
    for i, w in enumerate(widgets):
        layout.addWidget(w, stretch[i] if i < len(stretch) else 0)
    return box


class _RatioSplitter(QSplitter):
    """A splitter that keeps dividing its width by a ratio until the user drags the handle."""

    def __init__(self, ratio: tuple[int, int], parent: QWidget) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self._ratio = ratio
        self._user_moved = False
        self.splitterMoved.connect(self._moved)

    def _moved(self) -> None:
        self._user_moved = True

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        if not self._user_moved and self.width() > 0:
            a, b = self._ratio
            total = self.width() - self.handleWidth()
            self.setSizes([total * a // (a + b), total * b // (a + b)])


def side_by_side(
    parent: QWidget, name: str, left: QWidget, right: QWidget, ratio: tuple[int, int]
) -> QSplitter:
    """Two columns the user can resize; ``ratio`` sets their first widths."""
    splitter = _RatioSplitter(ratio, parent)
    splitter.setObjectName(name)
    splitter.setChildrenCollapsible(False)
    splitter.addWidget(left)
    splitter.addWidget(right)
    splitter.setStretchFactor(0, ratio[0])
    splitter.setStretchFactor(1, ratio[1])
    return splitter
