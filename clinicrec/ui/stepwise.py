"""Building a window in steps, each in its own turn of the event loop, so that no single pass of the
loop does all of it (the session window costs ~80 ms of the GUI thread to build; the loop must answer
within 50 ms).

A build is a generator: each ``yield`` is a point where the event loop may run (input, paints of the
windows already shown, timers). ``StepwiseBuild.run_all()`` runs it to the end at once (the window's
constructor does this unless it is asked to build in steps); ``start()`` runs one step per event-loop
turn and says ``sig_done`` (or ``sig_failed`` with a ``ClinicRecError`` a step raised) at the end.
``cancel()`` stops a build that is no longer wanted (its window closed before it was shown).
"""

from __future__ import annotations

from collections.abc import Iterator

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from ..domain.errors import ClinicRecError

#: Steps are run on a timer of this many ms, not a zero timer: a zero timer is a posted event, and the
#: posted events of one pass are handled together; a timer runs in a later pass, so the event loop
#: answers in between (the same reason as the session window's ``LATER_MS``).
STEP_MS = 1


class StepwiseBuild(QObject):
    """Runs a build's steps, at once or one per event-loop turn."""

    sig_done = Signal()
    sig_failed = Signal(object)  # the ClinicRecError a step raised

    def __init__(self, steps: Iterator[object], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._steps: Iterator[object] | None = steps
        self.steps_run = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(STEP_MS)
        self._timer.timeout.connect(self._next)

    @property
    def pending(self) -> bool:
        """Steps are left to run."""
        return self._steps is not None

    def step(self) -> bool:
        """Run one step; False once the build is over (nothing left to run)."""
        if self._steps is None:
            return False
        try:
            next(self._steps)
        except StopIteration:
            self._steps = None
            return False
        except BaseException:
            self._steps = None
            raise
        self.steps_run += 1
        return True

    def run_all(self) -> None:
        """Run every step left, now (a ClinicRecError raised by a step is raised here)."""
        self._timer.stop()
        while self.step():
            pass

    def start(self) -> None:
        """Run the steps one per event-loop turn; ``sig_done`` or ``sig_failed`` at the end."""
        if self._steps is not None:
            self._timer.start()

    def cancel(self) -> None:
        """Stop here: the steps left are never run, and neither signal comes."""
        self._timer.stop()
        steps, self._steps = self._steps, None
        if steps is not None and hasattr(steps, "close"):
            steps.close()

    def _next(self) -> None:
        try:
            more = self.step()
        except ClinicRecError as e:
            self.sig_failed.emit(e)
            return
        if more:
            self._timer.start()
        else:
            self.sig_done.emit()
