"""Signing and amending from the session window, and the adverse events and follow-ups of a session.

Collaborators with their dependencies passed in: they ask the injector (prompts, dialogs) and let the
``SessionController`` do the work; the signed session arrives by the controller's signals.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QAbstractItemView, QWidget

from ...domain.dosing import VialShortfall
from ...domain.enums import SessionStatus
from ...domain.errors import ClinicRecError, UnacknowledgedWarnings, ValidationError
from ...domain.validation import validate_for_signing
from ...services.app import Services
from ..prompts import Prompts
from .adverse_event_dialog import AdverseEventDialog
from .controller import SessionController
from .follow_up import FollowUpDialog
from .presenter import SessionPresenter
from .safety import SafetyPrompts
from .sign_dialog import SignSummary


class SessionSigning:
    def __init__(
        self,
        controller: SessionController,
        safety: SafetyPrompts,
        presenter: SessionPresenter,
        prompts: Prompts,
        parent: QWidget,
    ) -> None:
        self.c = controller
        self.safety = safety
        self.presenter = presenter
        self.prompts = prompts
        self.parent = parent
        controller.sig_sign_failed.connect(self._sign_failed)

    def sign(self) -> None:
        """Save, check the chart is complete and every warning has a reason, then sign with the password."""
        c = self.c
        if c.read_only:
            self.presenter.status("This session is already signed.")
            return
        # Each step that reads or writes the database runs on the worker and continues here with its
        # answer, so the window never waits on it: save, check the chart, ask, save the reasons, sign.
        c.when_saved(self._saved_for_signing)  # a saved draft with no change since is signed as it is

    def _saved_for_signing(self, saved: bool) -> None:
        if not saved:
            return
        try:
            validate_for_signing(self.c.session)
        except ValidationError as e:
            self.presenter.show_errors(e.errors, focus=True)
            self.presenter.show_banner_error("Not signed yet: " + " ".join(f.message + "." for f in e.errors))
            return
        self.c.check_before_signing(self._checked_for_signing)

    def _checked_for_signing(self, shortfalls: list[VialShortfall]) -> None:
        c = self.c
        if shortfalls:
            self.prompts.error(self.parent, "Not signed", "\n".join(sf.message for sf in shortfalls))
            return
        for w in c.safety.unacknowledged():
            if not self.safety.give_reason(w.key):
                self.presenter.status("Not signed: every warning needs a recorded reason.")
                return
        c.when_saved(self._ask_password)  # the reasons just given are stored before signing

    def _ask_password(self, saved: bool) -> None:
        c = self.c
        if not saved:
            return
        reasons = c.safety.reasons
        warnings = [(w.message, reasons.get(w.key, "")) for w in c.safety.warnings]
        summary = SignSummary.of(c.session, c.patient, c.vials, c.products, warnings)
        password = self.prompts.sign_session(self.parent, summary)
        if not password:
            return
        c.sign(password)

    def _sign_failed(self, error: Exception) -> None:
        if isinstance(error, ValidationError):
            self.prompts.error(self.parent, "Not signed", "\n".join(f.message for f in error.errors))
        elif isinstance(error, UnacknowledgedWarnings | ClinicRecError):
            self.prompts.error(self.parent, "Not signed", str(error))
        else:
            raise error

    def amend(self) -> None:
        if not self.c.read_only or self.c.session_id is None:
            self.presenter.status("Only a signed session is amended; a draft is simply edited.")
            return
        reason = self.prompts.reason(
            self.parent,
            "Amend signed session",
            "Why does this session need correcting? The reason is kept with the amendment.",
        )
        if reason is None:
            return
        try:
            self.c.start_amendment(reason.strip())
        except ClinicRecError as e:
            self.prompts.error(self.parent, "No amendment started", str(e))


class SessionRecords:
    """Adverse events (on a stored session) and follow-ups (on a signed one)."""

    def __init__(
        self,
        controller: SessionController,
        services: Services,
        prompts: Prompts,
        parent: QWidget,
        events_view: QAbstractItemView,
        status: Callable[[str], None],
    ) -> None:
        self.c = controller
        self.services = services
        self.prompts = prompts
        self.parent = parent
        self.events_view = events_view
        self.status = status

    def add_adverse_event(self) -> None:
        """On a stored session: a new or changed draft is saved first (on the worker)."""
        self.c.when_saved(self._add_adverse_event)

    def _add_adverse_event(self, saved: bool) -> None:
        if not saved or self.c.session_id is None:
            return
        event = AdverseEventDialog.ask(self.parent, self.services, self.prompts, self.c.session_id)
        if event is not None:
            self.c.refresh_events()
            self.status(f"Adverse event recorded: {event.kind.label}.")

    def edit_adverse_event(self) -> None:
        rows = self.events_view.selectionModel().selectedRows()
        if not rows or self.c.session_id is None:
            self.status("Select an adverse event to update.")
            return
        current = self.c.events_model.row(rows[0].row())
        event = AdverseEventDialog.ask(self.parent, self.services, self.prompts, self.c.session_id, current)
        if event is not None:
            self.c.refresh_events()

    def record_follow_up(self) -> None:
        session = self.c.session
        if session.status != SessionStatus.SIGNED or session.id is None:
            self.status("Follow-ups are recorded once the session is signed.")
            return
        dialog = FollowUpDialog(self.parent, self.services, self.prompts, session.id)
        if dialog.exec() == FollowUpDialog.DialogCode.Accepted and dialog.saved is not None:
            self.status(dialog.confirmation())
        dialog.deleteLater()
