"""The sessions behind a report row: a window listing them; a row opens the patient and that session."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from ...domain.report_types import SessionBehind
from ...services.reports.behind import LIMIT, RowKey
from ..date_format import wall_clock_text
from ..rows_model import Column
from .page_parts import ReportPage, ReportTable

SESSION_COLUMNS: tuple[Column[SessionBehind], ...] = (
    Column(
        "Date",
        lambda r: wall_clock_text(r.performed_at),
        sort=lambda r: r.performed_at,
    ),
    Column("Patient", lambda r: r.patient_name, sort=lambda r: r.patient_name.casefold()),
    Column("Chart no.", lambda r: r.chart_number),
    Column("Injector", lambda r: r.injector),
    Column("Session", lambda r: f"#{r.session_id}", sort=lambda r: r.session_id, numeric=True),
)

#: The hint every drillable table carries.
DRILL_TIP = "Double-click a row, or press Enter, to list the sessions behind it"


def drill_from(
    page: ReportPage, table: ReportTable, key_of: Callable[[Any, int], tuple[str, RowKey] | None]
) -> None:
    """Let ``table``'s rows drill down: ``key_of(row, column)`` says what the row is and which sessions
    it counts (None: nothing behind that cell)."""

    def activated(index: QModelIndex) -> None:
        row = table.report_model.row_at(index.row())
        found = key_of(row, index.column()) if row is not None else None
        if found is not None:
            page.sig_drill_down.emit(*found)

    table.activated.connect(activated)
    table.setToolTip(DRILL_TIP)


class SessionsBehindDialog(QDialog):
    """Not modal: the manager can open several sessions from it."""

    sig_open_record = Signal(int, object)  # patient id, session id

    def __init__(self, what: str, sessions: Sequence[SessionBehind], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sessions_behind")
        self.setWindowTitle(f"Sessions behind: {what} · ClinicRec")
        n = len(sessions)
        more = f" (the first {LIMIT:,})" if n >= LIMIT else ""
        self.summary = QLabel(
            f"{what}: {n:,} signed session{'' if n == 1 else 's'}{more}. "
            "Double-click a session, or press Enter, to open the patient and the session.",
            self,
        )
        self.summary.setObjectName("sessions_behind_summary")
        self.summary.setWordWrap(True)
        self.table = ReportTable(
            "sessions_behind_table", f"Sessions behind {what}", SESSION_COLUMNS, self, stretch_column=1
        )
        self.table.set_rows(sessions)
        self.table.setToolTip("Double-click a session, or press Enter, to open it")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.resize(760, 480)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self.table.activated.connect(self._open)

    def _open(self, index: QModelIndex) -> None:
        row = self.table.report_model.row_at(index.row())
        if row is not None:
            self.sig_open_record.emit(row.patient_id, row.session_id)
