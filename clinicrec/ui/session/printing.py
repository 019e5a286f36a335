"""Printing from the session window: the patient's aftercare handout and the chart PDF.

The handout is offered once the session has points; the chart once it has points too (a draft's chart
is printed watermarked 'DRAFT — NOT SIGNED' by the builder, a signed one as the record). A draft
with unsaved changes is saved first, so the paper matches the screen. The documents are made by the
shared ``DocumentPrinter``; this collaborator owns the four actions and when they are possible.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QPushButton, QWidget

from ...domain.enums import SessionStatus
from ...services.permissions import Action
from ..printing import DocumentPrinter
from .controller import SessionController


class SessionPrinting:
    def __init__(
        self,
        controller: SessionController,
        printer: DocumentPrinter,
        parent: QWidget,
        button: QPushButton,
        status: Callable[[str], None],
    ) -> None:
        self.c = controller
        self.printer = printer
        self.parent = parent
        self.button = button
        self.status = status
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
        self.actions = [
            self.print_handout_action,
            self.save_handout_action,
            self.print_chart_action,
            self.save_chart_action,
        ]
        menu = QMenu(button)
        menu.setObjectName("print_menu")
        menu.addActions(self.actions[:2])
        menu.addSeparator()
        menu.addActions(self.actions[2:])
        button.setMenu(menu)

    def _action(
        self, text: str, obj: str, shortcut: QKeySequence | QKeySequence.StandardKey | None, slot, tip: str
    ) -> QAction:  # type: ignore[no-untyped-def]
        action = QAction(text, self.parent)
        action.setObjectName(obj)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setToolTip(tip)
        action.triggered.connect(slot)
        self.parent.addAction(action)
        return action

    def update(self) -> None:
        """Enable what can be printed now (points, permission, no document being made)."""
        actor = self.c.actor
        allowed = actor.can(Action.PRINT) and not self.printer.busy
        has_points = self.c.points_model.rowCount() > 0
        signed = self.c.session.status == SessionStatus.SIGNED
        for action in (self.print_handout_action, self.save_handout_action):
            action.setEnabled(allowed and has_points)
        for action in (self.print_chart_action, self.save_chart_action):
            action.setEnabled(allowed and (signed or has_points))
        tip = "" if signed else " (a draft prints marked 'DRAFT — NOT SIGNED')"
        self.print_chart_action.setToolTip(f"Print the treatment record{tip}")
        self.save_chart_action.setToolTip(f"Save the treatment record as a PDF file{tip}")
        self.button.setEnabled(actor.can(Action.PRINT))
        self.button.setToolTip(
            "Print or save the aftercare handout and the chart"
            if has_points or signed
            else "Printing is possible once the session has points"
        )

    # -- the commands ---------------------------------------------------------------------------------
    def print_handout(self) -> None:
        self._when_printable("handout", lambda sid: self.printer.print_handout(sid, self.parent))

    def save_handout(self) -> None:
        self._when_printable("handout", lambda sid: self.printer.save_handout(sid, self.parent))

    def print_chart(self) -> None:
        self._when_printable("chart", lambda sid: self.printer.print_chart(sid, self.parent))

    def save_chart(self) -> None:
        self._when_printable("chart", lambda sid: self.printer.save_chart(sid, self.parent))

    def _when_printable(self, what: str, then: Callable[[int], None]) -> None:
        """``then(session_id)`` with the stored session to print, once a changed draft is saved (on the
        worker, behind a save in flight: the window does not wait); nothing (and why) if not now."""
        if self.printer.busy:
            self.status("A document is still being made; try again in a moment.")
            return
        signed = self.c.session.status == SessionStatus.SIGNED
        if not self.c.points_model.rowCount() and not (what == "chart" and signed):
            self.status(f"The {what} can be printed once the session has points.")
            return

        def saved(ok: bool) -> None:
            if ok and self.c.session_id is not None:
                then(self.c.session_id)

        self.c.when_saved(saved, hold=False)
