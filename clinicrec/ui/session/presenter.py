"""Shows the controller's state in the session window's widgets: the map, totals, vials, warnings,
errors next to their fields, the banner, the title, and what a signed session may no longer change.

It holds no state of its own beyond what the widgets show; the window connects the controller's
signals to it.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from typing import Any

from PySide6.QtCore import QItemSelection, QItemSelectionModel
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFrame, QLabel, QMainWindow

from ...domain.dosing import totals_by_product
from ...domain.enums import SessionStatus, WarningKind, Zone
from ...domain.errors import ClinicRecError, FieldError
from ...domain.models import TreatmentSession
from ..date_format import date_text
from ..figures import dose_total
from ..prompts import Prompts
from ..style import Scheme
from ..widgets import show_field_errors
from .banner import banner_for
from .controller import SessionController
from .editor import Dose
from .facemap_widget import MapDot
from .layout import SessionLayout
from .models import total_rows
from .screening_panel import changed_style
from .state import SafetyState
from .totals_panel import WarningItem

_POINT_FIELD = re.compile(r"^points\[(\d+)\]")
SIGNED_REFUSAL = "This session is signed and cannot be changed. Use Amend… to correct it with a reason."


def selection_text(count: int, read_only: bool) -> str:
    """What the status bar says about the selection: how many points a dose change would touch."""
    if read_only:
        return f"{count} point{'s' if count != 1 else ''} selected (signed: read-only)"
    if not count:
        return "No points selected: Apply dose changes none"
    return f"Apply dose changes {count} point{'s' if count != 1 else ''}"


class SessionForms:
    """The details and baseline forms as the controller's ``DraftForm``."""

    def __init__(self, ui: SessionLayout) -> None:
        self.ui = ui

    def load(self, session: TreatmentSession, *, default_form_version: str, obtained_by: str) -> None:
        self.ui.details.load(session, default_form_version=default_form_version, obtained_by=obtained_by)
        self.ui.baseline.load(session.baseline)

    def read(self, base: TreatmentSession) -> tuple[TreatmentSession, list[FieldError]]:
        session = self.ui.details.apply(base)
        baseline, errors = self.ui.baseline.assessment(session.performed_at.astimezone().date())
        return replace(session, baseline=baseline), errors


