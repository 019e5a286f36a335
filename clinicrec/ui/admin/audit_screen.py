"""The audit trail for managers: filter by user, patient, dates and action; see exactly what changed;
export the filtered entries to CSV; verify that nothing in the trail was altered."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...domain.clinic_time import local_date, zone
from ...domain.enums import AuditAction
from ...domain.errors import ClinicRecError, PermissionDenied
from ...services.app import Services
from ...services.audit import VerifyResult
from ...services.audit_log import AuditEntryRow, AuditFilters
from ...services.permissions import Action
from ..date_edit import DateEdit
from ..date_format import utc_clock_text
from ..prompts import Prompts
from ..style import make_primary, set_role
from ..worker import Worker
from .audit_model import CHANGES, AuditTableModel, ChangesModel, local_time
from .forms import banner, header_row, named, refusal

FILTER_DELAY_MS = 250
ANY_DATE_HINT = "Any date (or type 2026-03-10)"


def optional_date(edit: DateEdit) -> date | None:
    """The day typed or chosen; None (any date) while the field is empty or not a date yet."""
    return edit.value()


class AuditScreen(QWidget):
    sig_entry_selected = Signal(object)  # AuditEntryRow | None

    def __init__(
        self, services: Services, prompts: Prompts, worker: Worker, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._services = services
        self._prompts = prompts
        self._worker = worker
        self._zone = services.clinic.time_zone()
        self._filter_timer = QTimer(self, singleShot=True, interval=FILTER_DELAY_MS)
        self.setObjectName("audit_screen")
        self.setWindowTitle("Audit trail · ClinicRec")
        self._build_ui()
        self._connect_signals()
        self.apply_filters()

    # -- building -------------------------------------------------------------------------------
    def _build_ui(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 12)
        layout.setSpacing(10)
        top = header_row(
            self,
            "Audit trail",
            "Every change, view, print, export and sign-in, newest first. "
            "Entries cannot be edited or removed.",
        )
        self.verify_button = named(
            QPushButton("Verify chain", self), "verify_button", "Verify the audit chain"
        )
        self.verify_button.setToolTip("Recompute every entry's hash and every signed session's content hash")
        self.export_button = named(
            make_primary(QPushButton("Export CSV…", self)), "export_button", "Export the shown entries to CSV"
        )
        top.addWidget(self.verify_button, 0, Qt.AlignmentFlag.AlignBottom)
        top.addWidget(self.export_button, 0, Qt.AlignmentFlag.AlignBottom)
        layout.addLayout(top)

        self.filters_box = named(set_role(QFrame(self), "card"), "audit_filters")
        row = QHBoxLayout(self.filters_box)
        row.setContentsMargins(10, 8, 10, 8)
        self.user_combo = named(QComboBox(self), "user_filter", "Filter by user")
        self.user_combo.setMinimumWidth(170)
        self.patient_edit = named(QLineEdit(self), "patient_filter", "Filter by patient")
        self.patient_edit.setPlaceholderText("Chart no. or name")
        self.patient_edit.setToolTip("Chart number, name words or date of birth, as in the patient search")
        self.patient_edit.setClearButtonEnabled(True)
        self.patient_edit.setMinimumWidth(170)
        self.from_edit = self._date_edit("from_filter", "From date")
        self.to_edit = self._date_edit("to_filter", "To date")
        self.action_combo = named(QComboBox(self), "action_filter", "Filter by action")
        self.action_combo.addItem("All actions", None)
        for action in AuditAction:
            self.action_combo.addItem(action.label, action)
        self.clear_button = named(QPushButton("Clear", self), "clear_filters_button", "Clear the filters")
        self.refresh_button = named(QPushButton("Refresh", self), "refresh_button", "Show newer entries")
        for caption, widget in (
            ("User", self.user_combo),
            ("Patient", self.patient_edit),
            ("From", self.from_edit),
            ("To", self.to_edit),
            ("Action", self.action_combo),
        ):
            label = QLabel(caption, self)
            label.setBuddy(widget)
            row.addWidget(label)
            row.addWidget(widget)
            row.addSpacing(6)
        row.addStretch(1)
        row.addWidget(self.clear_button)
        row.addWidget(self.refresh_button)
        layout.addWidget(self.filters_box)

        self.banner = banner(self, "audit_banner")
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.banner)

        self.model = AuditTableModel(self._services, parent=self)
        self.table = named(QTableView(self), "audit_table", "Audit entries")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        digits = self.fontMetrics().horizontalAdvance("2026-12-31 23:59") + 22
        for column, width in enumerate((digits, 118, 100, 100, 184)):
            self.table.setColumnWidth(column, width)
        header.setSectionResizeMode(CHANGES, QHeaderView.ResizeMode.Stretch)

        self.splitter = named(QSplitter(Qt.Orientation.Horizontal, self), "audit_splitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self._build_detail())
        self.splitter.setStretchFactor(0, 7)
        self.splitter.setStretchFactor(1, 4)
        self.splitter.setSizes([830, 420])
        layout.addWidget(self.splitter, 1)
        self.count_label = named(set_role(QLabel(self), "muted"), "audit_count")
        layout.addWidget(self.count_label)
        self.resize(1280, 800)

    def _date_edit(self, name: str, accessible: str) -> DateEdit:
        """A typed day in the clinic's calendar (empty: any date); its calendar opens at today."""
        today = local_date(self._services.ctx.clock(), self._zone)
        edit = named(DateEdit(self, label=accessible, today=today), name, accessible)
        edit.line.setPlaceholderText(ANY_DATE_HINT)
        edit.setMinimumWidth(130)
        # A message under the field wraps (up to four lines) rather than widening the filter row.
        edit.message.setMaximumWidth(220)
        edit.message.setMinimumHeight(edit.fontMetrics().lineSpacing() * 4)
        return edit

    def _build_detail(self) -> QWidget:
        pane = named(set_role(QFrame(self), "card"), "audit_detail")
        box = QVBoxLayout(pane)
        box.setContentsMargins(14, 12, 14, 12)
        self.detail_heading = named(
            set_role(QLabel("No entry selected", pane), "subheading"), "detail_heading"
        )
        self.detail_heading.setWordWrap(True)
        box.addWidget(self.detail_heading)
        self.detail_form = QFormLayout()
        self.detail_form.setHorizontalSpacing(12)
        self.detail_labels: dict[str, QLabel] = {}
        for key in ("When", "UTC", "Who", "Record", "Patient", "Hash"):
            value = named(QLabel(pane), f"detail_{key.lower()}")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setWordWrap(True)
            self.detail_labels[key] = value
            self.detail_form.addRow(set_role(QLabel(key, pane), "muted"), value)
        box.addLayout(self.detail_form)
        box.addSpacing(6)
        box.addWidget(set_role(QLabel("What changed", pane), "subheading"))
        self.changes_model = ChangesModel(self)
        self.changes_table = named(QTableView(pane), "changes_table", "Changes in the selected entry")
        self.changes_table.setModel(self.changes_model)
        self.changes_table.setWordWrap(True)
        self.changes_table.setAlternatingRowColors(True)
        self.changes_table.verticalHeader().hide()
        self.changes_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.changes_table.horizontalHeader()
        self.changes_table.setColumnWidth(0, 92)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        box.addWidget(self.changes_table, 1)
        self.no_changes = named(
            set_role(QLabel("Nothing changed: this entry records an event.", pane), "muted"), "no_changes"
        )
        box.addWidget(self.no_changes)
        self.show_entry(None)
        return pane

    def _connect_signals(self) -> None:
        self._filter_timer.timeout.connect(self.apply_filters)
        self.user_combo.currentIndexChanged.connect(self._filter_timer.start)
        self.action_combo.currentIndexChanged.connect(self._filter_timer.start)
        self.patient_edit.textChanged.connect(self._filter_timer.start)
        for edit in (self.from_edit, self.to_edit):
            edit.line.textChanged.connect(lambda _text, e=edit: self._date_typed(e))
        self.clear_button.clicked.connect(self.clear_filters)
        self.refresh_button.clicked.connect(self.apply_filters)
        self.verify_button.clicked.connect(self.verify_chain)
        self.export_button.clicked.connect(self.export_csv)
        self.model.sig_total_changed.connect(self._show_count)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_changed)
        self.changes_table.horizontalHeader().sectionResized.connect(self.changes_table.resizeRowsToContents)

    def _date_typed(self, edit: DateEdit) -> None:
        """A day (or an empty field: any date) filters after a pause; a half-typed date waits."""
        if not edit.signalsBlocked() and edit.is_valid():
            self._filter_timer.start()

    # -- filtering ------------------------------------------------------------------------------
    def _fill_users(self) -> None:
        current = self.user_combo.currentData()
        self.user_combo.blockSignals(True)
        self.user_combo.clear()
        self.user_combo.addItem("Everyone", None)
        for user in self._services.auth.list_users():
            self.user_combo.addItem(f"{user.full_name} ({user.username})", user.username)
        self.user_combo.setCurrentIndex(max(0, self.user_combo.findData(current)))
        self.user_combo.blockSignals(False)

    def filters(self) -> AuditFilters:
        """What the filter row asks for (dates are whole days in the clinic's time zone)."""
        return AuditFilters(
            username=self.user_combo.currentData(),
            patient=self.patient_edit.text().strip(),
            action=self.action_combo.currentData(),
        ).with_days(optional_date(self.from_edit), optional_date(self.to_edit), zone(self._zone))

    def apply_filters(self) -> None:
        self._filter_timer.stop()
        try:
            self.model.set_filters(self.filters())  # first: whoever may not read the trail is told so
            if self.user_combo.count() == 0:
                self._fill_users()  # (an empty list filters by no one, as "Everyone" does)
        except PermissionDenied as e:
            self._refuse(str(e))
            return
        except ClinicRecError as e:
            self.show_banner(f"The audit trail could not be read: {e}")
            return
        if self.banner.property("role") == "banner-error":
            self.banner.hide()
        if self.model.rowCount():
            self.table.selectRow(0)
        else:
            self.show_entry(None)

    def clear_filters(self) -> None:
        for widget in (self.user_combo, self.action_combo, self.patient_edit, self.from_edit, self.to_edit):
            widget.blockSignals(True)
        self.user_combo.setCurrentIndex(0)
        self.action_combo.setCurrentIndex(0)
        self.patient_edit.clear()
        self.from_edit.setDate(None)
        self.to_edit.setDate(None)
        for widget in (self.user_combo, self.action_combo, self.patient_edit, self.from_edit, self.to_edit):
            widget.blockSignals(False)
        self.apply_filters()

    def _refuse(self, reason: str) -> None:
        self.show_banner(f"{reason}. Ask a manager if you need to see the audit trail.")
        for widget in (self.filters_box, self.verify_button, self.export_button, self.table):
            widget.setEnabled(False)

    def _show_count(self, total: int) -> None:
        if total == 0:
            self.count_label.setText("No entries match these filters.")
        else:
            self.count_label.setText(
                f"{total:,} entr{'y' if total == 1 else 'ies'} · newest first · scroll to load more"
            )

    # -- detail ---------------------------------------------------------------------------------
    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        entry = self.model.entry_at(current.row()) if current.isValid() else None
        self.show_entry(entry)

    def show_entry(self, entry: AuditEntryRow | None) -> None:
        self.sig_entry_selected.emit(entry)
        self.changes_model.set_changes(entry.changes if entry is not None else ())
        if entry is None:
            self.detail_heading.setText("No entry selected")
            for label in self.detail_labels.values():
                label.clear()
            self.no_changes.setVisible(False)
            return
        self.detail_heading.setText(f"Entry {entry.id} · {entry.action_label}")
        values = {
            "When": local_time(entry, seconds=True),
            "UTC": f"{utc_clock_text(entry.at, seconds=True)} UTC",
            "Who": entry.user_label,
            "Record": entry.entity_label,
            "Patient": entry.patient_label or "—",
            "Hash": entry.hash[:16] + "…",
        }
        for key, text in values.items():
            self.detail_labels[key].setText(text)
        self.detail_labels["Hash"].setToolTip(entry.hash)
        self.no_changes.setVisible(not entry.changes)
        self.changes_table.resizeRowsToContents()

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().showEvent(event)
        QTimer.singleShot(0, self.changes_table.resizeRowsToContents)  # once the columns have their widths

    # -- verify and export ----------------------------------------------------------------------
    def verify_chain(self) -> None:
        self.verify_button.setEnabled(False)
        self.show_banner("Checking every entry of the audit trail and every signed session…", "banner-info")
        self._worker.run(self._services.audit_log.verify_chain, self._verified, self._verify_failed)

    def _verified(self, result: VerifyResult) -> None:
        self.verify_button.setEnabled(True)
        counted = (
            f"{result.entries_checked:,} entries and {result.signed_sessions_checked:,} signed sessions "
            "checked"
        )
        # Notices (heads kept elsewhere that a restore recorded in the trail superseded) are not proof of
        # tampering, but a person must confirm each one: a forged "restore" entry could explain away a
        # shortened trail.
        notices = "".join(f"\n• {n}" for n in result.notices[:10])
        to_confirm = f"\n\nTo confirm (was this restore made on purpose, by whom it says?):{notices}"
        if result.ok:
            self.show_banner(
                f"✓ The audit trail is intact: {counted}. Nothing was changed, removed or reordered."
                + (to_confirm if notices else ""),
                "banner-info",
            )
            return
        problems = "\n".join(f"• {p.message}" for p in result.problems[:10])
        more = f"\n… and {len(result.problems) - 10} more" if len(result.problems) > 10 else ""
        self.show_banner(
            f"⚠ The audit trail has been tampered with ({counted}). The first problem is where "
            f"the damage starts:\n{problems}{more}" + (to_confirm if notices else "")
        )

    def _verify_failed(self, error: Exception) -> None:
        self.verify_button.setEnabled(True)
        self.show_banner(f"The check could not run: {error}")

    def export_csv(self) -> None:
        reason = refusal(self._services, Action.EXPORT)
        if reason is not None:
            self._prompts.error(self, "Export audit trail", reason)
            return
        path = self._prompts.save_file(
            self, "Export audit trail", f"audit-trail-{date.today():%Y-%m-%d}.csv", "CSV files (*.csv)"
        )
        if not path:
            return
        filters = self.model.filters
        self.export_button.setEnabled(False)
        self._worker.run(
            lambda: self._services.audit_log.export_csv(filters, path),
            lambda n: self._exported(n, path),
            self._export_failed,
        )

    def _exported(self, rows: int, path: str) -> None:
        self.export_button.setEnabled(True)
        self._prompts.info(
            self,
            "Audit trail exported",
            f"{rows:,} entries written to {path}.\n\nThe file names patients: keep it where only "
            "authorised staff can read it. The export itself is now in the audit trail.",
        )

    def _export_failed(self, error: Exception) -> None:
        self.export_button.setEnabled(True)
        self._prompts.error(self, "Export audit trail", f"The audit trail was not exported. {error}")

    def show_banner(self, text: str, role: str = "banner-error") -> None:
        set_role(self.banner, role)
        self.banner.style().unpolish(self.banner)
        self.banner.style().polish(self.banner)
        self.banner.setText(text)
        self.banner.show()
