"""The patient list as a lazy table model: one page at a time, however many patients the clinic has."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QColor, QFont

from ...services.app import Services
from ...services.base import Change, ChangeEntity
from ...services.patients import PatientListRow
from ..date_format import date_text
from ..item_roles import ACCESSIBLE as _ACCESSIBLE
from ..item_roles import ALIGNMENT as _ALIGNMENT
from ..item_roles import DISPLAY as _DISPLAY
from ..item_roles import FONT as _FONT
from ..item_roles import FOREGROUND as _FOREGROUND
from ..item_roles import READ_ONLY_CELL
from ..item_roles import TOOLTIP as _TOOLTIP
from ..style import active

if TYPE_CHECKING:
    from ..worker import Worker

Index = QModelIndex | QPersistentModelIndex
_BOLD = QFont()
_BOLD.setBold(True)

#: (sort key understood by PatientService.search, or None when the column cannot be sorted; header)
COLUMNS: tuple[tuple[str | None, str], ...] = (
    ("name", "Name"),
    ("chart_number", "Chart no."),
    ("date_of_birth", "Born"),
    (None, "Phone"),
    (None, "⚠"),
)
NAME, CHART_NUMBER, DATE_OF_BIRTH, PHONE, SCREENING = range(len(COLUMNS))
#: Rows read at a time: a few screens' worth (some 20 rows show at 1280x800, some 70 on a tall screen;
#: the view reads the next page as it is scrolled to the end, or at once when a page does not fill it).
#: A keystroke reads and makes a page, so it costs in proportion to this: 200 rows took some 5 ms more
#: than 80 of a keystroke at 10,000 patients on a 2-core machine.
PAGE_SIZE = 80
SCREENING_HEADER_TIP = "⚠ marks a positive safety screening"

PatientIdRole = Qt.ItemDataRole.UserRole + 1
PatientRowRole = Qt.ItemDataRole.UserRole + 2

_ID, _ROW = int(PatientIdRole), int(PatientRowRole)
_ANSWERED = frozenset((_DISPLAY, _ACCESSIBLE, _ALIGNMENT, _FOREGROUND, _FONT, _TOOLTIP, _ID, _ROW))
_ROW_FLAGS = READ_ONLY_CELL
_NO_FLAGS = Qt.ItemFlag.NoItemFlags
_CENTRE = Qt.AlignmentFlag.AlignCenter


class FirstPageAhead:
    """The patient list's first page as it opens (no search, by name), read on the worker as soon as
    someone has signed in, while the main window is still being made: the list (``PatientListModel``
    given it) takes those rows instead of reading them again. Anything else the list asks for first (a
    search, another order, another page size) is read as usual, and these rows are not used."""

    #: The list as it opens: (query, sort column, descending).
    ORDER = ("", NAME, False)

    def __init__(self, services: Services, worker: Worker, page_size: int = PAGE_SIZE) -> None:
        self.page_size = page_size
        self.taken = False
        self._outcome: tuple[bool, Any] | None = None  # (arrived, rows or error)
        self._taker: tuple[Callable[[list[PatientListRow]], None], Callable[[Exception], None]] | None = None
        query, column, descending = self.ORDER
        search, sort = services.patients.search, COLUMNS[column][0] or "name"
        worker.run(
            lambda: search(query, offset=0, limit=page_size, sort=sort, descending=descending),
            lambda rows: self._deliver((True, rows)),
            lambda e: self._deliver((False, e)),
        )

    def take(
        self,
        page_size: int,
        on_rows: Callable[[list[PatientListRow]], None],
        on_error: Callable[[Exception], None],
    ) -> bool:
        """Have the rows (or the error) handed over: now if they have come, else when they do. False when
        they are not this page (or have been taken)."""
        if self.taken or page_size != self.page_size:
            return False
        self.taken = True
        self._taker = (on_rows, on_error)
        if self._outcome is not None:
            self._deliver(self._outcome)
        return True

    def _deliver(self, outcome: tuple[bool, Any]) -> None:
        self._outcome = outcome
        taker, self._taker = self._taker, None
        if taker is not None:
            arrived, value = outcome
            (taker[0] if arrived else taker[1])(value)


class PatientListModel(QAbstractTableModel):
    """Rows come from ``PatientService.search`` a page at a time; views pull more with ``fetchMore``.

    ``set_query`` and ``sort`` reset the model and load the first page inside the reset, so a view
    shows results at once, without waiting for its own fetch. A short page means the end was reached;
    only a full page leaves the total unknown, and it is counted just after the rows are shown.

    With a ``worker`` (a pool, not the tests' synchronous one) the very first page is read on it instead
    (``loading`` meanwhile): the main window is built and painted while the database answers, and the
    rows are shown when they arrive. Later pages, counts and a keystroke's search stay on this thread (a
    few ms each; the keystroke's rows are shown at once, and a count handed to the pool would compete
    with the next keystroke for Python's lock). A search or sort asked for while the first page is on
    its way wins: the page that arrives late is dropped.
    """

    sig_total_changed = Signal(int)
    sig_reloaded = Signal()
    sig_load_failed = Signal(str)  # the first page could not be read (why)

    def __init__(
        self,
        services: Services,
        *,
        page_size: int = PAGE_SIZE,
        worker: Worker | None = None,
        first_page: FirstPageAhead | None = None,
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self._services = services
        self._page_size = page_size
        self._first_page_ahead = first_page  # its rows, if the first page asked for is theirs
        self._worker = worker if worker is not None and not worker.synchronous else None
        self._generation = 0  # bumped by every reload: a late first page of an earlier one is dropped
        self._loading = False  # the first page is being read on the worker
        self._rows: list[PatientListRow] = []
        self._total: int | None = 0
        self._exhausted = True
        self._query = ""
        self._sort_column = NAME
        self._descending = False
        self._loaded = False

    # -- state ----------------------------------------------------------------------------------
    @property
    def query(self) -> str:
        return self._query

    @property
    def total(self) -> int:
        """How many patients match the query (rows loaded so far may be fewer). Counted when first asked."""
        if self._total is None:
            self._total = self._services.patients.count(self._query)
        return self._total

    @property
    def total_known(self) -> bool:
        return self._total is not None

    @property
    def loading(self) -> bool:
        """The first page is being read on the worker (no rows yet)."""
        return self._loading

    def count_now(self) -> None:
        """Count the matches if not yet known and announce the total (the panel calls this after painting)."""
        if self._total is None and self._loaded and not self._loading:
            self.sig_total_changed.emit(self.total)

    @property
    def sort_column(self) -> int:
        return self._sort_column

    @property
    def sort_order(self) -> Qt.SortOrder:
        return Qt.SortOrder.DescendingOrder if self._descending else Qt.SortOrder.AscendingOrder

    @property
    def page_size(self) -> int:
        return self._page_size

    def patient_id_at(self, row: int) -> int | None:
        return self._rows[row].id if 0 <= row < len(self._rows) else None

    def row_of(self, patient_id: int) -> int | None:
        for i, r in enumerate(self._rows):
            if r.id == patient_id:
                return i
        return None

    # -- loading --------------------------------------------------------------------------------
    def set_query(self, query: str, *, force: bool = False) -> None:
        query = query.strip()
        if query == self._query and self._loaded and not force:
            return
        self._query = query
        self._reload(self._page_size)

    def refresh(self) -> None:
        """Reload after a change, keeping as many rows as were loaded (so the view does not jump)."""
        self._reload(max(self._page_size, len(self._rows)))

    def _reload(self, rows_wanted: int) -> None:
        self._generation += 1
        if not self._loaded and self._worker is not None:
            self._load_first_page(rows_wanted)
            return
        self.beginResetModel()
        try:
            self._loaded = True
            self._loading = False
            self._rows = self._search(0, rows_wanted)
            self._exhausted = len(self._rows) < rows_wanted
            self._total = len(self._rows) if self._exhausted else None
        finally:
            self.endResetModel()
        self.sig_reloaded.emit()
        if self._total is not None:
            self.sig_total_changed.emit(self._total)

    def _load_first_page(self, rows_wanted: int) -> None:
        """The first page on the worker; shown by ``_first_page_arrived`` unless a reload came first."""
        self._loaded = self._loading = True
        generation = self._generation
        arrived = lambda rows: self._first_page_arrived(generation, rows, rows_wanted)  # noqa: E731
        failed = lambda e: self._first_page_failed(generation, e)  # noqa: E731
        ahead, self._first_page_ahead = self._first_page_ahead, None
        as_ahead = (self._query, self._sort_column, self._descending) == FirstPageAhead.ORDER
        if ahead is not None and as_ahead and ahead.take(rows_wanted, arrived, failed):
            return
        search = self._searcher(0, rows_wanted)
        assert self._worker is not None
        self._worker.run(search, arrived, failed)

    def _first_page_arrived(self, generation: int, rows: list[PatientListRow], rows_wanted: int) -> None:
        if not shiboken6.isValid(self) or generation != self._generation:
            return  # the list was closed, or a search or sort has been shown since
        self.beginResetModel()
        try:
            self._loading = False
            self._rows = rows
            self._exhausted = len(rows) < rows_wanted
            self._total = len(rows) if self._exhausted else None
        finally:
            self.endResetModel()
        self.sig_reloaded.emit()
        if self._total is not None:
            self.sig_total_changed.emit(self._total)

    def _first_page_failed(self, generation: int, error: Exception) -> None:
        if not shiboken6.isValid(self) or generation != self._generation:
            return
        self._loading = False
        self._loaded = False  # the next search or sort tries again (on this thread)
        self.sig_load_failed.emit(f"The patient list could not be read: {error}")

    def _search(self, offset: int, limit: int) -> list[PatientListRow]:
        return self._searcher(offset, limit)()

    def _searcher(self, offset: int, limit: int) -> Callable[[], list[PatientListRow]]:
        """The search for these rows with the query and order of now (it may run on another thread)."""
        query, sort_key, descending = self._query, COLUMNS[self._sort_column][0] or "name", self._descending
        search = self._services.patients.search
        return lambda: search(query, offset=offset, limit=limit, sort=sort_key, descending=descending)

    def on_change(self, change: Change) -> None:
        """Change-bus listener: a patient was added or edited somewhere."""
        if change.entity == ChangeEntity.PATIENT and self._loaded:
            self.refresh()

    # -- Qt model API ---------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's own default
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and not self._exhausted and not self._loading

    def fetchMore(self, parent: Index) -> None:
        if parent.isValid() or self._exhausted or self._loading:
            return
        start = len(self._rows)
        more = self._search(start, self._page_size)
        if len(more) < self._page_size:
            self._exhausted = True
            if self._total != start + len(more):
                self._total = start + len(more)
                self.sig_total_changed.emit(self._total)
        if more:
            self.beginInsertRows(QModelIndex(), start, start + len(more) - 1)
            self._rows.extend(more)
            self.endInsertRows()

    def flags(self, index: Index) -> Qt.ItemFlag:
        return _ROW_FLAGS if index.isValid() else _NO_FLAGS

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            if role == Qt.ItemDataRole.DisplayRole:
                return COLUMNS[section][1]
            if role == Qt.ItemDataRole.ToolTipRole:
                return (
                    f"Sort by {COLUMNS[section][1].lower()}" if COLUMNS[section][0] else SCREENING_HEADER_TIP
                )
            if role == Qt.ItemDataRole.AccessibleTextRole and section == SCREENING:
                return "Safety screening"
        return None

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        if role not in _ANSWERED or not index.isValid():
            return None
        r = index.row()
        if not 0 <= r < len(self._rows):
            return None
        row = self._rows[r]
        column = index.column()
        if role == _DISPLAY:
            return self._text(row, column)
        if role == _ACCESSIBLE:
            if column == SCREENING:
                return "Positive safety screening" if row.screening_positive else "Screening negative"
            return self._text(row, column)
        if role == _ALIGNMENT:
            return _CENTRE if column == SCREENING else None
        if role == _ID:
            return row.id
        if role == _ROW:
            return row
        if role == _FOREGROUND:
            return QColor(active().danger) if column == SCREENING and row.screening_positive else None
        if role == _FONT:
            return _BOLD if column == SCREENING and row.screening_positive else None
        if role == _TOOLTIP:
            if row.screening_positive:
                return "Positive safety screening: open the chart to see which answers."
            return None
        return None

    @staticmethod
    def _text(row: PatientListRow, column: int) -> str:
        if column == NAME:
            return row.display_name
        if column == CHART_NUMBER:
            return row.chart_number
        if column == DATE_OF_BIRTH:
            return f"{date_text(row.date_of_birth)}"
        if column == PHONE:
            return row.phone
        return "⚠" if row.screening_positive else ""

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS) or COLUMNS[column][0] is None:
            return  # the service cannot order by this column; keep the current order
        descending = order == Qt.SortOrder.DescendingOrder
        if (column, descending) == (self._sort_column, self._descending) and self._loaded:
            return
        self._sort_column, self._descending = column, descending
        self._reload(self._page_size)

    def is_sortable(self, column: int) -> bool:
        return 0 <= column < len(COLUMNS) and COLUMNS[column][0] is not None
