"""Under the timeline: the selected visit's versions and what each amendment changed.

Shown only for a visit that was amended. Each version has a heading row (which version, when, who signed
it, why), then one row per field it changed (field, before, after). A version opens from its rows (Enter,
double-click or the button), so the nurse can read the record exactly as it was signed.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, Qt, Signal
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
from ..style import active, set_role
from .history_model import local_time


@dataclass(frozen=True)
class VersionChangeRow:
    """One line of the versions table: a version's heading (who, when, why), or one field it changed."""

    version: SessionVersion
    field: str = ""
    before: str = ""
    after: str = ""

    @property
    def is_heading(self) -> bool:
        return not self.field


def heading_text(v: SessionVersion) -> str:
    """'Amendment 1 · 04 Dec 2026 14:05 · Maria López: Dose at one point was mistyped'."""
    draft = "" if v.status == SessionStatus.SIGNED else " (draft, not signed yet)"
    text = f"{v.label}{draft} · {local_time(v.at):%d %b %Y %H:%M} · {v.author}"
    return text + (f": {v.reason}" if v.reason else ", as first signed" if v.number == 0 else "")


def version_rows(versions: list[SessionVersion]) -> list[VersionChangeRow]:
    """Newest version first: its heading, then each field it changed (an amendment that changed no
    field says so)."""
    rows: list[VersionChangeRow] = []
    for v in reversed(versions):
        rows.append(VersionChangeRow(v))
        if v.number and not v.changes:
            rows.append(VersionChangeRow(v, "No field changed", "", ""))
        rows += [VersionChangeRow(v, c.field, c.before, c.after) for c in v.changes]
    return rows


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

        def field(r: VersionChangeRow) -> str:
            return heading_text(r.version) if r.is_heading else r.field

        heading = {
            "bold": lambda r: r.is_heading,
            "background": lambda r: active().header if r.is_heading else None,
        }
        self.model: RowsModel[VersionChangeRow] = RowsModel(
            (
                Column("Version / field", field, tip=lambda r: heading_text(r.version), **heading),
                Column("Before", lambda r: r.before, tip=lambda r: r.before or None, **heading),
                Column("After", lambda r: r.after, tip=lambda r: r.after or None, **heading),
            ),
            parent=self,
        )
        self.model.modelReset.connect(self._span_headings)
        self.table = QTableView(self)
        self.table.setObjectName("visit_versions_table")
        self.table.setAccessibleName("Versions of this visit and what each amendment changed")
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)  # the tooltip has the whole text
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.table.setMinimumHeight(72)  # the header and two rows; more scroll
        self.table.setMaximumHeight(160)
        layout.addWidget(self.table)

    def _connect_signals(self) -> None:
        self.open_button.clicked.connect(self._open_selected)
        self.table.activated.connect(self._open_row)

    def _span_headings(self) -> None:
        self.table.clearSpans()
        for row in range(self.model.rowCount()):
            if self.model.row(row).is_heading:
                self.table.setSpan(row, 0, 1, self.model.columnCount())

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
        self.table.setColumnWidth(0, max(150, self.table.width() // 4))
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
