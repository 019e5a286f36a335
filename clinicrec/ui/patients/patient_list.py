"""The patient list panel: a search box (search as you type) over a lazily loaded, sortable table."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QModelIndex, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontMetrics, QKeyEvent, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...services.app import Services
from ..changes import ChangeBus
from ..style import set_role
from .patient_list_model import (
    CHART_NUMBER,
    DATE_OF_BIRTH,
    NAME,
    PHONE,
    SCREENING,
    FirstPageAhead,
    PatientListModel,
)

if TYPE_CHECKING:
    from ..worker import Worker

SEARCH_DEBOUNCE_MS = 120
#: The first count waits for the rows' first paint; a list built and never shown counts after this.
FIRST_COUNT_LATEST_MS = 500
#: The least width of the name column, in characters, before the phone column gives way to it.
NAME_LEAST_CHARS = 18


class PatientListPanel(QWidget):
    """Emits ``sig_patient_selected(id | None)`` as the current row changes, ``sig_patient_activated(id)``
    on Enter or double-click, and ``sig_new_patient_requested`` from its button.

    ``worker``: the first page is read on it while the window is built and painted
    (``PatientListModel``); without one (or with the tests' synchronous one) the first page is read here.
    """

    sig_patient_selected = Signal(object)
    sig_patient_activated = Signal(int)
    sig_new_patient_requested = Signal()

    def __init__(
        self,
        services: Services,
        bus: ChangeBus,
        *,
        page_size: int | None = None,
        worker: Worker | None = None,
        first_page: FirstPageAhead | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._services = services
        self._bus = bus
        self.model = (
            PatientListModel(services, page_size=page_size, worker=worker, first_page=first_page, parent=self)
            if page_size
            else PatientListModel(services, worker=worker, first_page=first_page, parent=self)
        )
        self._current_id: int | None = None
        self._rows_painted = False  # the table has painted its rows once (the first count waits for it)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DEBOUNCE_MS)
        self.setObjectName("patient_list_panel")
        self._build_ui()
        self._connect_signals()

    # -- building -------------------------------------------------------------------------------
    def _build_ui(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 4, 8)
        layout.setSpacing(6)

        top = QHBoxLayout()
        title = set_role(QLabel("Patients", self), "subheading")
        self.new_patient_button = QPushButton("New patient…", self)
        self.new_patient_button.setObjectName("new_patient_button")
        self.new_patient_button.setAccessibleName("New patient")
        self.new_patient_button.setToolTip("Add a patient (Ctrl+Shift+N)")
        top.addWidget(title)
        top.addStretch(1)
        top.addWidget(self.new_patient_button)
        layout.addLayout(top)

        self.search_edit = QLineEdit(self)
        self.search_edit.setObjectName("patient_search")
        self.search_edit.setAccessibleName("Search patients")
        self.search_edit.setAccessibleDescription(
            "Name, chart number or date of birth; results update as you type"
        )
        self.search_edit.setPlaceholderText("Search name, chart no. or date of birth  (Ctrl+F)")
        self.search_edit.setClearButtonEnabled(True)
        layout.addWidget(self.search_edit)

        self.count_label = set_role(QLabel(self), "muted")
        self.count_label.setObjectName("patient_count")
        layout.addWidget(self.count_label)

        self.table = QTableView(self)
        self.table.setObjectName("patient_table")
        self.table.setAccessibleName("Patients")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        row_height = self.fontMetrics().height() + 10
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(row_height)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        char = self.fontMetrics().horizontalAdvance("0")
        bold = QFont(self.font())
        bold.setBold(True)
        heading = QFontMetrics(bold)
        for column, chars in ((CHART_NUMBER, 9), (DATE_OF_BIRTH, 10), (PHONE, 14)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            title = str(self.model.headerData(column, Qt.Orientation.Horizontal))
            header.resizeSection(column, max(char * chars + 14, heading.horizontalAdvance(title) + 34))
        header.setSectionResizeMode(SCREENING, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(SCREENING, char * 3 + 8)
        #: Below this the names are cut to a few letters ("An…"): the phone column gives way first.
        self._name_least = char * NAME_LEAST_CHARS
        self._phone_width = header.sectionSize(PHONE)
        header.setSortIndicator(NAME, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)  # calls model.sort(NAME, Ascending): the first load
        layout.addWidget(self.table, 1)
        self.setFocusProxy(self.search_edit)
        self.search_edit.installEventFilter(self)
        self.table.installEventFilter(self)
        self.table.viewport().installEventFilter(self)
        self._after_reload()

    def _fit_columns(self, table_width: int) -> None:
        """Keep the names readable in a narrow list (a small screen, a half-screen window): when the name
        column would be narrower than ``NAME_LEAST_CHARS`` characters, the phone column is hidden (the
        phone is on the patient's chart); it comes back once the list is wide enough for both.

        Called as the table is resized, before it lays its columns out (a section hidden or shown from
        the header's own ``sectionResized`` corrupts the header's sizes)."""
        header = self.table.horizontalHeader()
        bar = self.table.verticalScrollBar()
        width = table_width - 2 * self.table.frameWidth() - (bar.sizeHint().width() if bar.isVisible() else 0)
        others = sum(header.sectionSize(c) for c in (CHART_NUMBER, DATE_OF_BIRTH, SCREENING))
        if header.isSectionHidden(PHONE):
            if width - others - self._phone_width >= self._name_least:
                header.showSection(PHONE)
                header.resizeSection(PHONE, self._phone_width)
        elif width - others - header.sectionSize(PHONE) < self._name_least:
            self._phone_width = header.sectionSize(PHONE)
            header.hideSection(PHONE)

    def _connect_signals(self) -> None:
        self.search_edit.textChanged.connect(lambda _text: self._debounce.start())
        self.search_edit.returnPressed.connect(self._search_now_and_go_to_list)
        self._debounce.timeout.connect(self.search_now)
        self.model.sig_total_changed.connect(self._update_count)
        self.model.sig_reloaded.connect(self._after_reload)
        self.model.sig_load_failed.connect(self._load_failed)
        self.model.modelReset.connect(self._restore_selection)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row_changed)
        self.table.activated.connect(self._on_activated)
        self.table.horizontalHeader().sortIndicatorChanged.connect(self._on_sort_indicator)
        self.new_patient_button.clicked.connect(self.sig_new_patient_requested)
        self._bus.sig_changed.connect(self.model.on_change)

    # -- searching ------------------------------------------------------------------------------
    def focus_search(self) -> None:
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    def search_now(self) -> None:
        """Run the query in the box at once (the debounce timer calls this too)."""
        self._debounce.stop()
        self.model.set_query(self.search_edit.text())

    def _search_now_and_go_to_list(self) -> None:
        self.search_now()
        if self.model.rowCount():
            self.table.setFocus(Qt.FocusReason.OtherFocusReason)
            if not self.table.currentIndex().isValid():
                self.table.setCurrentIndex(self.model.index(0, NAME))

    def _after_reload(self) -> None:
        """Rows first, the count a moment later: counting a broad query must not delay the keystroke.

        The first count waits until the rows have been painted (the main window is built hidden, and a
        count queued at once would run before its first paint: ~60 ms of the start at 100,000 patients,
        more at a million); later ones run as soon as the event loop is free."""
        set_role(self.count_label, "muted")
        if self.model.loading:
            self.count_label.setText("Loading patients…")
            return
        if self.model.total_known:
            self._update_count(self.model.total)
            return
        self.count_label.setText("Counting…")
        if self._rows_painted:
            QTimer.singleShot(0, self.model.count_now)
        else:
            QTimer.singleShot(FIRST_COUNT_LATEST_MS, self.model.count_now)  # a list never shown

    def _load_failed(self, message: str) -> None:
        set_role(self.count_label, "error")
        self.count_label.setText(message)

    def _update_count(self, total: int) -> None:
        query = self.model.query
        if total == 0:
            text = f"No patient matches “{query}”." if query else "No patients yet. Add one with New patient."
        else:
            noun = "patient" if total == 1 else "patients"
            text = f"{total:,} {noun}" + (f" matching “{query}”" if query else "")
        self.count_label.setText(text)

    def _on_sort_indicator(self, column: int, order: Qt.SortOrder) -> None:
        if not self.model.is_sortable(column):
            header = self.table.horizontalHeader()
            header.blockSignals(True)
            header.setSortIndicator(self.model.sort_column, self.model.sort_order)
            header.blockSignals(False)

    # -- selection ------------------------------------------------------------------------------
    @property
    def current_patient_id(self) -> int | None:
        return self._current_id

    def select_patient(self, patient_id: int | None) -> bool:
        """Make ``patient_id`` the current row if it is loaded; True if it is."""
        row = self.model.row_of(patient_id) if patient_id is not None else None
        if row is None:
            self.table.clearSelection()
            self._set_current(patient_id)
            return False
        self.table.setCurrentIndex(self.model.index(row, NAME))
        self.table.scrollTo(self.model.index(row, NAME))
        return True

    def _set_current(self, patient_id: int | None) -> None:
        if patient_id != self._current_id:
            self._current_id = patient_id
            self.sig_patient_selected.emit(patient_id)

    def _on_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self._set_current(self.model.patient_id_at(current.row()))

    def _restore_selection(self) -> None:
        row = self.model.row_of(self._current_id) if self._current_id is not None else None
        if row is not None:  # same patient: _set_current emits nothing, the chart is not reloaded
            self.table.setCurrentIndex(self.model.index(row, NAME))

    def _on_activated(self, index: QModelIndex) -> None:
        patient_id = self.model.patient_id_at(index.row())
        if patient_id is not None:
            self._set_current(patient_id)
            self.sig_patient_activated.emit(patient_id)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and watched is self.table and isinstance(event, QResizeEvent):
            self._fit_columns(event.size().width())
            return False
        if (
            event.type() == QEvent.Type.Paint
            and not self._rows_painted
            and watched is self.table.viewport()
            and not self.model.loading  # the rows' first paint, not the empty list's while they load
        ):
            self._rows_painted = True
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self.model.count_now)  # after this paint (count_now: once, if still due)
            return False
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key = event.key()
            if watched is self.search_edit and key in (Qt.Key.Key_Down, Qt.Key.Key_PageDown):
                self._search_now_and_go_to_list()
                return True
            if watched is self.search_edit and key == Qt.Key.Key_Escape and self.search_edit.text():
                self.search_edit.clear()
                self.search_now()
                return True
            if watched is self.table and key == Qt.Key.Key_Up and self.table.currentIndex().row() <= 0:
                self.search_edit.setFocus(Qt.FocusReason.OtherFocusReason)
                return True
        return super().eventFilter(watched, event)
