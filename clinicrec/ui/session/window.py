"""The session charting window: details, vial and concentration, the face map, totals, ratings, events.

A view: it builds the widgets (``_build_ui``) and wires them (``_connect_signals``). The session's
state, saving as you go, warnings, vial draws and signing live in the ``SessionController``; what it
says is shown by the ``SessionPresenter``; asking the injector is done by the collaborators
(``SafetyPrompts``, ``SessionSigning``, ``SessionRecords``, ``SessionPrinting``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import QLabel, QMainWindow, QWidget

from ...domain.models import TreatmentSession
from ...services.app import Services
from ..changes import ChangeBus
from ..consent.session_consent import SessionConsent
from ..photos.panel import PhotoPanel
from ..photos.watch import saved_folder
from ..preload import freeze_long_lived
from ..printing import DocumentPrinter, PrintingIndicator
from ..prompts import Prompts
from ..stepwise import StepwiseBuild
from ..style import follow_scheme
from ..worker import Worker
from .controller import SessionController
from .discard import DraftDiscarding
from .follow_ups_panel import SessionFollowUps
from .layout import LaterPage, SessionLayout
from .map_cursor import KeyboardPlacement
from .point_notes import PointNotes
from .presenter import SessionForms, SessionPresenter
from .printing import SessionPrinting
from .safety import SafetyPrompts
from .screening_panel import ScreeningPanel, ScreeningRead
from .signing import SessionRecords, SessionSigning

#: How many rows of the points list its column widths are measured on.
POINTS_SIZED_FROM = 30
#: What is out of sight is built on a timer this many ms after the window shows, not on a zero timer:
#: a zero timer is a posted event, handled in the same pass as the window's first paint (one stall of
#: both); a timer runs in a later pass, so the event loop answers in between.
LATER_MS = 1


class SessionWindow(QMainWindow):
    sig_session_saved = Signal(int)  # session id
    sig_session_signed = Signal(int)
    sig_amendment_started = Signal(int)  # the new draft's id
    sig_closed = Signal()  # the window has closed (its draft saved or deliberately left)

    def __init__(
        self,
        services: Services,
        bus: ChangeBus,
        prompts: Prompts,
        worker: Worker,
        *,
        patient_id: int,
        session_id: int | None = None,
        touch_up_of_id: int | None = None,
        stepwise: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        """Built here, or with ``stepwise`` only begun: ``building.start()`` then builds it one step per
        turn of the event loop (``building.sig_done`` once it can be shown; the application does this,
        so that opening never stalls the event loop for the whole build)."""
        super().__init__(parent)
        self._services, self._prompts, self._worker, self._bus = services, prompts, worker, bus
        self._asked_session_id = session_id
        self._shown = False
        self._close_queued = False  # a close waits for the save in flight
        self.setObjectName("session_window")
        self._stepwise = stepwise
        self.building = StepwiseBuild(self._build(patient_id, session_id, touch_up_of_id), self)
        if not stepwise:
            self.building.run_all()

    @property
    def session_id(self) -> int | None:
        if self.building.pending:  # the session asked for, until the window has opened it
            return self._asked_session_id
        return self.controller.session_id

    @property
    def closing_after_save(self) -> bool:
        """A close was asked during a save: the window closes by itself once the save has landed."""
        return self._close_queued

    @property
    def session(self) -> TreatmentSession:
        """The session as last saved (or as opened, when nothing has been saved yet)."""
        return self.controller.session

    # -- building ------------------------------------------------------------------------------------
    def _build(self, patient_id: int, session_id: int | None, touch_up_of_id: int | None) -> Iterator[None]:
        """The whole build; each ``yield`` is where the event loop may run when it is built in steps."""
        self.controller = SessionController(
            self._services, self._bus, self._worker, patient_id=patient_id, parent=self
        )
        yield
        yield from self._build_ui()
        self._connect_signals()
        yield
        self.controller.open(session_id=session_id, touch_up_of_id=touch_up_of_id)
        self.resize(1280, 800)
        # What showing would do in one pass, before it: each column's layout worked out (its size
        # hints, cached until a widget in it changes) in a turn of its own, then the platform window.
        for column in (self.ui.root.findChild(QWidget, "session_header"), *self._columns()):
            yield
            column.ensurePolished()
            column.sizeHint()
        yield
        self.ensurePolished()
        self.layout().activate()
        yield
        self.winId()
        if self._stepwise:
            # Shown in one turn of the event loop and painted in the next (``showEvent``): showing
            # (every widget's show and geometry) and the first paint of the whole window were one
            # stall of 30-47 ms. The window appears painted a millisecond later, whole.
            self.setUpdatesEnabled(False)

    def _columns(self) -> list[QWidget]:
        splitter = self.ui.splitter
        return [splitter.widget(i) for i in range(splitter.count())]

    def _build_ui(self) -> Iterator[None]:
        c = self.controller
        self.points_model, self.totals_model, self.events_model = (
            c.points_model,
            c.totals_model,
            c.events_model,
        )
        self.undo_stack, self.editor = c.undo_stack, c.editor
        self.ui = SessionLayout(
            self, c.patient, self.points_model, self.totals_model, self.events_model, later=True
        )
        yield from self.ui.steps
        yield
        self.setCentralWidget(self.ui.root)
        # The screening asked at this visit, after Session and Baseline (their tab numbers stay). Built
        # after the window's first paint (or when shown first); what it shows is read on the worker.
        self._screening_read: ScreeningRead | None = None
        self._screening_reads = 0  # only the newest read is shown
        self.screening_page = LaterPage(self.ui.left_tabs, "session_screening", self._build_screening)
        self.ui.left_tabs.insertTab(2, self.screening_page.area, "Screening")
        self.ui.details.clock = self._services.ctx.clock
        self.ui.details.zone_name = self._services.clinic.time_zone()  # typed and shown in the clinic's time
        c.form = SessionForms(self.ui)
        # The points list sizes its columns from at most 30 rows (those in view first), not from every
        # row at every change: with a hundred points that cost each dose change ~20 ms of the GUI thread.
        self.ui.totals.points_view.horizontalHeader().setResizeContentsPrecision(POINTS_SIZED_FROM)
        self.map = self.ui.map
        self.save_state = QLabel(self)
        self.save_state.setObjectName("save_state")
        self.selection_state = QLabel(self)
        self.selection_state.setObjectName("selection_state")
        self.selection_state.setAccessibleName("Points a dose change touches")
        self.statusBar().addPermanentWidget(self.selection_state)
        self.statusBar().addPermanentWidget(self.save_state)
        self.statusBar().setObjectName("session_status_bar")
        self.printer = DocumentPrinter(self._services, self._prompts, self._worker, self)
        self.print_indicator = PrintingIndicator(self, name="session_printing")
        self.statusBar().addPermanentWidget(self.print_indicator)
        self._build_actions()
        yield
        self.presenter = SessionPresenter(
            c,
            self.ui,
            self,
            self._prompts,
            self.save_state,
            self.selection_state,
            [self.save_action, self.sign_action, self.vial_action, self.last_map_action],
            [self.amend_action, self.follow_up_action],
        )
        status = self.presenter.status
        self.safety = SafetyPrompts(c, self._services, self._prompts, self, status, self.presenter.refused)
        self.signing = SessionSigning(c, self.safety, self.presenter, self._prompts, self)
        self.records = SessionRecords(c, self._services, self._prompts, self, self.ui.ae_view, status)
        self.printing = SessionPrinting(c, self.printer, self, self.ui.print_button, status)
        self.discarding = DraftDiscarding(c, self._services, self._prompts, self, status)
        yield
        self.photos = PhotoPanel(self._services, self._bus, self._worker, self, watch_folder=saved_folder())
        self._photos_of: tuple[int, int | None] | None = None  # the session the Photos tab is to show
        self.ui.left_tabs.addTab(self.photos, "Photos")
        self.ui.fit_left_tabs()
        self.consent = SessionConsent(
            self._services, self._bus, self.printer, c.patient.id or 0, self, worker=self._worker
        )
        self.statusBar().insertPermanentWidget(0, self.consent.label)
        self._build_menus()
        follow_scheme(self, self.presenter.restyle, now=False)  # hand-set colours follow a switch

    def _action(
        self,
        text: str,
        obj: str,
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None,
        tip: str = "",
    ) -> QAction:
        action = QAction(text, self)
        action.setObjectName(obj)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setToolTip(tip or text.replace("&", "").replace("…", ""))
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.undo_action = self.undo_stack.createUndoAction(self, "Undo")
        self.undo_action.setObjectName("undo_action")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = self.undo_stack.createRedoAction(self, "Redo")
        self.redo_action.setObjectName("redo_action")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.addActions([self.undo_action, self.redo_action])
        self.save_action = self._action(
            "&Save now",
            "save_action",
            QKeySequence.StandardKey.Save,
            "Save the draft now (it also saves itself)",
        )
        self.vial_action = self._action("Add &vial…", "choose_vial_action", "Ctrl+Shift+V")
        self.last_map_action = self._action("Start from &last map", "last_map_action", None)
        self.sign_action = self._action(
            "&Sign…", "sign_action", "Ctrl+Shift+S", "Sign the session (Ctrl+Shift+S): it locks"
        )
        self.amend_action = self._action(
            "&Amend…", "amend_action", None, "Correct a signed session with a recorded reason"
        )
        self.ae_action = self._action("Adverse &event…", "adverse_event_action", "Ctrl+Shift+E")
        self.follow_up_action = self._action("&Follow-up…", "follow_up_action", "Ctrl+Shift+F")
        self.close_action = self._action("&Close", "close_action", QKeySequence.StandardKey.Close)
        self.discard_action = self._action(
            "&Discard draft…", "discard_draft_action", None, "Delete this draft, with a recorded reason"
        )
        self.zoom_in_action = self._action("Zoom in", "zoom_in_action", QKeySequence.StandardKey.ZoomIn)
        self.zoom_out_action = self._action("Zoom out", "zoom_out_action", QKeySequence.StandardKey.ZoomOut)
        self.zoom_fit_action = self._action("Fit map", "zoom_fit_action", "Ctrl+0")
        self.focus_map_action = self._action("Go to the map", "focus_map_action", "Ctrl+M")
        self.focus_grid_action = self._action("Go to grid fill", "focus_grid_action", "Ctrl+G")
        self.keyboard_place_action = self._action(
            "Place points with the &keyboard",
            "keyboard_place_action",
            "Ctrl+K",
            "A cross-hair on the map: arrows move it, Enter places a point, Esc ends (K on the map)",
        )
        self.keyboard_place_action.setCheckable(True)
        self.keyboard_placement = KeyboardPlacement(self.map, self.ui.tools.current_zone, self)
        self.point_notes = PointNotes(self, self.map, self.ui.tools, self.editor)
        self.follow_ups = SessionFollowUps(
            self._services, self.controller.bus, self.ui.totals.tabs, self.controller.patient.id or 0, self
        )
        self.ui.undo_button.setEnabled(False)
        self.ui.redo_button.setEnabled(False)
        for button, action in (
            (self.ui.ae_button, self.ae_action),
            (self.ui.follow_up_button, self.follow_up_action),
            (self.ui.amend_button, self.amend_action),
            (self.ui.sign_button, self.sign_action),
        ):
            button.setToolTip(action.toolTip())

    def _build_menus(self) -> None:
        menu = self.menuBar().addMenu("&Session")
        menu.addActions(
            [self.save_action, self.sign_action, self.amend_action, self.ae_action, self.follow_up_action]
        )
        menu.addActions([self.consent.action, self.consent.print_action])
        menu.addSeparator()
        menu.addActions(self.printing.actions[:2])
        menu.addSeparator()
        menu.addActions(self.printing.actions[2:])
        menu.addSeparator()
        menu.addActions([self.discard_action, self.close_action])
        edit = self.menuBar().addMenu("&Edit")
        edit.addActions([self.undo_action, self.redo_action, self.vial_action, self.last_map_action])
        edit.addActions([self.keyboard_place_action, self.point_notes.action])

    # -- wiring --------------------------------------------------------------------------------------
    def _connect_signals(self) -> None:
        c, ui, p, editor, map_ = self.controller, self.ui, self.presenter, self.editor, self.map
        connections: list[tuple[object, Callable[..., object]]] = [
            # the controller tells, the presenter shows
            (c.sig_loaded, p.loaded),
            (c.sig_loaded, self._photos_follow),
            (c.sig_saved, self._photos_follow),
            (ui.left_tabs.currentChanged, lambda _i: self._show_photos()),
            (c.sig_points_changed, p.refresh_points),
            (c.sig_points_changed, self.printing.update),
            (c.sig_saved, p.saved),
            (c.sig_save_failed, p.save_failed),
            (c.sig_save_state_changed, self.save_state.setText),
            (c.sig_warnings_changed, p.show_safety),
            (c.sig_read_only_changed, p.set_read_only),
            (c.sig_read_only_changed, lambda _ro: self.printing.update()),
            (c.sig_loaded, self._read_screening),
            (c.sig_read_only_changed, self._screening_read_only),
            (c.sig_busy_changed, lambda busy: self.setEnabled(not busy)),
            (c.sig_session_signed, p.signed),
            (c.sig_loaded, self.follow_ups.show_session),
            (c.sig_session_signed, lambda s: self.follow_ups.show_session(s, c.signed_record())),
            (c.sig_message, p.status),
            (c.sig_saved, lambda s: self.sig_session_saved.emit(s.id)),
            (c.sig_session_signed, lambda s: self.sig_session_signed.emit(s.id)),
            (c.sig_amendment_started, self.sig_amendment_started.emit),
            # what the nurse does
            (ui.details.sig_changed, c.mark_dirty),
            (ui.baseline.sig_changed, c.mark_dirty),
            (editor.sig_message, p.status),
            (editor.sig_select, map_.set_selected_uids),
            (map_.sig_place_requested, editor.place),
            (map_.sig_points_moved, p.points_dragged),
            (map_.sig_nudge_requested, editor.nudge),
            (map_.sig_delete_requested, editor.delete),
            (map_.sig_insert_requested, lambda: editor.add_at_centre(ui.tools.current_zone())),
            (map_.sig_selection_changed, p.map_selection_changed),
            (map_.sig_edit_refused, p.refused),
            (map_.sig_hover_zone, p.hover_zone),
            (self.keyboard_place_action.toggled, self.keyboard_placement.set_active),
            (self.keyboard_placement.sig_active_changed, self.keyboard_place_action.setChecked),
            (self.keyboard_placement.sig_message, p.status),
            (ui.totals.points_view.selectionModel().selectionChanged, p.table_selection_changed),
            (ui.zoom_in.clicked, map_.zoom_in),
            (ui.zoom_out.clicked, map_.zoom_out),
            (ui.zoom_fit.clicked, map_.fit),
            (ui.labels_toggle.toggled, map_.set_labels_visible),
            (ui.last_map_button.clicked, self.safety.start_from_last_map),
            (ui.vial_panel.sig_choose_requested, self.safety.choose_vial),
            (ui.vial_panel.sig_active_changed, c.set_active_vial),
            (ui.vial_panel.default_dose.sig_dose_changed, lambda dose: setattr(editor, "default_dose", dose)),
            (ui.tools.sig_apply_dose_requested, lambda d: editor.set_dose(map_.selected_uids(), d)),
            (ui.tools.sig_delete_requested, lambda: editor.delete(map_.selected_uids())),
            (ui.tools.sig_grid_fill_requested, editor.grid_fill),
            (ui.tools.sig_add_centre_requested, editor.add_at_centre),
            (ui.totals.warnings.sig_reason_requested, self.safety.give_reason),
            (ui.ae_add.clicked, self.records.add_adverse_event),
            (ui.ae_edit.clicked, self.records.edit_adverse_event),
            (ui.ae_view.doubleClicked, lambda _i: self.records.edit_adverse_event()),
            # actions and buttons
            (self.save_action.triggered, lambda: c.when_saved(lambda _saved: None, hold=False)),
            (self.vial_action.triggered, self.safety.choose_vial),
            (self.last_map_action.triggered, self.safety.start_from_last_map),
            (self.sign_action.triggered, self.signing.sign),
            (self.amend_action.triggered, self.signing.amend),
            (self.ae_action.triggered, self.records.add_adverse_event),
            (self.follow_up_action.triggered, self.records.record_follow_up),
            (self.close_action.triggered, self.close),
            (self.discard_action.triggered, self.discarding.discard),
            (c.sig_read_only_changed, lambda ro: self.discard_action.setEnabled(not ro)),
            (self.zoom_in_action.triggered, map_.zoom_in),
            (self.zoom_out_action.triggered, map_.zoom_out),
            (self.zoom_fit_action.triggered, map_.fit),
            (self.focus_map_action.triggered, lambda: map_.setFocus()),
            (self.focus_grid_action.triggered, lambda: ui.tools.zone.setFocus()),
            (ui.ae_button.clicked, self.ae_action.trigger),
            (ui.follow_up_button.clicked, self.follow_up_action.trigger),
            (ui.amend_button.clicked, self.amend_action.trigger),
            (ui.sign_button.clicked, self.sign_action.trigger),
            (ui.undo_button.clicked, self.undo_stack.undo),
            (ui.redo_button.clicked, self.undo_stack.redo),
            (self.undo_stack.canUndoChanged, ui.undo_button.setEnabled),
            (self.undo_stack.canRedoChanged, ui.redo_button.setEnabled),
            (self.undo_stack.undoTextChanged, lambda t: ui.undo_button.setToolTip(f"Undo {t} (Ctrl+Z)")),
            (
                self.undo_stack.redoTextChanged,
                lambda t: ui.redo_button.setToolTip(f"Redo {t} (Ctrl+Shift+Z)"),
            ),
            (self.printer.sig_busy_changed, self.print_indicator.set_busy),
            (self.printer.sig_busy_changed, lambda _busy: self.printing.update()),
            (self.printer.sig_printed, p.status),
            (self.printer.sig_saved, lambda path: p.status(f"Saved {path}")),
        ]
        for signal, slot in connections:
            signal.connect(slot)  # type: ignore[attr-defined]

    # -- the Screening tab ---------------------------------------------------------------------------
    @property
    def screening(self) -> ScreeningPanel:
        """The Screening tab's panel (built now if it was not yet)."""
        return self.screening_page.ensure()

    def _build_screening(self) -> ScreeningPanel:
        panel = ScreeningPanel(self._services, self)
        panel.sig_screening_confirmed.connect(lambda s: self.controller.set_screening(s.screening))
        if self._screening_read is not None:
            panel.show_read(self._screening_read)
        panel.set_read_only(self.controller.read_only)
        return panel

    def _read_screening(self, session: TreatmentSession) -> None:
        """The session's screening and what changed since the last visit, read on the worker."""
        self._screening_reads += 1
        seq, services = self._screening_reads, self._services

        def done(read: ScreeningRead) -> None:
            if seq == self._screening_reads:
                self._screening_read = read
                if self.screening_page.built is not None:
                    self.screening_page.built.show_read(read)

        def failed(error: Exception) -> None:
            if seq == self._screening_reads:
                self.presenter.status(f"The screening could not be read: {error}")

        self._worker.run(lambda: ScreeningRead.of(services, session), done, failed)

    def _screening_read_only(self, read_only: bool) -> None:
        if self.screening_page.built is not None:
            self.screening_page.built.set_read_only(read_only)

    def _build_later(self) -> None:
        """What is out of sight at the opening, each page in its own turn of the event loop; then the
        window, built, is kept out of the collector's passes while the nurse charts in it."""
        for page in (self.screening_page,):
            if page.built is None:
                page.ensure()
                QTimer.singleShot(LATER_MS, self._build_later)
                return
        freeze_long_lived()

    # -- the Photos tab ------------------------------------------------------------------------------
    def _photos_follow(self, session: TreatmentSession) -> None:
        """The Photos tab follows the session; its photos and consent are read when the tab is shown, so
        opening the window and each autosave do not wait on them."""
        self._photos_of = (session.patient_id, session.id)
        self._show_photos()

    def _show_photos(self) -> None:
        if self._photos_of is None or self.ui.left_tabs.currentWidget() is not self.photos:
            return
        if self._photos_of != (self.photos.patient_id, self.photos.session_id):
            self.photos.set_patient(*self._photos_of)

    # -- Qt's hooks ----------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        if self.building.pending:  # closed before it was built (never shown): nothing to save
            self.building.cancel()
            event.accept()
            self.sig_closed.emit()
            return
        if self.controller.saving and not self.controller.read_only:
            # A save is on the worker: the window closes once it has landed (then as any close: what
            # was charted since is saved, a failure asks), never before, and without waiting here.
            event.ignore()
            if not self._close_queued:
                self._close_queued = True
                self.presenter.status("Saving… the window closes when the draft is saved.")
                self.controller.after_save(lambda: QTimer.singleShot(0, self._close_when_saved))
            return
        problems = self.controller.close()
        if problems:
            choice = self._prompts.save_discard_cancel(
                self,
                "Session not saved",
                f"The latest changes could not be saved:\n{problems}\n\n"
                "Save: stay and correct them. Discard: close without these changes (what was saved "
                "before is kept). Cancel: stay.",
            )
            if choice != "discard":
                event.ignore()
                return
        event.accept()
        self.sig_closed.emit()

    def _close_when_saved(self) -> None:
        self._close_queued = False
        self.close()  # a save that failed asks here, as any close does

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.presenter.hover_zone(None)
        if not self._shown:
            self._shown = True
            if self.updatesEnabled():
                QTimer.singleShot(LATER_MS, self._build_later)  # after the first paint: the tabs out of sight
            else:
                QTimer.singleShot(LATER_MS, self._paint_first)

    def _paint_first(self) -> None:
        """The first paint, in the turn after the window was shown; then what is out of sight."""
        self.setUpdatesEnabled(True)  # asks for the paint (a posted event: the next pass of the loop)
        QTimer.singleShot(LATER_MS, self._build_later)
