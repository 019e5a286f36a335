"""Long work (PDFs, reports, backups) runs off the GUI thread through this one helper.

The result arrives by signal on the GUI thread. Tests set ``synchronous=True`` to run it inline.

The pool's jobs are mostly pure Python (the services' SQLAlchemy work), which holds the GIL; the GUI
thread needs it back for every slot, paint and model call it makes in Python. With CPython's default
switch interval (5 ms) a job made the GUI thread wait for it again and again: while charting, the
part of an event-loop gap that was not the GUI thread's own work had a p99 of 75-96 ms with a job
running against 5-6 ms without one (``benchmarks/bench_session_stall.py``, 100k patients, load 6-8).
A worker pool therefore shortens the interval to ``GIL_SWITCH_INTERVAL_S`` (p99 31-54 ms in the same
runs); it never lengthens one set shorter.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

#: How long a pool thread may keep the GIL while the GUI thread waits for it (CPython's default: 5 ms).
GIL_SWITCH_INTERVAL_S = 0.001


class _Signals(QObject):
    sig_done = Signal(object)
    sig_failed = Signal(object)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], signals: _Signals) -> None:
        super().__init__()
        self.fn = fn
        self.signals = signals

    def run(self) -> None:
        try:
            result = self.fn()
        except Exception as e:  # delivered to the GUI thread, shown to the user there
            self.signals.sig_failed.emit(e)
        else:
            self.signals.sig_done.emit(result)


class Worker(QObject):
    """Runs callables in a thread pool; ``run(fn, on_done, on_failed)``."""

    sig_busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None, *, synchronous: bool = False) -> None:
        super().__init__(parent)
        self.synchronous = synchronous
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(2)
        self._running = 0
        self._keep: set[_Signals] = set()
        if not synchronous and sys.getswitchinterval() > GIL_SWITCH_INTERVAL_S:
            sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)

    def run(
        self, fn: Callable[[], Any], on_done: Callable[[Any], None], on_failed: Callable[[Exception], None]
    ) -> None:
        if self.synchronous:
            try:
                result = fn()
            except Exception as e:
                on_failed(e)
            else:
                on_done(result)
            return
        signals = _Signals()
        self._keep.add(signals)

        def finish(callback: Callable[[Any], None], value: Any) -> None:
            self._keep.discard(signals)
            self._running -= 1
            if not self._running:
                self.sig_busy_changed.emit(False)
            callback(value)

        signals.sig_done.connect(lambda r: finish(on_done, r))
        signals.sig_failed.connect(lambda e: finish(on_failed, e))
        self._running += 1
        if self._running == 1:
            self.sig_busy_changed.emit(True)
        self._pool.start(_Job(fn, signals))

    def wait(self, msecs: int = 30_000) -> bool:
        return self._pool.waitForDone(msecs)

    @property
    def busy(self) -> bool:
        return self._running > 0
