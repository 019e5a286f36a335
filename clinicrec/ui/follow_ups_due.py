"""The signed-in nurse's own follow-ups due and overdue: each row opens straight into that follow-up.

The same list the manager's report shows (``services.reports.follow_up_gaps``), for the nurse's own
sessions only; it refreshes itself when a follow-up is recorded anywhere (the change bus).
"""

from __future__ import annotations

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

from ..domain.errors import ClinicRecError
from ..domain.report_types import GapRow, ReportFilters
from ..services.app import Services
from ..services.base import Change, ChangeEntity
from .changes import ChangeBus
from .date_format import date_text
from .rows_model import Column, RowsModel
from .style import active, set_role


def _columns() -> list[Column[GapRow]]:
    late = lambda r: active().danger if r.status == "overdue" else None  # noqa: E731 - a colour rule
    return [
        Column("Patient", lambda r: r.patient_name),
        Column("Chart", lambda r: r.chart_number),
        Column("Phone", lambda r: r.phone),
        Column("Session", lambda r: f"{date_text(r.performed_on)}", sort=lambda r: r.performed_on),
        Column("Due", lambda r: f"{date_text(r.due_on)}", sort=lambda r: r.due_on),
        Column(
            "Days late",
            lambda r: str(max(0, r.days_past_due)),
            sort=lambda r: r.days_past_due,
            numeric=True,
            tone=late,
        ),
        Column("Status", lambda r: r.status.capitalize(), tone=late, bold=lambda r: r.status == "overdue"),
    ]


class FollowUpsDueWindow(QWidget):
    """A window of its own; ``sig_follow_up_requested(patient_id, session_id)`` opens the follow-up."""

    sig_follow_up_requested = Signal(int, int)

    def __init__(self, services: Services, bus: ChangeBus, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self._services = services
        self.setObjectName("follow_ups_due")
        self.setWindowTitle("My follow-ups due · ClinicRec")
        self._build_ui()
        self._connect_signals()
        bus.sig_changed.connect(self._on_change)
        self.refresh()
        self.resize(900, 480)

    def _build_ui(self) -> None:
        self.summary = set_role(QLabel(self), "muted")
        self.summary.setObjectName("follow_ups_due_summary")
        self.summary.setWordWrap(True)
        self.model: RowsModel[GapRow] = RowsModel(_columns(), parent=self)
        self.table = QTableView(self)
        self.table.setObjectName("follow_ups_due_table")
        self.table.setAccessibleName("My follow-ups due and overdue")
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.open_button = QPushButton("Record follow-up…", self)
        self.open_button.setObjectName("follow_ups_due_open")
        self.open_button.setAccessibleName("Record the selected follow-up")
        self.open_button.setProperty("primary", True)
        row = QHBoxLayout()
        row.addWidget(self.summary, 1)
        row.addWidget(self.open_button)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)

    def _connect_signals(self) -> None:
        self.table.activated.connect(self._open)
        self.open_button.clicked.connect(lambda: self._open(self.table.currentIndex()))

    def refresh(self) -> None:
        actor = self._services.actor
        if actor is None:
            return
        try:
            gaps = self._services.reports.follow_up_gaps(ReportFilters(injector_id=actor.user_id))
        except ClinicRecError as e:
            self.summary.setText(f"The list could not be read: {e}")
            return
        self.model.set_rows(sorted(gaps.rows, key=lambda r: (-r.days_past_due, r.patient_name)))
        if gaps.rows:
            self.summary.setText(
                f"{gaps.overdue} overdue and {gaps.due} due (review {gaps.review_days} days after the "
                f"session; overdue {gaps.grace_days} days after that). Enter or double-click opens one."
            )
            self.table.selectRow(0)
        else:
            self.summary.setText("No follow-ups are due: every session of yours has its follow-up.")
        self.open_button.setEnabled(bool(gaps.rows))

    def _on_change(self, change: Change) -> None:
        if change.entity in (ChangeEntity.ASSESSMENT, ChangeEntity.SESSION):
            self.refresh()

    def _open(self, index: QModelIndex) -> None:
        row = self.model.row_at(index.row()) if index.isValid() else None
        if row is not None:
            self.sig_follow_up_requested.emit(row.patient_id, row.session_id)
