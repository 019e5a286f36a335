"""The code of the windows a nurse opens next, imported off the GUI thread while the main window idles.

Importing the session window's modules (the face map's geometry, the forms, the controller, ~40
modules) takes 80-250 ms; done on the GUI thread when the nurse first presses New session, the window
froze that long before it even began to build. A background thread imports them after start-up
instead: Python's import system is thread-safe (a module being imported is locked, so a window opened
meanwhile waits only for the rest of it), the modules create no widgets at import time (only colour
values), and the GUI thread keeps running between the thread's bytecodes.

The same thread then finds each face-map zone's centre (``facemap.zone_centroid``, cached): for a zone
whose area centroid falls outside it (the perioral ring) it is a search of ~150-400 ms of pure Python,
which the first grid fill or "Add at centre" there would otherwise spend on the GUI thread.

Then it freezes what it made out of the cyclic collector (``gc.freeze()``, as start-up does once the main
window shows, ``ui/app.py``): the modules' functions, classes and tables live as long as the application,
and every full pass of the collector traversed them again (it runs on whichever thread allocates, the
GUI thread waiting for the GIL meanwhile). ``freeze_long_lived`` is the same step for a session window
once it is built.
"""

from __future__ import annotations

import gc
import importlib
import logging
import threading
import time
from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer

log = logging.getLogger(__name__)

#: What a nurse opens from the main window: the session window (with its dialogs and tabs).
#: The session window, and the photo service a chart's photo strip first reads through (Pillow: 22 ms).
WINDOW_MODULES = ("clinicrec.ui.session.window", "clinicrec.services.photos.service")


def preload_in_background(modules: Sequence[str] = WINDOW_MODULES) -> threading.Thread:
    """Import ``modules`` on a daemon thread (started here); a module that fails to import is logged and
    left to fail again, with its message, where it is really used."""

    def run() -> None:
        from ..domain import facemap  # here, on this thread: the start-up's imports stay the loader's
        from ..domain.enums import Zone

        for module in modules:
            try:
                importlib.import_module(module)
            except Exception:  # noqa: BLE001 - the real import reports it where it matters
                log.debug("preloading %s failed", module, exc_info=True)
        for zone in Zone:
            facemap.zone_centroid(zone)
        freeze_long_lived()

    thread = threading.Thread(target=run, name="clinicrec-preload", daemon=True)
    thread.start()
    return thread


def freeze_long_lived() -> None:
    """Keep every object alive now out of the cyclic collector's passes from now on (``gc.freeze()``).

    For moments when what was just made lives on: the application's modules once imported, a session
    window once built (its widgets, models and map items live while the nurse charts in it). A full pass
    of the collector traverses every object not frozen, holding the GIL; while charting on the 100k demo
    database the passes that fell on the worker's jobs took 40-70 ms, and the window waited for each
    (``benchmarks/bench_session_stall.py``); with the window's objects frozen, 10-30 ms. What is frozen
    and later freed by reference counting is freed as before; only objects in reference cycles among
    what was frozen (a closed window's, garbage not yet collected) wait for the process to end: about
    1 MB per session window opened (peak memory of 23 window tests: 276 MB frozen, 259 MB not), until
    ``release_when_idle`` collects them."""
    gc.freeze()


#: How long the user must leave the keyboard and mouse alone before closed windows are collected.
RELEASE_IDLE_MS = 3000
_INPUT = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonDblClick,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TabletPress,
    }
)


class _IdleRelease(QObject):
    """One per application: a collection of what closed windows left frozen, once the user pauses."""

    def __init__(self, app: QCoreApplication) -> None:
        super().__init__(app)
        self.timer = QTimer(self, singleShot=True, interval=RELEASE_IDLE_MS)
        self.timer.timeout.connect(self._release)
        self.watching = False
        self.last_ms = 0.0  # how long the last release took
        self.released = 0  # how many objects it freed

    def arm(self) -> None:
        if not self.watching:
            QCoreApplication.instance().installEventFilter(self)  # type: ignore[union-attr]
            self.watching = True
        self.timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _INPUT:
            self.timer.start()  # the user is at work: wait for the next pause
        return False

    def _release(self) -> None:
        QCoreApplication.instance().removeEventFilter(self)  # type: ignore[union-attr]
        self.watching = False
        started = time.perf_counter()
        gc.unfreeze()
        self.released = gc.collect()
        gc.freeze()
        self.last_ms = (time.perf_counter() - started) * 1000
        log.debug("closed windows released: %d objects in %.1f ms", self.released, self.last_ms)


def release_when_idle() -> _IdleRelease | None:
    """A session window was closed: what it left frozen (``freeze_long_lived``: its widgets' Python side, in
    reference cycles, ~0.7 MB a window) is collected at the user's next pause, RELEASE_IDLE_MS with no key
    or mouse input. That collection walks every object of the application once (45-85 ms on the 100k
    demo), which is why it waits for a pause rather than running as the window closes (the nurse is
    often typing the next patient's name by then). The objects still alive are frozen again after it."""
    app = QCoreApplication.instance()
    if app is None:
        return None
    release = app.findChild(_IdleRelease)
    if release is None:
        release = _IdleRelease(app)
    release.timer.setInterval(RELEASE_IDLE_MS)
    release.arm()
    return release
