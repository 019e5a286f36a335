"""Long work (PDFs, reports, backups) runs off the GUI thread through this one helper.

The result arrives by signal on the GUI thread. Tests set ``synchronous=True`` to run it inline.

The pool's jobs are mostly pure Python (the services' SQLAlchemy work), which holds the GIL; the GUI
thread needs it back for every slot, paint and model call it makes in Python. With CPython's default
switch interval (5 ms) a job made the GUI thread wait for it again and again: while charting, the
part of an event-loop gap that was not the GUI thread's own work had a p99 of 75-96 ms with a job
running against 5-6 ms without one (``benchmarks/bench_session_stall.py``, 100k patients, load 6-8).
A worker pool therefore shortens the interval to ``GIL_SWITCH_INTERVAL_S`` (p99 31-54 ms in the same
runs); it never lengthens one set shorter.

A job that keeps the processors busy in C, not in Python, has the opposite problem: signing's Argon2id
(parallelism 2) runs two threads of its own for 200-450 ms without the GIL, and on a two-core machine
the GUI thread then waited for a processor, not for the lock (the signature's event-loop gaps of
80-100 ms were 1-30 ms of the GUI thread's own work). ``run_aside`` runs such a job on a thread of its
own at a lower scheduling priority (a ``nice`` increment, Linux; the threads it starts inherit it), so
the GUI thread runs first whenever it has something to do; the job takes what it leaves, the same work.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

#: How long a pool thread may keep the GIL while the GUI thread waits for it (CPython's default: 5 ms).
GIL_SWITCH_INTERVAL_S = 0.001
#: How much lower than the GUI thread's a ``run_aside`` job's thread runs (a ``nice`` increment, Linux).
ASIDE_NICENESS = 10


def yield_processor_to_gui(increment: int = ASIDE_NICENESS) -> bool:
    """Lower the calling thread's scheduling priority by ``increment`` (Linux schedules threads one by
    one, and threads this one starts inherit it); False where that is not possible (other systems, or
    not allowed). Never call it on the GUI thread: a thread cannot raise its priority back unprivileged."""
    if not sys.platform.startswith("linux") or threading.current_thread() is threading.main_thread():
        return False
    thread = threading.get_native_id()
    try:
        os.setpriority(os.PRIO_PROCESS, thread, min(19, os.getpriority(os.PRIO_PROCESS, thread) + increment))
    except OSError:
        return False
    return True


class _Signals(QObject):
    sig_done = Signal(object)
    sig_failed = Signal(object)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], signals: _Signals) -> None:
        super().__init__()
        self.fn = fn
        self.signals = signals
        self.collect = True  # its young garbage collected at its end (not on run_aside's threads)

    def run(self) -> None:
        try:
            result = self.fn()
        except Exception as e:  # delivered to the GUI thread, shown to the user there
            self._collect()
            self.signals.sig_failed.emit(e)
        else:
            self._collect()
            self.signals.sig_done.emit(result)

    def _collect(self) -> None:
        if self.collect:
            collect_young()


def collect_young() -> None:
    """Collect the two young generations now, at the end of a job, where its garbage is young.

    A job's SQLAlchemy objects form reference cycles; an automatic pass that fell in the middle of the
    job found them still in use and promoted them, and once promoted to the oldest generation only a
    full pass frees them: 3,500-4,100 such objects a pass, passes of 30-70 ms holding the GIL while the
    window waited (``benchmarks/bench_session_stall.py``, ``gc.callbacks``). Collected here, they die
    young; the full passes that remain found 600-1,800 (4-40 ms)."""
    gc.collect(1)


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
        self._aside: set[threading.Thread] = set()  # run_aside's threads still running
        self._aside_lock = threading.Lock()
        if not synchronous and sys.getswitchinterval() > GIL_SWITCH_INTERVAL_S:
            sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)

    def run(
        self, fn: Callable[[], Any], on_done: Callable[[Any], None], on_failed: Callable[[Exception], None]
    ) -> None:
        self._start(fn, on_done, on_failed, aside=False)

    def run_aside(
        self, fn: Callable[[], Any], on_done: Callable[[Any], None], on_failed: Callable[[Exception], None]
    ) -> None:
        """As ``run``, for a job that keeps the processors busy outside Python (signing's password hash):
        on a thread of its own at a lower scheduling priority (``yield_processor_to_gui``), so the GUI
        thread gets a processor whenever it needs one. The pool's threads keep their priority."""
        self._start(fn, on_done, on_failed, aside=True)

    def _start(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_failed: Callable[[Exception], None],
        *,
        aside: bool,
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
            # The connections below hold the callbacks, and through them whatever they use (a closed
            # session window, its models); they pass through Qt, out of the cyclic collector's sight, so
            # they are dropped here by hand: every job's callbacks lived for the whole run before.
            signals.sig_done.disconnect()
            signals.sig_failed.disconnect()
            self._running -= 1
            if not self._running:
                self.sig_busy_changed.emit(False)
            callback(value)

        signals.sig_done.connect(lambda r: finish(on_done, r))
        signals.sig_failed.connect(lambda e: finish(on_failed, e))
        self._running += 1
        if self._running == 1:
            self.sig_busy_changed.emit(True)
        job = _Job(fn, signals)
        job.collect = not aside  # a thread of low priority keeps the GIL no longer than it must
        if not aside:
            self._pool.start(job)
            return

        def run_lowered() -> None:
            yield_processor_to_gui()
            job.run()
            with self._aside_lock:
                self._aside.discard(thread)

        thread = threading.Thread(target=run_lowered, name="clinicrec-aside", daemon=True)
        with self._aside_lock:
            self._aside.add(thread)
        thread.start()

    def wait(self, msecs: int = 30_000) -> bool:
        with self._aside_lock:
            aside = list(self._aside)
        for thread in aside:
            thread.join(msecs / 1000)
        return self._pool.waitForDone(msecs) and not any(t.is_alive() for t in aside)

    @property
    def busy(self) -> bool:
        return self._running > 0
