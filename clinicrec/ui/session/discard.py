"""Discarding a draft from its window: with a reason, recorded in the audit trail; never a signed session.

A draft that was never saved has nothing to record: the window closes without saving, once confirmed.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget

from ...domain.enums import SessionStatus
from ...domain.errors import ClinicRecError
from ...services.app import Services
from ..prompts import Prompts
from .controller import SessionController

TITLE = "Discard this draft"


class DraftDiscarding:
    """Asks why, deletes the saved draft (the services audit it with the reason), closes the window."""

    def __init__(
        self,
        controller: SessionController,
        services: Services,
        prompts: Prompts,
        window: QWidget,
        status: Callable[[str], None],
    ) -> None:
        self.c, self.services, self.prompts, self.window, self.status = (
            controller,
            services,
            prompts,
            window,
            status,
        )

    def available(self) -> bool:
        return not self.c.read_only and self.c.session.status == SessionStatus.DRAFT

    def discard(self) -> bool:
        """True once the draft is gone and its window closing."""
        if not self.available():
            self.status("A signed session is never discarded: correct it with an amendment (Amend…).")
            return False
        self.c.flush()  # the pending save lands first, so the version deleted is the one on screen
        session = self.c.session
        if session.id is None:
            if not self.prompts.confirm(
                self.window, TITLE, "Nothing of this session has been saved. Close it without saving?"
            ):
                return False
            return self._close()
        reason = self.prompts.reason(
            self.window,
            TITLE,
            "Why is this draft discarded? The reason is recorded in the audit trail, and the draft "
            "cannot be brought back.",
        )
        if reason is None:
            return False
        try:
            with self.c.bus.initiated_by(self.c):  # the controller's own change, as for its saves
                self.services.charting.delete_draft(session.id, session.version, reason=reason)
        except ClinicRecError as e:
            self.prompts.error(self.window, "Draft not discarded", str(e))
            return False
        return self._close()

    def _close(self) -> bool:
        self.c.dirty = self.c.save_failed = False
        self.c.set_read_only(True)  # nothing more is saved into the discarded draft as the window closes
        self.window.close()
        return True
