"""Table models for the short admin lists (users, products): immutable rows, one reset per reload."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from ...domain.models import Product, User
from ..style import MUTED

Index = QModelIndex | QPersistentModelIndex
R = TypeVar("R")
RowRole = Qt.ItemDataRole.UserRole + 1


@dataclass(frozen=True)
class Column(Generic[R]):
    header: str
    text: Callable[[R], str]
    align_right: bool = False
    tip: str = ""


class RecordTableModel(QAbstractTableModel, Generic[R]):
    """Rows of one record type shown through ``columns``; inactive records are greyed."""

    def __init__(
        self,
        columns: Sequence[Column[R]],
        is_active: Callable[[R], bool] = lambda _r: True,
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self._columns = tuple(columns)
        self._is_active = is_active
        self._rows: list[R] = []

    def set_rows(self, rows: Sequence[R]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> R | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rows(self) -> list[R]:
        return list(self._rows)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's own default
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self._columns):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._columns[section].header
        if role == Qt.ItemDataRole.ToolTipRole and self._columns[section].tip:
            return self._columns[section].tip
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = self._columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return column.text(row)
        if role == Qt.ItemDataRole.TextAlignmentRole and column.align_right:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if role == Qt.ItemDataRole.ForegroundRole and not self._is_active(row):
            return QColor(MUTED)
        if role == RowRole:
            return row
        return None


# -- users ---------------------------------------------------------------------------------------------
USER_COLUMNS: tuple[Column[User], ...] = (
    Column("Name", lambda u: u.full_name),
    Column("User name", lambda u: u.username),
    Column("Role", lambda u: u.role.label),
    Column("Credentials", lambda u: u.credentials),
    Column("Status", lambda u: "Active" if u.active else "Inactive (cannot sign in)"),
)


def users_model(parent: Any = None) -> RecordTableModel[User]:
    return RecordTableModel(USER_COLUMNS, lambda u: u.active, parent)


# -- products ------------------------------------------------------------------------------------------
def _max_dose(p: Product) -> str:
    if p.max_dose_units is None:
        return "—"
    period = f"per {p.max_dose_period_days} days" if p.max_dose_period_days else "per session"
    return f"{p.max_dose_units:g} U {period}"


PRODUCT_COLUMNS: tuple[Column[Product], ...] = (
    Column("Brand", lambda p: p.brand),
    Column("Generic name", lambda p: p.generic_name),
    Column("Vial sizes", lambda p: ", ".join(f"{s:g} U" for s in p.vial_sizes)),
    Column(
        "In-use window",
        lambda p: f"{p.in_use_hours} h",
        tip="How long after reconstitution a vial may be used",
    ),
    Column("Maximum dose", _max_dose, tip="Above this a warning must be acknowledged before signing"),
    Column(
        "Ready to use",
        lambda p: f"{p.ready_to_use_units_per_ml:g} U/mL" if p.ready_to_use_units_per_ml else "—",
        tip="Supplied as a solution (no reconstitution)",
    ),
    Column("Status", lambda p: "Active" if p.active else "Inactive"),
)


def products_model(parent: Any = None) -> RecordTableModel[Product]:
    return RecordTableModel(PRODUCT_COLUMNS, lambda p: p.active, parent)
