"""One table model for every list of records: immutable rows of one type shown through declared columns.

``RowsModel[R]`` holds rows of type ``R`` (frozen dataclasses, tuples); each ``Column[R]`` says what a
cell shows and how (text, alignment, tooltip, colours, bold, an icon colour), how it sorts, and
whether the figure behind it rests on too few sessions (such cells are drawn muted and italic and say
so in their tooltip: visible, not mistaken for a solid figure). Long lists load ``batch`` rows at a
time (``canFetchMore``/``fetchMore``); short ones load whole. Rows that are no longer active (an
inactive user or product) are greyed.

Used by the reports' tables, the admin lists and the charting window's tables; a model that edits its
rows (the charting window's points) subclasses it and uses ``begin…/end…`` around its changes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from .item_roles import ACCESSIBLE as _ACCESSIBLE
from .item_roles import ALIGNMENT as _ALIGNMENT
from .item_roles import BACKGROUND as _BACKGROUND
from .item_roles import DECORATION as _DECORATION
from .item_roles import DISPLAY as _DISPLAY
from .item_roles import FONT as _FONT
from .item_roles import FOREGROUND as _FOREGROUND
from .item_roles import READ_ONLY_CELL
from .item_roles import TOOLTIP as _TOOLTIP
from .style import active

R = TypeVar("R")
Index = QModelIndex | QPersistentModelIndex

SORT_ROLE = Qt.ItemDataRole.UserRole + 1  # the cell's sort key: (0, value), or (1, 0) for no value
FEW_ROLE = Qt.ItemDataRole.UserRole + 2  # True when the figure rests on fewer than 10 sessions
ROW_ROLE = Qt.ItemDataRole.UserRole + 3  # the row object itself
FEW_TIP = "Fewer than 10 sessions behind this figure: shown, but read it with care."
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter

#: Every role a cell answers; any other (size hints, check states, status tips...) is None at once.
_ANSWERED = frozenset(
    {_DISPLAY, _ACCESSIBLE, _ALIGNMENT, _TOOLTIP, _FOREGROUND, _BACKGROUND, _DECORATION, _FONT}
    | {int(SORT_ROLE), int(FEW_ROLE), int(ROW_ROLE)}
)
_LEFT_VALUE, _RIGHT_VALUE = int(_LEFT), int(_RIGHT)


@dataclass(frozen=True)
class Column(Generic[R]):
    """How one column shows a row."""

    title: str
    text: Callable[[R], str]
    sort: Callable[[R], Any] | None = None  # the sort key (default: the text)
    numeric: bool = False  # figures: right-aligned
    few: Callable[[R], bool] | None = None  # the figure rests on too few sessions
    tip: Callable[[R], str | None] | None = None
    header_tip: str = ""
    tone: Callable[[R], str | QColor | None] | None = None  # a text colour, e.g. red for 'overdue'
    background: Callable[[R], str | QColor | None] | None = None
    bold: Callable[[R], bool] | None = None
    decoration: Callable[[R], str | QColor | None] | None = None  # a colour swatch before the text


def _sort_value(value: Any) -> tuple[int, Any]:
    """None sorts last whatever the column's type."""
    return (1, 0) if value is None else (0, value)


def _colour(value: str | QColor) -> QColor:
    return value if isinstance(value, QColor) else QColor(value)


class RowsModel(QAbstractTableModel, Generic[R]):
    """Read-only rows of one type shown through ``columns``.

    ``batch``: load that many rows at a time (lazy, for lists that can be long); None loads all.
    ``is_active``: rows for which it is false are greyed.
    """

    def __init__(
        self,
        columns: Sequence[Column[R]],
        rows: Sequence[R] = (),
        *,
        batch: int | None = None,
        is_active: Callable[[R], bool] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._columns: tuple[Column[R], ...] = tuple(columns)
        self._rows: list[R] = list(rows)
        self._batch = batch
        self._is_active = is_active
        self._loaded = self._first_load()

    def _first_load(self) -> int:
        return len(self._rows) if self._batch is None else min(len(self._rows), self._batch)

    def _shown(self) -> int:
        return len(self._rows) if self._batch is None else self._loaded

    # -- data in and out ------------------------------------------------------------------------------
    def set_rows(self, rows: Sequence[R]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._loaded = self._first_load()
        self.endResetModel()

    def set_table(self, columns: Sequence[Column[R]], rows: Sequence[R]) -> None:
        """New columns and rows at once (tables whose columns follow the data, such as time points)."""
        self.beginResetModel()
        self._columns = tuple(columns)
        self._rows = list(rows)
        self._loaded = self._first_load()
        self.endResetModel()

    @property
    def columns(self) -> tuple[Column[R], ...]:
        return self._columns

    def rows(self) -> list[R]:
        """Every row, loaded into the view yet or not."""
        return list(self._rows)

    def row(self, index: int) -> R:
        return self._rows[index]

    def row_at(self, index: int) -> R | None:
        return self._rows[index] if 0 <= index < len(self._rows) else None

    # -- Qt -------------------------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt's own default
        return 0 if parent.isValid() else self._shown()

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._columns)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: N802, B008
        return not parent.isValid() and self._shown() < len(self._rows)

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: N802, B008
        if parent.isValid() or self._batch is None:
            return
        more = min(self._batch, len(self._rows) - self._loaded)
        if more <= 0:
            return
        self.beginInsertRows(QModelIndex(), self._loaded, self._loaded + more - 1)
        self._loaded += more
        self.endInsertRows()

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
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

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return READ_ONLY_CELL

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in _ANSWERED:
            return None
        r, c = index.row(), index.column()
        if not index.isValid() or not 0 <= r < self._shown() or not 0 <= c < len(self._columns):
            return None
        row, col = self._rows[r], self._columns[c]
        if role in (_DISPLAY, _ACCESSIBLE):
            return col.text(row)
        if role == _ALIGNMENT:
            return _RIGHT_VALUE if col.numeric else _LEFT_VALUE
        if role == ROW_ROLE:
            return row
        few = bool(col.few and col.few(row))
        if role == FEW_ROLE:
            return few
        if role == SORT_ROLE:
            return _sort_value(col.sort(row) if col.sort else col.text(row))
        if role == _TOOLTIP:
            tip = col.tip(row) if col.tip else None
            return "\n".join(t for t in (tip, FEW_TIP if few else "") if t) or None
        if role == _FOREGROUND:
            if few:
                return QBrush(QColor(active().muted))
            tone = col.tone(row) if col.tone else None
            if tone:
                return QBrush(_colour(tone))
            if self._is_active is not None and not self._is_active(row):
                return QBrush(QColor(active().muted))
            return None
        if role == _BACKGROUND:
            background = col.background(row) if col.background else None
            return QBrush(_colour(background)) if background else None
        if role == _DECORATION:
            swatch = col.decoration(row) if col.decoration else None
            return _colour(swatch) if swatch else None
        if role == _FONT and (few or (col.bold and col.bold(row))):
            font = QFont()
            font.setItalic(few)
            font.setBold(bool(col.bold and col.bold(row)))
            return font
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort every row (not only those loaded yet), then start loading from the top again."""
        if not 0 <= column < len(self._columns):
            return
        col = self._columns[column]
        text = col.text
        key = (lambda r: _sort_value(col.sort(r))) if col.sort else (lambda r: _sort_value(text(r)))
        self.layoutAboutToBeChanged.emit()
        self._rows = sorted(self._rows, key=key, reverse=order == Qt.SortOrder.DescendingOrder)
        self.layoutChanged.emit()
