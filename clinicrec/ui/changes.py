"""One change bus: services announce what they changed; each view refreshes only if it concerns it."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from ..services.base import Change


class ChangeBus(QObject):
    sig_changed = Signal(object)  # Change

    def publish(self, change: Change) -> None:
        self.sig_changed.emit(change)
