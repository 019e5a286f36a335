"""The reports screen: filters on top, one tab per report, figures as tables and charts, exports.

The tabs are the registered reports (``services/reports``, in their order), each shown by the page its
definition names (``pages.PAGES``); computing, CSV export and the meeting PDF go through the same
definitions, so the screen knows no report by name.

Every figure is computed by ``ReportService`` through the Worker, off the GUI thread: changing a
filter recomputes only the visible tab (after a short pause, so typing a date does not start ten
queries), and results that arrive for filters no longer chosen are dropped. Managers see the clinic;
an injector sees their own sessions only (the service enforces it; the screen says so and hides the
reports, such as the lot recall, and the export buttons that would be refused).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QTabWidget, QVBoxLayout, QWidget

from ...domain.clinic_time import local_date
from ...domain.report_types import ReportFilters
from ...services.app import Services
from ...services.permissions import Action
from ...services.reports import ReportDefinition, ReportRequest, definitions
from ...services.reports.behind import RowKey
from ...services.reports.export import described, export_csv, export_pdf, file_name
from ..prompts import Prompts
from ..worker import Worker
from .drill_down import SessionsBehindDialog
from .filter_bar import FilterBar
from .other_pages import RecallPage
from .page_parts import ReportPage
from .pages import PAGES
from .preset_picker import PresetPicker

#: Pause after the last filter change before recomputing (ms).
RECOMPUTE_DELAY_MS = 250


class ReportsScreen(QWidget):
    sig_report_ready = Signal(str, object)  # tab key, result: a report was computed and shown
    sig_busy_changed = Signal(bool)
    sig_exported = Signal(str)  # the file written
    sig_open_record = Signal(int, object)  # patient id, session id or None: a row asked to open them
    sig_sessions_shown = Signal(object)  # the SessionsBehindDialog listing the sessions behind a row

    def __init__(
        self, services: Services, prompts: Prompts, worker: Worker, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("reports_screen")
        self.setWindowTitle("Outcome reports · ClinicRec")
        self._services = services
        self._reports = services.reports
        self._prompts = prompts
        self._worker = worker
        actor = services.actor
        self._can_all = bool(actor and actor.can(Action.VIEW_ALL_REPORTS))
        self._can_export = bool(actor and actor.can(Action.EXPORT))
        self._generation = 0
        self._running = 0
        self._results: dict[str, Any] = {}
        self._shown_once = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(RECOMPUTE_DELAY_MS)
        self._build_ui()
        self._connect_signals()
        self._filters = self.filter_bar.filters()

    # -- building -----------------------------------------------------------------------------------
    def _build_ui(self) -> None:
        actor = self._services.actor
        title = QLabel("Outcome reports", self)
        title.setProperty("role", "heading")
        self.scope_label = QLabel(
            "Whole clinic"
            if self._can_all
            else f"Your own sessions only ({actor.full_name if actor else ''})",
            self,
        )
        self.scope_label.setObjectName("reports_scope")
        self.scope_label.setAccessibleName("Whose figures")
        self.scope_label.setProperty("role", "banner-info")
        self.busy = QProgressBar(self)
        self.busy.setObjectName("reports_busy")
        self.busy.setAccessibleName("Computing the report")
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(120)
        self.busy.setMaximumHeight(10)
        self.busy.setTextVisible(False)
        self.busy.hide()
        self.status = QLabel("", self)
        self.status.setObjectName("reports_status")
        self.status.setAccessibleName("Report status")
        self.status.setProperty("role", "muted")
        self.refresh_button = self._button("Refresh", "reports_refresh", "Compute the figures again (F5)")
        self.export_csv_button = self._button(
            "Export CSV…", "reports_export_csv", "Save this tab's figures as a CSV file for spreadsheets"
        )
        self.export_pdf_button = self._button(
            "Export PDF report…",
            "reports_export_pdf",
            "Save the meeting report (all figures, with charts) as a PDF",
        )
        for b in (self.export_csv_button, self.export_pdf_button):
            b.setVisible(self._can_export)
        header = QHBoxLayout()
        header.addWidget(title)
        header.addWidget(self.scope_label)
        header.addStretch(1)
        header.addWidget(self.status)
        header.addWidget(self.busy)
        header.addWidget(self.refresh_button)
        header.addWidget(self.export_csv_button)
        header.addWidget(self.export_pdf_button)

        today = local_date(self._services.ctx.clock(), self._services.clinic.time_zone())  # the clinic's day
        self.filter_bar = FilterBar(self._reports.filter_options(), today, self)
        self.presets = PresetPicker(self._reports, self.filter_bar, self._prompts, self._can_all, self)
        self.error_label = QLabel("", self)
        self.error_label.setObjectName("reports_error")
        self.error_label.setAccessibleName("Report error")
        self.error_label.setProperty("role", "banner-error")
        self.error_label.setWordWrap(True)
        self.error_label.hide()

        # one tab per registered report the actor may see, keyed by its page name
        self.definitions: dict[str, ReportDefinition[Any]] = {
            d.page: d for d in definitions() if actor is not None and actor.can(d.permission)
        }
        self.pages: dict[str, ReportPage] = {key: PAGES[key](self) for key in self.definitions}
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("reports_tabs")
        self.tabs.setAccessibleName("Reports")
        self.tabs.setDocumentMode(True)
        self.tabs.setCornerWidget(self.presets, Qt.Corner.TopRightCorner)  # the tab row has room
        for key, page in self.pages.items():
            self.tabs.addTab(page, self.definitions[key].tab_title)
        recall = self.pages.get("recall")
        if isinstance(recall, RecallPage):
            recall.set_lot_suggestions(self._reports.lot_numbers())

        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setSpacing(8)
        layout.addLayout(header)
        layout.addWidget(self.filter_bar)
        layout.addWidget(self.error_label)
        layout.addWidget(self.tabs, 1)
        refresh = QShortcut(
            QKeySequence("F5"), self, self.refresh, context=Qt.ShortcutContext.WidgetWithChildrenShortcut
        )
        refresh.setWhatsThis("Compute the figures again")

    def _button(self, text: str, name: str, tip: str) -> QPushButton:
        b = QPushButton(text, self)
        b.setObjectName(name)
        b.setAccessibleName(text.rstrip("…"))
        b.setToolTip(tip)
        return b

    def _connect_signals(self) -> None:
        self.filter_bar.sig_filters_changed.connect(self._filters_changed)
        self._timer.timeout.connect(self.refresh)
        self.tabs.currentChanged.connect(lambda _i: self._ensure_current())
        self.refresh_button.clicked.connect(self.refresh)
        self.export_csv_button.clicked.connect(self.export_current_csv)
        self.export_pdf_button.clicked.connect(self.export_pdf)
        for key, page in self.pages.items():
            page.sig_request_changed.connect(self._ensure_current)
            page.sig_compute_requested.connect(lambda key=key: self.run_report(key))
            page.sig_export_requested.connect(lambda key=key: self._export_csv_of(key))
            page.sig_open_record.connect(self.sig_open_record)
            page.sig_drill_down.connect(self.show_sessions_behind)

    # -- computing ----------------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802
        super().showEvent(event)
        if not self._shown_once:
            self._shown_once = True
            self.refresh()

    @property
    def current_key(self) -> str:
        page = self.tabs.currentWidget()
        return next(k for k, p in self.pages.items() if p is page)

    @property
    def filters(self) -> ReportFilters:
        return self._filters

    def result(self, key: str) -> Any:
        return self._results.get(key)

    def _keep_on_request(self) -> None:
        """Forget figures computed for the old filters (not those asked for on request: a recall)."""
        self._results = {k: v for k, v in self._results.items() if self.definitions[k].on_request}

    def _filters_changed(self, filters: ReportFilters) -> None:
        self._filters = filters
        self._generation += 1
        self._keep_on_request()
        self._timer.start()

    def refresh(self) -> None:
        """Drop every figure computed so far and compute the visible tab again."""
        self._timer.stop()
        self._generation += 1
        self._keep_on_request()
        self._ensure_current()

    def _ensure_current(self) -> None:
        key = self.current_key
        if self.definitions[key].on_request:
            return
        have = self._results.get(key)
        if have is not None and self.pages[key].shows(have):
            return
        self._compute(key)

    def _compute(self, key: str) -> None:
        generation = self._generation
        self._run(key, self.pages[key].request(self._filters), generation)

    def run_report(self, key: str, request: ReportRequest | None = None) -> None:
        """Compute a report now (an on-request report such as the recall); its result is kept whatever
        the filters do afterwards."""
        self._run(key, request or self.pages[key].request(self._filters), None)

    def look_up_lot(self, lot: str) -> None:
        self.run_report("recall", ReportRequest(self._filters, lot=lot))

    def _run(self, key: str, request: ReportRequest, generation: int | None) -> None:
        definition, reports = self.definitions[key], self._reports
        self._started()
        self._worker.run(
            lambda: definition.run(reports, request),
            lambda r: self._done(generation, key, r),
            lambda e: self._failed(generation, e),
        )

    def _started(self) -> None:
        self._running += 1
        if self._running == 1:
            self.busy.show()
            self.status.setText("Computing…")
            self.sig_busy_changed.emit(True)

    def _finished(self) -> None:
        self._running -= 1
        if self._running == 0:
            self.busy.hide()
            self.sig_busy_changed.emit(False)

    def _done(self, generation: int | None, key: str, result: Any) -> None:
        self._finished()
        if generation is not None and generation != self._generation:
            return  # computed for filters no longer chosen
        self.error_label.hide()
        self._results[key] = result
        page = self.pages.get(key)
        if page is not None:
            page.show_result(result)
        self.status.setText(f"Updated {datetime.now():%H:%M:%S}")
        self.sig_report_ready.emit(key, result)

    def _failed(self, generation: int | None, error: Exception) -> None:
        self._finished()
        if generation is not None and generation != self._generation:
            return
        self.status.setText("")
        self.error_label.setText(f"The report could not be computed: {error}")
        self.error_label.show()

    @property
    def busy_now(self) -> bool:
        return self._running > 0

    # -- drilling down ------------------------------------------------------------------------------
    def show_sessions_behind(self, what: str, row: RowKey) -> None:
        """List the signed sessions a row counts, under the filters shown, in a window of their own."""
        f, reports = self._filters, self._reports
        self._started()
        self._worker.run(
            lambda: reports.sessions_behind(f, row),
            lambda sessions: self._sessions_ready(what, sessions),
            lambda e: self._failed(None, e),
        )

    def _sessions_ready(self, what: str, sessions: Any) -> None:
        self._finished()
        dialog = SessionsBehindDialog(what, sessions, self)
        dialog.sig_open_record.connect(self.sig_open_record)
        dialog.show()
        self.sig_sessions_shown.emit(dialog)

    # -- exporting ----------------------------------------------------------------------------------
    def export_current_csv(self) -> None:
        self._export_csv_of(self.current_key)

    def _export_csv_of(self, key: str) -> None:
        result = self._results.get(key)
        if result is None:
            self._prompts.info(
                self, "Export CSV", "The figures are still being computed; export again in a moment."
            )
            return
        definition = self.definitions[key]
        suffix = definition.suffix(result)
        what = (
            f"{key}{'-' + suffix if suffix else ''}"
            if definition.uses_filters
            else definition.audit_name(result)
        )
        name = file_name(what, described(self._reports, result), "csv")
        path = self._prompts.save_file(self, "Export CSV", name, "CSV files (*.csv)")
        if not path:
            return
        self._started()
        self._worker.run(
            lambda: export_csv(self._reports, result, Path(path), header=True),
            lambda rows: self._exported(path, f"{rows:,} rows"),
            self._export_failed,
        )

    def export_pdf(self) -> None:
        name = file_name("outcome-report", self._reports.describe_filters(self._filters), "pdf")
        path = self._prompts.save_file(self, "Export PDF report", name, "PDF files (*.pdf)")
        if not path:
            return
        f, reports = self._filters, self._reports

        def build() -> str:
            export_pdf(reports, reports.bundle(f), Path(path), paper=reports.paper_size())
            return "PDF report"

        self._started()
        self._worker.run(build, lambda what: self._exported(path, what), self._export_failed)

    def _exported(self, path: str, what: str) -> None:
        self._finished()
        self.status.setText(f"Saved {what} to {Path(path).name}")
        self.sig_exported.emit(path)

    def _export_failed(self, error: Exception) -> None:
        self._finished()
        self._prompts.error(self, "Export failed", f"The file could not be written: {error}")
