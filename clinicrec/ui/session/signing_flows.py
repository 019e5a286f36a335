"""Signing, amending, adverse events and follow-ups from the session window."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...domain.enums import SessionStatus
from ...domain.errors import ClinicRecError, UnacknowledgedWarnings, ValidationError
from ...domain.models import TreatmentSession
from ...domain.safety import acknowledgement_for
from ...domain.validation import validate_for_signing
from .adverse_event_dialog import AdverseEventDialog
from .banner import banner_for
from .follow_up import FollowUpDialog

if TYPE_CHECKING:
    from .window import SessionWindow

    _Base = SessionWindow
else:
    _Base = object

SIGNED_REFUSAL = "This session is signed and cannot be changed. Use Amend… to correct it with a reason."


class SigningFlows(_Base):
    # -- signing and amending ------------------------------------------------------------------------
    def sign(self) -> None:
        if self._read_only:
            self._status("This session is already signed.")
            return
        if not self.save_now(explicit=True):
            return
        try:
            validate_for_signing(self._session)
        except ValidationError as e:
            self._show_errors(e.errors, focus=True)
            self.ui.errors_banner.setText("Not signed yet: " + " ".join(f.message + "." for f in e.errors))
            return
        shortfalls = self._services.charting.shortfalls(self._session)
        if shortfalls:
            self._prompts.error(self, "Not signed", "\n".join(sf.message for sf in shortfalls))
            return
        self.refresh_warnings()
        for w in [w for w in self._warnings if acknowledgement_for(w, self._acks) is None]:
            if not self.give_reason(w.key):
                self._status("Not signed: every warning needs a recorded reason.")
                return
        if self._dirty and not self.save_now(explicit=True):
            return
        password = self._prompts.password(
            self,
            "Sign session",
            "Re-enter your password to sign. A signed session is locked; later "
            "corrections are amendments with a reason.",
        )
        if not password:
            return
        session_id = self._session.id
        assert session_id is not None
        self.setEnabled(False)
        self._worker.run(
            lambda: self._services.charting.sign(session_id, password), self._on_signed, self._on_sign_failed
        )

    def _on_signed(self, signed: TreatmentSession) -> None:
        self.setEnabled(True)
        self._session = signed
        self._acks = signed.acknowledgements
        self._set_read_only(True)
        self._update_banner()
        self._update_title()
        self.refresh_warnings()
        self._status("Signed. The session is locked.")
        self.sig_session_signed.emit(signed.id)

    def _on_sign_failed(self, error: Exception) -> None:
        self.setEnabled(True)
        if isinstance(error, ValidationError):
            self._prompts.error(self, "Not signed", "\n".join(f.message for f in error.errors))
        elif isinstance(error, UnacknowledgedWarnings):
            self.refresh_warnings()
            self._prompts.error(self, "Not signed", str(error))
        elif isinstance(error, ClinicRecError):
            self._prompts.error(self, "Not signed", str(error))
        else:
            raise error

    def amend(self) -> None:
        if not self._read_only or self._session.id is None:
            self._status("Only a signed session is amended; a draft is simply edited.")
            return
        reason = self._prompts.text(
            self,
            "Amend signed session",
            "Why does this session need correcting? The reason is kept with the amendment.",
        )
        if reason is None:
            return
        try:
            draft = self._services.charting.start_amendment(self._session.id, reason.strip())
        except ClinicRecError as e:
            self._prompts.error(self, "No amendment started", str(e))
            return
        self._load(draft)
        self._status(
            f"Amendment of session {draft.amends_id} started; it saves as you go and is signed like "
            "any session."
        )
        self.sig_amendment_started.emit(draft.id)

    def _set_read_only(self, read_only: bool) -> None:
        self._read_only = read_only
        self.editor.read_only = read_only
        if read_only:
            self.undo_stack.clear()
        self.map.set_read_only(read_only)
        for part in (self.ui.details, self.ui.baseline, self.ui.tools, self.ui.totals.warnings):
            part.set_read_only(read_only)
        for action in (self.save_action, self.sign_action, self.vial_action, self.last_map_action):
            action.setEnabled(not read_only)
        self.ui.vial_panel.choose_button.setEnabled(not read_only)
        self.ui.last_map_button.setEnabled(not read_only)
        self.amend_action.setEnabled(read_only)
        self.follow_up_action.setEnabled(read_only)
        self.ui.sign_button.setVisible(not read_only)
        self.ui.tools.setVisible(not read_only)  # nothing to edit: the totals get the room
        self.ui.vial_panel.set_editing(not read_only)
        self.ui.amend_button.setVisible(read_only)
        self.ui.follow_up_button.setVisible(read_only)
        self._update_print_actions()
        self._hover_zone(None)

    def _refuse_if_signed(self) -> bool:
        if self._read_only:
            self._status(SIGNED_REFUSAL)
        return self._read_only

    def _refusal(self) -> str:
        return SIGNED_REFUSAL

    def _update_banner(self) -> None:
        record = self._services.records.record(self._session.id) if self._session.id is not None else None
        text, style = banner_for(self._session, record)
        self.ui.banner.setText(text)
        self.ui.banner.setStyleSheet(style)
        self.ui.banner.setVisible(bool(text))

    # -- adverse events and follow-up ----------------------------------------------------------------
    def _refresh_events(self) -> None:
        if self._session.id is None:
            self.events_model.set_rows([])
            return
        self.events_model.set_rows(self._services.records.record(self._session.id).adverse_events)

    def _ensure_saved(self) -> bool:
        """Adverse events attach to a stored session: a draft not yet saved is saved first."""
        if self._session.id is not None and not self._dirty:
            return True
        return self.save_now(explicit=True)

    def add_adverse_event(self) -> None:
        if not self._ensure_saved():
            return
        assert self._session.id is not None
        event = AdverseEventDialog.ask(self, self._services, self._prompts, self._session.id)
        if event is not None:
            self._refresh_events()
            self._status(f"Adverse event recorded: {event.kind.label}.")

    def edit_adverse_event(self) -> None:
        rows = self.ui.ae_view.selectionModel().selectedRows()
        if not rows or self._session.id is None:
            self._status("Select an adverse event to update.")
            return
        event = AdverseEventDialog.ask(
            self, self._services, self._prompts, self._session.id, self.events_model.row(rows[0].row())
        )
        if event is not None:
            self._refresh_events()

    def record_follow_up(self) -> None:
        if self._session.status != SessionStatus.SIGNED or self._session.id is None:
            self._status("Follow-ups are recorded once the session is signed.")
            return
        assessment = FollowUpDialog.ask(self, self._services, self._prompts, self._session.id)
        if assessment is not None:
            self._status(
                f"Follow-up recorded ({assessment.time_point.label}, {assessment.assessed_on:%Y-%m-%d})."
            )
