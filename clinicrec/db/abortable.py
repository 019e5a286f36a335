"""One Argon2id computation that can be stopped at once, from any thread: ``AbortableKdf``.

The sign-in dialog unwraps the database key ahead of "Sign in", with the password as typed so far
(``services.opening.UnwrapAhead``). Each keystroke makes the computation under way useless, but a
computation on a thread cannot be stopped: it ran to its end (some 80 to 190 ms of both cores), and the
one for the next text began only then. A person's Enter found a computation for an old text still
running, and the one for the whole password not yet begun.

Here the computation runs in a child process of its own: a fork of this process that computes, writes
the 32 bytes to a pipe and ends with ``os._exit``. It never returns into the parent's code: no exit
handler runs in it, no buffered file is flushed, no database connection or window of the parent's is
closed or used. What CPython itself runs in any forked child runs in it too: the at-fork hooks, and the
finalizers of the other threads' thread-local values (ClinicRec's hold flags and tokens only, never a
connection or a session). No collection runs in it (the collector is off across the fork: one would
walk, and so copy, the parent's million objects). ``abort()`` kills it, and the processor is free for
the next text at once. The password goes nowhere new: the child is a copy of this process, and only the
digest comes back, through a pipe between the two.

Only where that is safe:

- Linux. Windows has no fork; macOS's system libraries do not survive the fork of a process with
  threads. Elsewhere the computation runs on the calling thread, as before, and cannot be stopped.
- After Argon2id has run once in this process (``kdf_ran_here``): the library's functions and the C
  symbols it calls are resolved by then, so the child needs neither the dynamic loader nor an import
  (whose locks another thread of the parent may hold at the fork).
- A child that gives no answer in time (20 times the last computation here, 2 s at least) is killed,
  and the computation counts as broken: the sign-in then unwraps the key itself, on its own thread.

A fork that fails (no memory, no process left) falls back to the calling thread.
"""

from __future__ import annotations

import contextlib
import gc
import os
import select
import signal
import sys
import threading
import time

from . import crypto
from .crypto import Kdf

#: Forking is safe here (see the module's docstring).
FORKS = sys.platform.startswith("linux") and hasattr(os, "fork")
#: A child is given this many times the last computation here, and never less than TIMEOUT_LEAST_S.
TIMEOUT_TIMES = 20
TIMEOUT_LEAST_S = 2.0


class KdfStopped(Exception):
    """The computation ended without its answer: aborted, killed by its timeout, or its process died."""


class AbortableKdf:
    """Callable as ``crypto``'s key derivation (``KeyFile.open_with_proof(kdf=...)``); ``abort()`` stops it.

    One instance serves one unwrap (the wrong-name path and the real one each derive once, in turn);
    once aborted, every call raises ``KdfStopped`` at once.

    ``derive``: the computation (default Argon2id; tests hand in a slower one). ``timeout_s``: how long a
    child may take before it is killed (default: 20 times the last computation here, 2 s at least).
    """

    def __init__(self, derive: Kdf | None = None, *, timeout_s: float | None = None) -> None:
        self._derive: Kdf = derive or crypto.argon2id_raw
        self._timeout_s = timeout_s
        self._lock = threading.Lock()
        self._parent = os.getpid()
        self._pid: int | None = None  # the child under way, not yet reaped (so never another's pid)
        self._aborted = False
        self.timed_out = False
        #: How each child ended (its pid and ``os.waitpid``'s status), for tests and diagnostics.
        self.ended: list[tuple[int, int]] = []

    @property
    def aborted(self) -> bool:
        return self._aborted

    def abort(self) -> None:
        """Stop the computation under way (and any asked for later) now; nothing when it has ended."""
        with self._lock:
            self._aborted = True
            if self._pid is not None:
                with contextlib.suppress(OSError):
                    os.kill(self._pid, signal.SIGKILL)

    def __call__(self, secret: str, salt: bytes, t: int, m: int, p: int, length: int) -> bytes:
        args = (secret, salt, t, m, p, length)
        with self._lock:  # (held across the fork: an abort waits the few ms a fork takes)
            if self._aborted:
                raise KdfStopped("stopped before it began")
            forked = self._fork(args) if FORKS and crypto.kdf_ran_here() else None
            if forked is not None:
                self._pid = forked[0]
        if forked is None:
            return self._derive(*args)
        pid, answers = forked
        try:
            answer = self._read(answers, length)
        finally:
            os.close(answers)
            with self._lock:
                self._pid = None  # (before reaping it: an abort from now on kills nothing)
            with contextlib.suppress(ChildProcessError):
                self.ended.append((pid, os.waitpid(pid, 0)[1]))
        if len(answer) != length:
            why = "timed out" if self.timed_out else "aborted" if self._aborted else "its process died"
            raise KdfStopped(f"the computation gave no answer ({why})")
        return answer

    def _fork(self, args: tuple[str, bytes, int, int, int, int]) -> tuple[int, int] | None:
        """(the child's pid, the read end of its pipe), or None when no child can be had."""
        try:
            answers, write_end = os.pipe()
        except OSError:
            return None
        collecting = gc.isenabled()
        gc.disable()  # (off in the child from its first instruction; on again here at once)
        try:
            pid = os.fork()
        except OSError:
            os.close(answers)
            os.close(write_end)
            return None
        finally:
            if collecting and os.getpid() == self._parent:
                gc.enable()
        if pid == 0:  # the child: compute, answer, end; never return into the parent's code
            status = 1
            try:
                os.close(answers)
                os.write(write_end, self._derive(*args))
                status = 0
            finally:
                os._exit(status)
        os.close(write_end)
        return pid, answers

    def _read(self, fd: int, length: int) -> bytes:
        """Up to ``length`` bytes from the child; fewer if it ended (or was killed) first. A child that
        takes longer than ``timeout_s`` is killed."""
        timeout_s = self._timeout_s
        if timeout_s is None:
            timeout_s = max(TIMEOUT_LEAST_S, TIMEOUT_TIMES * (crypto.kdf_seconds_here() or 0.0))
        deadline = time.monotonic() + timeout_s
        waiting = select.poll()  # (not select(): a process with many files open has numbers past 1024)
        waiting.register(fd, select.POLLIN)
        data = b""
        while len(data) < length:
            left = deadline - time.monotonic()
            if not waiting.poll(max(left, 0.0) * 1000):
                self.timed_out = True
                self.abort()
                return data
            chunk = os.read(fd, length - len(data))
            if not chunk:
                return data
            data += chunk
        return data