class SessionPresenter:
    def __init__(
        self,
        controller: SessionController,
        ui: SessionLayout,
        window: QMainWindow,
        prompts: Prompts,
        save_state: QLabel,
        selection_state: QLabel,
        editing_actions: list[QAction],
        signed_actions: list[QAction],
    ) -> None:
        self.c = controller
        self.ui = ui
        self.map = ui.map
        self.window = window
        self.prompts = prompts
        self.save_state = save_state
        self.selection_state = selection_state
        self.editing_actions = editing_actions
        self.signed_actions = signed_actions
        self.point_errors: dict[int, str] = {}
        self._syncing_selection = False

    def status(self, text: str) -> None:
        self.window.statusBar().showMessage(text, 8000)

    # -- points, map, totals, vials -----------------------------------------------------------------
    def refresh_points(self) -> None:
        self.refresh_map()
        self.refresh_totals()
        self.refresh_vials()
        self.ui.totals.set_points_tab_title(self.c.points_model.rowCount())
        self.map_selection_changed(self.map.selected_uids())

    def refresh_map(self) -> None:
        colours = {sv.vial.id: sv.colour for sv in self.c.vials}
        vials = {sv.vial.id: sv.vial for sv in self.c.vials}
        dots = []
        errors = self.point_errors
        for i, cp in enumerate(self.c.points_model.chart_points()):
            p = cp.point
            vial = vials.get(p.vial_id)
            dose = Dose.of(p).describe(vial.concentration if vial else None)
            tip = f"Point {i + 1} · {Zone(p.zone).label}\n{dose}" + (f"\nNote: {p.note}" if p.note else "")
            tip += f"\n{errors[i]}" if i in errors else ""
            dots.append(MapDot(cp.uid, p.x, p.y, colours.get(p.vial_id, "#777777"), tip, i in errors))
        self.map.set_dots(dots)
        self.map.set_treated_zones({Zone(p.zone) for p in self.c.points_model.points()})

    def refresh_totals(self) -> None:
        vials = {sv.vial.id: sv.vial for sv in self.c.vials}
        points = [p for p in self.c.points_model.points() if p.vial_id in vials]
        products = self.c.products
        alerts = self.c.safety.alerts
        self.c.totals_model.set_rows(total_rows(points, vials, products, alerts))  # type: ignore[arg-type]
        parts = []
        for pid, t in totals_by_product(points, vials).items():  # type: ignore[arg-type]
            brand = products[pid].brand if pid in products else f"product {pid}"
            parts.append(dose_total(brand, t.units, t.volume_ml, t.points))
        self.ui.totals.set_summary(
            "\n".join(parts) or "No points yet: click inside a zone on the map, or use grid fill.",
            ok=not alerts,
        )

    def refresh_vials(self) -> None:
        vials = self.c.vials
        self.ui.vial_panel.set_vials(vials, self.c.editor.active_vial_id)
        labels = {sv.vial.id: f"{sv.product.brand} {sv.vial.lot_number}" for sv in vials}
        self.c.points_model.set_vials(
            {sv.vial.id: sv.vial for sv in vials},  # type: ignore[misc]
            labels,  # type: ignore[arg-type]
            {sv.vial.id: sv.colour for sv in vials},  # type: ignore[misc]
            {sv.vial.id: sv.product.brand for sv in vials},  # type: ignore[misc]
        )
        active = self.c.editor.active_vial()
        self.ui.tools.set_concentration(active.concentration if active else None)

    def map_selection_changed(self, uids: list[int]) -> None:
        if self._syncing_selection:
            return
        self._syncing_selection = True
        try:
            view = self.ui.totals.points_view
            selection = QItemSelection()
            wanted = set(uids)
            model = self.c.points_model
            for row, uid in enumerate(model.uids()):
                if uid in wanted:
                    selection.select(model.index(row, 0), model.index(row, model.columnCount() - 1))
            view.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        finally:
            self._syncing_selection = False
        first = self.c.points_model.get(uids[0]) if uids else None
        note_of = {cp.uid: cp.point.note for cp in self.c.points_model.chart_points()}
        notes = frozenset(note_of[u] for u in uids if u in note_of)
        self.ui.tools.set_selection(len(uids), Dose.of(first) if first else None, notes)
        self.selection_state.setText(selection_text(len(uids), self.c.read_only))

    def table_selection_changed(self) -> None:
        if self._syncing_selection:
            return
        model = self.c.points_model
        rows = self.ui.totals.points_view.selectionModel().selectedRows()
        self.map.set_selected_uids([model.row(i.row()).uid for i in rows])

    def points_dragged(self, positions: dict[int, tuple[float, float]]) -> None:
        if not self.c.editor.move(positions):
            self.refresh_map()  # refused: the dots go back where they were

    def hover_zone(self, zone: Zone | None) -> None:
        label = self.ui.hover_label
        if self.c.read_only:
            label.setText("Signed: read-only. Select points to inspect them.")
        elif zone is not None:
            label.setText(f"{zone.label}: click to add a point here")
        else:
            label.setText("Click to add · drag to move · Del deletes · K: keyboard")  # short: it must fit
            label.setToolTip(
                "Arrows nudge the selected points; K places points with the keyboard (arrows move the "
                "cross-hair, Enter places); Insert adds a point at the centre of the grid-fill zone; "
                "Ctrl+wheel or Ctrl+/- zooms; Ctrl+0 fits the map"
            )

    # -- warnings ------------------------------------------------------------------------------------
    def show_safety(self, state: SafetyState) -> None:
        items = [
            WarningItem(f"{sf.message}. Open another vial for the rest.", "alert") for sf in state.shortfalls
        ]
        for d in (
            state.draws
        ):  # live: signed sessions and other open drafts (named); signing decides on signed only
            if d.warning and d.left_after_signed >= -1e-9:
                items.append(WarningItem(d.warning, "warn"))
        reasons = state.reasons
        for w in state.warnings:
            reason = reasons.get(w.key, "")
            over = w.kind == WarningKind.OVER_MAX_DOSE or w.needs_prescriber
            items.append(
                WarningItem(w.message, "ok" if reason else "alert" if over else "warn", reason, w.key)
            )
        self.ui.totals.warnings.set_items(items)
        # The screening is said once: in the warnings (with its reason) when they carry it, else the header.
        listed = any(w.kind == WarningKind.POSITIVE_SCREENING for w in state.warnings)
        self.ui.screening.setVisible(not listed and bool(self.ui.screening.positives))
        self.refresh_totals()

    # -- saving and errors ---------------------------------------------------------------------------
    def saved(self, _session: Any) -> None:
        self.clear_errors()
        self.update_title()

    def save_failed(self, errors: list[FieldError], explicit: bool) -> None:
        if errors:
            self.show_errors(errors, focus=explicit)
        else:
            self.show_banner_error(f"Not saved: {self.c.last_failure}")
            if explicit:
                self.prompts.error(self.window, "Session not saved", self.c.last_failure)

    def _labels(self) -> dict[str, Any]:
        return {**self.ui.details.errors, **self.ui.baseline.errors}

    def show_errors(self, errors: list[FieldError], *, focus: bool) -> None:
        labels = self._labels()
        field_errors = [e for e in errors if e.field in labels]
        if focus:
            show_field_errors(field_errors, labels)
        else:  # autosave: mark the fields without taking the keyboard away from the user
            for label in labels.values():
                label.clear_error()
            for e in field_errors:
                labels[e.field].show_error(e.message)
        self.point_errors = {}
        point_lines, other = [], []
        for e in errors:
            m = _POINT_FIELD.match(e.field)
            if m:
                row = int(m.group(1))
                self.point_errors[row] = f"Point {row + 1}: {e.message}"
                point_lines.append(self.point_errors[row])
            elif e.field == "points":
                point_lines.append(e.message)
            elif e.field not in labels:
                other.append(e.message)
        self.c.points_model.set_errors(self.point_errors)
        if point_lines:
            more = f" (and {len(point_lines) - 3} more)" if len(point_lines) > 3 else ""
            self.ui.points_error.show_error("\n".join(point_lines[:3]) + more)
        else:
            self.ui.points_error.clear_error()
        self.refresh_map()
        self.mark_tabs()
        count = len(errors)
        summary = f"Not saved: {count} problem{'s' if count != 1 else ''}; see the marked fields."
        self.show_banner_error(summary + ("\n" + "\n".join(other) if other else ""))

    def clear_errors(self) -> None:
        for label in self._labels().values():
            field = label.field
            if label.text() or (field is not None and field.property("invalid")):
                label.clear_error()  # restyles its field: only where there is something to clear
        had_point_errors = bool(self.point_errors)
        self.point_errors = {}
        self.c.points_model.set_errors({})
        self.ui.points_error.clear_error()
        self.ui.errors_banner.hide()
        self.mark_tabs()
        if had_point_errors:
            self.refresh_map()

    def show_banner_error(self, text: str) -> None:
        self.ui.errors_banner.setText(text)
        self.ui.errors_banner.show()

    def mark_tabs(self) -> None:
        tabs = self.ui.left_tabs
        for i, labels, title in (
            (0, self.ui.details.errors, "Session"),
            (1, self.ui.baseline.errors, "Baseline"),
        ):
            bad = any(label.text() for label in labels.values())
            tabs.setTabText(i, f"{title} ⚠" if bad else title)

    # -- the session as a whole ----------------------------------------------------------------------
    def loaded(self, _session: Any) -> None:
        self.clear_errors()
        self.update_banner()
        self.update_title()

    def signed(self, _session: Any) -> None:
        self.update_banner()
        self.update_title()

    def update_banner(self) -> None:
        session = self.c.session
        text, style = banner_for(session, self.c.signed_record(), self._performed_at)
        self.ui.banner.setText(text)
        self.ui.banner.setStyleSheet(style)
        self.ui.banner.setVisible(bool(text))

    def _performed_at(self, session_id: int) -> datetime | None:
        try:
            return self.c.services.charting.get(session_id).performed_at
        except ClinicRecError:
            return None

    def update_title(self) -> None:
        s = self.c.session
        what = "Amendment" if s.amends_id else "Touch-up" if s.touch_up_of_id else "Session"
        state = "signed" if s.status == SessionStatus.SIGNED else "draft"
        self.window.setWindowTitle(
            f"{what} · {self.c.patient.display_name} · {date_text(s.performed_at.astimezone())} ({state})"
        )
        self.ui.status_chip.setText(state.capitalize())
        colour = "#1b7f3b" if state == "signed" else "#8a5a00"
        self.ui.status_chip.setStyleSheet(
            f"color: white; background: {colour}; border-radius: 9px; padding: 2px 10px; font-weight: 600;"
        )

    def restyle(self, scheme: Scheme) -> None:
        """The colours set by hand (header, banner, warnings, totals, screening notes) in ``scheme``:
        called when the window opens and whenever the desktop or the clinic switches scheme."""
        header = self.ui.root.findChild(QFrame, "session_header")
        if header is not None:
            header.setStyleSheet(
                f"QFrame#session_header {{ background: {scheme.surface}; border: 1px solid {scheme.border};"
                " border-radius: 6px; }"
            )
        warnings = self.ui.totals.warnings
        warnings.set_items(warnings.items())
        for note in self.window.findChildren(QLabel):
            if note.styleSheet().startswith("color:") and "border-left: 3px" in note.styleSheet():
                note.setStyleSheet(changed_style())  # the screening's "changed since the last visit"
        self.update_banner()
        self.refresh_totals()

    def set_read_only(self, read_only: bool) -> None:
        ui = self.ui
        self.map.set_read_only(read_only)
        for part in (ui.details, ui.baseline, ui.tools, ui.totals.warnings):
            part.set_read_only(read_only)
        for action in self.editing_actions:
            action.setEnabled(not read_only)
        for action in self.signed_actions:
            action.setEnabled(read_only)
        ui.vial_panel.choose_button.setEnabled(not read_only)
        ui.last_map_button.setEnabled(not read_only)
        ui.sign_button.setVisible(not read_only)
        ui.tools.setVisible(not read_only)  # nothing to edit: the totals get the room
        ui.vial_panel.set_editing(not read_only)
        ui.amend_button.setVisible(read_only)
        ui.follow_up_button.setVisible(read_only)
        self.hover_zone(None)
        self.map_selection_changed(self.map.selected_uids())

    def refused(self) -> None:
        self.status(SIGNED_REFUSAL)
