"""The session charting window: details, vial and concentration, the face map, totals, ratings, events.

Drafts save themselves (debounced after each change, and on close); signing locks the window; after
that only an amendment changes the record. The flows (save, sign, amend, dialogs) live in ``flows``.
"""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import QLabel, QMainWindow, QWidget

from ...domain.dilution import fmt_units, fmt_volume
from ...domain.dosing import totals_by_product, units_by_vial
from ...domain.enums import Depth, SessionStatus, Zone
from ...domain.models import TreatmentSession
from ...services.app import Services
from ...services.base import Change
from ..changes import ChangeBus
from ..facemap_widget import MapDot
from ..prompts import Prompts
from ..worker import Worker
from .editor import ChartEditor, Dose
from .flows import SessionFlows
from .layout import SessionLayout
from .models import AdverseEventsModel, PointsModel, TotalsModel, total_rows
from .print_flows import PrintFlows
from .safety_flows import SafetyFlows
from .signing_flows import SigningFlows
from .vial_panel import SessionVial

AUTOSAVE_MS = 1500
WARNINGS_MS = 250


class SessionWindow(PrintFlows, SigningFlows, SafetyFlows, SessionFlows, QMainWindow):
    sig_session_saved = Signal(int)  # session id
    sig_session_signed = Signal(int)
    sig_amendment_started = Signal(int)  # the new draft's id

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
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._services, self._bus, self._prompts, self._worker = services, bus, prompts, worker
        actor = services.actor
        assert actor is not None, "sign in before charting"
        self._actor = actor
        self._patient = services.patients.get(patient_id)
        self._products = {p.id: p for p in services.products.list(include_inactive=True)}
        self._form_version = services.clinic.get().consent_form_version
        self.points_model = PointsModel(self)
        self.totals_model = TotalsModel(self)
        self.events_model = AdverseEventsModel(self)
        self.undo_stack = QUndoStack(self)
        self.editor = ChartEditor(self.points_model, self.undo_stack, self)
        self._init_state()
        self._autosave_timer = QTimer(self, singleShot=True, interval=AUTOSAVE_MS)
        self._warnings_timer = QTimer(self, singleShot=True, interval=WARNINGS_MS)
        self.setObjectName("session_window")
        self._build_ui()
        self._build_actions()
        self._connect_signals()
        if session_id is not None:
            self._load(services.charting.get(session_id))
        else:
            now = services.ctx.clock()
            self._load(
                TreatmentSession(
                    patient_id=patient_id,
                    performed_at=now,
                    injector_id=actor.user_id,
                    depth=Depth.INTRADERMAL,
                    touch_up_of_id=touch_up_of_id,
                )
            )
        self.resize(1280, 800)

    @property
    def session_id(self) -> int | None:
        return self._session.id

    @property
    def session(self) -> TreatmentSession:
        """The session as last saved (or as opened, when nothing has been saved yet)."""
        return self._session

    # -- building ------------------------------------------------------------------------------------
    def _build_ui(self) -> None:
        self.ui = SessionLayout(self, self._patient, self.points_model, self.totals_model, self.events_model)
        self.setCentralWidget(self.ui.root)
        self.ui.details.clock = self._services.ctx.clock
        self.map = self.ui.map
        self.save_state = QLabel(self)
        self.save_state.setObjectName("save_state")
        self.statusBar().addPermanentWidget(self.save_state)
        self.statusBar().setObjectName("session_status_bar")
        self._build_print_ui()

    def _action(
        self, text: str, obj: str, shortcut: QKeySequence | str | None, slot, tip: str = ""
    ) -> QAction:  # type: ignore[no-untyped-def]
        action = QAction(text, self)
        action.setObjectName(obj)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setToolTip(tip or text.replace("&", "").replace("…", ""))
        action.triggered.connect(slot)
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
            lambda: self.save_now(explicit=True),
            "Save the draft now (it also saves itself)",
        )
        self.vial_action = self._action("Add &vial…", "choose_vial_action", "Ctrl+Shift+V", self.choose_vial)
        self.last_map_action = self._action(
            "Start from &last map", "last_map_action", None, self.start_from_last_map
        )
        self.sign_action = self._action(
            "&Sign…", "sign_action", "Ctrl+Shift+S", self.sign, "Sign the session (Ctrl+Shift+S): it locks"
        )
        self.amend_action = self._action(
            "&Amend…", "amend_action", None, self.amend, "Correct a signed session with a recorded reason"
        )
        self.ae_action = self._action(
            "Adverse &event…", "adverse_event_action", "Ctrl+Shift+E", self.add_adverse_event
        )
        self.follow_up_action = self._action(
            "&Follow-up…", "follow_up_action", "Ctrl+Shift+F", self.record_follow_up
        )
        self.close_action = self._action("&Close", "close_action", QKeySequence.StandardKey.Close, self.close)
        print_actions = self._build_print_actions()
        self._action("Zoom in", "zoom_in_action", QKeySequence.StandardKey.ZoomIn, self.map.zoom_in)
        self._action("Zoom out", "zoom_out_action", QKeySequence.StandardKey.ZoomOut, self.map.zoom_out)
        self._action("Fit map", "zoom_fit_action", "Ctrl+0", self.map.fit)
        self._action("Go to the map", "focus_map_action", "Ctrl+M", lambda: self.map.setFocus())
        self._action("Go to grid fill", "focus_grid_action", "Ctrl+G", lambda: self.ui.tools.zone.setFocus())
        ui = self.ui
        ui.undo_button.clicked.connect(self.undo_stack.undo)
        ui.redo_button.clicked.connect(self.undo_stack.redo)
        ui.undo_button.setEnabled(False)
        ui.redo_button.setEnabled(False)
        self.undo_stack.canUndoChanged.connect(ui.undo_button.setEnabled)
        self.undo_stack.canRedoChanged.connect(ui.redo_button.setEnabled)
        self.undo_stack.undoTextChanged.connect(lambda t: ui.undo_button.setToolTip(f"Undo {t} (Ctrl+Z)"))
        self.undo_stack.redoTextChanged.connect(
            lambda t: ui.redo_button.setToolTip(f"Redo {t} (Ctrl+Shift+Z)")
        )
        for button, action in (
            (ui.ae_button, self.ae_action),
            (ui.follow_up_button, self.follow_up_action),
            (ui.amend_button, self.amend_action),
            (ui.sign_button, self.sign_action),
        ):
            button.clicked.connect(action.trigger)
            button.setToolTip(action.toolTip())
        menu = self.menuBar().addMenu("&Session")
        menu.addActions(
            [self.save_action, self.sign_action, self.amend_action, self.ae_action, self.follow_up_action]
        )
        menu.addSeparator()
        menu.addActions(print_actions[:2])
        menu.addSeparator()
        menu.addActions(print_actions[2:])
        menu.addSeparator()
        menu.addAction(self.close_action)
        edit = self.menuBar().addMenu("&Edit")
        edit.addActions([self.undo_action, self.redo_action, self.vial_action, self.last_map_action])

    def _connect_signals(self) -> None:
        ui = self.ui
        ui.details.sig_changed.connect(self._mark_dirty)
        ui.baseline.sig_changed.connect(self._mark_dirty)
        self.points_model.sig_points_changed.connect(self._points_changed)
        self.editor.sig_message.connect(self._status)
        self.editor.sig_select.connect(self.map.set_selected_uids)
        self.map.sig_place_requested.connect(self.editor.place)
        self.map.sig_points_moved.connect(self._points_dragged)
        self.map.sig_nudge_requested.connect(self.editor.nudge)
        self.map.sig_delete_requested.connect(self.editor.delete)
        self.map.sig_insert_requested.connect(lambda: self.editor.add_at_centre(ui.tools.current_zone()))
        self.map.sig_selection_changed.connect(self._map_selection_changed)
        self.map.sig_edit_refused.connect(lambda: self._status(self._refusal()))
        self.map.sig_hover_zone.connect(self._hover_zone)
        ui.points_view = ui.totals.points_view
        ui.points_view.selectionModel().selectionChanged.connect(self._table_selection_changed)
        ui.zoom_in.clicked.connect(self.map.zoom_in)
        ui.zoom_out.clicked.connect(self.map.zoom_out)
        ui.zoom_fit.clicked.connect(self.map.fit)
        ui.labels_toggle.toggled.connect(self.map.set_labels_visible)
        ui.last_map_button.clicked.connect(self.start_from_last_map)
        ui.vial_panel.sig_choose_requested.connect(self.choose_vial)
        ui.vial_panel.sig_active_changed.connect(self._active_vial_changed)
        ui.vial_panel.default_dose.sig_dose_changed.connect(self._default_dose_changed)
        ui.tools.sig_apply_dose_requested.connect(lambda d: self.editor.set_dose(self.map.selected_uids(), d))
        ui.tools.sig_delete_requested.connect(lambda: self.editor.delete(self.map.selected_uids()))
        ui.tools.sig_grid_fill_requested.connect(self.editor.grid_fill)
        ui.tools.sig_add_centre_requested.connect(self.editor.add_at_centre)
        ui.totals.warnings.sig_reason_requested.connect(self.give_reason)
        ui.ae_add.clicked.connect(self.add_adverse_event)
        ui.ae_edit.clicked.connect(self.edit_adverse_event)
        ui.ae_view.doubleClicked.connect(lambda _i: self.edit_adverse_event())
        self._autosave_timer.timeout.connect(self._autosave)
        self._warnings_timer.timeout.connect(self.refresh_warnings)
        self._bus.sig_changed.connect(self._on_change)
        self._connect_print_signals()

    # -- refreshing ----------------------------------------------------------------------------------
    def _mark_dirty(self) -> None:
        if self._loading:
            return
        if self._read_only:
            return
        self._dirty = True
        self.save_state.setText("Unsaved changes…")
        self._autosave_timer.start()
        self._warnings_timer.start()

    def _points_changed(self) -> None:
        self._refresh_points()
        self._mark_dirty()

    def _refresh_points(self) -> None:
        self._refresh_map()
        self._refresh_totals()
        self._refresh_vials()
        self.ui.totals.set_points_tab_title(self.points_model.rowCount())
        self._map_selection_changed(self.map.selected_uids())
        self._update_print_actions()

    def _refresh_map(self) -> None:
        colours = {sv.vial.id: sv.colour for sv in self._vials}
        vials = {sv.vial.id: sv.vial for sv in self._vials}
        dots = []
        errors = self._point_errors
        for i, cp in enumerate(self.points_model.chart_points()):
            p = cp.point
            vial = vials.get(p.vial_id)
            dose = Dose.of(p).describe(vial.concentration if vial else None)
            dots.append(
                MapDot(
                    cp.uid,
                    p.x,
                    p.y,
                    colours.get(p.vial_id, "#777777"),
                    f"Point {i + 1} · {Zone(p.zone).label}\n{dose}"
                    + (f"\n{errors[i]}" if i in errors else ""),
                    i in errors,
                )
            )
        self.map.set_dots(dots)
        self.map.set_treated_zones({Zone(p.zone) for p in self.points_model.points()})

    def _refresh_totals(self) -> None:
        vials = {sv.vial.id: sv.vial for sv in self._vials}
        points = [p for p in self.points_model.points() if p.vial_id in vials]
        self.totals_model.set_rows(total_rows(points, vials, self._products, self._alerts))
        parts = []
        for pid, t in totals_by_product(points, vials).items():
            brand = self._products[pid].brand if pid in self._products else f"product {pid}"
            parts.append(f"{brand}: {fmt_units(t.units)} · {fmt_volume(t.volume_ml)} in {t.points} points")
        self.ui.totals.set_summary(
            "\n".join(parts) or "No points yet: click inside a zone on the map, or use grid fill.",
            ok=not self._alerts,
        )

    def _refresh_vials(self) -> None:
        drawn = units_by_vial(self.points_model.points())
        vials = []
        for sv in self._vials:
            base = self._drawn_elsewhere.get(sv.vial.id)
            remaining = None if base is None else sv.vial.vial_units - base - drawn.get(sv.vial.id, 0.0)
            vials.append(SessionVial(sv.vial, sv.product, sv.colour, remaining))
        self._vials = vials
        self.ui.vial_panel.set_vials(vials, self.editor.active_vial_id)
        labels = {sv.vial.id: f"{sv.product.brand} {sv.vial.lot_number}" for sv in vials}
        self.points_model.set_vials(
            {sv.vial.id: sv.vial for sv in vials}, labels, {sv.vial.id: sv.colour for sv in vials}
        )
        active = self.editor.active_vial()
        self.ui.tools.set_concentration(active.concentration if active else None)

    def _map_selection_changed(self, uids: list[int]) -> None:
        if self._syncing_selection:
            return
        self._syncing_selection = True
        try:
            view = self.ui.points_view
            selection = QItemSelection()
            wanted = set(uids)
            model = self.points_model
            for row, uid in enumerate(model.uids()):
                if uid in wanted:
                    selection.select(model.index(row, 0), model.index(row, model.columnCount() - 1))
            view.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        finally:
            self._syncing_selection = False
        first = self.points_model.get(uids[0]) if uids else None
        self.ui.tools.set_selection(len(uids), Dose.of(first) if first else None)

    def _table_selection_changed(self) -> None:
        if self._syncing_selection:
            return
        uids = [
            self.points_model.row(i.row()).uid for i in self.ui.points_view.selectionModel().selectedRows()
        ]
        self.map.set_selected_uids(uids)

    def _points_dragged(self, positions: dict) -> None:  # type: ignore[type-arg]
        if not self.editor.move(positions):
            self._refresh_map()  # refused: the dots go back where they were

    def _hover_zone(self, zone: Zone | None) -> None:
        if self._read_only:
            self.ui.hover_label.setText(
                "Signed: read-only. Points can be selected and inspected, not changed."
            )
        elif zone is not None:
            self.ui.hover_label.setText(f"{zone.label}: click to add a point here")
        else:
            self.ui.hover_label.setText("Click a zone to add · drag to move · Del deletes · arrows nudge")
            self.ui.hover_label.setToolTip(
                "Insert adds a point at the centre of the grid-fill zone; Ctrl+wheel or Ctrl+/- zooms; "
                "Ctrl+0 fits the map"
            )

    def _active_vial_changed(self, vial_id: int) -> None:
        self.editor.active_vial_id = vial_id
        self._refresh_vials()

    def _default_dose_changed(self, dose: Dose) -> None:
        self.editor.default_dose = dose

    def _status(self, text: str) -> None:
        self.statusBar().showMessage(text, 8000)

    def _on_change(self, change: Change) -> None:
        if change.entity == "adverse_event" and change.patient_id == self._patient.id:
            self._refresh_events()
        elif change.entity == "product":
            self._products = {p.id: p for p in self._services.products.list(include_inactive=True)}

    def _update_title(self) -> None:
        s = self._session
        what = "Amendment" if s.amends_id else "Touch-up" if s.touch_up_of_id else "Session"
        state = "signed" if s.status == SessionStatus.SIGNED else "draft"
        self.setWindowTitle(
            f"{what} · {self._patient.display_name} · {s.performed_at.astimezone():%Y-%m-%d} ({state})"
        )
        self.ui.status_chip.setText(state.capitalize())
        colour = "#1b7f3b" if state == "signed" else "#8a5a00"
        self.ui.status_chip.setStyleSheet(
            f"color: white; background: {colour}; border-radius: 9px; padding: 2px 10px; font-weight: 600;"
        )

    def showEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().showEvent(event)
        self._hover_zone(None)


_ = Qt
