"""Windows reopen where and at the size they were last closed; the first time, maximised.

Kept per workstation user in QSettings (never clinical data: a window's geometry only). The settings object
is made once at start-up and passed in, so tests give one of their own and never touch the user's.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QEvent, QObject, QSettings, Qt
from PySide6.QtWidgets import QWidget

#: Bump when the stored value changes meaning: older geometries are then ignored (maximised again).
VERSION = 1


class WindowSizes:
    """Restores a window's last geometry when it is shown and remembers it when it closes."""

    def __init__(self, settings: QSettings) -> None:
        self._settings = settings

    @classmethod
    def for_user(cls) -> WindowSizes:
        """The workstation user's settings (the application's organisation and name are set first)."""
        return cls(QSettings())

    def _key(self, name: str) -> str:
        return f"windows/v{VERSION}/{name}"

    def stored(self, name: str) -> QByteArray | None:
        value = self._settings.value(self._key(name))
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def show(self, window: QWidget, name: str) -> None:
        """Show ``window`` at its last size (maximised the first time) and remember it when it closes."""
        geometry = self.stored(name)
        if geometry is None or not window.restoreGeometry(geometry):
            window.setWindowState(window.windowState() | Qt.WindowState.WindowMaximized)
        _Remember(window, self, name)
        window.show()

    def remember(self, window: QWidget, name: str) -> None:
        self._settings.setValue(self._key(name), window.saveGeometry())
        self._settings.sync()


class _Remember(QObject):
    """Saves the window's geometry as it closes (a close the user cancels saves nothing harmful)."""

    def __init__(self, window: QWidget, sizes: WindowSizes, name: str) -> None:
        super().__init__(window)
        self._sizes, self._name = sizes, name
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Close and isinstance(watched, QWidget):
            self._sizes.remember(watched, self._name)
        return False
