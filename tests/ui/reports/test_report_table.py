"""A report table's columns fit what it shows: measured once for each set of rows (and after a sort), when
in view, not again at every showing of its tab; in between, the user may drag any column wider."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QHeaderView, QTabWidget, QVBoxLayout, QWidget

from clinicrec.ui.reports.page_parts import ReportTable
from clinicrec.ui.rows_model import Column, RowsModel

Row = tuple[str, float, str]
COLUMNS: tuple[Column[Row], ...] = (
    Column("Patient", lambda r: r[0]),
    Column("Units", lambda r: f"{r[1]:.1f} U", sort=lambda r: r[1], numeric=True),
    Column("Lot", lambda r: r[2]),
)
LONG_LOT = "C3709C3-REPLACEMENT-VIAL-LOT"


def _rows(n: int, lot: str = "A1") -> list[Row]:
    return [(f"Patient {i:03d}", float(i), lot) for i in range(n)]


def _settle(qtbot) -> None:  # type: ignore[no-untyped-def]
    for _ in range(3):
        QCoreApplication.processEvents()
        qtbot.wait(10)


def _tabs(qtbot) -> tuple[QTabWidget, QWidget, QWidget, ReportTable]:  # type: ignore[no-untyped-def]
    tabs = QTabWidget()
    qtbot.addWidget(tabs)
    page, other = QWidget(), QWidget()
    table = ReportTable("lots", "Lots", COLUMNS, page, stretch_column=0)
    QVBoxLayout(page).addWidget(table)
    tabs.addTab(page, "Lots")
    tabs.addTab(other, "Other")
    tabs.resize(900, 260)  # a few rows in view: measuring reads many more rows than painting does
    tabs.show()
    qtbot.waitExposed(tabs)
    return tabs, page, other, table


def _fits(table: ReportTable, column: int, text: str) -> bool:
    return table.horizontalHeader().sectionSize(column) >= table.fontMetrics().horizontalAdvance(text)


def test_columns_fit_their_rows_and_the_user_may_resize_them(qtbot) -> None:  # type: ignore[no-untyped-def]
    _tabs_widget, _page, _other, table = _tabs(qtbot)
    table.set_rows(_rows(200, LONG_LOT))
    _settle(qtbot)
    header = table.horizontalHeader()
    assert _fits(table, 2, LONG_LOT) and _fits(table, 1, "199.0 U")
    assert header.sectionResizeMode(0) == QHeaderView.ResizeMode.Stretch  # the name takes the spare width
    assert header.sectionResizeMode(2) == QHeaderView.ResizeMode.Interactive
    assert sum(header.sectionSize(c) for c in range(3)) == table.viewport().width()  # no gap at the right
    header.resizeSection(2, 40)  # dragged narrower by the user: kept until the next rows
    _settle(qtbot)
    assert header.sectionSize(2) == 40
    table.set_rows(_rows(5, LONG_LOT))  # the next result: measured again
    assert _fits(table, 2, LONG_LOT)


def test_showing_the_tab_again_does_not_measure_the_rows_again(  # type: ignore[no-untyped-def]
    qtbot, monkeypatch
) -> None:
    """Sized to its contents by its header, the table measured its first rows (every cell, a dozen
    roles each: ~2,000 reads of the model) at each showing of its tab and each relayout, some 30-90 ms of
    the GUI thread on the reports screen; painting the rows in view reads a few hundred."""
    reads: list[int] = []
    real = RowsModel.data

    def counted(self: Any, index: Any, role: Any = Qt.ItemDataRole.DisplayRole) -> Any:
        reads.append(role)
        return real(self, index, role)

    monkeypatch.setattr(RowsModel, "data", counted)  # (before the model is made: Qt finds it then)
    tabs, page, other, table = _tabs(qtbot)
    table.set_rows(_rows(200, LONG_LOT))
    _settle(qtbot)
    assert reads  # (Qt calls the counted method: the rows measured once, and painted)
    reads.clear()
    for _ in range(3):
        tabs.setCurrentWidget(other)
        _settle(qtbot)
        tabs.setCurrentWidget(page)
        _settle(qtbot)
    assert 0 < len(reads) < 3 * 600, f"{len(reads)} reads of the model for three showings of the tab"
    assert _fits(table, 2, LONG_LOT)


def test_rows_set_out_of_sight_are_measured_when_shown_and_again_after_a_sort(qtbot) -> None:  # type: ignore[no-untyped-def]
    tabs, page, other, table = _tabs(qtbot)
    tabs.setCurrentWidget(other)
    _settle(qtbot)
    # the long lot only beyond the rows measured: in view only once sorted by lot, descending
    rows = _rows(150) + [("Patient zz", 1.0, "Z" + LONG_LOT)]
    table.set_rows(rows)
    tabs.setCurrentWidget(page)
    _settle(qtbot)
    assert _fits(table, 2, "A1") and not _fits(table, 2, "Z" + LONG_LOT)
    header = table.horizontalHeader()
    assert sum(header.sectionSize(c) for c in range(3)) == table.viewport().width()  # the name stretched
    table.sortByColumn(2, Qt.SortOrder.DescendingOrder)
    _settle(qtbot)
    assert table.report_model.row(0)[2] == "Z" + LONG_LOT
    assert _fits(table, 2, "Z" + LONG_LOT)
