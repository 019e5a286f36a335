"""What the session window does with the services: load, save as you go, show errors, close.

Mixins of ``SessionWindow`` (kept apart so each module stays small): this one, ``safety_flows`` (vials,
warnings and their reasons) and ``signing_flows`` (sign, amend, adverse events, follow-up). They use
the window's widgets (``self.ui``), models and editor.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QCloseEvent

from ...domain.enums import SessionStatus
from ...domain.errors import ClinicRecError, FieldError, ValidationError
from ...domain.models import Acknowledgement, SafetyWarning, TreatmentSession
from ..widgets import show_field_errors
from .models import vial_colour
from .vial_panel import SessionVial

if TYPE_CHECKING:
    from .window import SessionWindow

    _Base = SessionWindow
else:
    _Base = object

_POINT_FIELD = re.compile(r"^points\[(\d+)\]")


class SessionFlows(_Base):
    def _init_state(self) -> None:
        self._session: TreatmentSession
        self._acks: tuple[Acknowledgement, ...] = ()
        self._vials: list[SessionVial] = []
        self._drawn_elsewhere: dict[int, float] = {}
        self._alerts: dict[int, str] = {}
        self._warnings: list[SafetyWarning] = []
        self._point_errors: dict[int, str] = {}
        self._last_errors: list[FieldError] = []
        self._last_failure = ""
        self._dirty = self._save_failed = self._read_only = False
        self._loading = self._syncing_selection = False

    # -- loading -------------------------------------------------------------------------------------
    def _load(self, session: TreatmentSession) -> None:
        self._loading = True
        try:
            self._session = session
            self._acks = session.acknowledgements
            self.ui.details.load(
                session, default_form_version=self._form_version, obtained_by=self._actor_name()
            )
            self.ui.baseline.load(session.baseline)
            ids = session.all_vial_ids
            statuses = self._services.vials.status(ids, exclude_session_id=session.id) if ids else {}
            self._vials = [
                SessionVial(statuses[v].vial, statuses[v].product, vial_colour(i))
                for i, v in enumerate(ids)
                if v in statuses
            ]
            self._drawn_elsewhere = {v: st.units_drawn for v, st in statuses.items()}
            self.editor.vials = {sv.vial.id: sv.vial for sv in self._vials}  # type: ignore[misc]
            self.editor.active_vial_id = ids[-1] if ids else None
            self.editor.load(session.points)
        finally:
            self._loading = False
        self._clear_errors()
        self._dirty = self._save_failed = False
        self._set_read_only(session.status == SessionStatus.SIGNED)
        self._refresh_points()
        self._refresh_events()
        self.refresh_warnings()
        self._update_banner()
        self._update_title()
        self.save_state.setText("Saved" if session.id is not None else "Not saved yet")

    def _actor_name(self) -> str:
        return self._actor.signature_name

    def current_session(self) -> tuple[TreatmentSession, list[FieldError]]:
        """The session as the window shows it now, and any input that cannot even be read."""
        base = replace(
            self._session,
            acknowledgements=self._acks,
            vial_ids=tuple(sv.vial.id for sv in self._vials if sv.vial.id is not None),
            points=tuple(self.points_model.points()),
        )
        session = self.ui.details.apply(base)
        baseline, errors = self.ui.baseline.assessment(session.performed_at.astimezone().date())
        return replace(session, baseline=baseline), errors

    # -- saving --------------------------------------------------------------------------------------
    def save_now(self, *, explicit: bool = False) -> bool:
        """Save the draft; errors appear next to their fields. True when everything is saved."""
        if self._read_only:
            return True
        self._autosave_timer.stop()
        session, problems = self.current_session()
        if problems:
            return self._save_failed_with(problems, explicit)
        try:
            saved = self._services.charting.save_draft(session)
        except ValidationError as e:
            return self._save_failed_with(e.errors, explicit)
        except ClinicRecError as e:
            self._save_failed, self._last_failure = True, str(e)
            self.save_state.setText("Not saved")
            self._show_banner_error(f"Not saved: {e}")
            if explicit:
                self._prompts.error(self, "Session not saved", str(e))
            return False
        self._session = saved
        self._acks = saved.acknowledgements
        self._dirty = self._save_failed = False
        self._clear_errors()
        self.save_state.setText(f"Saved {self._services.ctx.clock().astimezone():%H:%M:%S}")
        self._update_title()
        self.sig_session_saved.emit(saved.id)
        return True

    def _save_failed_with(self, errors: list[FieldError], explicit: bool) -> bool:
        self._save_failed = True
        self._last_failure = "; ".join(e.message for e in errors)
        self._show_errors(errors, focus=explicit)
        self.save_state.setText("Not saved: see the marked fields")
        return False

    def _autosave(self) -> None:
        if self._dirty:
            self.save_now()

    def flush(self) -> None:
        """Run what the timers would: the pending autosave and the warnings check."""
        self._autosave_timer.stop()
        if self._dirty:
            self.save_now()
        self.refresh_warnings()

    # -- errors --------------------------------------------------------------------------------------
    def _labels(self) -> dict[str, Any]:
        return {**self.ui.details.errors, **self.ui.baseline.errors}

    def _show_errors(self, errors: list[FieldError], *, focus: bool) -> None:
        self._last_errors = list(errors)
        labels = self._labels()
        field_errors = [e for e in errors if e.field in labels]
        if focus:
            show_field_errors(field_errors, labels)
        else:  # autosave: mark the fields without taking the keyboard away from the user
            for label in labels.values():
                label.clear_error()
            for e in field_errors:
                labels[e.field].show_error(e.message)
        self._point_errors = {}
        point_lines, other = [], []
        for e in errors:
            m = _POINT_FIELD.match(e.field)
            if m:
                row = int(m.group(1))
                self._point_errors[row] = f"Point {row + 1}: {e.message}"
                point_lines.append(self._point_errors[row])
            elif e.field == "points":
                point_lines.append(e.message)
            elif e.field not in labels:
                other.append(e.message)
        self.points_model.set_errors(self._point_errors)
        if point_lines:
            more = f" (and {len(point_lines) - 3} more)" if len(point_lines) > 3 else ""
            self.ui.points_error.show_error("\n".join(point_lines[:3]) + more)
        else:
            self.ui.points_error.clear_error()
        self._refresh_map()
        self._mark_tabs()
        count = len(errors)
        summary = f"Not saved: {count} problem{'s' if count != 1 else ''}; see the marked fields."
        self._show_banner_error(summary + ("\n" + "\n".join(other) if other else ""))

    def _clear_errors(self) -> None:
        for label in self._labels().values():
            label.clear_error()
        self._last_errors = []
        self._point_errors = {}
        self.points_model.set_errors({})
        self.ui.points_error.clear_error()
        self.ui.errors_banner.hide()
        self._mark_tabs()

    def _show_banner_error(self, text: str) -> None:
        self.ui.errors_banner.setText(text)
        self.ui.errors_banner.show()

    def _mark_tabs(self) -> None:
        tabs = self.ui.left_tabs
        for i, labels, title in (
            (0, self.ui.details.errors, "Session"),
            (1, self.ui.baseline.errors, "Baseline"),
        ):
            bad = any(label.text() for label in labels.values())
            tabs.setTabText(i, f"{title} ⚠" if bad else title)

    # -- closing -------------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._read_only:
            self._autosave_timer.stop()
            if self._dirty:
                self.save_now()
            if self._dirty or self._save_failed:
                problems = "\n".join(f"• {e.message}" for e in self._last_errors[:6]) or self._last_failure
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
        self._warnings_timer.stop()
        event.accept()
