"""Work that waits for a window's first paint: what the user sees comes first."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer


class AfterFirstPaint(QObject):
    """Calls ``then`` once, just after ``widget`` has painted for the first time (or after
    ``at_latest_ms``, when given, should it not have painted by then: a window opened minimised)."""

    def __init__(self, widget: QObject, then: Any, *, at_latest_ms: int | None = None) -> None:
        super().__init__(widget)
        self._then = then
        widget.installEventFilter(self)
        if at_latest_ms is not None:
            QTimer.singleShot(at_latest_ms, self, self._call)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self._then is not None:
            obj.removeEventFilter(self)
            QTimer.singleShot(0, self, self._call)
        return False

    def _call(self) -> None:
        then, self._then = self._then, None
        if then is not None:
            then()
