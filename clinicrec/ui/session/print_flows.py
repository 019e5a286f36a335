"""Printing from the session window: the patient's aftercare handout and the chart PDF.

The handout is offered once the session has points; the chart once it has points too (a draft's chart
is printed watermarked 'DRAFT — NOT SIGNED' by the builder, a signed one as the record). A draft
with unsaved changes is saved first, so the paper matches the screen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from ...domain.enums import SessionStatus
from ...services.permissions import Action
from ..printing import DocumentPrinter, PrintingIndicator

if TYPE_CHECKING:
    from .window import SessionWindow

    _Base = SessionWindow
else:
    _Base = object


class PrintFlows(_Base):
    def _build_print_ui(self) -> None:
        self.printer = DocumentPrinter(self._services, self._prompts, self._worker, self)
        self.print_indicator = PrintingIndicator(self, name="session_printing")
        self.statusBar().addPermanentWidget(self.print_indicator)

    def _build_print_actions(self) -> list[QAction]:
        self.print_handout_action = self._action(
            "&Print handout…",
            "print_handout_action",
            QKeySequence.StandardKey.Print,
            self.print_handout,
            "Print the patient's aftercare handout (Ctrl+P)",
        )
        self.save_handout_action = self._action(
            "Save handout as P&DF…",
            "save_handout_action",
            None,
            self.save_handout,
            "Save the patient's aftercare handout as a PDF file",
        )
        self.print_chart_action = self._action(
            "Print c&hart…", "print_chart_action", None, self.print_chart, "Print the treatment record"
        )
        self.save_chart_action = self._action(
            "Save cha&rt as PDF…",
            "save_chart_action",
            None,
            self.save_chart,
            "Save the treatment record as a PDF file",
        )
        actions = [
            self.print_handout_action,
            self.save_handout_action,
            self.print_chart_action,
            self.save_chart_action,
        ]
        menu = QMenu(self.ui.print_button)
        menu.setObjectName("print_menu")
        menu.addActions(actions[:2])
        menu.addSeparator()
        menu.addActions(actions[2:])
        self.ui.print_button.setMenu(menu)
        return actions

    def _connect_print_signals(self) -> None:
        self.printer.sig_busy_changed.connect(self.print_indicator.set_busy)
        self.printer.sig_busy_changed.connect(lambda _busy: self._update_print_actions())
        self.printer.sig_printed.connect(self._status)
        self.printer.sig_saved.connect(lambda path: self._status(f"Saved {path}"))

    def _update_print_actions(self) -> None:
        if not hasattr(self, "print_handout_action"):
            return  # still building
        allowed = self._actor.can(Action.PRINT) and not self.printer.busy
        has_points = self.points_model.rowCount() > 0
        signed = self._session.status == SessionStatus.SIGNED
        for action in (self.print_handout_action, self.save_handout_action):
            action.setEnabled(allowed and has_points)
        for action in (self.print_chart_action, self.save_chart_action):
            action.setEnabled(allowed and (signed or has_points))
        tip = "" if signed else " (a draft prints marked 'DRAFT — NOT SIGNED')"
        self.print_chart_action.setToolTip(f"Print the treatment record{tip}")
        self.save_chart_action.setToolTip(f"Save the treatment record as a PDF file{tip}")
        self.ui.print_button.setEnabled(self._actor.can(Action.PRINT))
        self.ui.print_button.setToolTip(
            "Print or save the aftercare handout and the chart"
            if has_points or signed
            else "Printing is possible once the session has points"
        )

    # -- the commands ---------------------------------------------------------------------------------
    def print_handout(self) -> None:
        if (session_id := self._printable("handout")) is not None:
            self.printer.print_handout(session_id, self)

    def save_handout(self) -> None:
        if (session_id := self._printable("handout")) is not None:
            self.printer.save_handout(session_id, self)

    def print_chart(self) -> None:
        if (session_id := self._printable("chart")) is not None:
            self.printer.print_chart(session_id, self)

    def save_chart(self) -> None:
        if (session_id := self._printable("chart")) is not None:
            self.printer.save_chart(session_id, self)

    def _printable(self, what: str) -> int | None:
        """The stored session to print, saving a changed draft first; None (and why) if not now."""
        if self.printer.busy:
            self._status("A document is still being made; try again in a moment.")
            return None
        signed = self._session.status == SessionStatus.SIGNED
        if not self.points_model.rowCount() and not (what == "chart" and signed):
            self._status(f"The {what} can be printed once the session has points.")
            return None
        if not self._ensure_saved():
            return None
        return self._session.id
