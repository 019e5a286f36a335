"""The one table model (ui/rows_model.py) that every table uses: roles, greying, lazy loading, sorting."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor

from clinicrec.ui.rows_model import FEW_ROLE, FEW_TIP, ROW_ROLE, SORT_ROLE, Column, RowsModel
from clinicrec.ui.style import MUTED


@dataclass(frozen=True)
class Line:
    name: str
    n: int | None
    active: bool = True


COLUMNS: tuple[Column[Line], ...] = (
    Column(
        "Name",
        lambda r: r.name,
        tip=lambda r: f"about {r.name}",
        bold=lambda r: r.name == "Total",
        decoration=lambda r: "#1c5fb8",
    ),
    Column(
        "n",
        lambda r: "—" if r.n is None else str(r.n),
        sort=lambda r: r.n,
        numeric=True,
        few=lambda r: r.n is not None and 0 < r.n < 10,
        tone=lambda r: "#b3261e" if r.n == 0 else None,
        background=lambda r: QColor("#eef2f5") if r.name == "Total" else None,
        header_tip="Sessions",
    ),
)
LINES = [Line("Botox", 12), Line("Xeomin", 3), Line("Old brand", 0, active=False), Line("Total", None)]


def test_cells_show_each_role_as_declared(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = RowsModel(COLUMNS, LINES, is_active=lambda r: r.active)
    qtmodeltester.check(model, force_py=True)
    assert model.rowCount() == 4 and not model.canFetchMore(QModelIndex())
    assert model.headerData(1, Qt.Orientation.Horizontal) == "n"
    assert model.headerData(1, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole) == "Sessions"
    xeomin, old, total = model.index(1, 1), model.index(2, 0), model.index(3, 0)
    assert model.data(xeomin) == "3" and model.data(xeomin, FEW_ROLE) is True
    assert model.data(xeomin, Qt.ItemDataRole.FontRole).italic()
    assert model.data(xeomin, Qt.ItemDataRole.ToolTipRole) == FEW_TIP
    assert model.data(model.index(0, 0), Qt.ItemDataRole.ToolTipRole) == "about Botox"
    assert model.data(old, Qt.ItemDataRole.ForegroundRole).color().name() == MUTED.lower()  # inactive
    assert model.data(model.index(0, 0), Qt.ItemDataRole.ForegroundRole) is None
    assert model.data(model.index(2, 1), Qt.ItemDataRole.ForegroundRole).color().name() == "#b3261e"
    assert model.data(total, Qt.ItemDataRole.FontRole).bold()
    assert model.data(model.index(3, 1), Qt.ItemDataRole.BackgroundRole).color().name() == "#eef2f5"
    assert model.data(total, Qt.ItemDataRole.DecorationRole).name() == "#1c5fb8"
    assert model.data(total, ROW_ROLE) == LINES[3]
    assert model.row(3) == LINES[3] and model.row_at(4) is None and model.rows() == LINES
    right = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    assert model.data(xeomin, Qt.ItemDataRole.TextAlignmentRole) == right


def test_sorting_puts_missing_values_last_both_ways(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = RowsModel(COLUMNS, LINES)
    model.sort(1, Qt.SortOrder.AscendingOrder)
    assert [model.data(model.index(r, 0)) for r in range(4)] == ["Old brand", "Xeomin", "Botox", "Total"]
    assert model.data(model.index(3, 1), SORT_ROLE) == (1, 0)
    model.sort(0, Qt.SortOrder.DescendingOrder)
    assert model.data(model.index(0, 0)) == "Xeomin"
    qtmodeltester.check(model, force_py=True)


def test_a_lazy_model_loads_in_batches_and_resets_on_new_rows(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = RowsModel(COLUMNS, [Line(f"L{i:03}", i) for i in range(250)], batch=100)
    assert model.rowCount() == 100 and model.canFetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    assert model.rowCount() == 200
    qtmodeltester.check(model, force_py=True)
    model.set_rows(LINES)
    assert model.rowCount() == 4 and not model.canFetchMore(QModelIndex())
    model.set_table(COLUMNS[:1], LINES[:2])
    assert model.columnCount() == 1 and model.rowCount() == 2
    qtmodeltester.check(model, force_py=True)
