"""The patient's chart: demographics, safety screening, allergies and the session timeline."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListView,
    QMenu,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ...domain.errors import ClinicRecError
from ...domain.models import Patient
from ...services.app import Services
from ...services.base import Change, ChangeEntity
from ...services.permissions import Action
from ..changes import ChangeBus
from ..photos.panel import PhotoPanel
from ..printing import PrintingIndicator
from ..style import make_primary, set_role
from ..widgets import ScreeningBadge
from ..worker import Worker
from .history_delegate import SessionCardDelegate
from .history_model import HistoryModel
from .visit_versions import VisitVersionsPanel

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V", 6: "VI"}
NO_SESSIONS = "No sessions charted yet. Start one with New session (Ctrl+N)."
READING_SESSIONS = "Reading the sessions…"
OPENING_CHART = "Opening the patient's chart…"
#: A chart read faster than this is shown without a word in between (no flash of an "opening" page).
OPENING_SHOWN_AFTER_MS = 150
#: What ``PatientChart._build_page`` makes: asked for before the page is built, they build it.
PAGE_PARTS = frozenset(
    (
        "chart_page", "new_session_button", "open_session_button", "follow_up_button", "touch_up_button",
        "export_button", "session_count", "timeline", "no_sessions_label", "sessions_stack", "versions",
        "photos", "print_indicator", "print_handout_button", "preview_handout_button", "save_handout_button",
        "leaflet_button", "print_leaflet_action", "preview_leaflet_action", "save_leaflet_action",
        "name_label", "edit_button", "facts", "badge", "allergies_label", "no_allergies_label", "notes_label",
    )
)  # fmt: skip


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _button(parent: QWidget, text: str, name: str, accessible: str, tip: str) -> QPushButton:
    button = QPushButton(text, parent)
    button.setObjectName(name)
    button.setAccessibleName(accessible)
    button.setToolTip(tip)
    return button


class PatientChart(QWidget):
    """Shows one patient. Emits requests; the main window opens the windows and dialogs they ask for.

    Print requests are served by a ``DocumentPrinter`` (``printer.connect_patient_chart(chart)``).
    """

    sig_edit_patient_requested = Signal(int)
    sig_new_session_requested = Signal(int)
    sig_open_session_requested = Signal(int)
    sig_follow_up_requested = Signal(int)
    sig_touch_up_requested = Signal(int)
    sig_print_handout_requested = Signal(int)  # session id
    sig_save_handout_requested = Signal(int)
    sig_preview_handout_requested = Signal(int)
    sig_print_leaflet_requested = Signal()
    sig_save_leaflet_requested = Signal()
    sig_preview_leaflet_requested = Signal()
    sig_export_requested = Signal(int)  # patient id: export the record as FHIR (ui/interop)
    sig_actions_changed = Signal()

    def __init__(
        self,
        services: Services,
        bus: ChangeBus,
        parent: QWidget | None = None,
        *,
        worker: Worker | None = None,
        defer_page: bool = False,
    ) -> None:
        """``defer_page``: only the empty page ("Select a patient ...") is built now, and the chart's
        page (some 16 ms of the GUI thread: buttons, the visit list, the photo and versions panels)
        when ``build_page`` is called (the main window: once it has painted its first rows) or when
        anything first needs it, whichever comes first."""
        super().__init__(parent)
        self._page_built = False
        self._services = services
        self._bus = bus
        self.patient: Patient | None = None
        self._print_busy = False
        self.history = HistoryModel(services, self, worker=worker)
        self._worker = worker
        self._opens = 0  # only the newest open is shown
        self._opening: int | None = None
        self._opening_timer = QTimer(self, singleShot=True, interval=OPENING_SHOWN_AFTER_MS)
        self._opening_timer.timeout.connect(self._show_opening)
        self.setObjectName("patient_chart")
        self._build_ui()
        if not defer_page:
            self.build_page()

    # -- building -------------------------------------------------------------------------------
    @property
    def page_built(self) -> bool:
        return self._page_built

    def build_page(self) -> None:
        """Build the chart's page (once; see ``defer_page``)."""
        if self._page_built:
            return
        self._page_built = True
        self._build_page()
        self._connect_signals()
        self._update_actions()

    def __getattr__(self, name: str) -> Any:
        # A part of the page asked for before the page was built (``defer_page``): built now. Only
        # called for a name not found the usual way.
        if name in PAGE_PARTS and not self.__dict__.get("_page_built", True):
            self.build_page()
            return object.__getattribute__(self, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def _build_ui(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 8, 8, 8)
        self.stack = QStackedWidget(self)
        outer.addWidget(self.stack)

        self.empty_label = set_role(
            QLabel("Select a patient on the left, or add one with New patient (Ctrl+Shift+N).", self), "muted"
        )
        self.empty_label.setObjectName("chart_empty")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setWordWrap(True)
        self.stack.addWidget(self.empty_label)

    def _build_page(self) -> None:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(self._build_header(page))

        actions = QHBoxLayout()
        actions.setSpacing(6)
        self.new_session_button = make_primary(
            _button(
                page,
                "New session",
                "new_session_button",
                "New session",
                "Chart a new Microbotox session (Ctrl+N)",
            )
        )
        self.open_session_button = _button(
            page,
            "Open session",
            "open_session_button",
            "Open the selected session",
            "Open the selected session (Enter in the list)",
        )
        self.follow_up_button = _button(
            page,
            "Record follow-up…",
            "follow_up_button",
            "Record a follow-up",
            "Record a follow-up assessment for the selected signed session",
        )
        self.touch_up_button = _button(
            page,
            "Touch-up session",
            "touch_up_button",
            "Touch-up session",
            "Chart a touch-up of the selected signed session",
        )
        for b in (
            self.new_session_button,
            self.open_session_button,
            self.follow_up_button,
            self.touch_up_button,
        ):
            actions.addWidget(b)
        actions.addStretch(1)
        self.export_button = _button(
            page, "Export (FHIR)…", "export_fhir_button", "Export this patient's record",
            "Export this patient's whole record as HL7 FHIR R4",
        )  # fmt: skip
        actor = self._services.actor
        self.export_button.setVisible(actor is not None and actor.can(Action.EXPORT))
        actions.addWidget(self.export_button)
        layout.addLayout(actions)

        heading = QHBoxLayout()
        heading.addWidget(set_role(QLabel("Sessions", page), "subheading"))
        self.session_count = set_role(QLabel(page), "muted")
        self.session_count.setObjectName("session_count")
        heading.addWidget(self.session_count)
        heading.addStretch(1)
        self._build_print_buttons(page, heading)
        layout.addLayout(heading)

        self.timeline = QListView(page)
        self.timeline.setObjectName("session_timeline")
        self.timeline.setAccessibleName("Session history")
        self.timeline.setModel(self.history)
        self.timeline.setItemDelegate(SessionCardDelegate(self.timeline))
        self.timeline.setUniformItemSizes(False)  # an amended visit's card has a line for its versions
        self.timeline.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.timeline.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.timeline.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.timeline.setStyleSheet("QListView#session_timeline { border: none; background: transparent; }")
        self.no_sessions_label = set_role(QLabel(NO_SESSIONS, page), "muted")
        self.no_sessions_label.setObjectName("no_sessions")
        self.no_sessions_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.sessions_stack = QStackedWidget(page)
        self.sessions_stack.addWidget(self.timeline)
        self.sessions_stack.addWidget(self.no_sessions_label)
        layout.addWidget(self.sessions_stack, 1)
        self.versions = VisitVersionsPanel(self._services, page)  # the selected visit's amendments
        layout.addWidget(self.versions)
        self.photos = PhotoPanel(self._services, self._bus, self._worker, page)  # ui/photos (issue 15)
        layout.addWidget(self.photos)
        self.stack.addWidget(page)
        self.chart_page = page

    def _build_print_buttons(self, page: QWidget, row: QHBoxLayout) -> None:
        self.print_indicator = PrintingIndicator(page, name="chart_printing", compact=True)
        self.print_handout_button = _button(
            page,
            "Print handout…",
            "print_handout_button",
            "Print the aftercare handout",
            "Print the aftercare handout of the selected session",
        )
        self.preview_handout_button = _button(
            page,
            "Preview…",
            "preview_handout_button",
            "Preview the aftercare handout",
            "See the aftercare handout's pages before printing or saving them",
        )
        self.save_handout_button = _button(
            page,
            "Save as PDF…",
            "save_handout_button",
            "Save the aftercare handout as PDF",
            "Save the aftercare handout of the selected session as a PDF file",
        )
        self.leaflet_button = _button(
            page,
            "Information leaflet",
            "leaflet_button",
            "Information leaflet",
            "The general Microbotox leaflet for prospective patients (not personalised)",
        )
        menu = QMenu(self.leaflet_button)
        menu.setObjectName("leaflet_menu")
        self.print_leaflet_action = menu.addAction("Print leaflet…")
        self.print_leaflet_action.setObjectName("chart_print_leaflet_action")
        self.preview_leaflet_action = menu.addAction("Preview leaflet…")
        self.preview_leaflet_action.setObjectName("chart_preview_leaflet_action")
        self.save_leaflet_action = menu.addAction("Save leaflet as PDF…")
        self.save_leaflet_action.setObjectName("chart_save_leaflet_action")
        self.leaflet_button.setMenu(menu)
        row.addWidget(self.print_indicator)
        buttons = (self.print_handout_button, self.preview_handout_button, self.save_handout_button)
        for b in (*buttons, self.leaflet_button):
            row.addWidget(b)

    def set_print_busy(self, busy: bool) -> None:
        """Show that a document is being made, and hold further print requests until it is done."""
        self.build_page()
        self._print_busy = busy
        self.print_indicator.set_busy(busy)
        self._update_actions()

    def _build_header(self, page: QWidget) -> QFrame:
        card = QFrame(page)
        set_role(card, "card")
        layout = QVBoxLayout(card)
        layout.setContentsMargins(14, 10, 14, 12)
        layout.setSpacing(6)
        top = QHBoxLayout()
        self.name_label = set_role(QLabel(card), "heading")
        self.name_label.setObjectName("patient_name")
        self.name_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.name_label.setWordWrap(True)
        self.edit_button = _button(
            card,
            "Edit patient…",
            "edit_patient_button",
            "Edit patient",
            "Edit demographics, screening and allergies (Ctrl+E)",
        )
        top.addWidget(self.name_label, 1)
        top.addWidget(self.edit_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(top)

        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(3)
        self.facts: dict[str, QLabel] = {}
        names = (
            ("chart_number", "Chart no."),
            ("date_of_birth", "Born"),
            ("sex", "Sex"),
            ("fitzpatrick", "Fitzpatrick"),
            ("phone", "Phone"),
            ("email", "Email"),
            ("address", "Address"),
        )
        for i, (key, caption) in enumerate(names):
            row, col = divmod(i, 2) if key != "address" else (3, 0)
            grid.addWidget(set_role(QLabel(caption, card), "muted"), row, col * 2, Qt.AlignmentFlag.AlignTop)
            value = QLabel(card)
            value.setObjectName(f"fact_{key}")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setWordWrap(True)
            self.facts[key] = value
            grid.addWidget(value, row, col * 2 + 1, 1, 3 if key == "address" else 1)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        layout.addLayout(grid)

        self.badge = ScreeningBadge(None, card)
        layout.addWidget(self.badge)
        self.allergies_label = set_role(QLabel(card), "allergy")
        self.allergies_label.setObjectName("allergies")
        self.allergies_label.setWordWrap(True)
        self.allergies_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.allergies_label)
        self.no_allergies_label = set_role(QLabel("No known allergies recorded.", card), "muted")
        self.no_allergies_label.setObjectName("no_allergies")
        layout.addWidget(self.no_allergies_label)
        self.notes_label = set_role(QLabel(card), "muted")
        self.notes_label.setObjectName("patient_notes")
        self.notes_label.setWordWrap(True)
        self.notes_label.setMaximumHeight(self.fontMetrics().lineSpacing() * 3 + 4)
        layout.addWidget(self.notes_label)
        return card

    def _connect_signals(self) -> None:
        self.edit_button.clicked.connect(lambda: self._emit_patient(self.sig_edit_patient_requested))
        self.new_session_button.clicked.connect(lambda: self._emit_patient(self.sig_new_session_requested))
        self.open_session_button.clicked.connect(lambda: self._emit_session(self.sig_open_session_requested))
        self.follow_up_button.clicked.connect(lambda: self._emit_session(self.sig_follow_up_requested))
        self.touch_up_button.clicked.connect(lambda: self._emit_session(self.sig_touch_up_requested))
        self.print_handout_button.clicked.connect(
            lambda: self._emit_session(self.sig_print_handout_requested)
        )
        self.save_handout_button.clicked.connect(lambda: self._emit_session(self.sig_save_handout_requested))
        self.preview_handout_button.clicked.connect(
            lambda: self._emit_session(self.sig_preview_handout_requested)
        )
        self.preview_leaflet_action.triggered.connect(lambda: self.sig_preview_leaflet_requested.emit())
        self.print_leaflet_action.triggered.connect(lambda: self.sig_print_leaflet_requested.emit())
        self.save_leaflet_action.triggered.connect(lambda: self.sig_save_leaflet_requested.emit())
        self.export_button.clicked.connect(lambda: self._emit_patient(self.sig_export_requested))
        self.timeline.activated.connect(self._on_timeline_activated)
        self.timeline.selectionModel().currentChanged.connect(lambda *_: self._update_actions())
        self.timeline.selectionModel().currentChanged.connect(lambda *_: self._show_versions())
        self.versions.sig_open_session_requested.connect(self.sig_open_session_requested)
        self.history.modelReset.connect(self._on_history_reset)
        self.history.dataChanged.connect(self._on_visit_changed)
        self._bus.sig_changed.connect(self._on_change)

    # -- showing a patient ----------------------------------------------------------------------
    @property
    def opening(self) -> int | None:
        """The patient whose chart is being read (its actions wait for it), or None."""
        return self._opening

    def set_patient(self, patient_id: int | None) -> None:
        """Show a patient's chart (and log that it was viewed), or the empty page for None.

        With a worker the patient is read (and the view logged) off the GUI thread: meanwhile
        ``patient`` is None, so every action waits for the patient it will act on, and after
        ``OPENING_SHOWN_AFTER_MS`` the chart says it is opening. Only the newest open is shown."""
        self.build_page()
        self._selected_session: int | None = None
        if patient_id is not None and patient_id == self._opening:
            return  # already on its way
        self._opens += 1
        self._opening = None
        self._opening_timer.stop()
        if patient_id is None:
            self._show_patient(None)
            return
        patients = self._services.patients
        if self._worker is None:
            try:
                patient = patients.get(patient_id, log_view=True)
            except ClinicRecError as e:
                self._show_failed(str(e))
                return
            self._show_patient(patient)
            return
        seq, self._opening = self._opens, patient_id
        self.patient = None  # nothing acts on the patient shown before while this one is read
        self._update_actions()
        self._opening_timer.start()

        def done(patient: Patient) -> None:
            if seq == self._opens:
                self._opening = None
                self._opening_timer.stop()
                self._show_patient(patient)

        def failed(error: Exception) -> None:
            if seq != self._opens:
                return
            self._opening = None
            self._opening_timer.stop()
            if not isinstance(error, ClinicRecError):
                raise error  # the exception hook shows it
            self._show_failed(str(error))

        self._worker.run(lambda: patients.get(patient_id, log_view=True), done, failed)

    def _show_opening(self) -> None:
        """The read takes longer than a glance: say so instead of showing the patient before."""
        if self._opening is not None:
            self.empty_label.setText(OPENING_CHART)
            self.stack.setCurrentWidget(self.empty_label)

    def _show_failed(self, message: str) -> None:
        self._show_patient(None)
        self.empty_label.setText(message)

    def _show_patient(self, patient: Patient | None) -> None:
        self.patient = patient
        if patient is None:
            self.empty_label.setText(
                "Select a patient on the left, or add one with New patient (Ctrl+Shift+N)."
            )
            self.stack.setCurrentWidget(self.empty_label)
            self.history.set_patient(None)
            self._update_actions()
            return
        self._fill_header(patient)
        self.photos.set_patient(patient.id)
        if self.history.patient_id != patient.id:
            self.history.set_patient(patient.id)
        self.stack.setCurrentWidget(self.chart_page)
        self._update_actions()

    def _fill_header(self, p: Patient) -> None:
        today = self._services.ctx.clock().date()
        self.name_label.setText(f"{p.first_name} {p.last_name}")
        self.facts["chart_number"].setText(p.chart_number)
        self.facts["date_of_birth"].setText(
            f"{p.date_of_birth:%d %b %Y} ({age_on(p.date_of_birth, today)} years)"
        )
        self.facts["sex"].setText(p.sex.label)
        self.facts["fitzpatrick"].setText(
            f"Type {ROMAN[p.fitzpatrick_type]}" if p.fitzpatrick_type else "Not recorded"
        )
        self.facts["phone"].setText(p.phone or "—")
        self.facts["email"].setText(p.email or "—")
        self.facts["address"].setText(
            " · ".join(line.strip() for line in p.address.splitlines() if line.strip()) or "—"
        )
        self.badge.set_screening(p.screening)
        allergies = p.allergies.strip()
        self.allergies_label.setText(f"Allergies: {allergies}" if allergies else "")
        self.allergies_label.setVisible(bool(allergies))
        self.no_allergies_label.setVisible(not allergies)
        self.notes_label.setText(f"Notes: {p.notes.strip()}" if p.notes.strip() else "")
        self.notes_label.setVisible(bool(p.notes.strip()))

    def _on_change(self, change: Change) -> None:
        if self.patient is None or change.patient_id != self.patient.id:
            return
        self.history.on_change(change)
        if change.entity == ChangeEntity.PATIENT:
            try:
                self._show_patient(self._services.patients.get(self.patient.id or 0))
            except ClinicRecError:
                self._show_patient(None)

    def _on_history_reset(self) -> None:
        count = self.history.rowCount()
        self.session_count.setText(f"({count})" if count else "")
        self.no_sessions_label.setText(READING_SESSIONS if self.history.reading else NO_SESSIONS)
        self.sessions_stack.setCurrentWidget(self.timeline if count else self.no_sessions_label)
        keep = getattr(self, "_selected_session", None)
        row = self.history.row_of(keep) if keep is not None else None
        if row is None and count:
            row = 0
        if row is not None:
            self.timeline.setCurrentIndex(self.history.index(row, 0))
        self._update_actions()
        self._show_versions()

    def _on_visit_changed(self, top: QModelIndex, bottom: QModelIndex, _roles: object = None) -> None:
        """One visit's line read again (an autosave, a signature): the selection stays where it was."""
        if top.row() <= self.timeline.currentIndex().row() <= bottom.row():
            self._update_actions()
            self._show_versions()

    def _show_versions(self) -> None:
        index = self.timeline.currentIndex()
        summary = self.history.summary(index.row()) if index.isValid() else None
        self.versions.show_visit(
            summary.session_id if summary else None, len(summary.versions) if summary else 0
        )
        # The selected visit's card stays whole above its versions table (the table scrolls instead).
        card = self.timeline.sizeHintForRow(index.row()) if index.isValid() else 0
        self.sessions_stack.setMinimumHeight(card + 2 * self.timeline.frameWidth() + 2 if card > 0 else 0)

    # -- actions --------------------------------------------------------------------------------
    @property
    def selected_session_id(self) -> int | None:
        if not self._page_built:
            return None  # (no patient has been shown yet)
        index = self.timeline.currentIndex()
        summary = self.history.summary(index.row()) if index.isValid() else None
        return summary.session_id if summary is not None else None

    def select_session(self, session_id: int) -> bool:
        row = self.history.row_of(session_id)
        if row is None:
            return False
        self.timeline.setCurrentIndex(self.history.index(row, 0))
        return True

    def can(self, what: str) -> bool:
        """Whether 'edit', 'new_session', 'open_session', 'follow_up', 'touch_up', 'handout' (print or
        save the selected session's handout) or 'leaflet' is possible now."""
        actor = self._services.actor
        if self.patient is None or actor is None or not self._page_built:
            return False
        index = self.timeline.currentIndex()
        signed = index.isValid() and self.history.is_signed(index.row())
        summary = self.history.summary(index.row()) if index.isValid() else None
        printing = actor.can(Action.PRINT) and not self._print_busy
        return {
            "edit": actor.can(Action.EDIT_PATIENTS),
            "new_session": actor.can(Action.CHART),
            "open_session": index.isValid(),
            "follow_up": signed and actor.can(Action.ASSESS),
            "touch_up": signed and actor.can(Action.CHART),
            "handout": printing and summary is not None and bool(summary.zones),
            "leaflet": printing,
        }[what]

    def can_add_patients(self) -> bool:
        actor = self._services.actor
        return actor is not None and actor.can(Action.EDIT_PATIENTS)

    def _update_actions(self) -> None:
        self._selected_session = self.selected_session_id
        if not self._page_built:
            return  # its buttons are made with the page, which updates them then
        for what, button in (
            ("edit", self.edit_button),
            ("new_session", self.new_session_button),
            ("open_session", self.open_session_button),
            ("follow_up", self.follow_up_button),
            ("touch_up", self.touch_up_button),
            ("handout", self.print_handout_button),
            ("handout", self.save_handout_button),
            ("handout", self.preview_handout_button),
            ("leaflet", self.leaflet_button),
        ):
            button.setEnabled(self.can(what))
        self.export_button.setEnabled(self.patient is not None)
        self.sig_actions_changed.emit()

    def _emit_patient(self, signal: Signal) -> None:  # type: ignore[type-arg]
        if self.patient is not None and self.patient.id is not None:
            signal.emit(self.patient.id)  # type: ignore[attr-defined]

    def _emit_session(self, signal: Signal) -> None:  # type: ignore[type-arg]
        session_id = self.selected_session_id
        if session_id is not None:
            signal.emit(session_id)  # type: ignore[attr-defined]

    def _on_timeline_activated(self, index: QModelIndex) -> None:
        if index.isValid() and self.can("open_session"):
            self.sig_open_session_requested.emit(self.history.summary(index.row()).session_id)  # type: ignore[union-attr]
