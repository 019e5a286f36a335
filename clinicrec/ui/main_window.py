"""The main window: the patient list on the left, the selected patient's chart on the right."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import QLabel, QMainWindow, QSplitter, QToolBar, QWidget

from .. import __version__
from ..domain.errors import ClinicRecError
from ..services.app import Services
from ..services.base import Change, ChangeEntity
from ..services.permissions import Action
from .changes import ChangeBus
from .clinic_actions import ClinicActions
from .first_paint import AfterFirstPaint
from .interop.actions import InteropActions
from .patients.patient_chart import PatientChart
from .patients.patient_editor import PatientEditor
from .patients.patient_list import PatientListPanel
from .preload import release_when_idle
from .printing import DocumentPrinter
from .prompts import Prompts
from .review.review_actions import ReviewActions
from .stepwise import StepwiseBuild
from .window_sizes import WindowSizes
from .worker import Worker

if TYPE_CHECKING:
    from .patients.patient_list_model import FirstPageAhead
    from .session.window import SessionWindow

#: Arrow-key browsing through the list opens (and logs) only the chart the user stops on.
CHART_DELAY_MS = 150
#: A window built in steps waits this long at most for the patient list's first page (read on the
#: worker meanwhile) before it is shown, so that it shows with its rows rather than an empty list.
FIRST_PAGE_WAIT_S = 1.0
#: The chart's page is built after the first paint, or this long after the window was begun at the latest
#: (a window shown minimised paints late).
CHART_PAGE_AT_LATEST_MS = 3000


def describe_actor(services: Services) -> str:
    actor = services.actor
    if actor is None:
        return "Not signed in"
    return f"{actor.signature_name} — {actor.role.label}"


class MainWindow(QMainWindow):
    sig_session_window_opened = Signal(object)  # the window, for tests and the lead's end-to-end checks

    def __init__(
        self,
        services: Services,
        bus: ChangeBus,
        prompts: Prompts,
        worker: Worker,
        *,
        page_size: int | None = None,
        window_sizes: WindowSizes | None = None,
        stepwise: bool = False,
        first_page: FirstPageAhead | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """Built here, or with ``stepwise`` only begun: ``building.start()`` then builds it one step per
        turn of the event loop (about 40 ms of the GUI thread in all, each step some 10 ms), and
        ``building.sig_done`` says it can be shown (the application shows it then: never half-built),
        once the patient list's first page has arrived from the worker (``FIRST_PAGE_WAIT_S`` at most)."""
        super().__init__(parent)
        self.window_sizes = window_sizes  # None: windows open at their default size, nothing remembered
        self._services = services
        self._bus = bus
        self._prompts = prompts
        self._worker = worker
        self._page_size = page_size
        self._first_page = first_page  # the patient list's first page, read since the sign-in
        self.session_windows: list[QWidget] = []
        #: Session windows being built in steps (not shown yet): shown, and then in ``session_windows``,
        #: once built. With a synchronous worker (the tests') a window is built at once, as its jobs run.
        self.opening_windows: list[QWidget] = []
        self.stepwise_session_windows = not worker.synchronous
        self._signed_out = False
        self._close_pending = False  # a close waits for a session window to finish its save
        #: Set when the window closed for a sign-out or a switch of user: the sign-in screen follows
        #: (with this notice) instead of the application quitting.
        self.sign_in_again: str | None = None
        self._shown = False
        self._chart_timer = QTimer(self)
        self._chart_timer.setSingleShot(True)
        self._chart_timer.setInterval(CHART_DELAY_MS)
        self._pending_patient: int | None = None
        self.setObjectName("main_window")
        self.setWindowTitle("ClinicRec")
        # The clinic's name for the title is read on the worker while the window is built (cold, some
        # 30 ms of the GUI thread); so is the patient list's first page (PatientListPanel).
        worker.run(self._title, self._set_title, lambda _e: None)
        self.built = False  # every widget made (a build cancelled by an early close never is)
        self._defer_chart_page = stepwise
        self.building = StepwiseBuild(self._build(waits_for_rows=stepwise), self)
        if not stepwise:
            self.building.run_all()
        else:
            # The chart's page (no patient is shown yet: "Select a patient ...") is built just after the
            # first rows have painted, not before them (``PatientChart(defer_page=True)``).
            AfterFirstPaint(self, self._build_chart_page, at_latest_ms=CHART_PAGE_AT_LATEST_MS)

    def _build_chart_page(self) -> None:
        if shiboken6.isValid(self) and self.built:
            self.chart.build_page()

    def _build(self, *, waits_for_rows: bool) -> Iterator[None]:
        yield from self._build_ui()
        self._connect_signals()
        self._update_actions()
        self.built = True
        if waits_for_rows:  # the event loop runs between the checks: the page arrives by signal
            deadline = time.monotonic() + FIRST_PAGE_WAIT_S
            while self.patient_list.model.loading and time.monotonic() < deadline:
                yield

    def _set_title(self, title: str) -> None:
        if shiboken6.isValid(self):  # (closed before the name came: nothing to do)
            self.setWindowTitle(title)

    def _title(self) -> str:
        try:
            clinic = self._services.clinic.get().name if self._services.clinic.is_set_up() else ""
        except ClinicRecError:
            clinic = ""
        return f"ClinicRec — {clinic}" if clinic else "ClinicRec"

    # -- building -------------------------------------------------------------------------------
    def _action(
        self, text: str, name: str, shortcut: QKeySequence | str | None = None, tip: str = ""
    ) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setToolTip(
            f"{tip or text.replace('&', '').rstrip('…')}"
            + (
                f" ({action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)})"
                if shortcut is not None
                else ""
            )
        )
        action.setStatusTip(tip or text.replace("&", "").rstrip("…"))
        return action

    def _build_ui(self) -> Iterator[None]:
        """The widgets, in steps (each ``yield``: the event loop may run before the next)."""
        self.quit_action = self._action("&Quit", "quit_action", QKeySequence.StandardKey.Quit)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.new_patient_action = self._action(
            "&New patient…", "new_patient_action", "Ctrl+Shift+N", "Add a patient"
        )
        self.edit_patient_action = self._action(
            "&Edit patient…", "edit_patient_action", "Ctrl+E", "Edit the selected patient"
        )
        self.find_action = self._action(
            "&Find patient",
            "find_action",
            QKeySequence.StandardKey.Find,
            "Search patients by name, chart number or date of birth",
        )
        self.new_session_action = self._action(
            "&New session",
            "new_session_action",
            QKeySequence.StandardKey.New,
            "Chart a new session for the selected patient",
        )
        self.open_session_action = self._action(
            "&Open session", "open_session_action", "Ctrl+O", "Open the selected session"
        )
        self.follow_up_action = self._action(
            "Record &follow-up…",
            "follow_up_action",
            "Ctrl+Shift+F",
            "Record a follow-up assessment for the selected session",
        )
        self.touch_up_action = self._action(
            "&Touch-up session", "touch_up_action", "Ctrl+T", "Chart a touch-up of the selected session"
        )
        self.follow_ups_due_action = self._action(
            "My follow-ups &due…",
            "follow_ups_due_action",
            "Ctrl+Shift+D",
            "Your sessions whose follow-up is due or overdue; each opens straight into the follow-up",
        )
        self.about_action = self._action("&About ClinicRec", "about_action")

        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        file_menu.addAction(self.quit_action)
        patients_menu = menu.addMenu("&Patients")
        patients_menu.addActions([self.new_patient_action, self.edit_patient_action])
        patients_menu.addSeparator()
        patients_menu.addAction(self.find_action)
        session_menu = menu.addMenu("&Session")
        session_menu.addActions(
            [self.new_session_action, self.open_session_action, self.follow_up_action, self.touch_up_action]
        )
        self.review_actions = ReviewActions(
            self,
            self._services,
            self._bus,
            self._prompts,
            lambda patient_id, session_id: self._open_session_window(
                patient_id=patient_id, session_id=session_id
            ),
        )
        session_menu.addSeparator()
        session_menu.addAction(self.follow_ups_due_action)
        help_menu = menu.addMenu("&Help")
        self.printer = DocumentPrinter(self._services, self._prompts, self._worker, self)
        help_menu.addActions(list(self.printer.leaflet_actions(self)))
        help_menu.addSeparator()
        help_menu.addAction(self.about_action)
        self.clinic_actions = ClinicActions(self, self._services, self._bus, self._prompts, self._worker)
        self.clinic_actions.install(file_menu)
        self.interop_actions = InteropActions(self, self._services, self._prompts, self._worker)
        self.interop_actions.install(self.clinic_actions.admin_menu)
        self.review_actions.install(session_menu, self.clinic_actions.admin_menu)

        toolbar = QToolBar("Main", self)
        toolbar.setObjectName("main_toolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        toolbar.setIconSize(QSize(18, 18))
        toolbar.addActions([self.new_patient_action, self.edit_patient_action, self.find_action])
        toolbar.addSeparator()
        toolbar.addActions(
            [self.new_session_action, self.open_session_action, self.follow_up_action, self.touch_up_action]
        )
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)
        self.toolbar = toolbar
        yield

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("main_splitter")
        self.splitter.setChildrenCollapsible(False)
        # Made in the splitter: made elsewhere and moved into it, each was styled twice (~10 ms at start).
        self.patient_list = PatientListPanel(
            self._services,
            self._bus,
            page_size=self._page_size,
            worker=self._worker,
            first_page=self._first_page,
            parent=self.splitter,
        )
        self._first_page = None
        self.patient_list.setMinimumWidth(420)
        yield
        self.chart = PatientChart(
            self._services, self._bus, self.splitter, worker=self._worker, defer_page=self._defer_chart_page
        )
        self.chart.setMinimumWidth(560)
        yield
        self.splitter.addWidget(self.patient_list)
        self.splitter.addWidget(self.chart)
        self.splitter.setStretchFactor(0, 4)
        self.splitter.setStretchFactor(1, 6)
        self.splitter.setSizes([590, 690])
        self.setCentralWidget(self.splitter)

        self.user_label = QLabel(describe_actor(self._services), self)
        self.user_label.setObjectName("status_user")
        self.user_label.setAccessibleName("Signed-in user")
        location = self._services.database_file
        self.database_label = QLabel(
            f"Database: {location}" if location else f"Database: {self._services.db.url.split('@')[-1]}", self
        )
        self.database_label.setObjectName("status_database")
        self.database_label.setAccessibleName("Database location")
        self.statusBar().addWidget(self.user_label)
        self.statusBar().addPermanentWidget(self.database_label)
        self.setMinimumSize(1024, 640)
        QWidget.setTabOrder(self.patient_list.search_edit, self.patient_list.table)

    def _connect_signals(self) -> None:
        self.quit_action.triggered.connect(self.close)
        self.new_patient_action.triggered.connect(self.new_patient)
        self.edit_patient_action.triggered.connect(lambda: self.edit_patient())
        self.find_action.triggered.connect(self.patient_list.focus_search)
        self.new_session_action.triggered.connect(self.new_session)
        self.open_session_action.triggered.connect(lambda: self._with_session(self.open_session))
        self.follow_up_action.triggered.connect(lambda: self._with_session(self.record_follow_up))
        self.touch_up_action.triggered.connect(lambda: self._with_session(self.touch_up))
        self.about_action.triggered.connect(self.about)
        self.follow_ups_due_action.triggered.connect(self.show_follow_ups_due)

        self.patient_list.sig_patient_selected.connect(self._on_patient_selected)
        self.patient_list.sig_patient_activated.connect(self._on_patient_activated)
        self.patient_list.sig_new_patient_requested.connect(self.new_patient)
        self._chart_timer.timeout.connect(self._load_pending_chart)
        self.chart.sig_edit_patient_requested.connect(self.edit_patient)
        self.chart.sig_new_session_requested.connect(lambda _pid: self.new_session())
        self.chart.sig_open_session_requested.connect(self.open_session)
        self.chart.sig_follow_up_requested.connect(self.record_follow_up)
        self.chart.sig_touch_up_requested.connect(self.touch_up)
        self.chart.sig_actions_changed.connect(self._update_actions)
        self.chart.sig_export_requested.connect(self.interop_actions.export_records)
        self.printer.connect_patient_chart(self.chart)
        self.printer.sig_printed.connect(lambda message: self.statusBar().showMessage(message, 8000))
        self.printer.sig_saved.connect(lambda path: self.statusBar().showMessage(f"Saved {path}", 8000))
        self._bus.sig_changed.connect(self._on_change)

    def _on_change(self, change: Change) -> None:
        """The signed-in user's own account changed (a new role taken up at the lock): menus follow."""
        actor = self._services.actor
        if change.entity == ChangeEntity.USER and actor is not None and change.entity_id == actor.user_id:
            self.user_label.setText(describe_actor(self._services))
            self.clinic_actions.update_for_actor()
            self.review_actions.update_for_actor()
            self._update_actions()

    # -- patients -------------------------------------------------------------------------------
    @property
    def current_patient_id(self) -> int | None:
        return self.chart.patient.id if self.chart.patient is not None else None

    def _on_patient_selected(self, patient_id: int | None) -> None:
        if patient_id is None:
            return  # a search that hides the patient keeps the chart open
        self._pending_patient = patient_id
        self._chart_timer.start()

    def _on_patient_activated(self, patient_id: int) -> None:
        self.show_patient(patient_id)
        self.chart.timeline.setFocus(Qt.FocusReason.OtherFocusReason)

    def _load_pending_chart(self) -> None:
        if self._pending_patient is not None:
            self.show_patient(self._pending_patient)

    def show_patient(self, patient_id: int | None) -> None:
        """Open a patient's chart now (logged as a view)."""
        self._chart_timer.stop()
        self._pending_patient = None
        if patient_id != self.current_patient_id or patient_id is None:
            self.chart.set_patient(patient_id)
        self._update_actions()

    def new_patient(self) -> None:
        patient = PatientEditor.ask(self, self._services, self._prompts)
        if patient is not None and patient.id is not None:
            self.patient_list.select_patient(patient.id)
            self.show_patient(patient.id)
            self.statusBar().showMessage(f"Added {patient.full_name} ({patient.chart_number}).", 5000)

    def edit_patient(self, patient_id: int | None = None) -> None:
        patient_id = patient_id if patient_id is not None else self.current_patient_id
        if patient_id is None or not self.chart.can("edit"):
            return
        patient = PatientEditor.ask(self, self._services, self._prompts, patient_id)
        if patient is not None:
            self.statusBar().showMessage(f"Saved {patient.full_name}.", 5000)

    # -- sessions (windows provided by clinicrec.ui.session) ----------------------------------------
    def _with_session(self, slot) -> None:  # type: ignore[no-untyped-def]
        session_id = self.chart.selected_session_id
        if session_id is not None:
            slot(session_id)

    def new_session(self) -> None:
        if self.current_patient_id is not None and self.chart.can("new_session"):
            self._open_session_window(patient_id=self.current_patient_id)

    def open_session(self, session_id: int) -> None:
        if self.current_patient_id is not None:
            self._open_session_window(patient_id=self.current_patient_id, session_id=session_id)

    def touch_up(self, session_id: int) -> None:
        if self.current_patient_id is not None and self.chart.can("touch_up"):
            self._open_session_window(patient_id=self.current_patient_id, touch_up_of_id=session_id)

    def _open_session_window(self, **kw: int) -> QWidget | None:
        try:
            from .session.window import SessionWindow
        except ImportError:
            self._prompts.info(self, "Session charting", "Session charting is not available in this build.")
            return None
        # An already open window for the same session is brought forward; one still being built is
        # shown when it is ready (never a second window for it).
        for window in [*self.session_windows, *self.opening_windows]:
            if kw.get("session_id") is not None and getattr(window, "session_id", None) == kw["session_id"]:
                if window in self.session_windows:
                    window.raise_()
                    window.activateWindow()
                return window
        stepwise = self.stepwise_session_windows
        try:
            # (asked only when wanted: built at once, a window takes the plain constructor's arguments)
            window = SessionWindow(
                self._services,
                self._bus,
                self._prompts,
                self._worker,
                **kw,
                **({"stepwise": True} if stepwise else {}),
            )
        except ClinicRecError as e:
            self._prompts.error(self, "Session", str(e))
            return None
        if not stepwise:
            self._show_session_window(window)
            return window
        # Built one step per turn of the event loop (~80 ms of work in all, no turn near 50 ms), then shown
        # whole: no half-built window is ever seen.
        self.opening_windows.append(window)
        window.building.sig_done.connect(lambda w=window: self._show_session_window(w))
        window.building.sig_failed.connect(lambda e, w=window: self._session_window_failed(w, e))
        window.building.start()
        return window

    def _show_session_window(self, window: SessionWindow) -> None:
        if window in self.opening_windows:
            self.opening_windows.remove(window)
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        window.destroyed.connect(lambda _=None, w=window: self._forget_window(w))
        self.session_windows.append(window)
        if self.window_sizes is not None:
            self.window_sizes.show(window, "session")
        else:
            window.show()
        self.sig_session_window_opened.emit(window)

    def _session_window_failed(self, window: QWidget, error: ClinicRecError) -> None:
        self._cancel_opening(window)
        self._prompts.error(self, "Session", str(error))

    def _cancel_opening(self, window: QWidget) -> None:
        """A window still being built is not wanted any more: its build stops, it is never shown."""
        if window in self.opening_windows:
            self.opening_windows.remove(window)
        window.building.cancel()  # type: ignore[attr-defined]
        window.deleteLater()

    def _forget_window(self, window: QWidget) -> None:
        if window in self.session_windows:
            self.session_windows.remove(window)
        release_when_idle()  # what it left frozen, collected at the user's next pause

    def record_follow_up(self, session_id: int) -> None:
        if self.chart.can("follow_up"):
            self._open_follow_up(session_id)

    def _open_follow_up(self, session_id: int) -> None:
        """The follow-up dialog for a signed session (the services check the right to record it)."""
        try:
            from .session.follow_up import FollowUpDialog
        except ImportError:
            self._prompts.info(self, "Follow-up", "Follow-up recording is not available in this build.")
            return
        dialog = FollowUpDialog(self, self._services, self._prompts, session_id)
        if dialog.exec() == FollowUpDialog.DialogCode.Accepted and dialog.saved is not None:
            self.statusBar().showMessage(dialog.confirmation(), 15000)
        dialog.deleteLater()

    def show_follow_ups_due(self) -> QWidget:
        """The nurse's own follow-ups due and overdue (one window, brought forward if open)."""
        from .follow_ups_due import FollowUpsDueWindow

        window = self.clinic_actions.screens.get("follow_ups_due")
        if window is None:
            due = FollowUpsDueWindow(self._services, self._bus, self)
            due.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
            due.destroyed.connect(lambda _=None: self.clinic_actions.screens.pop("follow_ups_due", None))
            due.sig_follow_up_requested.connect(self._follow_up_from_list)
            self.clinic_actions.screens["follow_ups_due"] = window = due
        window.show()
        window.raise_()
        window.activateWindow()
        return window

    def _follow_up_from_list(self, patient_id: int, session_id: int) -> None:
        self.show_patient(patient_id)
        self._open_follow_up(session_id)

    # -- window ---------------------------------------------------------------------------------
    def _update_actions(self) -> None:
        self.edit_patient_action.setEnabled(self.chart.can("edit"))
        self.new_session_action.setEnabled(self.chart.can("new_session"))
        self.open_session_action.setEnabled(self.chart.can("open_session"))
        self.follow_up_action.setEnabled(self.chart.can("follow_up"))
        self.touch_up_action.setEnabled(self.chart.can("touch_up"))
        actor = self._services.actor
        self.new_patient_action.setEnabled(actor is not None and self.chart.can_add_patients())
        self.patient_list.new_patient_button.setEnabled(self.new_patient_action.isEnabled())

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._shown:
            self._shown = True
            QTimer.singleShot(0, self.offer_recovery_key)

    def offer_recovery_key(self) -> None:
        """An encrypted database without a recovery key (one converted from a plain database): the first
        administrator to sign in makes one, shown this once, before anything else."""
        actor = self._services.actor
        if actor is None or not actor.can(Action.MANAGE_USERS) or self._services.auth.has_recovery_key():
            return
        try:
            recovery = self._services.auth.new_recovery_key()
        except ClinicRecError as e:
            self._prompts.error(self, "Recovery key", f"The recovery key could not be made: {e}")
            return
        self._prompts.info(
            self,
            "Recovery key",
            "The clinic's records are now encrypted on this computer. This recovery key opens them if "
            "every administrator's password is lost. Write it down or print it now and keep it locked "
            f"away from the computer: it is shown only this once.\n\n{recovery}",
        )

    def about(self) -> None:
        self._prompts.info(
            self,
            "About ClinicRec",
            f"ClinicRec {__version__}\nCharting for aesthetic nurse injectors doing Microbotox.\n\n"
            f"Signed in: {describe_actor(self._services)}",
        )

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.built:  # closed before it was built (never shown): nothing else is open
            self.building.cancel()
            self.sign_out()
            super().closeEvent(event)
            return
        for screen in list(self.clinic_actions.screens.values()):
            screen.close()
        for window in list(self.session_windows):
            if not window.close():  # the session window asks about unsaved work; the user may cancel
                if getattr(window, "closing_after_save", False):
                    # It closes once its save has landed (without a wait here): then this close again.
                    self._close_after(window)
                event.ignore()
                return
        for window in list(self.opening_windows):  # asked for but not shown yet: not opened after all
            self._cancel_opening(window)
        self.sign_out()
        super().closeEvent(event)

    def _close_after(self, window: QWidget) -> None:
        """Close this window again once ``window`` (a session window finishing its save) has gone."""
        if not self._close_pending:
            self._close_pending = True
            window.sig_closed.connect(lambda: QTimer.singleShot(0, self._close_again))  # type: ignore[attr-defined]

    def _close_again(self) -> None:
        self._close_pending = False
        self.close()

    @property
    def close_pending(self) -> bool:
        """A close waits for a session window's save; it is asked again when that window has gone."""
        return self._close_pending

    def leave_for_sign_in(self, *, switching: bool = False) -> bool:
        """Sign out and close, the sign-in screen to follow (Sign out, Switch user, the lock's Sign out).

        False if an open session window kept the window open (its unsaved work; the user cancelled)."""
        actor = self._services.actor
        name = actor.signature_name if actor is not None else "The user"
        self.sign_in_again = (
            f"{name} signed out. Sign in as yourself to carry on." if switching else f"{name} signed out."
        )
        if not self.close():
            if not self._close_pending:  # a close waiting for a save keeps its purpose (the sign-in next)
                self.sign_in_again = None
            return False
        return True

    def sign_out(self) -> None:
        if not self._signed_out:
            self._signed_out = True
            self._services.auth.sign_out()
