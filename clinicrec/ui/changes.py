"""One change bus: the services publish what a committed call changed; each view refreshes only if it
concerns it, and ignores the changes it started itself (Anki's ``operation_did_execute(changes, handler)``).

The services publish on whatever thread ran the call (signing, saving and backups run on the worker
pool); the bus always delivers on the GUI thread, queued when the change comes from another thread.
The view or controller that starts a call names itself with ``initiated_by(token)`` around it (on the
thread that runs it); each delivered ``Change`` carries that token as its ``initiator``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from ..services.base import Change

T = TypeVar("T")


class ChangeBus(QObject):
    sig_changed = Signal(object)  # Change, delivered on the GUI thread
    _sig_from_other_thread = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._local = threading.local()
        self._sig_from_other_thread.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    @contextmanager
    def initiated_by(self, token: object) -> Iterator[None]:
        """Changes published by service calls inside this block (on this thread) carry ``token``."""
        previous = getattr(self._local, "initiator", None)
        self._local.initiator = token
        try:
            yield
        finally:
            self._local.initiator = previous

    def call(self, token: object, fn: Callable[[], T]) -> Callable[[], T]:
        """``fn`` wrapped so that what it changes carries ``token``: for ``Worker.run``."""

        def run() -> T:
            with self.initiated_by(token):
                return fn()

        return run

    def publish(self, change: Change) -> None:
        """The services' listener: may be called on any thread."""
        initiator = getattr(self._local, "initiator", None)
        if initiator is not None and change.initiator is None:
            change = replace(change, initiator=initiator)
        if QThread.currentThread() == self.thread():
            self.sig_changed.emit(change)
        else:
            self._sig_from_other_thread.emit(change)

    @Slot(object)
    def _deliver(self, change: Any) -> None:
        self.sig_changed.emit(change)
