"""The idle lock: after the clinic's idle time every window is covered until the password is given.

Nothing is closed, reset or saved: each window keeps its forms as they were under an opaque overlay (its
title hidden too: titles name patients). While locked, input meant for anything but an overlay is dropped,
so no password lands in a chart and no shortcut runs. Lock, unlock and wrong passwords are audited."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

import shiboken6
from PySide6.QtCore import QElapsedTimer, QEvent, QMetaMethod, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QToolTip, QWidget

from ..domain.errors import ClinicRecError
from ..services.app import Services
from ..services.auth import MAX_FAILED_ATTEMPTS
from ..services.base import Change, ChangeEntity
from ..services.rights import RIGHTS_CHANGED
from .lock_overlay import LockOverlay

DEFAULT_MINUTES = 10
LOCKED_TITLE = "ClinicRec — locked"
#: After this many wrong passwords the lock asks for sign-out (if wired) or pauses entry for a while.
MAX_UNLOCK_FAILURES = MAX_FAILED_ATTEMPTS
UNLOCK_PAUSE_MS = 30_000
#: How often an open application asks whether the user's account changed (another workstation's
#: administrator): one primary-key lookup. Any service call checks it as well, at once.
RIGHTS_POLL_MS = 30_000

_T = QEvent.Type
ACTIVITY = frozenset(
    {
        _T.KeyPress,
        _T.MouseButtonPress,
        _T.MouseMove,
        _T.Wheel,
        _T.TouchBegin,
        _T.TouchUpdate,
        _T.TabletPress,
        _T.InputMethod,
    }
)
BLOCKED = frozenset(
    {
        _T.KeyPress,
        _T.KeyRelease,
        _T.ShortcutOverride,
        _T.Shortcut,
        _T.MouseButtonPress,
        _T.MouseButtonRelease,
        _T.MouseButtonDblClick,
        _T.Wheel,
        _T.ContextMenu,
        _T.TouchBegin,
        _T.InputMethod,
        _T.Drop,
        _T.DragEnter,
    }
)
_COVERED_TYPES = (Qt.WindowType.Window, Qt.WindowType.Dialog, Qt.WindowType.Sheet, Qt.WindowType.Tool)


class IdleLock(QObject):
    """Locks every window of the application after ``minutes`` without keyboard or mouse activity.

    ``windows`` are always covered; any other visible window (dialogs, session windows) is covered too.
    Call ``start()`` once the main window exists. ``set_interval_ms`` shortens the wait for tests.
    """

    sig_locked = Signal()
    sig_unlocked = Signal()
    sig_sign_out_requested = Signal()

    def __init__(
        self,
        services: Services,
        windows: Iterable[QWidget] = (),
        *,
        minutes: int | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._services = services
        self._windows: list[QWidget] = list(windows)
        self._overlays: dict[QWidget, LockOverlay] = {}
        self._titles: dict[QWidget, str] = {}
        self._focus: QWidget | None = None
        self._user = ""
        self._failures, self._locked, self._started, self._watching = 0, False, False, False
        self._minutes = minutes if minutes is not None else self._clinic_minutes()
        self._interval_ms = self._minutes * 60_000
        self._idle = QElapsedTimer()
        self._timer = QTimer(self, singleShot=True)
        self._pause = QTimer(self, singleShot=True, interval=UNLOCK_PAUSE_MS)
        self._rights_timer = QTimer(self, interval=RIGHTS_POLL_MS)
        self._reason: str | None = None
        self._by_hand = False  # the current lock was asked for (menu, Ctrl+L), not caused by idleness
        self._connect_signals()

    def _connect_signals(self) -> None:
        self._timer.timeout.connect(self._on_timeout)
        self._pause.timeout.connect(self._end_pause)
        self._rights_timer.timeout.connect(self.check_rights)

    def _clinic_minutes(self) -> int:
        try:
            return self._services.clinic.get().idle_lock_minutes
        except ClinicRecError:
            return DEFAULT_MINUTES

    # -- configuration --------------------------------------------------------------------------
    @property
    def is_locked(self) -> bool:
        return self._locked

    @property
    def interval_ms(self) -> int:
        return self._interval_ms

    @property
    def idle_ms(self) -> int:
        """Milliseconds since the last keyboard or mouse activity."""
        return int(self._idle.elapsed()) if self._idle.isValid() else 0

    def overlay_for(self, window: QWidget) -> LockOverlay | None:
        return self._overlays.get(window)

    def set_minutes(self, minutes: int) -> None:
        self._minutes = minutes
        self.set_interval_ms(minutes * 60_000)

    def set_interval_ms(self, ms: int) -> None:
        self._interval_ms = max(1, int(ms))
        if self._started and not self.is_locked:
            self._idle.restart()
            self._timer.start(self._interval_ms)

    @property
    def reason(self) -> str | None:
        """Why the windows are locked when it is not idleness (the user's account changed)."""
        return self._reason

    def on_change(self, change: Change) -> None:
        """Change-bus listener: the clinic's idle time was edited; the user's rights changed."""
        if change.entity == ChangeEntity.CLINIC:
            self.set_minutes(self._clinic_minutes())
        elif change.entity == ChangeEntity.USER and change.kind == RIGHTS_CHANGED:
            actor = self._services.actor
            if actor is not None and change.entity_id == actor.user_id:
                self.check_rights()

    def set_rights_poll_ms(self, ms: int) -> None:
        self._rights_timer.setInterval(max(1, int(ms)))

    def check_rights(self) -> None:
        """Lock every window, with the reason, when the signed-in user's account changed."""
        if self._services.actor is None:
            return
        try:
            reason = self._services.auth.check_rights()
        except ClinicRecError:
            return  # the database is out of reach: the next service call will say so
        if reason is not None:
            self.lock(reason=reason)

    def start(self) -> None:
        """Watch for activity and lock after the interval without any."""
        self._watch(True)
        self._started = True
        self._idle.restart()
        self._timer.start(self._interval_ms)
        self._rights_timer.start()

    def stop(self) -> None:
        """Stop for good (sign-out, shutdown): uncovers the windows if locked, without an unlock entry."""
        self._timer.stop()
        self._rights_timer.stop()
        self._started = False
        self.release()

    def _watch(self, on: bool) -> None:
        app = QApplication.instance()
        if app is not None and on != self._watching:
            (app.installEventFilter if on else app.removeEventFilter)(self)
            self._watching = on

    # -- activity -------------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if not self._locked:
            if kind in ACTIVITY:
                self._idle.restart()  # cheap; the timer checks the elapsed time when it fires
            return False
        if kind in BLOCKED:
            return self._blocked(watched, event)
        if kind == _T.WindowTitleChange and watched in self._titles:
            title = watched.windowTitle()  # type: ignore[attr-defined]
            if title != LOCKED_TITLE:
                self._titles[watched] = title  # type: ignore[index]
                watched.setWindowTitle(LOCKED_TITLE)  # type: ignore[attr-defined]
        elif kind == _T.Show and isinstance(watched, QWidget) and self._coverable(watched):
            QTimer.singleShot(0, lambda w=watched: self._cover(w))  # a window opened while locked
        return False

    def _blocked(self, watched: QObject, event: QEvent) -> bool:
        if isinstance(watched, QWidget):
            inside = any(o is watched or o.isAncestorOf(watched) for o in self._overlays.values())
            if not inside:
                return True
            # Alt alone would open the covered window's menu bar.
            return isinstance(event, QKeyEvent) and event.key() in (Qt.Key.Key_Alt, Qt.Key.Key_Meta)
        return event.type() == _T.Shortcut  # actions' shortcuts; window-system events pass to the overlays

    def _on_timeout(self) -> None:
        if self.is_locked:
            return
        remaining = self._interval_ms - self._idle.elapsed()
        if remaining > 5:
            self._timer.start(remaining)
        elif self._services.actor is None:
            self.start()  # nobody signed in: nothing to protect yet
        else:
            self.lock()

    # -- locking --------------------------------------------------------------------------------
    def _coverable(self, w: QWidget) -> bool:
        return w.isWindow() and w.isVisible() and w not in self._overlays and w.windowType() in _COVERED_TYPES

    def lock_by_hand(self) -> None:
        """The "Lock screen" command (Ctrl+L): locked at once, without any word of idleness."""
        self.lock(by_hand=True)

    def lock(self, reason: str | None = None, *, by_hand: bool = False) -> None:
        """Cover every window now.

        ``reason``: the user's account changed (deactivated, another role); shown on every overlay.
        ``by_hand``: the user asked for it (the overlay does not say "after 10 minutes without activity").
        """
        actor = self._services.actor
        if actor is None:
            return
        if reason:
            self._reason = reason
        if self.is_locked:
            if reason:
                self._each(lambda o: o.show_reason(reason))
            return
        self._timer.stop()
        self._watch(True)  # input to the covered windows is dropped while locked
        self._focus = QApplication.focusWidget()
        while (popup := QApplication.activePopupWidget()) is not None:
            popup.close()
        QToolTip.hideText()
        self._failures = 0
        self._by_hand = by_hand
        self._locked = True
        self._user = actor.signature_name
        windows = list(
            dict.fromkeys(
                [*self._windows, *(w for w in QApplication.topLevelWidgets() if self._coverable(w))]
            )
        )
        for window in windows:
            self._cover(window)
        target = QApplication.activeModalWidget() or QApplication.activeWindow()
        first = self._overlays.get(target) or next(iter(self._overlays.values()), None)  # type: ignore[arg-type]
        if first is not None:
            first.focus_password()
        with contextlib.suppress(ClinicRecError):  # a storage failure must not leave the screen open
            self._services.auth.record_lock(True)
        self.sig_locked.emit()

    def _cover(self, window: QWidget) -> None:
        if not self._locked or window in self._overlays or not shiboken6.isValid(window):
            return
        overlay = LockOverlay(
            window,
            self._user,
            self._minutes,
            sign_out_available=self.isSignalConnected(QMetaMethod.fromSignal(self.sig_sign_out_requested)),
            reason=self._reason,
            by_hand=self._by_hand,
        )
        overlay.sig_unlock_requested.connect(self._try_unlock)
        overlay.sig_sign_out_requested.connect(self.sig_sign_out_requested)
        self._overlays[window] = overlay
        self._titles[window] = window.windowTitle()
        window.setWindowTitle(LOCKED_TITLE)
        overlay.show()
        overlay.raise_()

    def _try_unlock(self, password: str) -> None:
        try:
            ok = self._services.auth.verify_password(password)
        except ClinicRecError as e:
            message = str(e)
            self._each(lambda o: o.show_error(message))
            return
        if ok:
            self._unlock()
            return
        self._failures += 1
        with contextlib.suppress(ClinicRecError):
            self._services.auth.record_unlock_failed()
        if self._failures < MAX_UNLOCK_FAILURES:
            self._each(lambda o: o.show_error("That password is not correct."))
        elif self.isSignalConnected(QMetaMethod.fromSignal(self.sig_sign_out_requested)):
            self._each(lambda o: o.show_error("Too many wrong passwords: signing out."))
            self.sig_sign_out_requested.emit()
        else:
            wait = f"Too many wrong passwords. Try again in {UNLOCK_PAUSE_MS // 1000} seconds."
            self._each(lambda o: (o.show_error(wait), o.set_entry_enabled(False)))
            self._pause.start()

    def _end_pause(self) -> None:
        self._failures = 0
        self._each(lambda o: o.set_entry_enabled(True))

    def _unlock(self) -> None:
        """After the password was checked: remove the overlays and give the focus back where it was."""
        with contextlib.suppress(ClinicRecError):
            self._services.auth.record_lock(False)
        self.release()
        self.sig_unlocked.emit()

    def release(self) -> None:
        """Uncover without an unlock entry: for the caller that signs the user out while locked."""
        if not self._locked:
            if not self._started:
                self._watch(False)
            return
        self._pause.stop()
        self._locked = False
        self._reason = None
        for window, overlay in list(self._overlays.items()):
            if shiboken6.isValid(window):
                window.setWindowTitle(self._titles.get(window, window.windowTitle()))
            if shiboken6.isValid(overlay):
                overlay.detach()
        self._overlays.clear()
        self._titles.clear()
        focus, self._focus = self._focus, None
        if focus is not None and shiboken6.isValid(focus) and focus.isVisible():
            focus.window().activateWindow()
            focus.setFocus(Qt.FocusReason.OtherFocusReason)
        if self._started:
            self.start()
        else:
            self._watch(False)

    def _each(self, fn) -> None:  # type: ignore[no-untyped-def]
        for overlay in list(self._overlays.values()):
            fn(overlay)
