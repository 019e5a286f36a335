"""The administrator's list screens (products, users): a heading with its buttons, a banner for refusals
and read errors, one table of records, and Add / Edit through the record's dialog. A screen names its
records, how to read them, the permission that changes them and its dialog; it may add buttons and
widgets below the table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, Protocol, TypeVar

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...domain.errors import ClinicRecError, PermissionDenied
from ...services.app import Services
from ...services.base import Change, ChangeEntity
from ...services.permissions import Action
from ..prompts import Prompts
from ..rows_model import RowsModel
from ..style import make_primary
from .forms import banner, header_row, named, refusal


class _Record(Protocol):
    @property
    def id(self) -> int | None: ...


R = TypeVar("R", bound=_Record)


class RecordListScreen(QWidget, Generic[R]):
    """One kind of record, listed with Add and Edit (subclasses set the class attributes below)."""

    sig_saved = Signal(object)  # the record just added or edited

    entity: ChangeEntity
    action: Action  # the permission that adds and edits these records
    noun: str  # "product", "user": the buttons' and names' word
    title: str
    blurb: str

    def __init__(
        self, services: Services, prompts: Prompts, parent: QWidget | None = None, *, bus: Any = None
    ) -> None:
        super().__init__(parent)
        self._services = services
        self._prompts = prompts
        self.setObjectName(f"{self.noun}s_screen")
        self.setWindowTitle(f"{self.title} · ClinicRec")
        self._build_ui()
        self.add_button.clicked.connect(self.add_record)
        self.edit_button.clicked.connect(self.edit_record)
        self.table.doubleClicked.connect(lambda _i: self.edit_record())
        self.table.selectionModel().currentRowChanged.connect(self._on_current_changed)
        if bus is not None:
            bus.sig_changed.connect(self.on_change)
        self.refresh()

    # -- what a screen says ---------------------------------------------------------------------------
    def make_model(self) -> RowsModel[R]:
        raise NotImplementedError

    def load(self) -> Sequence[R]:
        raise NotImplementedError

    def ask(self, record: R | None) -> R | None:
        """Add (``record`` None) or edit a record through its dialog; the saved one, or None."""
        raise NotImplementedError

    def extra_buttons(self) -> list[QPushButton]:
        """Buttons beside Edit and Add (left of them), enabled only with a record selected."""
        return []

    def add_below(self, layout: QVBoxLayout) -> None:
        """Widgets under the table."""

    def current_changed(self, record: R | None) -> None:
        """The selection moved to ``record`` (None: nothing selected)."""

    # -- the screen -----------------------------------------------------------------------------------
    def _build_ui(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 12)
        layout.setSpacing(10)
        top = header_row(self, self.title, self.blurb)
        noun = self.noun
        self.add_button = named(
            make_primary(QPushButton(f"Add {noun}…", self)), f"add_{noun}_button", f"Add a {noun}"
        )
        self.edit_button = named(
            QPushButton("Edit…", self), f"edit_{noun}_button", f"Edit the selected {noun}"
        )
        self._extra = self.extra_buttons()
        for button in (*self._extra, self.edit_button, self.add_button):
            top.addWidget(button, 0, Qt.AlignmentFlag.AlignBottom)
        layout.addLayout(top)
        self.banner = banner(self, f"{noun}s_banner")
        layout.addWidget(self.banner)
        self.model = self.make_model()
        self.table = named(QTableView(self), f"{noun}s_table", self.title)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 12)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        self.add_below(layout)
        self.resize(1280, 800)

    def refresh(self, select_id: int | None = None) -> None:
        current = self.selected()
        selected = select_id if select_id is not None else (current.id if current else None)
        try:
            records = list(self.load())
        except PermissionDenied as e:  # a list only those who manage it may read (the users)
            self.model.set_rows([])
            self.show_banner(refusal(self._services, self.action) or str(e))
            self._on_current_changed()
            return
        except ClinicRecError as e:
            self.show_banner(f"The {self.noun}s could not be read: {e}")
            return
        self.model.set_rows(records)
        rows = [i for i, r in enumerate(records) if r.id == selected] or ([0] if records else [])
        if rows:
            self.table.selectRow(rows[0])
        reason = refusal(self._services, self.action)
        if reason is not None:
            self.show_banner(reason)
        self._on_current_changed()

    def on_change(self, change: Change) -> None:
        if change.entity == self.entity:
            self.refresh()

    def selected(self) -> R | None:
        index = self.table.currentIndex() if hasattr(self, "table") else QModelIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def _on_current_changed(self, *_args: object) -> None:
        allowed = refusal(self._services, self.action) is None
        record = self.selected()
        self.add_button.setEnabled(allowed)
        for button in (self.edit_button, *self._extra):
            button.setEnabled(allowed and record is not None)
        self.current_changed(record)

    def add_record(self) -> None:
        self._saved(self.ask(None))

    def edit_record(self) -> None:
        current = self.selected()
        if current is not None:
            self._saved(self.ask(current))

    def _saved(self, record: R | None) -> None:
        if record is not None:
            self.refresh(select_id=record.id)
            self.sig_saved.emit(record)

    def show_banner(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.show()
