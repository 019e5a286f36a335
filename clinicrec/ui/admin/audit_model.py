"""The audit trail as a lazy table (a page at a time, newest first) and one entry's changes as a table."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor

from ...domain.enums import AuditAction
from ...services.app import Services
from ...services.audit_log import AuditEntryRow, AuditFilters, FieldChange, format_value
from ..date_format import wall_clock_text
from ..style import active

Index = QModelIndex | QPersistentModelIndex
PAGE_SIZE = 200
EntryRole = Qt.ItemDataRole.UserRole + 1
COLUMNS = ("Time", "User", "Action", "Record", "Patient", "Changes")
TIME, USER, ACTION, RECORD, PATIENT, CHANGES = range(len(COLUMNS))
_ALERT_ACTIONS = {AuditAction.SIGN_IN_FAILED.value, AuditAction.DELETE.value, AuditAction.RESTORE.value}


def local_time(entry: AuditEntryRow, *, seconds: bool = False) -> str:
    return wall_clock_text(entry.local_time(), seconds=seconds)


class AuditTableModel(QAbstractTableModel):
    """Entries from ``AuditLogService.search``, pinned to the newest entry when the filters were set.

    Pinning (``AuditFilters.up_to_id``) keeps the pages stable while new entries arrive; ``refresh``
    takes in everything written since. ``set_filters`` raises what the service raises (PermissionDenied).
    """

    sig_total_changed = Signal(int)

    def __init__(self, services: Services, *, page_size: int = PAGE_SIZE, parent: Any = None) -> None:
        super().__init__(parent)
        self._services = services
        self._page_size = page_size
        self._rows: list[AuditEntryRow] = []
        self._total = 0
        self._filters = AuditFilters()

    @property
    def filters(self) -> AuditFilters:
        """The filters in force, pinned: what an export of 'what I see' should use."""
        return self._filters

    @property
    def total(self) -> int:
        return self._total

    def entry_at(self, row: int) -> AuditEntryRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def set_filters(self, filters: AuditFilters) -> None:
        log = self._services.audit_log
        pinned = replace(filters, up_to_id=log.newest_id())
        total = log.count(pinned)
        first = log.search(pinned, 0, min(self._page_size, total)) if total else []
        self.beginResetModel()
        self._filters, self._total, self._rows = pinned, total, first
        self.endResetModel()
        self.sig_total_changed.emit(total)

    def refresh(self) -> None:
        self.set_filters(replace(self._filters, up_to_id=None))

    # -- Qt model API ---------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's own default
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and len(self._rows) < self._total

    def fetchMore(self, parent: Index) -> None:
        if parent.isValid():
            return
        start = len(self._rows)
        more = self._services.audit_log.search(
            self._filters, start, min(self._page_size, self._total - start)
        )
        if not more:
            self._total = start
            self.sig_total_changed.emit(start)
            return
        self.beginInsertRows(QModelIndex(), start, start + len(more) - 1)
        self._rows.extend(more)
        self.endInsertRows()

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                return COLUMNS[section]
            if role == Qt.ItemDataRole.ToolTipRole and section == TIME:
                return "This computer's local time (the entry's details show UTC too)"
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        entry = self._rows[index.row()]
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self.text(entry, column)
        if role == Qt.ItemDataRole.ToolTipRole and column == CHANGES and entry.changes:
            return "\n".join(c.summary() for c in entry.changes)
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == ACTION and entry.action in _ALERT_ACTIONS:
                return QColor(active().danger)
            if column in (TIME, CHANGES):
                return QColor(active().muted)
        if role == EntryRole:
            return entry
        return None

    @staticmethod
    def text(entry: AuditEntryRow, column: int) -> str:
        if column == TIME:
            return local_time(entry)
        if column == USER:
            return entry.user_full_name or entry.username or "—"
        if column == ACTION:
            return entry.action_label
        if column == RECORD:
            return entry.entity_label
        if column == PATIENT:
            return entry.patient_label
        return entry.summary()


class ChangesModel(QAbstractTableModel):
    """One entry's changes in full: field, before, after (long lists one item a line)."""

    HEADERS = ("Field", "Before", "After")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: tuple[FieldChange, ...] = ()

    def set_changes(self, changes: tuple[FieldChange, ...]) -> None:
        self.beginResetModel()
        self._rows = tuple(changes)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self.HEADERS)
        ):
            return self.HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        change = self._rows[index.row()]
        if role in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.AccessibleTextRole,
            Qt.ItemDataRole.ToolTipRole,
        ):
            if index.column() == 0:
                return change.label
            value = change.old if index.column() == 1 else change.new
            return "(hidden)" if value == "***" else format_value(value, full=True)
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == 1 and change.old is None:
            return QColor(active().muted)
        return None
