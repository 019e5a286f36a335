"""Table models of the import wizard: the preview of patients to create, and the problems found."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from ...domain.models import Patient
from ..date_format import date_text

_Index = QModelIndex | QPersistentModelIndex


class _RowsModel(QAbstractTableModel):
    HEADERS: tuple[str, ...] = ()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[tuple[str, ...]] = []

    def set_rows(self, rows: list[tuple[str, ...]]) -> None:
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        return self._rows[index.row()][index.column()]

    def headerData(  # noqa: N802
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None


class PreviewModel(_RowsModel):
    """The first patients the import would create, as they will be stored."""

    HEADERS = ("Row", "Chart number", "Last name", "First name", "Date of birth", "Sex", "Phone", "Email")

    def set_patients(self, rows: list[tuple[int, Patient]]) -> None:
        self.set_rows(
            [
                (
                    str(row),
                    p.chart_number,
                    p.last_name,
                    p.first_name,
                    f"{date_text(p.date_of_birth)}",
                    p.sex.label,
                    p.phone,
                    p.email,
                )  # fmt: skip
                for row, p in rows
            ]
        )


@dataclass(frozen=True)
class Problem:
    row: int
    line: int
    what: str  # the field, or "possible duplicate"
    detail: str


class ProblemsModel(_RowsModel):
    """Rejected rows (row, line, field, reason) and possible duplicates, in file order."""

    HEADERS = ("Row", "Line", "Field", "Problem")

    def set_problems(self, problems: list[Problem]) -> None:
        self.set_rows([(str(p.row), str(p.line), p.what, p.detail) for p in problems])
