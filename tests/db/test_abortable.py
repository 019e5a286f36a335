"""Argon2id where it can be stopped (``db.abortable.AbortableKdf``): a forked child computes the same digest,
is killed at once by ``abort()`` or its timeout, is always reaped, and touches nothing of its parent; where
no child can be had, the calling thread computes it as before."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from clinicrec.db import abortable, crypto
from clinicrec.db.abortable import AbortableKdf, KdfStopped

pytestmark = pytest.mark.skipif(not abortable.FORKS, reason="a computation is forked only on Linux")

ARGS = ("a password", b"0123456789abcdef", 3, 65536, 2, 32)


@pytest.fixture(autouse=True)
def _argon2id_ran_here() -> None:
    crypto.argon2id_raw(*ARGS)  # as in the application, where the first unwrap runs on its own thread


def _slow(secret: str, salt: bytes, t: int, m: int, p: int, length: int) -> bytes:
    """(In the child.) A computation that would take half a minute."""
    time.sleep(30)
    return crypto.argon2id_raw(secret, salt, t, m, p, length)


def _under_way(kdf: AbortableKdf) -> int:
    for _ in range(2000):
        if kdf._pid is not None:
            return kdf._pid
        time.sleep(0.005)
    raise AssertionError("no child was forked")


def _reaped(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def test_the_child_derives_the_same_digest_and_is_reaped() -> None:
    kdf = AbortableKdf()
    assert kdf(*ARGS) == crypto.argon2id_raw(*ARGS)
    [(pid, status)] = kdf.ended
    assert pid != os.getpid() and os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    assert _reaped(pid)  # no zombie left behind


def test_abort_stops_the_computation_at_once() -> None:
    kdf = AbortableKdf(_slow)
    raised: list[BaseException] = []

    def compute() -> None:
        try:
            kdf(*ARGS)
        except BaseException as e:  # noqa: BLE001 - looked at below
            raised.append(e)

    thread = threading.Thread(target=compute)
    thread.start()
    pid = _under_way(kdf)
    asked = time.monotonic()
    kdf.abort()
    thread.join(20)
    assert not thread.is_alive() and time.monotonic() - asked < 15  # not the half minute it would take
    assert len(raised) == 1 and isinstance(raised[0], KdfStopped) and "aborted" in str(raised[0])
    assert kdf.ended[0][0] == pid and os.WTERMSIG(kdf.ended[0][1]) == signal.SIGKILL and _reaped(pid)
    with pytest.raises(KdfStopped):  # once aborted, nothing more is begun
        kdf(*ARGS)
    assert len(kdf.ended) == 1


def test_a_child_that_never_answers_is_killed_at_its_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    kdf = AbortableKdf(_slow, timeout_s=0.5)
    with pytest.raises(KdfStopped, match="timed out"):
        kdf(*ARGS)
    [(pid, status)] = kdf.ended
    assert os.WTERMSIG(status) == signal.SIGKILL and _reaped(pid) and kdf.timed_out
    # by default: 20 times the last computation here, 2 s at least (a hung child never holds the sign-in
    # for long: it then unwraps the key itself)
    monkeypatch.setattr(crypto, "_kdf_seconds", 0.01)
    asked = time.monotonic()
    with pytest.raises(KdfStopped, match="timed out"):
        AbortableKdf(_slow)(*ARGS)
    assert abortable.TIMEOUT_LEAST_S <= time.monotonic() - asked < 15


def test_with_no_child_to_be_had_the_calling_thread_computes_it(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_fork() -> int:
        raise OSError(errno.EAGAIN, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)
    kdf = AbortableKdf()
    assert kdf(*ARGS) == crypto.argon2id_raw(*ARGS) and kdf.ended == []


def test_nothing_is_forked_before_argon2id_has_run_in_the_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first computation loads what the child will need (a child must not need the dynamic loader, whose
    lock another thread may hold at the fork), so it runs on the calling thread."""
    monkeypatch.setattr(crypto, "_kdf_seconds", None)
    kdf = AbortableKdf()
    assert kdf(*ARGS) == crypto.argon2id_raw(*ARGS) and kdf.ended == []
    assert crypto.kdf_ran_here()
    assert AbortableKdf()(*ARGS) == crypto.argon2id_raw(*ARGS)


_PARENT = """
import atexit, os, sqlite3, sys, threading
from pathlib import Path
from clinicrec.db import crypto
from clinicrec.db.abortable import AbortableKdf

work = Path(sys.argv[1])
atexit.register(lambda: (work / "exit-handlers-ran").open("a").write("x"))
buffered = (work / "buffered.txt").open("w")
buffered.write("written once")  # not flushed yet: a child that flushed it would write it twice
db = sqlite3.connect(work / "clinic.sqlite3", isolation_level=None, check_same_thread=False)
db.execute("CREATE TABLE t (b BLOB)")
db.execute("INSERT INTO t VALUES (randomblob(50000))")
args = ("a password", b"0123456789abcdef", 3, 65536, 2, 32)
crypto.argon2id_raw(*args)
reads, stop = [], threading.Event()

def reader():
    while not stop.is_set():
        reads.append(db.execute("SELECT length(b) FROM t").fetchone()[0])

def unwrap():
    kdf = AbortableKdf()
    assert kdf(*args) == crypto.argon2id_raw(*args)
    assert len(kdf.ended) == 1 and os.WIFEXITED(kdf.ended[0][1]) and os.WEXITSTATUS(kdf.ended[0][1]) == 0

threads = [threading.Thread(target=reader), threading.Thread(target=unwrap)]
threads[0].start()
while not reads:
    pass
threads[1].start()  # forked from a worker thread, while another thread reads the database
threads[1].join()
stop.set()
threads[0].join()
assert set(reads) == {50000}
unwrap()  # and from the main thread (a child that returned into it would run the exit handlers)
db.execute("INSERT INTO t VALUES (zeroblob(10))")  # the parent's connection is its own as before
assert not (work / "exit-handlers-ran").exists()
print("ok", flush=True)
"""


def test_the_child_runs_nothing_of_its_parent(tmp_path: Path) -> None:
    """The child, forked from a worker thread while another thread reads the database, never returns into
    the parent's code: its end runs none of its parent's exit handlers and flushes none of its buffered
    files (which would write their text twice). The parent goes on as if nothing happened."""
    done = subprocess.run(
        [sys.executable, "-c", _PARENT, str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0 and done.stdout == "ok\n", done.stderr
    assert (tmp_path / "buffered.txt").read_text() == "written once"
    assert (tmp_path / "exit-handlers-ran").read_text() == "x"  # the parent's own exit ran them, once
