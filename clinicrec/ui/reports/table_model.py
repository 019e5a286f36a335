"""One table model for every report table: immutable rows, declared columns, lazy loading, sorting.

A column says how to show a row (text, alignment, tooltip), how to sort it and whether the figure is
behind too few sessions; such cells are drawn in a muted italic and say so in their tooltip, so a
'few' figure is visible but not mistaken for a solid one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from ..style import MUTED

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
FEW_ROLE = Qt.ItemDataRole.UserRole + 2
FEW_TIP = "Fewer than 10 sessions behind this figure: shown, but read it with care."
_FEW_BRUSH = QBrush(QColor(MUTED))
_Index = QModelIndex | QPersistentModelIndex
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


@dataclass(frozen=True)
class Column:
    title: str
    text: Callable[[Any], str]
    sort: Callable[[Any], Any] | None = None
    numeric: bool = False
    few: Callable[[Any], bool] | None = None
    tip: Callable[[Any], str] | None = None
    header_tip: str = ""
    tone: Callable[[Any], str | None] | None = None  # a text colour for the cell, e.g. red for 'overdue'


def _sort_value(value: Any) -> tuple[int, Any]:
    """None sorts last whatever the column's type."""
    return (1, 0) if value is None else (0, value)


class RowsModel(QAbstractTableModel):
    """Read-only rows shown through ``columns``; loads ``batch`` rows at a time (``fetchMore``)."""

    def __init__(
        self, columns: Sequence[Column], rows: Sequence[Any] = (), *, batch: int = 200, parent: Any = None
    ) -> None:
        super().__init__(parent)
        self._columns = tuple(columns)
        self._rows: tuple[Any, ...] = tuple(rows)
        self._batch = batch
        self._loaded = min(len(self._rows), batch)

    # -- data in ------------------------------------------------------------------------------------
    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = tuple(rows)
        self._loaded = min(len(self._rows), self._batch)
        self.endResetModel()

    def set_table(self, columns: Sequence[Column], rows: Sequence[Any]) -> None:
        """New columns and rows at once (tables whose columns follow the data, such as time points)."""
        self.beginResetModel()
        self._columns = tuple(columns)
        self._rows = tuple(rows)
        self._loaded = min(len(self._rows), self._batch)
        self.endResetModel()

    @property
    def rows(self) -> tuple[Any, ...]:
        return self._rows

    @property
    def columns(self) -> tuple[Column, ...]:
        return self._columns

    def row_at(self, row: int) -> Any:
        return self._rows[row]

    # -- Qt -----------------------------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt's own default
        return 0 if parent.isValid() else self._loaded

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._columns)

    def canFetchMore(self, parent: _Index = QModelIndex()) -> bool:  # noqa: N802, B008
        return not parent.isValid() and self._loaded < len(self._rows)

    def fetchMore(self, parent: _Index = QModelIndex()) -> None:  # noqa: N802, B008
        if parent.isValid():
            return
        more = min(self._batch, len(self._rows) - self._loaded)
        if more <= 0:
            return
        self.beginInsertRows(QModelIndex(), self._loaded, self._loaded + more - 1)
        self._loaded += more
        self.endInsertRows()

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,  # noqa: N802
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self._columns):
            return None
        col = self._columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return col.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return col.header_tip or None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(_RIGHT if col.numeric else _LEFT)
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= self._loaded or index.column() >= len(self._columns):
            return None
        row, col = self._rows[index.row()], self._columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return col.text(row)
        few = bool(col.few and col.few(row))
        if role == FEW_ROLE:
            return few
        if role == SORT_ROLE:
            return _sort_value(col.sort(row) if col.sort else col.text(row))
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(_RIGHT if col.numeric else _LEFT)
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = col.tip(row) if col.tip else ""
            return "\n".join(t for t in (tip, FEW_TIP if few else "") if t) or None
        if role == Qt.ItemDataRole.ForegroundRole:
            if few:
                return _FEW_BRUSH
            tone = col.tone(row) if col.tone else None
            return QBrush(QColor(tone)) if tone else None
        if role == Qt.ItemDataRole.FontRole and few:
            font = QFont()
            font.setItalic(True)
            return font
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort every row (not only those loaded yet), then start loading from the top again."""
        if not 0 <= column < len(self._columns):
            return
        col = self._columns[column]
        key = (lambda r: _sort_value(col.sort(r))) if col.sort else (lambda r: _sort_value(col.text(r)))
        self.layoutAboutToBeChanged.emit()
        self._rows = tuple(sorted(self._rows, key=key, reverse=order == Qt.SortOrder.DescendingOrder))
        self.layoutChanged.emit()
