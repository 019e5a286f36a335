"""Under the timeline: the selected visit's versions and what each amendment changed.

Shown only for a visit that was amended. One row per changed field (version, field, before, after, who,
why); the original is one row saying so. A version opens from its row (Enter, double-click or the
button), so the nurse can read the record exactly as it was signed.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...domain.enums import SessionStatus
from ...services.app import Services
from ...services.visit_versions import SessionVersion
from ..rows_model import Column, RowsModel
from ..style import set_role
from .history_model import local_time


@dataclass(frozen=True)
class VersionChangeRow:
    """One line of the versions table: a change an amendment made, or the original itself."""

    version: SessionVersion
    field: str
    before: str
    after: str


def version_rows(versions: list[SessionVersion]) -> list[VersionChangeRow]:
    """Newest version first; an amendment that changed nothing in the chart still has its line."""
    rows: list[VersionChangeRow] = []
    for v in reversed(versions):
        if v.number == 0:
            rows.append(VersionChangeRow(v, "As first signed", "", ""))
        elif not v.changes:
            rows.append(VersionChangeRow(v, "No field changed", "", ""))
        else:
            rows += [VersionChangeRow(v, c.field, c.before, c.after) for c in v.changes]
    return rows


def version_text(r: VersionChangeRow) -> str:
    return r.version.label + ("" if r.version.status == SessionStatus.SIGNED else " (draft)")


class VisitVersionsPanel(QWidget):
    sig_open_session_requested = Signal(int)

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self.setObjectName("visit_versions")
        self._build_ui()
        self._connect_signals()
        self.hide()

    def _build_ui(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        top = QHBoxLayout()
        self.title = set_role(QLabel("Versions of this visit", self), "subheading")
        self.title.setObjectName("visit_versions_title")
        self.open_button = QPushButton("Open this version", self)
        self.open_button.setObjectName("open_version_button")
        self.open_button.setAccessibleName("Open the selected version")
        self.open_button.setToolTip("Open the selected version as it was signed (Enter in the table)")
        top.addWidget(self.title)
        top.addStretch(1)
        top.addWidget(self.open_button)
        layout.addLayout(top)

        def when(r: VersionChangeRow) -> str:
            return f"{local_time(r.version.at):%Y-%m-%d %H:%M}"  # as the session cards show times

        self.model: RowsModel[VersionChangeRow] = RowsModel(
            (
                Column("Version", version_text),
                Column("Field", lambda r: r.field),
                Column("Before", lambda r: r.before, tip=lambda r: r.before or None),
                Column("After", lambda r: r.after, tip=lambda r: r.after or None),
                Column("Who", lambda r: f"{r.version.author}, {when(r)}"),
                Column("Why", lambda r: r.version.reason, tip=lambda r: r.version.reason or None),
            ),
            parent=self,
        )
        self.table = QTableView(self)
        self.table.setObjectName("visit_versions_table")
        self.table.setAccessibleName("Versions of this visit and what each amendment changed")
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.table.setMinimumHeight(110)
        self.table.setMaximumHeight(170)
        layout.addWidget(self.table)

    def _connect_signals(self) -> None:
        self.open_button.clicked.connect(self._open_selected)
        self.table.activated.connect(self._open_row)

    def show_visit(self, session_id: int | None, versions_known: int = 0) -> None:
        """Show the versions of the visit ``session_id`` belongs to; hidden for a visit never amended
        (``versions_known``: how many versions the timeline already knows it has)."""
        if session_id is None or versions_known < 2:
            self.model.set_rows(())
            self.hide()
            return
        versions = self._services.records.visit_versions(session_id)
        amendments = len(versions) - 1
        self.title.setText(
            f"Versions of this visit: the original and {amendments} amendment{'s' * (amendments != 1)}"
        )
        self.model.set_rows(version_rows(versions))
        widths = (110, 150, 190, 230, 190)
        for column, width in enumerate(widths):
            self.table.setColumnWidth(column, width)
        if self.model.rowCount():
            self.table.selectRow(0)
        self.show()

    def selected_version(self) -> SessionVersion | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row(rows[0].row()).version if rows else None

    def _open_selected(self) -> None:
        version = self.selected_version()
        if version is not None:
            self.sig_open_session_requested.emit(version.session_id)

    def _open_row(self, index: QModelIndex) -> None:
        if index.isValid():
            self.sig_open_session_requested.emit(self.model.row(index.row()).version.session_id)
