"""Unexpected errors are shown to the user in a dialog, instead of only printed to stderr.

``ErrorReporter.install()`` takes over ``sys.excepthook`` (Qt hands it the exceptions raised in slots
and event handlers) and ``threading.excepthook`` (plain threads); the message goes through the
injectable prompts object on the GUI thread (queued when the error happened on another thread). The
application carries on: an open session stays on screen, in memory, and keeps saving itself, so
nothing charted is lost. The details still go to stderr for the log.
"""

from __future__ import annotations

import sys
import threading
import traceback
from collections.abc import Callable
from types import TracebackType
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot
from PySide6.QtWidgets import QWidget

from .prompts import Prompts

TITLE = "Something went wrong"


def describe(error: BaseException) -> str:
    what = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    return (
        f"ClinicRec met an unexpected problem and stopped what it was doing:\n\n{what}\n\n"
        "Nothing you charted is lost: an open session stays as it is on screen and keeps saving itself "
        "(the window says when it is saved). If this happens again, tell your administrator; the "
        "details are in the log."
    )


class ErrorReporter(QObject):
    _sig_report = Signal(str)

    def __init__(self, prompts: Prompts, parent_widget: Callable[[], QWidget | None] = lambda: None) -> None:
        super().__init__()
        self._prompts = prompts
        self._parent_widget = parent_widget
        self._previous: tuple[Any, Any] | None = None
        self._showing = False
        self.reported: list[str] = []
        self._sig_report.connect(self._show, Qt.ConnectionType.QueuedConnection)

    def install(self) -> None:
        self._previous = (sys.excepthook, threading.excepthook)
        sys.excepthook = self._excepthook
        threading.excepthook = self._thread_excepthook

    def uninstall(self) -> None:
        if self._previous is not None:
            sys.excepthook, threading.excepthook = self._previous
            self._previous = None

    def _excepthook(self, kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, error, tb)
            return
        self.report(error, tb)

    def _thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None or issubclass(args.exc_type, SystemExit):
            return
        self.report(args.exc_value, args.exc_traceback)

    def report(self, error: BaseException, tb: TracebackType | None = None) -> None:
        """Log the error and show it (on the GUI thread); callable from any thread."""
        traceback.print_exception(type(error), error, tb or error.__traceback__, file=sys.stderr)
        message = describe(error)
        if QThread.currentThread() == self.thread():
            self._show(message)
        else:
            self._sig_report.emit(message)

    @Slot(str)
    def _show(self, message: str) -> None:
        self.reported.append(message)
        if self._showing:  # an error while the dialog is open: logged, not stacked
            return
        self._showing = True
        try:
            self._prompts.error(self._parent_widget(), TITLE, message)
        finally:
            self._showing = False
